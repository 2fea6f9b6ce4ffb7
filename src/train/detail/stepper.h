#pragma once
/// The trainer's step paths behind one interface (train.cpp runs the loop): LibTorch
/// autograd + torch::optim::Adam, the fast CPU step (FastMlpStep) and the device step
/// (DeviceMlpStep, optionally replayed as a CUDA graph). A stepper takes the epoch's batches
/// in order, runs one optimiser step per batch, shares its Adam state with the trainer's
/// torch::optim::Adam (so every path reads and writes the same checkpoints) and sums the
/// epoch's losses. A new path is one file implementing Stepper and one line in
/// make_stepper().
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"
#include "critnet/train/fast_step.h"
#include "critnet/train/step_totals.h"
#include "critnet/train/train.h"

namespace critnet::train::detail {

/// What a run's stepper is built from (all of it outlives the stepper).
struct StepperSetup {
  const TrainOptions& options;     ///< validated
  nn::Mlp model;                   ///< on the training device, in train mode
  const data::Dataset& train_set;  ///< on the training device
  torch::Device device;            ///< the training device
  std::vector<int64_t> layers;     ///< the penalised layers (penalised_layers())
  int64_t max_batch = 0;           ///< min(batch size, train samples)
};

/// Where a step is: the batch it takes, its probes' seed, its error messages.
struct StepAt {
  int64_t epoch = 0;  ///< 1-based
  int64_t batch = 0;  ///< 0-based, within the epoch
  int64_t step = 0;   ///< steps done before this one, in the whole run
};

class Stepper {
 public:
  virtual ~Stepper() = default;
  /// config.json's "step_path": "autograd", "fast", "device" or "device+cuda-graph".
  virtual std::string path() const = 0;
  /// Shares the Adam state of `optimizer` (over the model's parameters, in order; loaded from
  /// the checkpoint when resuming). Once, before the first step.
  virtual void attach(torch::optim::Adam& optimizer) = 0;
  /// Starts an epoch: order [n] int64 (data::epoch_order(), on the training device); the
  /// first step takes batch first_batch. `so_far`: the sums of the epoch's steps before
  /// first_batch (an interrupted epoch continued from its checkpoint; zeros otherwise), which
  /// end_epoch()'s sums continue, in the order an uninterrupted epoch adds them.
  virtual void begin_epoch(const torch::Tensor& order, int64_t first_batch,
                           const StepTotals& so_far) = 0;
  /// One optimiser step on batch at.batch of the epoch (the penalty's gradient added when
  /// with_penalty). Returns its loss, or NaN from a stepper that reads its losses once per
  /// epoch. Throws NumericalError naming the step when its loss is not finite or a penalty
  /// fails (the trainer appends where the last checkpoint is).
  virtual double step(const StepAt& at, bool with_penalty) = 0;
  /// The sums of the steps since begin_epoch(). A stepper that reads its losses once per
  /// epoch throws NumericalError here when they are not finite.
  virtual StepTotals end_epoch() = 0;
  /// Writes the step count into the optimizer's state before a checkpoint saves it.
  virtual void sync(torch::optim::Adam& optimizer) = 0;
};

/// The path the options ask for: autograd when !fast_step; else the device step off the CPU
/// or with device_step (as a CUDA graph on CUDA with cuda_graph); else the fast CPU step.
std::unique_ptr<Stepper> make_stepper(const StepperSetup& setup);

/// The paths, one file each (autograd_stepper.cpp, fast_stepper.cpp, device_stepper.cpp).
std::unique_ptr<Stepper> make_autograd_stepper(const StepperSetup& setup);
std::unique_ptr<Stepper> make_fast_stepper(const StepperSetup& setup);
std::unique_ptr<Stepper> make_device_stepper(const StepperSetup& setup, bool cuda_graph);

/// Seeds torch's global generator for the Hutchinson probes of the step after `steps_done`,
/// from (options.seed, step), so that a resumed run draws the same probes.
void seed_probes(const TrainOptions& options, int64_t steps_done);

/// The options' Adam hyper-parameters.
AdamSettings adam_settings(const TrainOptions& options);

/// A loss or penalty in an error message (6 significant digits).
std::string format_value(double v);

}  // namespace critnet::train::detail
