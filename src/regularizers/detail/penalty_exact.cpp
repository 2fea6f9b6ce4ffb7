// Exact critical penalty on the smaller Gram matrix (docs/methods.md, "The critical penalty").
//
// Notation: U [m, n] is V (side in) or Vᵀ (side out), so the requested coupling matrix is
// w = Uᵀ U [n, n]. k = min(m, n). The small Gram matrix G is Uᵀ U when n ≤ m, else U Uᵀ;
// both share the non-zero spectrum of w.
#include <algorithm>
#include <cmath>

#include "core/detail/gemm.h"
#include "regularizers/detail/gram.h"
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

// Σ_j q_j G^j from the powers [I (unused), G, G², ...].
torch::Tensor combine(const std::vector<torch::Tensor>& powers, const std::vector<double>& q) {
  torch::Tensor p = q.size() > 1 ? powers[1] * q[1] : torch::zeros_like(powers[1]);
  for (size_t j = 2; j < q.size(); ++j) p.add_(powers[j], q[j]);
  return add_identity(p, q[0]);
}

}  // namespace

ValueAndGrad exact_polynomial(const torch::Tensor& weight, GramSide side, double a,
                              const std::vector<double>& coefficients, const GradRequest& grad) {
  // R only depends on the non-zero spectrum of w plus the side's count of zero modes, so the
  // side only enters through n - k; the small Gram matrix is Vᵀ V [in, in] when in ≤ out.
  const int64_t out = weight.size(0), in = weight.size(1), k = std::min(in, out);
  const int64_t n = side == GramSide::kIn ? in : out;
  const bool in_side_small = in <= out;
  const torch::Tensor g = gram(weight, /*rows=*/!in_side_small);

  // p(a·G) = Σ_j q_j G^j with q_j = c_j a^j.
  std::vector<double> q = coefficients;
  double scale = 1.0;
  for (double& qj : q) {
    qj *= scale;
    scale *= a;
  }
  q = trimmed(q);
  const size_t deg = q.size() - 1;

  // Powers in the fewest flops: G² and G⁴ are Gram matrices of symmetric matrices (syrk, half
  // a product); G³ = G·G² is a product of commuting symmetric matrices (its upper triangle,
  // half a product); everything else is a linear combination.
  std::vector<torch::Tensor> powers = {torch::Tensor(), g};
  if (deg >= 2) powers.push_back(gram(g, /*rows=*/true));
  if (deg >= 3) powers.push_back(symmetric_product(g, powers[2]));
  if (deg >= 4) powers.push_back(gram(powers[2], /*rows=*/true));
  const torch::Tensor p = combine(powers, q);

  // The n - k zero eigenvalues of w each add p(0)² = c_0².
  const double c0 = coefficients.empty() ? 0.0 : coefficients[0];
  ValueAndGrad result;
  result.value = squared_norm(p) + c0 * c0 * static_cast<double>(n - k);
  if (!grad.need) return result;
  if (deg == 0) {
    if (!grad.into.defined()) result.grad = torch::zeros_like(weight);
    return result;
  }

  // ∇_V tr f(Vᵀ V) = 2 V f'(Vᵀ V) and ∇_V tr f(V Vᵀ) = 2 f'(V Vᵀ) V, f(x) = p(ax)²,
  // f'(x) = 2a p(ax) p'(ax): ∇_V R = 4 V (aM) or 4 (aM) V with
  // aM = p(aG) · a·p'(aG) = P · Σ_j r_j G^j, r_j = (j+1) q_{j+1}.
  std::vector<double> r(deg);
  for (size_t j = 0; j < deg; ++j) r[j] = static_cast<double>(j + 1) * q[j + 1];
  torch::Tensor am;
  if (deg == 1) {
    am = p * r[0];
  } else if (deg == 2) {
    am = symmetric_product(p, g).mul_(r[1]).add_(p, r[0]);
  } else {
    am = symmetric_product(p, combine(powers, r));
  }
  // One product: accumulated into the caller's gradient, or into a new tensor.
  const bool into = grad.into.defined();
  if (!into) result.grad = torch::empty_like(weight, at::MemoryFormat::Contiguous);
  const torch::Tensor& target = into ? grad.into : result.grad;
  const double alpha = 4.0 * (into ? grad.scale : 1.0), beta = into ? 1.0 : 0.0;
  if (in_side_small) {
    core::detail::gemm(weight, false, am, false, target, alpha, beta);
  } else {
    core::detail::gemm(am, false, weight, false, target, alpha, beta);
  }
  return result;
}

ValueAndGrad exact_eq33(const torch::Tensor& weight, GramSide side, double a,
                        const GradRequest& grad) {
  const torch::Tensor u = oriented(weight, side);
  const int64_t m = u.size(0), n = u.size(1);
  const double a2 = a * a;
  ValueAndGrad result;
  if (n <= m) {
    // The requested side is the small one: form w [n, n] and P directly.
    const torch::Tensor w = gram(u, /*rows=*/false);
    torch::Tensor p = gram(w, /*rows=*/true).mul_(2.0 * a2);
    p.diagonal().add_(w.diagonal() * a + 1.0);
    result.value = squared_norm(p);
    if (!grad.need) return result;
    // dR = 2<S, dw>, S = a·Diag(P_ii) + 2a²(P w + w P); ∇_U R = 4 U S.
    torch::Tensor pw = p.mm(w);
    torch::Tensor s = (pw + pw.t()).mul_(2.0 * a2);
    s.diagonal().add_(p.diagonal() * a);
    grad.deliver(result, back_to_weight(u.mm(s).mul_(4.0), side));
    return result;
  }
  // The requested side is the large one (m < n). With H = U Uᵀ [m, m], w_ii = ‖U[:, i]‖²,
  // q_i = (w²)_ii = u_iᵀ H u_i, e_i = 1 + a w_ii:
  //   R = Σ e_i² + 4a² Σ e_i q_i + 4a⁴ ‖H²‖²_F.
  const torch::Tensor h = gram(u, /*rows=*/true);
  const torch::Tensor hu = h.mm(u);
  const torch::Tensor wd = u.square().sum(0);
  const torch::Tensor qd = (u * hu).sum(0);
  const torch::Tensor e = wd * a + 1.0;
  const torch::Tensor h2 = gram(h, /*rows=*/true);
  result.value = e.dot(e) + e.dot(qd) * (4.0 * a2) + squared_norm(h2) * (4.0 * a2 * a2);
  if (!grad.need) return result;
  // ∇_U R = U·Diag(4a e + 8a³ q) + 8a² (H U)·Diag(e) + (8a² U Diag(e) Uᵀ + 32a⁴ H³) U.
  // U Diag(e) Uᵀ is a Gram matrix (syrk) when every e_i ≥ 0, which holds for a ≥ 0.
  torch::Tensor l = a >= 0.0 ? gram(u * e.sqrt(), /*rows=*/true) : (u * e).mm(u.t());
  l.mul_(8.0 * a2);
  l.addmm_(h, h2, 1.0, 32.0 * a2 * a2);
  torch::Tensor diag_part = u * (e * (4.0 * a) + qd * (8.0 * a2 * a)) + hu * (e * (8.0 * a2));
  grad.deliver(result, back_to_weight(diag_part.addmm_(l, u), side));
  return result;
}

}  // namespace critnet::reg::detail
