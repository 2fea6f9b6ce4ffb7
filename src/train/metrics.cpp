// EpochMetrics as JSON (metrics.jsonl, state.json's history).
#include <cmath>
#include <limits>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/train/train.h"

namespace critnet::train {
using json = nlohmann::json;

namespace {

double nan() {
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

json EpochMetrics::to_json() const {
  json pen = json::array();
  for (const auto& [layer, value] : reg_penalty)
    pen.push_back({{"layer", layer}, {"value", value}});
  return {{"epoch", epoch},
          {"step", step},
          {"complete", complete},
          {"samples", samples},
          {"train_loss", train_loss},
          {"data_loss", data_loss},
          {"reg_loss", reg_loss},
          {"reg_penalty", pen},
          {"test_loss", std::isfinite(test_loss) ? json(test_loss) : json(nullptr)},
          {"test_accuracy", std::isfinite(test_accuracy) ? json(test_accuracy) : json(nullptr)},
          {"wall_s", wall_s},
          {"train_s", train_s},
          {"samples_per_s", samples_per_s}};
}

EpochMetrics EpochMetrics::from_json(const json& j) {
  auto num = [&](const char* key) {
    const auto& v = j.at(key);
    return v.is_null() ? nan() : v.get<double>();
  };
  // Checked: nlohmann's get<int64_t>() of 1e300 is undefined behaviour.
  auto integer = [](const json& v, const char* key) {
    const auto i = critnet::detail::json_integer<int64_t>(v);
    CRITNET_CHECK_DATA(i.has_value(), "metrics '", key, "' must be an integer, got ", v.dump());
    return *i;
  };
  EpochMetrics m;
  m.epoch = integer(j.at("epoch"), "epoch");
  m.step = integer(j.at("step"), "step");
  m.complete = j.value("complete", true);
  m.samples = j.contains("samples") ? integer(j.at("samples"), "samples") : 0;
  m.train_loss = num("train_loss");
  m.data_loss = num("data_loss");
  m.reg_loss = num("reg_loss");
  for (const auto& p : j.at("reg_penalty")) {
    m.reg_penalty.emplace_back(integer(p.at("layer"), "layer"),
                               p.at("value").is_null() ? nan() : p.at("value").get<double>());
  }
  m.test_loss = num("test_loss");
  m.test_accuracy = num("test_accuracy");
  m.wall_s = num("wall_s");
  m.train_s = num("train_s");
  m.samples_per_s = num("samples_per_s");
  return m;
}

}  // namespace critnet::train
