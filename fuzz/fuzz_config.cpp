// libFuzzer target: the config reader of `critnet train --config` (train::parse_options_json,
// then TrainOptions::validate). The input is the file's text. Every rejection must be a
// critnet::Error; options that were read must survive to_json -> from_json unchanged (a run's
// config.json is read back by --config and --resume).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "critnet/core/error.h"
#include "critnet/train/train.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using critnet::train::TrainOptions;
  TrainOptions options;
  try {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    options = critnet::train::parse_options_json(in, "fuzz.json");
  } catch (const critnet::Error&) {
    return 0;
  }
  try {
    options.validate();
  } catch (const critnet::Error&) {
  }
  // Outside any try: an exception here is a finding.
  const nlohmann::json written = options;
  TrainOptions back;
  from_json(written, back);
  if (nlohmann::json(back) != written) __builtin_trap();
  return 0;
}
