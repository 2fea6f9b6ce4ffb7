#pragma once
/// The network side of the hand-written steps (FastMlpStep, DeviceMlpStep): the model's
/// parameters, their gradients and Adam's two moments in flat buffers (each parameter and
/// gradient a view of them), the activations and deltas of a batch of up to max_batch samples
/// in buffers allocated once, and the one forward and backward pass both steps run over them.
/// The steps differ only in what they wrap around it: the loss, the activation's derivative
/// (host loops or ATen kernels), the penalty and the Adam update.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "critnet/nn/mlp.h"

namespace critnet::train::detail {

/// d ← d ⊙ f'(pre-activation) in place, from the post-activation h (both [b, width]).
using ActivationBackward = void (*)(nn::Activation act, const torch::Tensor& h, torch::Tensor& d);

/// d ⊙ f' by loops over the host arrays (CPU tensors, contiguous).
void activation_backward_loops(nn::Activation act, const torch::Tensor& h, torch::Tensor& d);
/// d ⊙ f' by ATen's backward kernels (any device).
void activation_backward_aten(nn::Activation act, const torch::Tensor& h, torch::Tensor& d);

class FlatMlp {
 public:
  /// Checks the model (parameters, all on one device: the CPU when cpu_only; float32 or
  /// float64; a bias in every Linear layer) and max_batch > 0, throwing InvalidArgument
  /// whose message starts with `who` ("fast step: ..."); then moves the parameters into the
  /// flat buffer and allocates the batch buffers on the model's device.
  FlatMlp(nn::Mlp model, int64_t max_batch, const char* who, bool cpu_only,
          ActivationBackward activation_backward);

  /// Forward pass of x [b, inputs] (1 ≤ b ≤ max_batch; the model's dtype and device,
  /// contiguous): per layer bias + product in one addmm into its buffer, the hidden
  /// activation in place. Keeps x for backward(). Returns the logits [b, classes] (a view of
  /// a buffer).
  torch::Tensor forward(const torch::Tensor& x);
  /// dLoss/dlogits of the last forward() [b, classes] (a view of a buffer): the caller fills
  /// it before backward().
  torch::Tensor logits_grad() const;
  /// Backpropagates logits_grad() into every parameter's gradient (overwritten).
  void backward();
  /// The batch size of the last forward() (0 before the first).
  int64_t batch() const { return batch_; }

  /// The optimizer's Adam state becomes views of exp_avg() / exp_avg_sq() (adam_state.h);
  /// returns its step count.
  int64_t attach(torch::optim::Adam& optimizer, const char* who);

  const nn::Mlp& model() const { return model_; }
  int64_t max_batch() const { return max_batch_; }
  int64_t inputs() const { return weights_.front().size(1); }
  int64_t classes() const { return weights_.back().size(0); }
  int64_t num_layers() const { return static_cast<int64_t>(weights_.size()); }
  const torch::Tensor& weight(int64_t l) const { return weights_[l]; }
  /// The gradient of weight(l) (a view of flat_gradients()).
  torch::Tensor& weight_grad(int64_t l) { return weight_grads_[l]; }
  const torch::Tensor& flat_parameters() const { return flat_; }
  const torch::Tensor& flat_gradients() const { return flat_grad_; }
  const torch::Tensor& exp_avg() const { return exp_avg_; }
  const torch::Tensor& exp_avg_sq() const { return exp_avg_sq_; }

 private:
  nn::Mlp model_;
  nn::Activation activation_;
  ActivationBackward activation_backward_;
  int64_t max_batch_ = 0, batch_ = 0;
  std::vector<torch::Tensor> weights_, biases_, weight_grads_, bias_grads_;
  torch::Tensor flat_, flat_grad_, exp_avg_, exp_avg_sq_;
  /// acts_[0] = the last forward()'s x; acts_[l+1] = output of layer l (post-activation for
  /// hidden layers, logits for the last); deltas_[l] = dLoss/d(pre-activation of layer l).
  std::vector<torch::Tensor> acts_, deltas_;
};

}  // namespace critnet::train::detail
