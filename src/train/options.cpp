// TrainOptions: validation and JSON.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"
#include "critnet/train/checkpoint.h"
#include "critnet/train/train.h"

namespace critnet::train {
namespace {

using nlohmann::json;

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

template <typename T>
T get(const json& value, const std::string& key) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // Checked: nlohmann casts 2.5 to 2 and 1e300 out of range (undefined behaviour).
    if (const auto v = critnet::detail::json_integer<T>(value)) return *v;
    if (!value.is_number())
      throw InvalidArgument("config option '" + key + "': wrong type (" + value.dump() + ")");
    throw InvalidArgument("config option '" + key + "': expected an integer in [" +
                          std::to_string(std::numeric_limits<T>::min()) + ", " +
                          std::to_string(std::numeric_limits<T>::max()) + "], got " + value.dump());
  } else if constexpr (IsVector<T>::value) {
    CRITNET_CHECK(value.is_array(), "config option '", key, "': wrong type (", value.dump(), ")");
    T out;
    for (const auto& item : value) out.push_back(get<typename T::value_type>(item, key));
    return out;
  } else {
    try {
      return value.get<T>();
    } catch (const json::exception&) {
      throw InvalidArgument("config option '" + key + "': wrong type (" + value.dump() + ")");
    }
  }
}

void check_object(const json& j, const std::string& what) {
  CRITNET_CHECK(j.is_object(), "config '", what, "' must be a JSON object, got ", j.dump());
}

// The JSON "reg" object is flat: the penalty's options and the schedule side by side.
json reg_to_json(const PenaltySchedule& r) {
  const reg::PenaltyOptions& p = r.penalty();
  return {{"preset", reg::to_string(p.preset())},
          {"beta", p.beta()},
          {"strength", r.strength()},
          {"gram_side", reg::to_string(p.gram_side())},
          {"n_convention", reg::to_string(p.n_convention())},
          {"coefficients", p.coefficients()},
          {"layers", r.layers()},
          {"interval", r.interval()},
          {"probes", p.probes()}};
}

void reg_from_json(const json& j, PenaltySchedule& r) {
  check_object(j, "reg");
  reg::PenaltyOptions& p = r.penalty();
  for (const auto& [key, v] : j.items()) {
    const std::string k = "reg." + key;
    if (key == "preset")
      p.preset(reg::parse_preset(get<std::string>(v, k)));
    else if (key == "beta")
      p.beta(get<double>(v, k));
    else if (key == "strength")
      r.strength(get<double>(v, k));
    else if (key == "gram_side")
      p.gram_side(reg::parse_gram_side(get<std::string>(v, k)));
    else if (key == "n_convention")
      p.n_convention(reg::parse_n_convention(get<std::string>(v, k)));
    else if (key == "coefficients")
      p.coefficients(get<std::vector<double>>(v, k));
    else if (key == "layers")
      r.layers(get<std::vector<int64_t>>(v, k));
    else if (key == "interval")
      r.interval(get<int64_t>(v, k));
    else if (key == "probes")
      p.probes(get<int64_t>(v, k));
    else
      throw InvalidArgument("unknown config option '" + k + "'");
  }
}

}  // namespace

void TrainOptions::validate() const {
  CRITNET_CHECK(std::isfinite(lr) && lr > 0, "learning rate must be > 0, got ", lr);
  CRITNET_CHECK(beta1 >= 0 && beta1 < 1, "Adam beta1 must be in [0, 1), got ", beta1);
  CRITNET_CHECK(beta2 >= 0 && beta2 < 1, "Adam beta2 must be in [0, 1), got ", beta2);
  CRITNET_CHECK(std::isfinite(eps) && eps > 0, "Adam eps must be finite and > 0, got ", eps);
  CRITNET_CHECK(std::isfinite(weight_decay) && weight_decay >= 0,
                "weight decay must be finite and >= 0, got ", weight_decay);
  CRITNET_CHECK(batch_size > 0 && batch_size <= kMaxBatchSize, "batch size must be in 1..",
                kMaxBatchSize, ", got ", batch_size);
  CRITNET_CHECK(epochs > 0, "epochs must be > 0, got ", epochs);
  CRITNET_CHECK(max_steps >= 0, "max steps must be >= 0 (0 = no limit), got ", max_steps);
  check_threads(threads);
  CRITNET_CHECK(eval_batch_size > 0 && eval_batch_size <= kMaxBatchSize,
                "eval batch size must be in 1..", kMaxBatchSize, ", got ", eval_batch_size);
  for (auto h : hidden_sizes)
    CRITNET_CHECK(h > 0 && h <= kMaxWidth, "hidden layer sizes must be in 1..", kMaxWidth, ", got ",
                  h);
  reg.validate();
  // Known before the data: the net has one Linear layer per hidden width plus the output one.
  const auto num_linears = static_cast<int64_t>(hidden_sizes.size()) + 1;
  // Throws for a named layer the net lacks, or a penalty with no layer to act on.
  if (reg.enabled() || !reg.layers().empty()) penalised_layers(reg, num_linears);
}

void to_json(nlohmann::json& j, const TrainOptions& o) {
  j = json{{"data", o.data},
           {"model",
            {{"hidden", o.hidden_sizes},
             {"activation", nn::to_string(o.activation)},
             {"init", nn::to_string(o.init)}}},
           {"optimizer",
            {{"lr", o.lr},
             {"beta1", o.beta1},
             {"beta2", o.beta2},
             {"eps", o.eps},
             {"weight_decay", o.weight_decay}}},
           {"batch_size", o.batch_size},
           {"epochs", o.epochs},
           {"max_steps", o.max_steps},
           {"seed", o.seed},
           {"device", o.device},
           {"threads", o.threads},
           {"fast_step", o.fast_step},
           {"device_step", o.device_step},
           {"cuda_graph", o.cuda_graph},
           {"reg", reg_to_json(o.reg)},
           {"out_dir", o.out_dir},
           {"checkpoint", o.checkpoint},
           {"evaluate", o.evaluate},
           {"eval_batch_size", o.eval_batch_size},
           {"resume", o.resume}};
}

void from_json(const nlohmann::json& j_in, TrainOptions& o) {
  check_object(j_in, "train");
  // A resolved config.json carries the options under "train".
  const json& j =
      (j_in.contains("train") && j_in.contains("critnet_version")) ? j_in.at("train") : j_in;
  check_object(j, "train");
  for (const auto& [key, v] : j.items()) {
    if (key == "data") {
      o.data = v.get<data::DataSpec>();
    } else if (key == "model") {
      check_object(v, "model");
      for (const auto& [mk, mv] : v.items()) {
        const std::string k = "model." + mk;
        if (mk == "hidden")
          o.hidden_sizes = get<std::vector<int64_t>>(mv, k);
        else if (mk == "activation")
          o.activation = nn::parse_activation(get<std::string>(mv, k));
        else if (mk == "init")
          o.init = nn::parse_init(get<std::string>(mv, k));
        else
          throw InvalidArgument("unknown config option '" + k + "'");
      }
    } else if (key == "optimizer") {
      check_object(v, "optimizer");
      for (const auto& [ok, ov] : v.items()) {
        const std::string k = "optimizer." + ok;
        if (ok == "lr")
          o.lr = get<double>(ov, k);
        else if (ok == "beta1")
          o.beta1 = get<double>(ov, k);
        else if (ok == "beta2")
          o.beta2 = get<double>(ov, k);
        else if (ok == "eps")
          o.eps = get<double>(ov, k);
        else if (ok == "weight_decay")
          o.weight_decay = get<double>(ov, k);
        else
          throw InvalidArgument("unknown config option '" + k + "'");
      }
    } else if (key == "reg") {
      reg_from_json(v, o.reg);
    } else if (key == "batch_size") {
      o.batch_size = get<int64_t>(v, key);
    } else if (key == "epochs") {
      o.epochs = get<int64_t>(v, key);
    } else if (key == "max_steps") {
      o.max_steps = get<int64_t>(v, key);
    } else if (key == "seed") {
      o.seed = get<uint64_t>(v, key);
    } else if (key == "device") {
      o.device = get<std::string>(v, key);
    } else if (key == "threads") {
      o.threads = get<int>(v, key);
    } else if (key == "fast_step") {
      o.fast_step = get<bool>(v, key);
    } else if (key == "device_step") {
      o.device_step = get<bool>(v, key);
    } else if (key == "cuda_graph") {
      o.cuda_graph = get<bool>(v, key);
    } else if (key == "out_dir") {
      o.out_dir = get<std::string>(v, key);
    } else if (key == "checkpoint") {
      o.checkpoint = get<bool>(v, key);
    } else if (key == "evaluate") {
      o.evaluate = get<bool>(v, key);
    } else if (key == "eval_batch_size") {
      o.eval_batch_size = get<int64_t>(v, key);
    } else if (key == "resume") {
      o.resume = get<std::string>(v, key);
    } else {
      throw InvalidArgument("unknown config option '" + key + "'");
    }
  }
}

TrainOptions parse_options_json(std::istream& in, const std::string& source) {
  const json j = critnet::detail::parse_json(in, source);
  TrainOptions o;
  from_json(j, o);
  return o;
}

TrainOptions read_options_file(const std::string& path) {
  std::istringstream in(io::read_text_file(path, "config file"));
  return parse_options_json(in, path);
}

TrainOptions resume_options(const std::string& dir) {
  const std::string ckpt = find_checkpoint_dir(dir);
  const json state = read_checkpoint_state(ckpt);
  TrainOptions o;
  try {
    from_json(state.at("config").at("train"), o);
  } catch (const json::exception& e) {
    throw DataError(ckpt + "/state.json: no usable config (" + e.what() + ")");
  } catch (const InvalidArgument& e) {
    throw DataError(ckpt + "/state.json: bad config (" + e.what() + ")");
  }
  o.resume = dir;
  o.out_dir = std::filesystem::path(ckpt).parent_path().string();
  return o;
}

}  // namespace critnet::train
