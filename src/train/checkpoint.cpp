#include "critnet/train/checkpoint.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "critnet/core/error.h"
#include "critnet/core/files.h"

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

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(tmp + ": cannot write (" + std::strerror(errno) + ")");
    out << text;
    out.flush();
    if (!out) throw Error(tmp + ": write failed (" + std::strerror(errno) + ")");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw Error(path + ": cannot rename the temporary file into place (" + why + ")");
  }
}

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
  const std::string file = (fs::path(checkpoint_dir) / "state.json").string();
  require_regular_file(file, "checkpoint state");
  std::ifstream in(file);
  if (!in) throw DataError(file + ": cannot open (" + std::strerror(errno) + ")");
  json state;
  try {
    in >> state;
  } catch (const json::exception& e) {
    throw DataError(file + ": not valid JSON (" + e.what() + ")");
  }
  for (const char* key : {"epoch", "step", "model", "optimizer", "config"}) {
    CRITNET_CHECK_DATA(state.is_object() && state.contains(key), file, ": missing key '", key, "'");
  }
  return state;
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
  try {
    torch::load(loaded.model, file, torch::Device(torch::kCPU));
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw DataError(file + ": cannot load the model (" + what.substr(0, what.find('\n')) + ")");
  }
  loaded.model->eval();
  loaded.config = config;
  return loaded;
}

}  // namespace critnet::train
