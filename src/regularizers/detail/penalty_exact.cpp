// Exact critical penalty on the smaller Gram matrix (docs/methods.md, "The critical penalty").
//
// Notation: U [m, n] is V (side in) or Vᵀ (side out), so the requested coupling matrix is
// w = Uᵀ U [n, n]. k = min(m, n). The small Gram matrix G is Uᵀ U when n ≤ m, else U Uᵀ;
// both share the non-zero spectrum of w.
#include <algorithm>
#include <cmath>

#include "regularizers/detail/penalty_kernels.h"

namespace critnet::reg::detail {
namespace {

torch::Tensor oriented(const torch::Tensor& weight, GramSide side) {
  return side == GramSide::kIn ? weight : weight.t();
}

torch::Tensor back_to_weight(const torch::Tensor& grad_u, GramSide side) {
  return side == GramSide::kIn ? grad_u.contiguous() : grad_u.t().contiguous();
}

// ‖X‖²_F as a scalar tensor.
torch::Tensor squared_norm(const torch::Tensor& x) {
  torch::Tensor flat = x.reshape({-1});
  return flat.dot(flat);
}

torch::Tensor& add_identity(torch::Tensor& x, double s) {
  if (s != 0.0) x.diagonal().add_(s);
  return x;
}

// Drops trailing zero coefficients (keeps at least one).
std::vector<double> trimmed(std::vector<double> q) {
  while (q.size() > 1 && q.back() == 0.0) q.pop_back();
  return q;
}

// Σ_j q_j G^j for deg ≤ 4 in the fewest products, given G and (when deg ≥ 3) G2 = G·G:
// deg ≤ 1: none; deg 2: one addmm; deg 3: G·(q3 G2) + ... one; deg 4: G2·(q3 G + q4 G2)
// + ... one (Paterson-Stockmeyer).
torch::Tensor matrix_polynomial(const torch::Tensor& g, const torch::Tensor& g2,
                                const std::vector<double>& q) {
  const size_t deg = q.size() - 1;
  torch::Tensor p;
  switch (deg) {
    case 0:
      p = torch::zeros_like(g);
      break;
    case 1:
      p = g * q[1];
      break;
    case 2:
      p = g2.defined() ? torch::add(g * q[1], g2, q[2]) : torch::addmm(g, g, g, q[1], q[2]);
      break;
    case 3:
      p = torch::addmm(torch::add(g * q[1], g2, q[2]), g, g2, 1.0, q[3]);
      break;
    default:  // 4
      p = torch::addmm(torch::add(g * q[1], g2, q[2]), g2, torch::add(g * q[3], g2, q[4]));
      break;
  }
  return add_identity(p, q[0]);
}

}  // namespace

ValueAndGrad exact_polynomial(const torch::Tensor& weight, GramSide side, double a,
                              const std::vector<double>& coefficients, bool need_grad) {
  const torch::Tensor u = oriented(weight, side);
  const int64_t m = u.size(0), n = u.size(1), k = std::min(m, n);
  const bool columns = n <= m;  // G = Uᵀ U (the requested side is the small one)
  const torch::Tensor g = columns ? u.t().mm(u) : u.mm(u.t());

  // p(a·G) = Σ_j q_j G^j with q_j = c_j a^j.
  std::vector<double> q = coefficients;
  double scale = 1.0;
  for (double& qj : q) {
    qj *= scale;
    scale *= a;
  }
  q = trimmed(q);
  const size_t deg = q.size() - 1;
  const torch::Tensor g2 = deg >= 3 ? g.mm(g) : torch::Tensor();
  const torch::Tensor p = matrix_polynomial(g, g2, q);

  // The n - k zero eigenvalues of w each add p(0)² = c_0².
  const double c0 = coefficients.empty() ? 0.0 : coefficients[0];
  ValueAndGrad result;
  result.value = squared_norm(p) + c0 * c0 * static_cast<double>(n - k);
  if (!need_grad) return result;

  // ∇_U tr f(w) = 2 U f'(w) with f(x) = p(a x)², f'(x) = 2a p(ax) p'(ax), so ∇_U R = 4 U (aM)
  // (columns) or 4 (aM) U, with aM = p(aG) · a·p'(aG) = P · Σ_j (j+1) q_{j+1} G^j.
  torch::Tensor m_times_a;  // a·M = P · Σ_j (j+1) q_{j+1} G^j
  if (deg == 0) {
    return {result.value, torch::zeros_like(weight)};
  }
  std::vector<double> r(deg);
  for (size_t j = 0; j < deg; ++j) r[j] = static_cast<double>(j + 1) * q[j + 1];
  if (deg == 1) {
    m_times_a = p * r[0];
  } else {
    m_times_a = p.mm(matrix_polynomial(g, g2, r));
  }
  torch::Tensor grad_u = columns ? u.mm(m_times_a) : m_times_a.mm(u);
  grad_u.mul_(4.0);
  result.grad = back_to_weight(grad_u, side);
  return result;
}

ValueAndGrad exact_eq33(const torch::Tensor& weight, GramSide side, double a, bool need_grad) {
  const torch::Tensor u = oriented(weight, side);
  const int64_t m = u.size(0), n = u.size(1);
  const double a2 = a * a;
  ValueAndGrad result;
  if (n <= m) {
    // The requested side is the small one: form w [n, n] and P directly.
    const torch::Tensor w = u.t().mm(u);
    torch::Tensor p = w.mm(w).mul_(2.0 * a2);
    p.diagonal().add_(w.diagonal() * a + 1.0);
    result.value = squared_norm(p);
    if (!need_grad) return result;
    // dR = 2<S, dw>, S = a·Diag(P_ii) + 2a²(P w + w P); ∇_U R = 4 U S.
    torch::Tensor pw = p.mm(w);
    torch::Tensor s = (pw + pw.t()).mul_(2.0 * a2);
    s.diagonal().add_(p.diagonal() * a);
    result.grad = back_to_weight(u.mm(s).mul_(4.0), side);
    return result;
  }
  // The requested side is the large one (m < n). With H = U Uᵀ [m, m], w_ii = ‖U[:, i]‖²,
  // q_i = (w²)_ii = u_iᵀ H u_i, e_i = 1 + a w_ii:
  //   R = Σ e_i² + 4a² Σ e_i q_i + 4a⁴ ‖H²‖²_F.
  const torch::Tensor h = u.mm(u.t());
  const torch::Tensor hu = h.mm(u);
  const torch::Tensor wd = u.square().sum(0);
  const torch::Tensor qd = (u * hu).sum(0);
  const torch::Tensor e = wd * a + 1.0;
  const torch::Tensor h2 = h.mm(h);
  result.value = e.dot(e) + e.dot(qd) * (4.0 * a2) + squared_norm(h2) * (4.0 * a2 * a2);
  if (!need_grad) return result;
  // ∇_U R = U·Diag(4a e + 8a³ q) + 8a² (H U)·Diag(e) + (8a² U Diag(e) Uᵀ + 32a⁴ H³) U.
  const torch::Tensor ue = u * e;
  torch::Tensor l = ue.mm(u.t()).mul_(8.0 * a2);
  l.addmm_(h, h2, 1.0, 32.0 * a2 * a2);
  torch::Tensor diag_part = u * (e * (4.0 * a) + qd * (8.0 * a2 * a)) + hu * (e * (8.0 * a2));
  result.grad = back_to_weight(diag_part.addmm_(l, u), side);
  return result;
}

}  // namespace critnet::reg::detail
