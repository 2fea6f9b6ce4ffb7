#include "train/detail/stepper.h"

#include <sstream>

#include "critnet/core/error.h"
#include "critnet/core/random.h"
#include "critnet/data/batches.h"

namespace critnet::train::detail {

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
