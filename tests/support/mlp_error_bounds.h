#pragma once
// First-order running error bounds of one training step of an nn::Mlp (forward pass, mean
// cross-entropy, backward pass) and of torch::optim::Adam's update, for tests that compare two
// computations of them (the hand-written steps against autograd and torch::optim::Adam).
// Each bound is one-sided: any computation, in any order, with any BLAS or ATen kernel, is
// within it of the exact value, so two computations differ by at most twice it. Bounds are
// first order in u (products of two errors dropped), computed in float64 from the exact-ish
// magnitudes |W|, |h|, |δ| of a float64 evaluation (error_bounds.h for the γ_n model).
#include <torch/torch.h>

#include <vector>

#include "critnet/nn/mlp.h"

namespace critnet::test_support {

struct MlpStepBounds {
  /// Bound on the mean cross-entropy of the batch.
  double loss = 0;
  /// Element-wise bounds on the loss's gradient, one per model->parameters() entry.
  std::vector<torch::Tensor> grads;
};

/// Bounds of the forward pass, the mean cross-entropy of (x, y) and its gradient for `model`
/// computed in a dtype of unit round-off u. Per layer l of width k_l:
///   pre-activation  e_z = |W|·e_h + γ_{k+1}·((|h| + e_h)·|W|ᵀ + |b|),
///   activation      e_h = e_z (ReLU, tanh, ELU are 1-Lipschitz) + its own rounding
///                   (tanh: 4u|h|, ELU's exp branch: 4u(|h| + 1)),
///   loss            Σ_j |p_j − [j = y]|·e_z_j + γ_{c+4}·(1 + max_j |z_j − max z|) + ...,
///   ∇W = δᵀh        e_δᵀ(|h| + e_h) + |δ|ᵀe_h + γ_b|δ|ᵀ|h|,  ∇b: Σ e_δ + γ_b Σ|δ|,
///   δ below         (e_δ|W| + γ_k|δ||W|)⊙|f'| + |δW|·(error of f' at the computed point),
/// where a ReLU unit whose |z| ≤ e_z may switch (its δ then counted whole).
MlpStepBounds mlp_step_bounds(const nn::Mlp& model, const torch::Tensor& x, const torch::Tensor& y,
                              double u);

/// torch::optim::Adam's update (no amsgrad; also the fused and the device steps' formula),
///   g += wd·p;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
///   p −= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps),
/// followed step by step in float64 on a flat parameter vector, with the running bounds of
/// p, m and v from the roundings of every operation (the scalars rounded to the dtype
/// included) and from the error bound of the gradient fed in.
class AdamErrorBound {
 public:
  AdamErrorBound(double lr, double beta1, double beta2, double eps, double weight_decay, double u);
  /// One step from parameters p (one computation's, before the step) with the gradient g
  /// (before weight decay) known within g_error (0 when both computations get the same g).
  void step(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& g_error);
  void step(const torch::Tensor& p, const torch::Tensor& g) {
    step(p, g, torch::zeros_like(g, torch::kFloat64));
  }
  /// Makes the state that of a computation whose p, m, v are exact (a common starting point).
  void reset_errors();
  const torch::Tensor& param_error() const { return ep_; }
  const torch::Tensor& exp_avg_error() const { return em_; }
  const torch::Tensor& exp_avg_sq_error() const { return ev_; }

 private:
  double lr_, beta1_, beta2_, eps_, wd_, u_;
  int64_t steps_ = 0;
  torch::Tensor m_, v_, em_, ev_, ep_;
};

}  // namespace critnet::test_support
