// The device path (DeviceMlpStep): the training set resident on the device, the batch chosen
// there, no host round trip per step (on CUDA a replayed graph); the losses are read once, at
// the epoch's end, and checked then.
#include <cmath>
#include <limits>
#include <sstream>

#include "critnet/core/error.h"
#include "critnet/train/device_step.h"
#include "train/detail/stepper.h"

namespace critnet::train::detail {
namespace {

DeviceStepOptions device_options(const StepperSetup& setup, bool cuda_graph) {
  DeviceStepOptions d;
  d.max_batch = setup.max_batch;
  d.adam = adam_settings(setup.options);
  d.reg = setup.options.reg;
  d.layers = setup.layers;
  d.cuda_graph = cuda_graph;
  return d;
}

class DeviceStepper final : public Stepper {
 public:
  DeviceStepper(const StepperSetup& setup, bool cuda_graph)
      : options_(setup.options),
        layers_(setup.layers),
        cuda_graph_(cuda_graph),
        step_(setup.model, device_options(setup, cuda_graph)) {
    step_.set_data(setup.train_set.inputs, setup.train_set.labels);
  }

  std::string path() const override { return cuda_graph_ ? "device+cuda-graph" : "device"; }
  void attach(torch::optim::Adam& optimizer) override { step_.attach(optimizer); }
  void sync(torch::optim::Adam& optimizer) override { step_.sync_state(optimizer); }

  void begin_epoch(const torch::Tensor& order, int64_t first_batch,
                   const StepTotals& so_far) override {
    step_.begin_epoch(order, first_batch);
    epoch_steps_ = 0;
    so_far_ = so_far;
  }

  double step(const StepAt& at, bool with_penalty) override {
    // As the batch steppers; a replayed CUDA graph draws its probes from the advancing CUDA
    // generator instead (docs/cuda.md).
    if (with_penalty && options_.reg.penalty().probes() > 0 && !cuda_graph_)
      seed_probes(options_, at.step);
    step_.step(with_penalty);
    if (epoch_steps_++ == 0) first_ = at;
    last_ = at;
    return std::numeric_limits<double>::quiet_NaN();
  }

  StepTotals end_epoch() override {
    // A continued epoch: its earlier steps' sums, added once (the device sums its own steps
    // on the device, in another order than the host's running sums anyway).
    StepTotals e = step_.take_totals();
    e += so_far_;
    if (e.steps > 0 && !std::isfinite(e.loss_sum)) throw_non_finite(e);
    return e;
  }

 private:
  [[noreturn]] void throw_non_finite(const StepTotals& e) const {
    std::ostringstream out;
    out << "non-finite loss in epoch " << first_.epoch << " (steps " << first_.step + 1 << " to "
        << last_.step + 1 << "; the device step reads its losses once per epoch): summed data loss "
        << format_value(e.data_loss_sum) << ", summed penalty term "
        << format_value(e.reg_term_sum);
    if (!layers_.empty()) {
      out << "; summed penalties by layer:";
      for (size_t i = 0; i < layers_.size(); ++i)
        out << (i ? ", " : " ") << layers_[i] << " = " << format_value(e.penalty_sums[i]);
    }
    out << " (train on the CPU to find the step)";
    throw NumericalError(out.str());
  }

  const TrainOptions& options_;
  const std::vector<int64_t> layers_;
  const bool cuda_graph_;
  DeviceMlpStep step_;
  // The epoch's steps so far: how many, the first and the last.
  int64_t epoch_steps_ = 0;
  StepAt first_, last_;
  StepTotals so_far_;  // the sums before this process's first step of the epoch
};

}  // namespace

std::unique_ptr<Stepper> make_device_stepper(const StepperSetup& setup, bool cuda_graph) {
  return std::make_unique<DeviceStepper>(setup, cuda_graph);
}

}  // namespace critnet::train::detail
