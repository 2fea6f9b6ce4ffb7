// Stochastic (Hutchinson) estimate of the critical penalty (docs/methods.md).
//
// For any matrix P [n, n] and z with E[z zᵀ] = I (Rademacher), E‖P z‖² = tr(Pᵀ P) = ‖P‖²_F
// (Hutchinson 1990; Avron & Toledo 2011), so (1/m) Σ_j ‖P z_j‖² is an unbiased estimate of
// R. The gradient is estimated the same way, with the probes placed so that fewer products
// are needed (stochastic_polynomial), or as the gradient of the estimate (stochastic_eq33). P z
// is formed with products of V or Vᵀ by the thin probe matrix Z [n, m]; w is never formed.
#include <algorithm>

#include "regularizers/detail/penalty_kernels.h"
#include "regularizers/detail/thin.h"

namespace critnet::reg::detail {
namespace {

torch::Tensor rademacher(int64_t rows, int64_t cols, const torch::TensorOptions& options) {
  return torch::randint(0, 2, {rows, cols}, options).mul_(2.0).sub_(1.0);
}

}  // namespace

ValueAndGrad stochastic_polynomial(const torch::Tensor& weight, GramSide side, double a,
                                   const std::vector<double>& coefficients, int64_t probes,
                                   const GradRequest& grad) {
  // Probe the small Gram matrix G = Fᵀ F [k, k], F = V (in ≤ out) or Vᵀ: R = ‖p(aG)‖²_F plus
  // c_0² for each of the side's n - k zero modes (exact). With P = p(aG) = Σ_j q_j G^j and
  // P' = Σ_j r_j G^j, r_j = (j + 1) q_{j+1}, the exact gradient is ∇_F R = 4 F P' P (P and P'
  // commute), and since E[Z Zᵀ] = m·I,
  //   R̂ = (1/m) ‖P Z‖²_F,   ∇̂ = (4/m) (F P' Z)(P Z)ᵀ
  // are unbiased for R and ∇_F R. Both come from one Krylov chain K_0 = Z, X_j = F K_j,
  // K_{j+1} = Fᵀ X_j: P Z needs K_0..K_deg and F P' Z needs X_0..X_{deg-1}, which the chain
  // passes through on its way to K_deg. That is 2·deg passes over V by the thin-product kernels
  // (detail/thin.h), with or without the gradient, plus one rank-m product that writes it. (The
  // gradient of R̂ itself, symmetric in its factors, needs 4·deg - 1 passes and has about the
  // same variance; docs/methods.md.) Thin matrices are kept transposed ([m, ·], one probe per
  // row).
  const int64_t out = weight.size(0), in = weight.size(1), k = std::min(in, out);
  const int64_t n = side == GramSide::kIn ? in : out;
  const bool f_is_v = in <= out;
  const torch::Tensor v = weight.contiguous();

  std::vector<double> q = coefficients;  // q_j = c_j a^j
  double scale = 1.0;
  for (double& qj : q) {
    qj *= scale;
    scale *= a;
  }
  while (q.size() > 1 && q.back() == 0.0) q.pop_back();
  const int64_t deg = static_cast<int64_t>(q.size()) - 1;
  const double c0 = coefficients[0];
  const double constant = c0 * c0 * static_cast<double>(n - k);
  const double inv_m = 1.0 / static_cast<double>(probes);

  // The probes are drawn as [k, m] so that the random stream is the one of the untransposed
  // layout.
  const torch::Tensor z = rademacher(k, probes, weight.options()).t().contiguous();
  // (F X)ᵀ and (Fᵀ X)ᵀ from Xᵀ.
  auto times_f = [&](const torch::Tensor& xt) {
    return f_is_v ? times_thin(v, xt) : transposed_times_thin(v, xt);
  };
  auto times_ft = [&](const torch::Tensor& xt) {
    return f_is_v ? transposed_times_thin(v, xt) : times_thin(v, xt);
  };
  // Y = (P Z)ᵀ and L = (F P' Z)ᵀ, accumulated along the chain.
  torch::Tensor y = z * q[0], l, kj = z;
  for (int64_t j = 0; j < deg; ++j) {
    const torch::Tensor xj = times_f(kj);
    if (grad.need) l = j == 0 ? xj * q[1] : l.add_(xj, static_cast<double>(j + 1) * q[j + 1]);
    kj = times_ft(xj);
    y.add_(kj, q[j + 1]);
  }
  torch::Tensor flat = y.reshape({-1});
  ValueAndGrad result;
  result.value = flat.dot(flat) * inv_m + constant;
  if (!grad.need) return result;
  if (deg == 0) {
    if (!grad.into.defined()) result.grad = torch::zeros_like(weight);
    return result;
  }
  // ∇_V = ∇_F = (4/m) Lᵀ Y (F = V) or ∇_Fᵀ = (4/m) Yᵀ L (F = Vᵀ).
  const torch::Tensor& left = f_is_v ? l : y;
  const torch::Tensor& right = f_is_v ? y : l;
  if (grad.into.defined()) {
    add_thin_outer(grad.into, left, right, 4.0 * inv_m * grad.scale);  // 4x addmm_'s speed
  } else {
    result.grad = left.t().mm(right).mul_(4.0 * inv_m);
  }
  return result;
}

ValueAndGrad stochastic_eq33(const torch::Tensor& weight, GramSide side, double a, int64_t probes,
                             const GradRequest& grad) {
  // U = V (side in) or Vᵀ, w = Uᵀ U [n, n], probes Z [n, m] on the requested side (eq. 33 is
  // not spectral). Y = P Z = e ⊙ Z + 2a² w (w Z), e_i = 1 + a w_ii = 1 + a ‖U[:, i]‖² exactly.
  const bool side_in = side == GramSide::kIn;
  auto times_u = [&](const torch::Tensor& x) { return side_in ? weight.mm(x) : weight.t().mm(x); };
  auto times_ut = [&](const torch::Tensor& x) { return side_in ? weight.t().mm(x) : weight.mm(x); };
  const int64_t n = side_in ? weight.size(1) : weight.size(0);
  const double inv_m = 1.0 / static_cast<double>(probes), a2 = a * a;
  const torch::Tensor e = weight.square().sum(side_in ? 0 : 1).mul_(a).add_(1.0);
  const torch::Tensor z = rademacher(n, probes, weight.options());
  const torch::Tensor x0 = times_u(z), k1 = times_ut(x0), x1 = times_u(k1);
  const torch::Tensor y = torch::add(e.unsqueeze(1) * z, times_ut(x1), 2.0 * a2);
  torch::Tensor flat = y.reshape({-1});
  ValueAndGrad result;
  result.value = flat.dot(flat) * inv_m;
  if (!grad.need) return result;
  // dR̂ = (2/m) <Y, de ⊙ Z + 2a² (dw w + w dw) Z>:
  //   ∇_U R̂ = (2/m) [2a U Diag(ρ) + 2a² [U Y, U w Y, U w Z, U Z] [w Z, Z, Y, w Y]ᵀ],
  // ρ_i = Σ_j Y_ij Z_ij.
  const torch::Tensor rho = (y * z).sum(1);
  const torch::Tensor uy = times_u(y), wy = times_ut(uy), uwy = times_u(wy);
  const torch::Tensor left = torch::cat({uy, uwy, x1, x0}, 1);
  const torch::Tensor right = torch::cat({k1, z, y, wy}, 1);
  const double c = 2.0 * inv_m;
  if (side_in) {
    grad.deliver(result,
                 (weight * (rho * (2.0 * a * c))).addmm_(left, right.t(), 1.0, 2.0 * a2 * c));
  } else {
    grad.deliver(
        result,
        (weight * (rho * (2.0 * a * c)).unsqueeze(1)).addmm_(right, left.t(), 1.0, 2.0 * a2 * c));
  }
  return result;
}

}  // namespace critnet::reg::detail
