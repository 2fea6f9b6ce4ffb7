// Stochastic (Hutchinson) estimate of the critical penalty (docs/methods.md).
//
// For any matrix P [n, n] and z with E[z zᵀ] = I (Rademacher), E‖P z‖² = tr(Pᵀ P) = ‖P‖²_F
// (Hutchinson 1990; Avron & Toledo 2011), so (1/m) Σ_j ‖P z_j‖² is an unbiased estimate of
// R, and, z being independent of V, its gradient is an unbiased estimate of ∇R. P z is
// formed with products of U or Uᵀ by the thin probe matrix Z [n, m]; w is never formed.
#include <algorithm>

#include "regularizers/detail/penalty_kernels.h"

namespace critnet::reg::detail {
namespace {

torch::Tensor rademacher(int64_t rows, int64_t cols, const torch::TensorOptions& options) {
  return torch::randint(0, 2, {rows, cols}, options).mul_(2.0).sub_(1.0);
}

}  // namespace

torch::Tensor stochastic_polynomial(const torch::Tensor& weight, GramSide side, double a,
                                    const std::vector<double>& coefficients, int64_t probes) {
  const torch::Tensor u = side == GramSide::kIn ? weight : weight.t();
  const int64_t m = u.size(0), n = u.size(1), k = std::min(m, n);
  const bool columns = n <= m;  // probe the small Gram matrix: Uᵀ U or U Uᵀ
  const torch::Tensor z = rademacher(k, probes, weight.options().requires_grad(false));
  auto apply_gram = [&](const torch::Tensor& y) {
    return columns ? u.t().mm(u.mm(y)) : u.mm(u.t().mm(y));
  };
  // Horner: Y = Σ_j c_j (aG)^j Z.
  const int64_t deg = static_cast<int64_t>(coefficients.size()) - 1;
  torch::Tensor y = z * coefficients[deg];
  for (int64_t j = deg - 1; j >= 0; --j) {
    y = torch::add(z * coefficients[j], apply_gram(y), a);
  }
  const double c0 = coefficients[0];
  torch::Tensor flat = y.reshape({-1});
  return flat.dot(flat) / static_cast<double>(probes) + c0 * c0 * static_cast<double>(n - k);
}

torch::Tensor stochastic_eq33(const torch::Tensor& weight, GramSide side, double a,
                              int64_t probes) {
  const torch::Tensor u = side == GramSide::kIn ? weight : weight.t();
  const int64_t n = u.size(1);
  const torch::Tensor z = rademacher(n, probes, weight.options().requires_grad(false));
  // P z = (1 + a w_ii) ⊙ z + 2a² w (w z), w_ii = ‖U[:, i]‖² exactly.
  const torch::Tensor e = u.square().sum(0).mul(a).add(1.0);
  const torch::Tensor wz = u.t().mm(u.mm(z));
  const torch::Tensor w2z = u.t().mm(u.mm(wz));
  torch::Tensor y = torch::add(e.unsqueeze(1) * z, w2z, 2.0 * a * a);
  torch::Tensor flat = y.reshape({-1});
  return flat.dot(flat) / static_cast<double>(probes);
}

}  // namespace critnet::reg::detail
