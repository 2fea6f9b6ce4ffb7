// libFuzzer target: the reader of a checkpoint's state.json (train::parse_checkpoint_state) and
// what resuming and loading do with it next: the run's training options and its data spec.
// The input is the file's text. Every rejection must be a critnet::Error.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "critnet/core/error.h"
#include "critnet/train/checkpoint.h"
#include "critnet/train/train.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json state;
  try {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    state = critnet::train::parse_checkpoint_state(in, "state.json");
  } catch (const critnet::Error&) {
    return 0;
  }
  // parse_checkpoint_state promises these.
  if (!state.at("config").is_object() || !state.at("model").is_string()) __builtin_trap();
  const nlohmann::json& config = state.at("config");
  try {
    critnet::train::data_spec_from_config(config);
  } catch (const critnet::Error&) {
  }
  if (config.contains("train")) {
    try {
      critnet::train::TrainOptions options;
      from_json(config.at("train"), options);
      options.validate();
    } catch (const critnet::Error&) {
    }
  }
  return 0;
}
