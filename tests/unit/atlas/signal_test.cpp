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
  EXPECT_THROW(measure_signal({}, {}, x), InvalidArgument);
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

}  // namespace
}  // namespace critnet::atlas
