// Stochastic (Hutchinson) estimate of the critical penalty (docs/methods.md).
//
// For any matrix P [n, n] and z with E[z zᵀ] = I (Rademacher), E‖P z‖² = tr(Pᵀ P) = ‖P‖²_F
// (Hutchinson 1990; Avron & Toledo 2011), so (1/m) Σ_j ‖P z_j‖² is an unbiased estimate of
// R, and, z being independent of V, its gradient is an unbiased estimate of ∇R. P z is
// formed with products of V or Vᵀ by the thin probe matrix Z [n, m]; w is never formed.
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
  // c_0² for each of the side's n - k zero modes (exact). The cost is the number of passes
  // over V by the thin-product kernels (detail/thin.h), two per power of G: 2·deg for the
  // value, 4·deg with the gradient, plus the one product that writes the gradient. Thin
  // matrices are kept transposed ([m, ·], one probe per row).
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

  // Krylov blocks K_j = G^j Z and X_j = F K_j (so K_{j+1} = Fᵀ X_j), transposed: K_0..K_kneed
  // and X_0..X_{xneed-1}. The probes are drawn as [k, m] so that the random stream is the one
  // of the untransposed layout.
  const int64_t kneed = grad.need ? 2 * deg - 1 : deg, xneed = grad.need ? 2 * deg : 0;
  std::vector<torch::Tensor> kb = {rademacher(k, probes, weight.options()).t().contiguous()}, xb;
  // (F X)ᵀ and (Fᵀ X)ᵀ from Xᵀ.
  auto times_f = [&](const torch::Tensor& xt) {
    return f_is_v ? times_thin(v, xt) : transposed_times_thin(v, xt);
  };
  auto times_ft = [&](const torch::Tensor& xt) {
    return f_is_v ? transposed_times_thin(v, xt) : times_thin(v, xt);
  };
  while (static_cast<int64_t>(kb.size()) <= kneed || static_cast<int64_t>(xb.size()) < xneed) {
    if (xb.size() < kb.size()) {
      xb.push_back(times_f(kb[xb.size()]));
    } else {
      kb.push_back(times_ft(xb.back()));
    }
  }
  auto combo = [&](const std::vector<torch::Tensor>& blocks, int64_t shift) {
    torch::Tensor sum = blocks[shift] * q[0];  // Σ_j q_j blocks[j + shift]
    for (int64_t j = 1; j <= deg; ++j) sum.add_(blocks[j + shift], q[j]);
    return sum;
  };
  const torch::Tensor y = combo(kb, 0);  // (p(aG) Z)ᵀ
  torch::Tensor flat = y.reshape({-1});
  ValueAndGrad result;
  result.value = flat.dot(flat) * inv_m + constant;
  if (!grad.need) return result;
  if (deg == 0) {
    if (!grad.into.defined()) result.grad = torch::zeros_like(weight);
    return result;
  }

  // dR̂ = (2/m) <Y, dP Z> = (2/m) <S, dG>, S = Σ_t (G^t Y) W_tᵀ, W_t = Σ_s q_{t+s+1} K_s
  // (t + s ≤ deg - 1), and ∇_F <S, FᵀF> = F (S + Sᵀ): with A = [G^t Y]_t, W = [W_t]_t,
  // ∇_F R̂ = (2/m) [F A, F W] [W, A]ᵀ, one product; F G^t Y and F W_t are combinations of X_j.
  std::vector<torch::Tensor> f_side, k_side;  // transposed blocks: [F A, F W] and [W, A]
  std::vector<torch::Tensor> a_blocks, w_blocks, fw_blocks;
  for (int64_t t = 0; t < deg; ++t) {
    a_blocks.push_back(t == 0 ? y : combo(kb, t));
    f_side.push_back(combo(xb, t));
    torch::Tensor w = kb[0] * q[t + 1], fw = xb[0] * q[t + 1];
    for (int64_t s = 1; s + t <= deg - 1; ++s) {
      w.add_(kb[s], q[t + s + 1]);
      fw.add_(xb[s], q[t + s + 1]);
    }
    w_blocks.push_back(w);
    fw_blocks.push_back(fw);
  }
  f_side.insert(f_side.end(), fw_blocks.begin(), fw_blocks.end());
  k_side = w_blocks;
  k_side.insert(k_side.end(), a_blocks.begin(), a_blocks.end());
  const torch::Tensor fs = torch::cat(f_side, 0), ks = torch::cat(k_side, 0);
  // ∇_V = ∇_F (F = V) or ∇_Fᵀ = (2/m) [W, A] [F A, F W]ᵀ (F = Vᵀ); a rank-(2·deg·m) product.
  const torch::Tensor& left = f_is_v ? fs : ks;
  const torch::Tensor& right = f_is_v ? ks : fs;
  if (grad.into.defined()) {
    grad.into.addmm_(left.t(), right, 1.0, 2.0 * inv_m * grad.scale);
  } else {
    result.grad = left.t().mm(right).mul_(2.0 * inv_m);
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
