#pragma once
/// Private kernels of the critical penalty (see docs/methods.md for the formulas).
///
/// All kernels take V [out, in] and the gram side, and work on U = V (side in) or U = Vᵀ
/// (side out), so that the requested coupling matrix is always w = Uᵀ U [n, n] with
/// U [m, n].
#include <torch/torch.h>

#include <vector>

#include "critnet/regularizers/critical.h"

namespace critnet::reg::detail {

/// A penalty value (scalar tensor) and, when asked for, its gradient with V's shape.
struct ValueAndGrad {
  torch::Tensor value;
  torch::Tensor grad;  ///< undefined unless need_grad
};

/// R = ‖p(a·w)‖²_F for p(x) = Σ_k c_k x^k (deg ≤ 4) on the given side, from the smaller
/// Gram matrix. Must be called with grad mode off.
ValueAndGrad exact_polynomial(const torch::Tensor& weight, GramSide side, double a,
                              const std::vector<double>& coefficients, bool need_grad);

/// R = ‖I + a·Diag(diag w) + 2a²·w²‖²_F (eq. 33) on the given side, in
/// O(min²·max). Must be called with grad mode off.
ValueAndGrad exact_eq33(const torch::Tensor& weight, GramSide side, double a, bool need_grad);

/// Hutchinson estimate of the polynomial penalty with `probes` Rademacher probes; a
/// differentiable expression (autograd through thin products).
torch::Tensor stochastic_polynomial(const torch::Tensor& weight, GramSide side, double a,
                                    const std::vector<double>& coefficients, int64_t probes);

/// Hutchinson estimate of the eq. 33 penalty; differentiable.
torch::Tensor stochastic_eq33(const torch::Tensor& weight, GramSide side, double a, int64_t probes);

}  // namespace critnet::reg::detail
