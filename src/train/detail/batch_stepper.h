#pragma once
/// The base of the steppers that read every step's loss on the host (autograd, fast): batch b
/// of an epoch is order[b·B, b·B + B) of the training set; each step's loss is checked before
/// the update (the error names the step, the layer and its penalty) and summed into the
/// epoch's totals. A subclass computes a batch's loss and gradients and applies the update.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "train/detail/stepper.h"

namespace critnet::train::detail {

class BatchStepper : public Stepper {
 public:
  void begin_epoch(const torch::Tensor& order, int64_t first_batch,
                   const StepTotals& so_far) override;
  double step(const StepAt& at, bool with_penalty) override;
  StepTotals end_epoch() override;

 protected:
  explicit BatchStepper(const StepperSetup& setup);

  /// A batch's loss: total = data + (k·λ)·Σ_l penalties[l] (no penalties on other steps).
  struct Loss {
    double total = 0;
    double data = 0;
    std::vector<double> penalties;
  };
  /// The penalty term of a step: (k·λ)·Σ_l R(V_l) as a tensor, and each R(V_l) on the host.
  struct Penalty {
    torch::Tensor term;
    std::vector<double> values;
  };

  /// Loss and gradients of the batch of samples idx [b] (int64 indices into the training
  /// set), the penalty's when with_penalty (penalty()); the update follows in update().
  virtual Loss compute(const torch::Tensor& idx, const StepAt& at, bool with_penalty) = 0;
  /// The optimiser step of the batch compute() took.
  virtual void update() = 0;

  /// Seeds the probes (seed_probes()) and evaluates value_of(l) for each penalised layer l;
  /// a failure (a c10::Error) becomes a NumericalError naming the layer and the step.
  Penalty penalty(const StepAt& at, const std::function<torch::Tensor(int64_t)>& value_of) const;

  const TrainOptions& options_;
  const data::Dataset& train_set_;
  const std::vector<int64_t> layers_;
  /// k·λ: the penalty's weight on the steps where it is applied.
  const double reg_scale_;

 private:
  torch::Tensor order_;
  StepTotals totals_;
};

}  // namespace critnet::train::detail
