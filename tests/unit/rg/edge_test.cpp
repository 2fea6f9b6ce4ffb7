// The mean-field edge of chaos (rg/edge.h): the quadrature against closed forms, the public
// critical points (ReLU (2, 0), erf π/4, tanh 1), the depth scales against the maps iterated,
// the Jacobian's moments, and bad input.
#include "critnet/rg/edge.h"

#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"

namespace critnet::rg {
namespace {

// The quadrature's accuracy (docs/theory.md): composite 16-node Gauss-Legendre over unit
// panels of [−12, 12], split at the kinks, integrates each smooth piece of these integrands
// (polynomials, or analytic in a strip around the real axis at least 0.5 wide) to about 1e-15
// relative; the neglected mass beyond |z| = 12 is 3.6e-33. 1e-12 leaves room for the sums'
// rounding over 384 nodes (≤ 384·u).
constexpr double kQuadrature = 1e-12;

TEST(EdgeQuadrature, MatchesClosedForms) {
  EXPECT_NEAR(gaussian_expectation([](double z) { return z * z; }), 1.0, kQuadrature);
  EXPECT_NEAR(gaussian_expectation([](double z) { return z * z * z * z; }), 3.0, 3 * kQuadrature);
  for (double q : {0.01, 0.5, 2.0, 10.0}) {
    const double sq = std::sqrt(q);
    // ReLU: E[relu(√q z)²] = q/2; E[relu'²] = 1/2.
    EXPECT_NEAR(gaussian_expectation(
                    [&](double z) { return std::pow(activation(Activation::kRelu, sq * z), 2); }),
                q / 2, q * kQuadrature);
    // erf: E[erf(√q z)²] = (2/π) asin(2q / (1 + 2q)); E[erf'(√q z)²] = (4/π) / √(1 + 4q).
    EXPECT_NEAR(gaussian_expectation(
                    [&](double z) { return std::pow(activation(Activation::kErf, sq * z), 2); }),
                2 / M_PI * std::asin(2 * q / (1 + 2 * q)), kQuadrature);
    EXPECT_NEAR(gaussian_expectation([&](double z) {
                  return std::pow(activation_derivative(Activation::kErf, sq * z), 2);
                }),
                4 / M_PI / std::sqrt(1 + 4 * q), kQuadrature);
  }
}

TEST(Edge, PublicCriticalPoints) {
  // ReLU: χ₁ = σ_w²/2 whatever σ_b²; erf and tanh at σ_b² = 0: σ_w² φ'(0)² = 1.
  const auto relu = critical_line(Activation::kRelu, {0.0, 0.05});
  ASSERT_EQ(relu.size(), 2u);
  EXPECT_NEAR(relu[0].sigma_w2, 2.0, 2e-12 * 2);  // Brent's relative 1e-12, and χ₁'s rounding
  EXPECT_NEAR(relu[1].sigma_w2, 2.0, 2e-12 * 2);
  EXPECT_NEAR(critical_line(Activation::kErf, {0.0})[0].sigma_w2, M_PI / 4, kQuadrature);
  EXPECT_NEAR(critical_line(Activation::kTanh, {0.0})[0].sigma_w2, 1.0, kQuadrature);
  // Along tanh's line σ_w² grows with σ_b², and each point is critical.
  const auto tanh_line = critical_line(Activation::kTanh, {0.01, 0.05});
  EXPECT_GT(tanh_line[0].sigma_w2, 1.0);
  EXPECT_GT(tanh_line[1].sigma_w2, tanh_line[0].sigma_w2);
  for (const auto& p : tanh_line) {
    EdgeOptions o;
    o.sigma_w2 = p.sigma_w2;
    o.sigma_b2 = p.sigma_b2;
    EXPECT_EQ(edge(o).phase, "critical");
    EXPECT_NEAR(edge(o).chi1, 1.0, 1e-10);
  }
  EdgeOptions relu_point;
  relu_point.activation = Activation::kRelu;
  relu_point.sigma_w2 = 2.0;
  const EdgeResult r = edge(relu_point);
  EXPECT_EQ(r.phase, "critical");
  EXPECT_EQ(r.q_star, 0.0);
  EXPECT_FALSE(r.xi_c);  // infinite at the critical point
}

// The correlation map c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q*, written out here with nested
// one-dimensional expectations (independent of the library's two-dimensional rule).
double c_map(Activation phi, double w2, double b2, double q, double c) {
  const double sq = std::sqrt(q), s = std::sqrt(1 - c * c);
  const double e = gaussian_expectation([&](double z1) {
    return activation(phi, sq * z1) *
           gaussian_expectation([&](double z2) { return activation(phi, sq * (c * z1 + s * z2)); },
                                {-c * z1 / s});
  });
  return (w2 * e + b2) / q;
}

TEST(Edge, OrderedPhaseDepthScaleIsTheDecayOfTheCorrelationMap) {
  EdgeOptions o;
  o.sigma_w2 = 0.8;
  o.sigma_b2 = 0.05;
  const EdgeResult r = edge(o);
  ASSERT_EQ(r.phase, "ordered");
  ASSERT_TRUE(r.q_star && r.xi_c);
  EXPECT_EQ(*r.c_star, 1.0);
  EXPECT_NEAR(*r.xi_c, -1 / std::log(r.chi1), 1e-12 * *r.xi_c);
  // 1 − c^l shrinks by χ₁ per layer once c^l is near 1 (the next order is O(1 − c^l)).
  double c = 0.5, ratio = 0;
  for (int l = 0; l < 40; ++l) {
    const double next = c_map(Activation::kTanh, o.sigma_w2, o.sigma_b2, *r.q_star, c);
    ratio = (1 - next) / (1 - c);
    c = next;
  }
  ASSERT_LT(1 - c, 1e-3);
  EXPECT_NEAR(ratio, std::exp(-1 / *r.xi_c), 10 * (1 - c));
}

TEST(Edge, ChaoticPhaseHasAStableCorrelationBelowOne) {
  EdgeOptions o;
  o.sigma_w2 = 2.5;
  o.sigma_b2 = 0.05;
  const EdgeResult r = edge(o);
  ASSERT_EQ(r.phase, "chaotic");
  ASSERT_TRUE(r.q_star && r.c_star && r.xi_c);
  EXPECT_LT(*r.c_star, 1.0);
  // The map iterated from 0.9 reaches c*, its distance shrinking by e^{−1/ξ_c} per layer.
  double c = 0.9, ratio = 0;
  for (int l = 0; l < 400; ++l) {
    const double next = c_map(Activation::kTanh, o.sigma_w2, o.sigma_b2, *r.q_star, c);
    ratio = (next - *r.c_star) / (c - *r.c_star);
    c = next;
    if (std::abs(c - *r.c_star) < 1e-5) break;
  }
  // Stopping at |c − c*| < 1e-5: the ratio's next order is O(|c − c*|) ≈ 1e-5, and the maps'
  // rounding (a sum of 384² terms ≤ 1: at most γ_{384²}·1 ≈ 1.6e-11 per evaluation, and c*
  // off by that over 1 − slope ≈ 0.08) moves it by at most ≈ 2e-10 / 1e-5 = 2e-5.
  EXPECT_NEAR(c, *r.c_star, 1e-5);
  EXPECT_NEAR(ratio, std::exp(-1 / *r.xi_c), 1e-4);
}

TEST(Edge, JacobianMomentsAtTheCriticalPoint) {
  EdgeOptions o;
  o.activation = Activation::kRelu;
  o.sigma_w2 = 2.0;
  o.depth = 10;
  const EdgeResult r = edge(o);
  // ReLU: μ₁ = μ₂ = 1/2, μ₂/μ₁² = 2; at χ₁ = 1 the variance is L(μ₂/μ₁² − 1 − s₁).
  EXPECT_NEAR(r.mu2_over_mu1_sq, 2.0, 4 * kQuadrature);
  EXPECT_NEAR(*r.jacobian_mean, 1.0, 10 * kQuadrature);
  EXPECT_NEAR(*r.jacobian_variance, 20.0, 100 * kQuadrature);
  EXPECT_NEAR(*r.jacobian_variance_orthogonal, 10.0, 100 * kQuadrature);
  const nlohmann::json j = r.to_json();
  for (const char* k : {"q_star", "c_star", "chi1", "xi_q", "xi_c", "phase", "mu2_over_mu1_sq",
                        "jacobian_mean", "jacobian_variance"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["xi_c"].is_null());
}

TEST(Edge, DivergingLengthMap) {
  EdgeOptions o;
  o.activation = Activation::kRelu;
  o.sigma_w2 = 3.0;
  o.sigma_b2 = 0.1;
  const EdgeResult r = edge(o);
  EXPECT_FALSE(r.q_star);
  EXPECT_EQ(r.phase, "chaotic");
  EXPECT_NEAR(r.chi1, 1.5, 2 * kQuadrature);
}

TEST(Edge, BadInput) {
  EdgeOptions o;
  o.sigma_w2 = 0.0;
  EXPECT_THROW(edge(o), InvalidArgument);
  o.sigma_w2 = 1.0;
  o.sigma_b2 = -0.1;
  EXPECT_THROW(edge(o), InvalidArgument);
  o.sigma_b2 = NAN;
  EXPECT_THROW(edge(o), InvalidArgument);
  EXPECT_THROW(parse_activation("gelu"), InvalidArgument);
  EXPECT_EQ(parse_activation("selu"), Activation::kSelu);
  EXPECT_THROW(critical_line(Activation::kTanh, {-1.0}), InvalidArgument);
}

}  // namespace
}  // namespace critnet::rg
