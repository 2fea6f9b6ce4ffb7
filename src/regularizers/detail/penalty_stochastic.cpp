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

// Long: one Krylov chain whose blocks serve the value and both gradient splits; a quarter of it
// is the derivation in comments.
ValueAndGrad stochastic_polynomial(const torch::Tensor& weight, GramSide side, double a,
                                   const std::vector<double>& coefficients, int64_t probes,
                                   const GradRequest& grad) {
  // Probe the small Gram matrix G = Fᵀ F [k, k], F = V (in ≤ out) or Vᵀ: R = ‖p(aG)‖²_F plus
  // c_0² for each of the side's n - k zero modes (exact). With P = p(aG) = Σ_j q_j G^j and
  // P' = Σ_j r_j G^j, r_j = (j + 1) q_{j+1}, the exact gradient is ∇_F R = 4 F P' P (P and P'
  // commute) = 4 F Σ_j d_j G^j. Since E[Z Zᵀ] = m·I, F A Z (B Z)ᵀ / m is unbiased for F A B
  // for any polynomials A, B in G, so the gradient can be split between the two sides of the
  // probes at will; critnet uses one of two splits (docs/methods.md):
  //   general:     ∇̂ = (4/m) (F P' Z)(P Z)ᵀ, whose noise vanishes where P does (near a root of
  //                p, e.g. the `cw` fixed point);
  //   same sign:   when every d_j has the same sign (`paper` with β > 0), the d_0 term 4 d_0 F
  //                is added exactly and only the rest, Σ_{j≥1} d_j G^j, is probed; for
  //                deg ≤ 2 (`paper`, `cw`) as one rank-m term,
  //                ∇̂ = 4 d_0 F + (4/m) (F G^(deg-1) Z)(Σ_{j≥1} d_j G^(j-deg+1) Z)ᵀ,
  //                for higher degrees as two (powers up to deg against F Z, the higher ones
  //                as F G^t Z against G^deg Z). Where a·s² is small the d_0 term is nearly all
  //                of the gradient: the relative error of one 4-probe gradient of
  //                [600, 3072] at β = 100 is 0.8 instead of 12.
  // Both come from one Krylov chain K_0 = Z, X_j = F K_j, K_{j+1} = Fᵀ X_j, as does the value
  // R̂ = (1/m) ‖P Z‖²_F: P Z needs K_0..K_deg, the gradients X_0..X_{deg-1}, which the chain
  // passes through on its way to K_deg. That is 2·deg passes over V by the thin-product kernels
  // (detail/thin.h), with or without the gradient, plus one pass that adds a rank-m (rank-2m)
  // update to the gradient. Thin matrices are kept transposed ([m, ·], one probe per row).
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
  std::vector<torch::Tensor> kb = {rademacher(k, probes, weight.options()).t().contiguous()}, xb;
  // (F X)ᵀ and (Fᵀ X)ᵀ from Xᵀ.
  auto times_f = [&](const torch::Tensor& xt) {
    return f_is_v ? times_thin(v, xt) : transposed_times_thin(v, xt);
  };
  auto times_ft = [&](const torch::Tensor& xt) {
    return f_is_v ? transposed_times_thin(v, xt) : times_thin(v, xt);
  };
  for (int64_t j = 0; j < deg; ++j) {
    xb.push_back(times_f(kb[j]));
    kb.push_back(times_ft(xb[j]));
  }
  // Σ_j w_j blocks[j] over the j with w_j != 0 (undefined when there is none).
  auto combo = [](const std::vector<torch::Tensor>& blocks, const std::vector<double>& w) {
    torch::Tensor sum;
    for (size_t j = 0; j < w.size(); ++j) {
      if (w[j] == 0.0) continue;
      sum = sum.defined() ? sum.add_(blocks[j], w[j]) : blocks[j] * w[j];
    }
    return sum;
  };
  torch::Tensor y = combo(kb, q);  // (P Z)ᵀ
  if (!y.defined()) y = torch::zeros_like(kb[0]);
  torch::Tensor flat = y.reshape({-1});
  ValueAndGrad result;
  result.value = flat.dot(flat) * inv_m + constant;
  if (!grad.need) return result;
  if (deg == 0) {
    if (!grad.into.defined()) result.grad = torch::zeros_like(weight);
    return result;
  }

  std::vector<double> r(deg), d(2 * deg, 0.0);  // P' and P'P
  for (int64_t j = 0; j < deg; ++j) r[j] = static_cast<double>(j + 1) * q[j + 1];
  for (int64_t i = 0; i <= deg; ++i) {
    for (int64_t j = 0; j < deg; ++j) d[i + j] += q[i] * r[j];
  }
  const bool same_sign = std::all_of(d.begin(), d.end(), [](double x) { return x >= 0; }) ||
                         std::all_of(d.begin(), d.end(), [](double x) { return x <= 0; });
  // ∇_F ≈ (4/m) Σ_t F_t K_tᵀ (+ 4 d_0 F): the [F_t] and [K_t] blocks, transposed.
  std::vector<torch::Tensor> f_side, k_side;
  double exact_part = 0.0;
  if (same_sign && deg <= 2) {
    // One rank-m term: Σ_{j≥1} d_j G^j = G^(deg-1) · Σ_{j≥1} d_j G^(j-deg+1), which needs
    // F G^(deg-1) Z = X_{deg-1} and G^i Z up to i = deg.
    exact_part = d[0];
    std::vector<double> rest(deg + 1, 0.0);
    for (int64_t j = 1; j < 2 * deg; ++j) rest[j - (deg - 1)] = d[j];
    f_side.push_back(xb[deg - 1]);
    k_side.push_back(combo(kb, rest));
  } else if (same_sign) {
    // Two rank-m terms: the powers up to deg as F Z (G^j Z)ᵀ, the higher ones as
    // F G^t Z (G^deg Z)ᵀ.
    exact_part = d[0];
    std::vector<double> low(deg + 1, 0.0), high(deg, 0.0);
    for (int64_t j = 1; j <= deg; ++j) low[j] = d[j];
    for (int64_t t = 1; t < deg; ++t) high[t] = d[deg + t];
    f_side = {combo(xb, high)};  // d_{2deg-1} = deg·q_deg² > 0: never empty
    k_side = {kb[deg]};
    if (torch::Tensor low_k = combo(kb, low); low_k.defined()) {  // e.g. p(x) = x³ has none
      f_side.push_back(xb[0]);
      k_side.push_back(low_k);
    }
  } else {
    f_side.push_back(combo(xb, r));
    k_side.push_back(y);
  }
  torch::Tensor target = grad.into.defined() ? grad.into : torch::zeros_like(v);
  const double s = grad.into.defined() ? grad.scale : 1.0;
  const torch::Tensor fs = torch::cat(f_side, 0), ks = torch::cat(k_side, 0);
  // ∇_V = ∇_F (F = V) or ∇_Fᵀ (F = Vᵀ).
  add_thin_outer(target, f_is_v ? fs : ks, f_is_v ? ks : fs, 4.0 * inv_m * s,
                 exact_part != 0.0 ? v : torch::Tensor(), 4.0 * exact_part * s);
  if (!grad.into.defined()) result.grad = target;
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
