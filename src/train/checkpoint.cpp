#include "critnet/train/checkpoint.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

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

namespace {

// Loads the serialised model `bytes` (read from `file`) into `model` and checks every
// parameter's shape against the one `model` was built with (its state.json config).
void load_model_bytes(nn::Mlp& model, const std::string& bytes, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& p : model->named_parameters())
    expected.emplace_back(p.key(), shape_of(p.value()));
  try {
    std::istringstream in(bytes);
    torch::load(model, in, torch::Device(torch::kCPU));
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

// The whole file, or nothing when it cannot be opened (e.g. it was just deleted).
std::optional<std::string> slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  CRITNET_CHECK_DATA(!in.bad(), file, ": read error");
  return bytes.str();
}

}  // namespace

void load_model_file(nn::Mlp& model, const std::string& file) {
  io::require_regular_file(file, "model file");
  const std::optional<std::string> bytes = slurp(file);
  CRITNET_CHECK_DATA(bytes.has_value(), file, ": cannot open the model file");
  load_model_bytes(model, *bytes, file);
}

data::DataSpec data_spec_from_config(const json& config) {
  try {
    return config.at("train").at("data").get<data::DataSpec>();
  } catch (const json::exception& e) {
    throw DataError(std::string("config has no train.data spec (") + e.what() + ")");
  }
}

namespace {

// state.json of `dir` and the bytes of the model file it names. A live run writes the new
// model file, renames the new state.json over the old one, then deletes the old model file:
// a reader between those steps finds the old state.json naming a deleted file, so it reads
// state.json again (a few times) before calling the file missing. The bytes are read at once,
// so a rotation after the read cannot take the file away.
struct StateAndModel {
  json state;
  std::string file;
  std::string bytes;
};

// Attempts at reading a consistent state.json + model file (2 ms, 4 ms, ... apart: 2.5 s in all).
constexpr int kMaxAttempts = 50;

StateAndModel read_state_and_model(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    json state = read_checkpoint_state(dir);
    std::string file = (fs::path(dir) / state.at("model").get<std::string>()).string();
    std::error_code ec;
    const fs::file_status st = fs::status(file, ec);
    if (!ec && !fs::is_regular_file(st)) io::require_regular_file(file, "model file");  // throws
    if (std::optional<std::string> bytes = ec ? std::nullopt : slurp(file))
      return {std::move(state), std::move(file), std::move(*bytes)};
    // The trainer replaced the checkpoint between our read of state.json and the open: read
    // the new state.json. A slow reader (a sanitizer build, a loaded machine) beside a trainer
    // that checkpoints often can lose several times in a row; back off a little each time.
    CRITNET_CHECK_DATA(attempt < kMaxAttempts, file, ": missing model file named by state.json");
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * (attempt + 1)));
  }
}

}  // namespace

LoadedModel load_model(const std::string& path) {
  const std::string dir = find_checkpoint_dir(path);
  const StateAndModel read = read_state_and_model(dir);
  const json& state = read.state;
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
  load_model_bytes(loaded.model, read.bytes, read.file);
  loaded.model->eval();
  loaded.config = config;
  return loaded;
}

}  // namespace critnet::train
