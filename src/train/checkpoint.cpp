#include "critnet/train/checkpoint.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/train/train.h"

namespace critnet::train {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string normalise(const std::string& path) {
  auto p = fs::path(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // drop a trailing '/'
  return p.string();
}

}  // namespace

std::string find_checkpoint_dir(const std::string& path) {
  const std::string p = normalise(path);
  std::error_code ec;
  if (fs::exists(fs::path(p) / "checkpoint" / "state.json", ec))
    return (fs::path(p) / "checkpoint").string();
  if (fs::exists(fs::path(p) / "state.json", ec)) return p;
  if (!fs::exists(p, ec)) throw DataError(p + ": no such run or checkpoint directory");
  throw DataError(p + ": no checkpoint found (expected " + p + "/checkpoint/state.json or " + p +
                  "/state.json)");
}

json read_checkpoint_state(const std::string& checkpoint_dir) {
  const fs::path file = fs::path(checkpoint_dir) / "state.json";
  std::istringstream in(io::read_text_file(file, "checkpoint state"));
  return parse_checkpoint_state(in, file.string());
}

json parse_checkpoint_state(std::istream& in, const std::string& file) {
  const json state = critnet::detail::parse_json(in, file);
  CRITNET_CHECK_DATA(state.is_object(), file, ": expected a JSON object, got a ",
                     state.type_name());
  for (const char* key : {"epoch", "step", "model", "optimizer", "config"}) {
    CRITNET_CHECK_DATA(state.contains(key), file, ": missing key '", key, "'");
  }
  // Every key resuming reads, checked here so that a damaged file is one DataError naming it.
  auto count = [&](const char* key) {
    const auto v = critnet::detail::json_integer<int64_t>(state.at(key));
    CRITNET_CHECK_DATA(v.has_value() && *v >= 0, file, ": '", key,
                       "' must be an integer >= 0, got ", state.at(key).dump());
  };
  count("epoch");
  count("step");
  if (state.contains("batches_done")) count("batches_done");
  for (const char* key : {"model", "optimizer"}) {
    const json& v = state.at(key);
    // A plain name inside the checkpoint directory: never a path that leaves it.
    const bool plain = v.is_string() && !v.get<std::string>().empty() &&
                       v.get<std::string>().find('/') == std::string::npos &&
                       v.get<std::string>() != "." && v.get<std::string>() != "..";
    CRITNET_CHECK_DATA(plain, file, ": '", key,
                       "' must be a file name in the checkpoint directory, got ", v.dump());
  }
  CRITNET_CHECK_DATA(state.at("config").is_object(), file, ": 'config' must be an object, got a ",
                     state.at("config").type_name());
  if (state.contains("complete"))
    CRITNET_CHECK_DATA(state.at("complete").is_boolean(), file,
                       ": 'complete' must be true or false, got ", state.at("complete").dump());
  if (state.contains("history")) {
    const json& history = state.at("history");
    CRITNET_CHECK_DATA(history.is_array(), file, ": 'history' must be a list, got a ",
                       history.type_name());
    for (std::size_t i = 0; i < history.size(); ++i) {
      try {
        EpochMetrics::from_json(history[i]);
      } catch (const std::exception& e) {
        throw DataError(file + ": history entry " + std::to_string(i) + " is damaged (" + e.what() +
                        ")");
      }
    }
  }
  return state;
}

namespace {

std::string shape_of(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

}  // namespace

void load_model_file(nn::Mlp& model, const std::string& file) {
  io::require_regular_file(file, "model file");
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& p : model->named_parameters())
    expected.emplace_back(p.key(), shape_of(p.value()));
  try {
    torch::load(model, file, torch::Device(torch::kCPU));
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw DataError(file + ": cannot load the model (" + what.substr(0, what.find('\n')) +
                    "): a damaged file, or one from another run than its state.json");
  }
  const auto loaded = model->named_parameters();
  for (const auto& [name, shape] : expected) {
    const std::string got = shape_of(loaded[name]);
    CRITNET_CHECK_DATA(got == shape, file, ": parameter ", name, " is ", got,
                       " but the checkpoint's state.json config makes it ", shape,
                       " (the model file belongs to another run)");
  }
}

data::DataSpec data_spec_from_config(const json& config) {
  try {
    return config.at("train").at("data").get<data::DataSpec>();
  } catch (const json::exception& e) {
    throw DataError(std::string("config has no train.data spec (") + e.what() + ")");
  }
}

LoadedModel load_model(const std::string& path) {
  const std::string dir = find_checkpoint_dir(path);
  const json state = read_checkpoint_state(dir);
  const json& config = state.at("config");
  LoadedModel loaded;
  try {
    const json& model = config.at("train").at("model");
    nn::MlpOptions options(config.at("data").at("input_size").get<int64_t>(),
                           config.at("data").at("num_classes").get<int64_t>());
    options.hidden_sizes(model.at("hidden").get<std::vector<int64_t>>())
        .activation(nn::parse_activation(model.at("activation").get<std::string>()))
        .init(nn::parse_init(model.at("init").get<std::string>()));
    loaded.model = nn::Mlp(options);
    loaded.epoch = state.at("epoch").get<int64_t>();
  } catch (const json::exception& e) {
    throw DataError(dir + "/state.json: bad model config (" + e.what() + ")");
  } catch (const InvalidArgument& e) {
    throw DataError(dir + "/state.json: bad model config (" + e.what() + ")");
  }
  const std::string file = (fs::path(dir) / state.at("model").get<std::string>()).string();
  std::error_code ec;
  CRITNET_CHECK_DATA(fs::exists(file, ec), file, ": missing model file named by state.json");
  load_model_file(loaded.model, file);
  loaded.model->eval();
  loaded.config = config;
  return loaded;
}

}  // namespace critnet::train
