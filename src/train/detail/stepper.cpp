#include "train/detail/stepper.h"

#include <sstream>

#include "critnet/core/error.h"
#include "critnet/core/random.h"
#include "critnet/data/batches.h"

namespace critnet::train::detail {

nlohmann::json EpochTotals::to_json() const {
  return {{"steps", steps},
          {"samples", samples},
          {"penalty_steps", penalty_steps},
          {"loss_sum", loss_sum},
          {"data_loss_sum", data_loss_sum},
          {"reg_term_sum", reg_term_sum},
          {"penalty_sums", penalty_sums}};
}

EpochTotals EpochTotals::from_json(const nlohmann::json& j, size_t layers,
                                   const std::string& file) {
  EpochTotals t;
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

std::unique_ptr<Stepper> make_stepper(const StepperSetup& setup) {
  const TrainOptions& o = setup.options;
  if (!o.fast_step) return make_autograd_stepper(setup);
  if (!setup.device.is_cpu() || o.device_step) {
    return make_device_stepper(setup, setup.device.is_cuda() && o.cuda_graph);
  }
  return make_fast_stepper(setup);
}

void seed_probes(const TrainOptions& options, int64_t steps_done) {
  torch::manual_seed(mix_seed(options.seed, 1u << 20) ^ static_cast<uint64_t>(steps_done));
}

AdamSettings adam_settings(const TrainOptions& o) {
  return AdamSettings{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay};
}

std::string format_value(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

}  // namespace critnet::train::detail
