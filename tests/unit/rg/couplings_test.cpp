#include "critnet/rg/couplings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"

using critnet::reg::GramSide;
using critnet::reg::NConvention;
using critnet::rg::ClassifyOptions;
using critnet::rg::CouplingOptions;
using critnet::rg::ModeClass;
using critnet::rg::Phase;
using ::testing::HasSubstr;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const critnet::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RgCouplings, UnitCountConventions) {
  const auto v = torch::zeros({3, 5});
  EXPECT_EQ(critnet::rg::unit_count(v, NConvention::kFanIn), 5);
  EXPECT_EQ(critnet::rg::unit_count(v, NConvention::kFanOut), 3);
  EXPECT_EQ(critnet::rg::unit_count(v, NConvention::kOne), 1);
  EXPECT_DOUBLE_EQ(critnet::rg::coupling_scale(v, CouplingOptions().beta(2.0)), 0.4);
}

// r of eq. 13 in the eigenbasis equals the spectrum of the matrix r = a(w - a w²); u's mode
// components have the norm of u; the structural zeros come first. Tolerance 1e-10.
TEST(RgCouplings, EigenbasisMatchesMatrixForm) {
  torch::manual_seed(1);
  const auto v = torch::randn({4, 7}, torch::kFloat64);  // in = 7 > out = 4
  for (auto side : {GramSide::kIn, GramSide::kOut}) {
    const auto opts = CouplingOptions().beta(3.0).field(0.7).gram_side(side);
    const auto c = critnet::rg::couplings(v, opts);
    const auto w = side == GramSide::kIn ? torch::mm(v.t(), v) : torch::mm(v, v.t());
    const auto m = critnet::rg::coupling_matrices(w, 3.0, 7.0, 0.7);
    EXPECT_EQ(c.dimension, w.size(0));
    EXPECT_EQ(c.structural_zeros, side == GramSide::kIn ? 3 : 0);
    EXPECT_DOUBLE_EQ(c.a, 3.0 / 7.0);
    EXPECT_DOUBLE_EQ(c.g, c.a);
    const auto r_spec = torch::linalg::eigvalsh(m.r, "L");
    // eigvalsh sorts r, our modes are sorted by λ: compare sorted.
    const auto r_sorted = std::get<0>(c.r.sort());
    EXPECT_LT((r_sorted - r_spec).abs().max().item<double>(), 1e-10);
    EXPECT_LT((c.u_sites - m.u).abs().max().item<double>(), 1e-10);
    EXPECT_NEAR(c.u_modes.norm().item<double>(), m.u.norm().item<double>(), 1e-10);
    // Nondegenerate modes: |ũ_i| = |e_i · u| from the full eigendecomposition.
    auto [evals, evecs] = torch::linalg::eigh(w, "L");
    const auto u_full = torch::mv(evecs.t(), m.u).abs();
    const int64_t k = c.dimension - c.structural_zeros;
    EXPECT_LT((u_full.slice(0, c.structural_zeros) - c.u_modes.slice(0, c.structural_zeros).abs())
                  .abs()
                  .max()
                  .item<double>(),
              1e-9);
    EXPECT_LT((evals.slice(0, c.structural_zeros) - c.lambda.slice(0, c.structural_zeros))
                  .abs()
                  .max()
                  .item<double>(),
              1e-10);
    EXPECT_EQ(k, 4);
    EXPECT_LT((c.r - c.x * (1 - c.x)).abs().max().item<double>(), 1e-15);
  }
}

TEST(RgCouplings, CorrelationLengthHandlesSigns) {
  const auto r = torch::tensor({0.25, 0.0, -0.1, 0.01}, torch::kFloat64);
  const auto xi = critnet::rg::correlation_length(r, 1.0);
  EXPECT_DOUBLE_EQ(xi[0].item<double>(), 2.0);
  EXPECT_TRUE(std::isinf(xi[1].item<double>()));
  EXPECT_TRUE(std::isnan(xi[2].item<double>()));
  EXPECT_NEAR(xi[3].item<double>(), 10.0, 1e-12);
  EXPECT_TRUE(torch::isnan(critnet::rg::correlation_length(r, -1.0)).all().item<bool>());
}

// A massless mode is massless within the round-off band, on either side of r = 0: an
// eigenvalue one ulp away from x = 1 (as another BLAS kernel may return) still gives ξ = ∞.
TEST(RgCouplings, CorrelationLengthIsInfiniteWithinTheRoundOffBand) {
  const double one_up = std::nextafter(1.0, 2.0), one_down = std::nextafter(1.0, 0.0);
  const auto x = torch::tensor({one_up, one_down, 0.5}, torch::kFloat64);
  const auto r = x * (1.0 - x);
  const double tol = critnet::rg::massless_tolerance(50, 1.0);
  EXPECT_GT(tol, r.abs().slice(0, 0, 2).max().item<double>());
  EXPECT_LT(tol, 1e-10);  // a band of round-off, not of physics
  const auto xi = critnet::rg::correlation_length(r, 1.0, tol);
  EXPECT_TRUE(std::isinf(xi[0].item<double>()));
  EXPECT_TRUE(std::isinf(xi[1].item<double>()));
  EXPECT_NEAR(xi[2].item<double>(), 2.0, 1e-12);
  // Without the band the same modes are finite and NaN: what the band is for.
  const auto exact = critnet::rg::correlation_length(r, 1.0);
  EXPECT_FALSE(std::isinf(exact[0].item<double>()) && std::isinf(exact[1].item<double>()));
  EXPECT_THAT(error_of([&] { critnet::rg::correlation_length(r, 1.0, -1.0); }),
              HasSubstr("r_tolerance"));
}

TEST(RgCouplings, ModeClasses) {
  const ClassifyOptions o;
  EXPECT_EQ(critnet::rg::classify_mode(0.0, o), ModeClass::kZero);
  EXPECT_EQ(critnet::rg::classify_mode(0.3, o), ModeClass::kDisordered);
  EXPECT_EQ(critnet::rg::classify_mode(0.95, o), ModeClass::kNearCritical);
  EXPECT_EQ(critnet::rg::classify_mode(1.005, o), ModeClass::kCritical);
  EXPECT_EQ(critnet::rg::classify_mode(3.0, o), ModeClass::kOrdered);
  EXPECT_EQ(critnet::rg::classify_mode(500.0, o), ModeClass::kFrozen);
  EXPECT_EQ(critnet::rg::classify_mode(-0.5, o), ModeClass::kNegative);
}

TEST(RgCouplings, PhasesOfWholeMatrices) {
  auto t = [](std::vector<double> x) { return torch::tensor(x, torch::kFloat64); };
  EXPECT_EQ(critnet::rg::classify(t({0, 0.001, 0})), Phase::kTrivialHighT);
  EXPECT_EQ(critnet::rg::classify(t({1, 1.001, 0.999})), Phase::kCwCritical);
  EXPECT_EQ(critnet::rg::classify(t({0, 0, 1})), Phase::kCwCritical);  // rank-1 projector
  EXPECT_EQ(critnet::rg::classify(t({0.95, 1.0, 1.05})), Phase::kNearCritical);
  EXPECT_EQ(critnet::rg::classify(t({0, 200, 1e4})), Phase::kTrivialLowT);
  EXPECT_EQ(critnet::rg::classify(t({0.3, 1.0})), Phase::kGeneric);
}

// Curie-Weiss: w = J 11ᵀ from V = sqrt(J) 1ᵀ [1, N]; at β = 1/J the uniform mode sits at
// x = 1 and the other N-1 are structural zeros: a CW-critical fixed point.
TEST(RgCouplings, CurieWeissAtTcIsCritical) {
  const int64_t n = 50;
  const double j = 0.8;
  const auto v = std::sqrt(j) * torch::ones({1, n}, torch::kFloat64);
  const auto an = critnet::rg::analyse_layer(v, CouplingOptions().beta(1.0 / j));
  EXPECT_EQ(an.couplings.structural_zeros, n - 1);
  EXPECT_NEAR(an.x_max, 1.0, 1e-12);
  EXPECT_NEAR(an.critical_temperature, j, 1e-12);
  EXPECT_EQ(an.phase, Phase::kCwCritical);
  EXPECT_GT(an.couplings.r_tolerance, 0.0);
  EXPECT_TRUE(std::isinf(an.xi[n - 1].item<double>()));
  const auto hot = critnet::rg::analyse_layer(v, CouplingOptions().beta(0.5 / j));
  EXPECT_EQ(hot.phase, Phase::kGeneric);  // x = 0.5: sits on the pole
  EXPECT_NEAR(hot.distance_min, 0.5, 1e-12);
}

TEST(RgCouplings, OrthogonalWeightIsCriticalAtBetaN) {
  torch::manual_seed(2);
  auto q = std::get<0>(torch::linalg::qr(torch::randn({6, 6}, torch::kFloat64), "reduced"));
  const auto an = critnet::rg::analyse_layer(q, CouplingOptions().beta(6.0));  // a w = I
  EXPECT_EQ(an.phase, Phase::kCwCritical);
  EXPECT_LT(an.distance_min, 1e-12);
  EXPECT_EQ(an.class_counts[static_cast<int>(ModeClass::kCritical)], 6);
  const auto zero = critnet::rg::analyse_layer(torch::zeros({3, 4}), CouplingOptions());
  EXPECT_EQ(zero.phase, Phase::kTrivialHighT);
}

TEST(RgCouplings, RejectsBadInput) {
  EXPECT_THAT(error_of([] { critnet::rg::couplings(torch::zeros({3}), CouplingOptions()); }),
              HasSubstr("weight must be a 2-d tensor"));
  EXPECT_THAT(error_of([] {
                critnet::rg::couplings(torch::zeros({3, 3}), CouplingOptions().beta(NAN));
              }),
              HasSubstr("beta must be finite"));
  EXPECT_THAT(error_of([] {
                critnet::rg::couplings(torch::full({2, 2}, NAN), CouplingOptions());
              }),
              HasSubstr("non-finite"));
  EXPECT_THAT(error_of([] { ClassifyOptions().tol_near(0.001).validate(); }),
              HasSubstr("tol_critical must be in (0, tol_near]"));
  EXPECT_THAT(error_of([] { critnet::rg::classify_mode(NAN); }), HasSubstr("must be finite"));
}
