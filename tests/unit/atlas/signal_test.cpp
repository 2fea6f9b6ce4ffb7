// The edge of chaos measured on a network (atlas/signal.h): a random deep tanh net drawn on the
// theory's critical line measures χ₁ ≈ 1, in the ordered and chaotic phases the theory's χ₁;
// a linear net with orthogonal weights has a Jacobian whose singular values are all 1 and
// partial Jacobian norms of 1; bad input.
#include "critnet/atlas/signal.h"

#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"
#include "critnet/rg/edge.h"

namespace critnet::atlas {
namespace {

struct Net {
  std::vector<torch::Tensor> w, b;
};

// depth layers of width n, weights N(0, σ_w²/n), biases N(0, σ_b²).
Net random_net(int64_t n, int depth, double w2, double b2, uint64_t seed) {
  torch::manual_seed(seed);
  Net net;
  for (int l = 0; l < depth; ++l) {
    net.w.push_back(torch::randn({n, n}) * std::sqrt(w2 / static_cast<double>(n)));
    net.b.push_back(torch::randn({n}) * std::sqrt(b2));
  }
  return net;
}

// Layer l ≥ 6 (q^l at q* after ξ_q ≈ 1-2 layers) of a width-n tanh net against the theory.
// Measured χ₁ = (1/n) Σ_j φ'(h_j)² ‖W_{:,j}‖² averages n terms whose relative spread is O(1)
// (the φ'² over units, and ‖W_{:,j}‖² ~ σ_w²/n·χ²_n with relative sd √(2/n)): its sd is
// O(1/√n) of χ₁, so 6/√n is a 6σ-order tolerance; the sample mean over inputs only shrinks it.
void expect_theory(double w2, double b2, const char* phase) {
  const int64_t n = 1000;
  const Net net = random_net(n, 10, w2, b2, 7);
  torch::manual_seed(8);
  const torch::Tensor x = torch::randn({64, n});
  SignalOptions o;
  o.activation = rg::Activation::kTanh;
  o.bootstrap = 50;
  const SignalResult r = measure_signal(net.w, net.b, x, o);
  const double theory = rg::chi1(rg::Activation::kTanh, w2, b2);
  for (std::size_t l = 6; l < r.layers.size(); ++l) {
    EXPECT_NEAR(r.layers[l].chi1, theory, 6.0 / std::sqrt(double(n)) * theory) << "layer " << l + 1;
    EXPECT_LE(r.layers[l].chi1_low, r.layers[l].chi1);
    EXPECT_GE(r.layers[l].chi1_high, r.layers[l].chi1);
    // The mean-field χ₁ at the layer's own σ_w², σ_b² (estimated from n² and n draws).
    EXPECT_NEAR(r.layers[l].chi1_mean_field, theory, 6.0 / std::sqrt(double(n)) * theory);
    EXPECT_EQ(r.layers[l].phase, phase) << "layer " << l + 1 << " χ₁ " << r.layers[l].chi1;
  }
}

TEST(Signal, TanhNetOnTheCriticalLineMeasuresChi1OfOne) {
  const double b2 = 0.05;
  const double w2 = rg::critical_line(rg::Activation::kTanh, {b2})[0].sigma_w2;
  expect_theory(w2, b2, "critical");
}

TEST(Signal, TanhNetInTheOrderedAndChaoticPhasesMeasuresTheTheory) {
  expect_theory(0.8, 0.05, "ordered");  // χ₁ ≈ 0.59
  expect_theory(4.0, 0.05, "chaotic");  // χ₁ ≈ 1.5
}

TEST(Signal, LinearOrthogonalNetHasAnIsometricJacobian) {
  const int64_t n = 64;
  torch::manual_seed(3);
  Net net;
  for (int l = 0; l < 5; ++l) {
    net.w.push_back(
        std::get<0>(torch::linalg_qr(torch::randn({n, n}, torch::kFloat64))).to(torch::kFloat32));
    net.b.push_back(torch::zeros({n}));
  }
  SignalOptions o;
  o.activation = rg::Activation::kLinear;
  o.apjn_probes = 8;
  const SignalResult r = measure_signal(net.w, net.b, torch::randn({100, n}), o);
  // Five float32 products of orthogonal matrices (each rounded once to float32: ‖Q̂ᵀQ̂ − I‖ ≤
  // 2·n·u₃₂ per factor) and their products (γ_n per product): the squared singular values lie
  // within 4·5·(n + 2)·u₃₂ ≈ 8e-5 of 1.
  const double tol = 4 * 5 * (n + 2) * std::ldexp(1.0, -24);
  EXPECT_EQ(r.jacobian.samples, 100);
  EXPECT_EQ(r.jacobian.rank, n);
  EXPECT_NEAR(r.jacobian.mean, 1.0, tol);
  EXPECT_NEAR(r.jacobian.max, 1.0, tol);
  EXPECT_NEAR(r.jacobian.min, 1.0, tol);
  EXPECT_LE(r.jacobian.variance, tol * tol);
  for (const auto& l : r.layers) {
    EXPECT_NEAR(l.chi1, 1.0, tol);  // ‖Q‖²_F / n
    EXPECT_EQ(l.phase, "critical");
    // Hutchinson: ‖vQ‖²/n = ‖v‖²/n, mean 1 and sd √(2/n) per vector: 5 standard errors.
    if (l.layer > 1) EXPECT_NEAR(l.apjn, 1.0, 5 * l.apjn_se + tol);
  }
  EXPECT_EQ(r.phase, "critical");
  const auto j = r.to_json();
  EXPECT_EQ(j["layers"].size(), 5u);
  EXPECT_TRUE(j["jacobian"].contains("variance"));
}

TEST(Signal, BadInput) {
  const Net net = random_net(8, 2, 1.0, 0.0, 1);
  const torch::Tensor x = torch::randn({4, 8});
  EXPECT_THROW(measure_signal(std::vector<torch::Tensor>{}, {}, x), InvalidArgument);
  EXPECT_THROW(measure_signal(net.w, net.b, torch::randn({4, 9})), InvalidArgument);
  torch::Tensor bad = net.w[1].clone();
  bad[0][0] = NAN;
  EXPECT_THROW(measure_signal({net.w[0], bad}, net.b, x), DataError);
  torch::Tensor xbad = x.clone();
  xbad[1][2] = INFINITY;
  EXPECT_THROW(measure_signal(net.w, net.b, xbad), DataError);
  SignalOptions o;
  o.apjn_probes = 0;
  EXPECT_THROW(measure_signal(net.w, net.b, x, o), InvalidArgument);
}

// The chain of `net` with tanh as a tapped model: each layer's output and then the last one;
// `residual` adds h^{l−1} to the tapped h^l (l ≥ 2), so the path between taps holds the identity.
TappedForward tapped_chain(const Net& net, bool residual = false) {
  return [&net, residual](const torch::Tensor& x) {
    std::vector<torch::Tensor> taps;
    torch::Tensor h = x;
    for (std::size_t l = 0; l < net.w.size(); ++l) {
      torch::Tensor pre = torch::linear(l == 0 ? h : torch::tanh(h), net.w[l], net.b[l]);
      if (residual && l > 0) pre = pre + h;
      taps.push_back(pre);
      h = pre;
    }
    taps.push_back(h);
    return taps;
  };
}

std::vector<WeightLayer> weight_layers(const Net& net) {
  std::vector<WeightLayer> layers;
  for (std::size_t l = 0; l < net.w.size(); ++l)
    layers.push_back({"layer" + std::to_string(l + 1), net.w[l], net.b[l]});
  return layers;
}

// Per input, (1/N)‖∂h^l/∂h^{l−1}‖²_F in float64 for the (residual) tanh chain: the Jacobian is
// W^l diag φ'(h^{l−1}) (+ I with the residual); {max over inputs, mean} per layer.
std::vector<std::pair<double, double>> exact_chi(const Net& net, const torch::Tensor& x,
                                                 bool residual) {
  std::vector<std::pair<double, double>> out;
  torch::Tensor h = x.to(torch::kFloat64);
  for (std::size_t l = 0; l < net.w.size(); ++l) {
    const torch::Tensor w = net.w[l].to(torch::kFloat64), b = net.b[l].to(torch::kFloat64);
    const int64_t n = w.size(0);
    torch::Tensor per;
    if (l == 0) {
      per = torch::full({x.size(0)}, w.pow(2).sum().item<double>() / n, torch::kFloat64);
    } else {
      const torch::Tensor d = 1 - torch::tanh(h).pow(2);  // [m, N]
      torch::Tensor j = w.unsqueeze(0) * d.unsqueeze(1);  // [m, N, N]
      if (residual) j = j + torch::eye(n, torch::kFloat64).unsqueeze(0);
      per = j.pow(2).sum({1, 2}) / n;
    }
    out.emplace_back(per.max().item<double>(), per.mean().item<double>());
    torch::Tensor pre = torch::linear(l == 0 ? h : torch::tanh(h), w, b);
    h = residual && l > 0 ? pre + h : pre;
  }
  return out;
}

// Hutchinson's estimate of a mean over n inputs of E_i = (1/N)‖A_i‖²_F with K Gaussian vectors
// each: per vector Var = 2‖A_iA_iᵀ‖²_F/N² ≤ 2E_i², so the mean's sd ≤ max_i E_i·√(2/(Kn)); the
// tests allow 8 of those (Chebyshev: fails with probability < 1/64 for any seed, and the seed is
// fixed).
double hutchinson_tolerance(double max_e, int64_t probes, int64_t n) {
  return 8 * max_e * std::sqrt(2.0 / static_cast<double>(probes * n));
}

TEST(Signal, TappedModelMeasuresTheChainsChi1AndJacobian) {
  const Net net = random_net(32, 4, 1.5, 0.05, 11);
  torch::manual_seed(12);
  const torch::Tensor x = torch::randn({100, 32});
  SignalOptions o;
  o.activation = rg::Activation::kTanh;
  o.apjn_probes = 200;
  o.bootstrap = 0;
  const SignalResult exact = measure_signal(net.w, net.b, x, o);
  const SignalResult tapped = measure_signal(tapped_chain(net), weight_layers(net), x, o);
  EXPECT_EQ(exact.chi1_probes, 0);
  EXPECT_EQ(tapped.chi1_probes, 200);
  EXPECT_EQ(tapped.to_json()["chi1_estimator"], "hutchinson");
  const auto truth = exact_chi(net, x, false);
  ASSERT_EQ(tapped.layers.size(), 4u);
  for (std::size_t l = 0; l < 4; ++l) {
    const auto& t = tapped.layers[l];
    EXPECT_EQ(t.name, "layer" + std::to_string(l + 1));
    EXPECT_EQ(t.width, 32);
    EXPECT_NEAR(t.chi1, truth[l].second, hutchinson_tolerance(truth[l].first, 200, 100))
        << "layer " << l + 1;
    // σ_w², σ_b² are the same float64 sums of the same values; q differs by the forward's
    // float32 rounding (a relative γ_32(u32)·Σ|terms| per value, far inside 1e-3 of q here).
    EXPECT_DOUBLE_EQ(t.sigma_w2, exact.layers[l].sigma_w2);
    EXPECT_DOUBLE_EQ(t.sigma_b2, exact.layers[l].sigma_b2);
    EXPECT_NEAR(t.q, exact.layers[l].q, 1e-3 * exact.layers[l].q);
    EXPECT_DOUBLE_EQ(t.chi1_mean_field, exact.layers[l].chi1_mean_field);
  }
  // Both Jacobians are exact: float32 products of 4 matrices with inner sizes 32 against each
  // other; relative 1e-3 is ≫ 4·γ_32(u32) ≈ 8e-6 of the sizes of these sums.
  EXPECT_EQ(tapped.jacobian.samples, exact.jacobian.samples);
  EXPECT_EQ(tapped.jacobian.rank, 32);
  EXPECT_NEAR(tapped.jacobian.mean, exact.jacobian.mean, 1e-3 * exact.jacobian.mean);
  EXPECT_NEAR(tapped.jacobian.max, exact.jacobian.max, 1e-3 * exact.jacobian.max);
  for (std::size_t l = 1; l < 4; ++l)
    EXPECT_NEAR(tapped.layers[l].apjn, exact.layers[l].apjn,
                6 * (tapped.layers[l].apjn_se + exact.layers[l].apjn_se));
}

TEST(Signal, TappedJacobianIsEveryPathBetweenTheTaps) {
  const Net net = random_net(16, 3, 1.0, 0.0, 21);
  torch::manual_seed(22);
  const torch::Tensor x = torch::randn({80, 16});
  SignalOptions o;
  o.activation.reset();
  o.apjn_probes = 200;
  o.bootstrap = 50;
  const SignalResult r = measure_signal(tapped_chain(net, true), weight_layers(net), x, o);
  const auto truth = exact_chi(net, x, true);
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_NEAR(r.layers[l].chi1, truth[l].second, hutchinson_tolerance(truth[l].first, 200, 80))
        << "layer " << l + 1;
  // With the identity added, χ₁ > 1 (‖W D + I‖² = ‖W D‖² + 2 tr(W D) + N).
  EXPECT_GT(r.layers[2].chi1, 1.0);
  EXPECT_TRUE(std::isnan(r.layers[1].chi1_mean_field));
  EXPECT_TRUE(r.to_json()["activation"].is_null());
}

TEST(Signal, TappedModelBadInput) {
  const Net net = random_net(8, 2, 1.0, 0.0, 1);
  const torch::Tensor x = torch::randn({4, 8});
  EXPECT_THROW(measure_signal(tapped_chain(net), {}, x), InvalidArgument);
  auto layers = weight_layers(net);
  layers.pop_back();  // the forward gives one tap too many
  EXPECT_THROW(measure_signal(tapped_chain(net), layers, x), InvalidArgument);
  const TappedForward constant = [](const torch::Tensor& in) {
    return std::vector<torch::Tensor>{torch::ones({in.size(0), 3}), torch::ones({in.size(0), 3})};
  };
  EXPECT_THROW(measure_signal(constant, {{"c", torch::ones({3, 8}), {}}}, x), InvalidArgument);
  const TappedForward blows_up = [](const torch::Tensor& in) {
    const torch::Tensor h = in.sum(1, true) / 0.0;
    return std::vector<torch::Tensor>{h, h};
  };
  EXPECT_THROW(measure_signal(blows_up, {{"c", torch::ones({1, 8}), {}}}, x), DataError);
}

}  // namespace
}  // namespace critnet::atlas
