#pragma once
/// The trainer's fast CPU step for nn::Mlp (the default of `critnet train`; docs/performance.md):
/// hand-written backpropagation (bias + activation fused into addmm and in-place kernels,
/// every product into preallocated buffers), the parameters, their gradients and Adam's
/// moments as views into flat contiguous buffers, and Adam as one vectorised pass over them.
/// Exact: the same loss and gradients as LibTorch's autograd (tests: 1e-5 in float32, 1e-10
/// in float64) and the same Adam update as torch::optim::Adam (whose state it shares, so
/// checkpoints are interchangeable with the autograd path).
#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "critnet/nn/mlp.h"

namespace critnet::train {

namespace detail {
class FlatMlp;
}

/// Adam's hyper-parameters (torch::optim::Adam's formula, no amsgrad).
struct AdamSettings {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

class FastMlpStep {
 public:
  /// Moves the model's parameters into one flat buffer (each parameter becomes a view of it,
  /// values kept) and gives each a gradient that is a view of a second flat buffer.
  /// Buffers for batches of up to max_batch samples are allocated once. The model must be
  /// on the CPU, float32 or float64. Throws InvalidArgument otherwise.
  FastMlpStep(nn::Mlp model, int64_t max_batch);
  ~FastMlpStep();
  FastMlpStep(const FastMlpStep&) = delete;
  FastMlpStep& operator=(const FastMlpStep&) = delete;

  /// Forward pass (no autograd graph) and the mean cross-entropy of logits vs labels y
  /// ([batch] int64, values in [0, classes)); x is [batch, input] of the model's dtype,
  /// batch ≤ max_batch. Keeps what backward() needs.
  double forward(const torch::Tensor& x, const torch::Tensor& y);

  /// Gradient of the last forward()'s mean cross-entropy into every parameter's .grad()
  /// (overwritten, not accumulated). A penalty's autograd backward may add to them
  /// afterwards (AccumulateGrad adds in place into the defined gradients).
  void backward();

  /// Makes the Adam state of `optimizer` (which must hold exactly the model's parameters, in
  /// order) views of the step's flat moment buffers, creating zero state where it has none
  /// and copying loaded state in; the step count is taken from it. Call once after the
  /// optimizer is created and (when resuming) loaded.
  void attach(torch::optim::Adam& optimizer);

  /// One Adam step over all parameters in one pass (needs attach()); the bias correction
  /// uses the step count, which it increments.
  void adam_step(const AdamSettings& settings);

  /// Writes the step count into every parameter's AdamParamState (call before saving it).
  void sync_state(torch::optim::Adam& optimizer) const;

  int64_t steps() const { return steps_; }
  const torch::Tensor& flat_parameters() const;
  const torch::Tensor& flat_gradients() const;

 private:
  /// The flat parameters and buffers and the forward and backward passes (shared with
  /// DeviceMlpStep).
  std::unique_ptr<detail::FlatMlp> net_;
  torch::Tensor labels_;
  int64_t steps_ = 0;
  bool attached_ = false;
};

}  // namespace critnet::train
