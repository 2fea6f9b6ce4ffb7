// The sums of a run of optimiser steps (step_totals.h).
#include "critnet/train/step_totals.h"

#include "critnet/core/error.h"

namespace critnet::train {

StepTotals& StepTotals::operator+=(const StepTotals& other) {
  steps += other.steps;
  samples += other.samples;
  penalty_steps += other.penalty_steps;
  data_loss_sum += other.data_loss_sum;
  reg_term_sum += other.reg_term_sum;
  loss_sum += other.loss_sum;
  for (size_t i = 0; i < other.penalty_sums.size() && i < penalty_sums.size(); ++i)
    penalty_sums[i] += other.penalty_sums[i];
  return *this;
}

nlohmann::json StepTotals::to_json() const {
  return {{"steps", steps},
          {"samples", samples},
          {"penalty_steps", penalty_steps},
          {"loss_sum", loss_sum},
          {"data_loss_sum", data_loss_sum},
          {"reg_term_sum", reg_term_sum},
          {"penalty_sums", penalty_sums}};
}

StepTotals StepTotals::from_json(const nlohmann::json& j, size_t layers, const std::string& file) {
  StepTotals t;
  try {
    t.steps = j.at("steps").get<int64_t>();
    t.samples = j.at("samples").get<int64_t>();
    t.penalty_steps = j.at("penalty_steps").get<int64_t>();
    t.loss_sum = j.at("loss_sum").get<double>();
    t.data_loss_sum = j.at("data_loss_sum").get<double>();
    t.reg_term_sum = j.at("reg_term_sum").get<double>();
    t.penalty_sums = j.at("penalty_sums").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(file + ": bad \"epoch_totals\" (" + e.what() + ")");
  }
  if (t.steps < 0 || t.samples < 0 || t.penalty_steps < 0 || t.penalty_steps > t.steps ||
      t.penalty_sums.size() != layers) {
    throw DataError(file + ": bad \"epoch_totals\" (negative counts, or " +
                    std::to_string(t.penalty_sums.size()) + " penalty sums for " +
                    std::to_string(layers) + " penalised layers)");
  }
  return t;
}

}  // namespace critnet::train
