#pragma once
/// Private kernels of the critical penalty (see docs/methods.md for the formulas).
///
/// All kernels take V [out, in] and the gram side, and work on U = V (side in) or U = Vᵀ
/// (side out), so that the requested coupling matrix is always w = Uᵀ U [n, n] with
/// U [m, n].
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "critnet/regularizers/critical.h"

namespace critnet::reg::detail {

/// A penalty value (scalar tensor) and, when asked for, its gradient with V's shape.
struct ValueAndGrad {
  torch::Tensor value;
  torch::Tensor grad;  ///< defined when the GradRequest asked for it to be returned
};

/// Whether and where a kernel delivers ∇R: not at all, returned in ValueAndGrad::grad, or
/// added in place, times `scale`, to `into` (V's shape), which saves the trainer a temporary
/// and a pass over it (the polynomial kernels end with a product that accumulates into it).
struct GradRequest {
  bool need = false;
  torch::Tensor into;  ///< undefined: return the gradient
  double scale = 1.0;

  static GradRequest none() { return {}; }
  static GradRequest returned() { return {true, torch::Tensor(), 1.0}; }
  static GradRequest added_to(torch::Tensor into, double scale) {
    return {true, std::move(into), scale};
  }
  /// Delivers a computed gradient g (returned, or into += scale·g).
  void deliver(ValueAndGrad& result, const torch::Tensor& g) const {
    if (into.defined()) {
      into.add_(g, scale);
    } else {
      result.grad = g;
    }
  }
};

/// R = ‖p(a·w)‖²_F for p(x) = Σ_k c_k x^k (deg ≤ 4) on the given side, from the smaller
/// Gram matrix. Must be called with grad mode off.
ValueAndGrad exact_polynomial(const torch::Tensor& weight, GramSide side, double a,
                              const std::vector<double>& coefficients, const GradRequest& grad);

/// R = ‖I + a·Diag(diag w) + 2a²·w²‖²_F (eq. 33) on the given side, in
/// O(min²·max). Must be called with grad mode off.
ValueAndGrad exact_eq33(const torch::Tensor& weight, GramSide side, double a,
                        const GradRequest& grad);

/// Hutchinson estimate of the polynomial penalty with `probes` Rademacher probes (drawn from
/// torch's global generator) and an unbiased estimate of its gradient from the same probes
/// (one of two splits of 4 F p'(G) p(G) between the sides of the probes, the exactly known
/// part added exactly where that helps; penalty_stochastic.cpp), in 2·deg passes over V.
/// Grad mode off.
ValueAndGrad stochastic_polynomial(const torch::Tensor& weight, GramSide side, double a,
                                   const std::vector<double>& coefficients, int64_t probes,
                                   const GradRequest& grad);

/// Hutchinson estimate of the eq. 33 penalty (probes on the requested side) and the exact
/// gradient of that estimate. Grad mode off.
ValueAndGrad stochastic_eq33(const torch::Tensor& weight, GramSide side, double a, int64_t probes,
                             const GradRequest& grad);

}  // namespace critnet::reg::detail
