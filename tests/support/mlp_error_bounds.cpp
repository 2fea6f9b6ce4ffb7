#include "support/mlp_error_bounds.h"

#include <cmath>

#include "support/error_bounds.h"

namespace critnet::test_support {

MlpStepBounds mlp_step_bounds(const nn::Mlp& model, const torch::Tensor& x, const torch::Tensor& y,
                              double u) {
  torch::NoGradGuard no_grad;
  const auto f64 = torch::kFloat64;
  const nn::Activation act = model->options.activation();
  const int64_t layers = static_cast<int64_t>(model->linears().size());
  const int64_t b = x.size(0);
  std::vector<torch::Tensor> w, bias, h{x.to(f64)}, eh{torch::zeros_like(h[0])}, z, ez;
  for (int64_t l = 0; l < layers; ++l) {
    w.push_back(model->linears()[l]->weight.detach().to(f64));
    bias.push_back(model->linears()[l]->bias.detach().to(f64));
  }
  // Forward: pre-activation z_l = h_{l−1}·Wᵀ + b, a dot product of length k plus the bias.
  for (int64_t l = 0; l < layers; ++l) {
    const torch::Tensor wa = w[l].abs().t();
    const int64_t k = w[l].size(1);
    z.push_back(h[l].mm(w[l].t()) + bias[l]);
    ez.push_back(eh[l].mm(wa) + gamma_n(k + 1, u) * ((h[l].abs() + eh[l]).mm(wa) + bias[l].abs()));
    if (l + 1 == layers) break;
    torch::Tensor hl = z[l], own = torch::zeros_like(z[l]);
    if (act == nn::Activation::kRelu) {
      hl = z[l].relu();
    } else if (act == nn::Activation::kTanh) {
      hl = z[l].tanh();
      own = 4 * u * hl.abs();
    } else if (act == nn::Activation::kElu) {
      hl = torch::elu(z[l]);
      own = torch::where(z[l] <= 0, 4 * u * (hl.abs() + 1), torch::zeros_like(hl));
    }
    h.push_back(hl);
    eh.push_back(ez[l] + own);  // the activations are 1-Lipschitz
  }
  // Loss: per row lse − z_y; exp(z − max) with the argument's rounding u|z − max| and exp's
  // own, a sum of c positive terms, the log, the two subtractions.
  const torch::Tensor& logits = z.back();
  const torch::Tensor& elog = ez.back();
  const int64_t c = logits.size(1);
  const torch::Tensor mx = std::get<0>(logits.max(1, true));
  const torch::Tensor s = (logits - mx).exp().sum(1, true);
  const torch::Tensor lse = mx + s.log();
  const torch::Tensor p = (logits - lse).exp();
  const torch::Tensor onehot = torch::one_hot(y, c).to(f64);
  const torch::Tensor loss_i = lse.squeeze(1) - logits.gather(1, y.unsqueeze(1)).squeeze(1);
  // r: relative error bound of every exp(z_j − max) / Σ, and so of Σ and of p_j.
  const torch::Tensor r = gamma_n(c + 4, u) * (1 + (logits - mx).abs().amax(1, true));
  const torch::Tensor e_loss_i =
      ((p - onehot).abs() * elog).sum(1) + r.squeeze(1) +
      u * (s.log().squeeze(1).abs() + lse.squeeze(1).abs() + 2 * loss_i.abs());
  MlpStepBounds out;
  const double mean_abs = loss_i.abs().mean().item<double>();
  out.loss = e_loss_i.mean().item<double>() + gamma_n(b + 1, u) * mean_abs;
  // δ_L = (p − onehot)/b: p's propagated error p_j(e_j + Σ_k p_k e_k), its own rounding (r,
  // the log-probability's u|z_j − lse|, exp, the scaling), the subtraction.
  const torch::Tensor delta_l = (p - onehot) / static_cast<double>(b);
  torch::Tensor e_delta =
      (p * (elog + (p * elog).sum(1, true)) + p * (r + u * (logits - lse).abs() + 4 * u)) /
          static_cast<double>(b) +
      u * delta_l.abs();
  torch::Tensor delta = delta_l;
  std::vector<torch::Tensor> grads(2 * layers);
  for (int64_t l = layers - 1; l >= 0; --l) {
    const torch::Tensor ha = h[l].abs(), da = delta.abs();
    grads[2 * l] = e_delta.t().mm(ha + eh[l]) + da.t().mm(eh[l]) + gamma_n(b, u) * da.t().mm(ha);
    grads[2 * l + 1] = e_delta.sum(0) + gamma_n(b, u) * da.sum(0);
    if (l == 0) break;
    const torch::Tensor wa = w[l].abs();
    const torch::Tensor g = delta.mm(w[l]), ga = g.abs();
    const torch::Tensor eg = e_delta.mm(wa) + gamma_n(w[l].size(0), u) * da.mm(wa);
    const torch::Tensor& zl = z[l - 1];
    const torch::Tensor& hl = h[l];
    switch (act) {
      case nn::Activation::kRelu: {
        const torch::Tensor on = (zl > 0).to(f64);
        delta = g * on;
        // Where |z| ≤ e_z the computed unit may be on while the exact one is off, or back.
        e_delta = torch::where(zl.abs() <= ez[l - 1], ga + eg, eg * on);
        break;
      }
      case nn::Activation::kTanh: {
        const torch::Tensor fp = 1 - hl * hl;
        delta = g * fp;
        // f' = 1 − h² from the computed h: 2|h|e_h, and its two roundings and the product's.
        e_delta = eg * fp + (ga + eg) * (2 * (hl.abs() + eh[l]) * eh[l] + 3 * u) + u * delta.abs();
        break;
      }
      case nn::Activation::kElu: {
        const torch::Tensor fp = torch::where(zl > 0, torch::ones_like(zl), zl.exp());
        delta = g * fp;
        // f' (1-Lipschitz, continuous at 0) from the computed z (exp) or h (h + 1).
        e_delta = eg * fp + (ga + eg) * (ez[l - 1] + eh[l] + 2 * u) + u * delta.abs();
        break;
      }
      case nn::Activation::kLinear:
        delta = g;
        e_delta = eg;
        break;
    }
  }
  out.grads = std::move(grads);
  return out;
}

AdamErrorBound::AdamErrorBound(double lr, double beta1, double beta2, double eps,
                               double weight_decay, double u)
    : lr_(lr), beta1_(beta1), beta2_(beta2), eps_(eps), wd_(weight_decay), u_(u) {}

void AdamErrorBound::reset_errors() {
  if (!ep_.defined()) return;
  ep_.zero_();
  em_.zero_();
  ev_.zero_();
}

void AdamErrorBound::step(const torch::Tensor& p_in, const torch::Tensor& g_in,
                          const torch::Tensor& g_error) {
  torch::NoGradGuard no_grad;
  const torch::Tensor p = p_in.detach().to(torch::kFloat64).flatten();
  const torch::Tensor g = g_in.detach().to(torch::kFloat64).flatten();
  const torch::Tensor eg = g_error.to(torch::kFloat64).flatten();
  if (!m_.defined()) {
    m_ = torch::zeros_like(p);
    v_ = torch::zeros_like(p);
    em_ = torch::zeros_like(p);
    ev_ = torch::zeros_like(p);
    ep_ = torch::zeros_like(p);
  }
  ++steps_;
  const double u = u_;
  // g + wd·p: wd rounded to the dtype, a product, a sum.
  const torch::Tensor gp = g + wd_ * p;
  const torch::Tensor egp = eg + wd_ * ep_ + gamma_n(3, u) * (g.abs() + wd_ * p.abs());
  // m: β1 and 1 − β1 rounded, two products, a sum.
  const torch::Tensor m_terms = beta1_ * m_.abs() + (1 - beta1_) * gp.abs();
  em_ = beta1_ * em_ + (1 - beta1_) * egp + gamma_n(4, u) * m_terms;
  m_ = beta1_ * m_ + (1 - beta1_) * gp;
  // v: β2 and 1 − β2 rounded, β2·v, g·g and its scaling, a sum; g's error through
  // 2|g|e_g + e_g².
  const torch::Tensor v_terms = beta2_ * v_ + (1 - beta2_) * gp * gp;
  ev_ = beta2_ * ev_ + (1 - beta2_) * (2 * gp.abs() * egp + egp * egp) + gamma_n(6, u) * v_terms;
  v_ = v_terms;
  const double t = static_cast<double>(steps_);
  const double bc1 = 1 - std::pow(beta1_, t), sqrt_bc2 = std::sqrt(1 - std::pow(beta2_, t));
  const double step_size = lr_ / bc1;
  // denom = sqrt(v)/sqrt(bc2) + eps: |√a − √b| ≤ min(|a − b|/(2√b), √|a − b|); the sqrt, the
  // rounded sqrt(bc2), the division (or a reciprocal and a product), the rounded eps, the sum.
  const torch::Tensor sq = v_.sqrt();
  const torch::Tensor esq = torch::where(
      sq > 0, torch::minimum(ev_ / (2 * sq.clamp_min(1e-300)), ev_.sqrt()), ev_.sqrt());
  const torch::Tensor denom = sq / sqrt_bc2 + eps_;
  const torch::Tensor edenom = esq / sqrt_bc2 + gamma_n(6, u) * denom;
  // |m̂/d̂ − m/d| ≤ (e_m·d + |m|·e_d) / (d·d̂), d̂ ≥ max(d − e_d, eps·(1 − u)); then the
  // division (or a reciprocal and a product), the rounded step size and the product.
  const torch::Tensor d_low =
      torch::maximum(denom - edenom, torch::full_like(denom, eps_ * (1 - u)));
  const torch::Tensor upd = step_size * m_ / denom;
  const torch::Tensor eupd =
      step_size * (em_ * denom + m_.abs() * edenom) / (denom * d_low) + gamma_n(5, u) * upd.abs();
  // p − update: one rounding of the result.
  ep_ = ep_ + eupd + u * (p - upd).abs();
}

}  // namespace critnet::test_support
