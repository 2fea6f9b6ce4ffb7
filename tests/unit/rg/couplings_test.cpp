#include "critnet/rg/couplings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"
#include "support/error_bounds.h"

using critnet::reg::GramSide;
using critnet::reg::NConvention;
using critnet::rg::ClassifyOptions;
using critnet::rg::CouplingOptions;
using critnet::rg::ModeClass;
using critnet::rg::Phase;
using critnet::test_support::eigenvalue_bound;
using critnet::test_support::gamma_n;
using critnet::test_support::matmul_bound;
using critnet::test_support::unit_roundoff;
using critnet::test_support::within_bound;
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
// components have the norm of u; the structural zeros come first. Tolerances: the error bounds
// of the two computations (Gram products, eigensolvers, the scalar maps), float64.
TEST(RgCouplings, EigenbasisMatchesMatrixForm) {
  const double u = unit_roundoff(torch::kFloat64);
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
    // A: w = Aᵀ A; couplings() diagonalises the small Gram matrix G [k, k] (k = 4 both ways).
    const auto a_mat = side == GramSide::kIn ? v : v.t();
    const auto small = a_mat.size(0) < a_mat.size(1) ? a_mat : a_mat.t();  // G = small·smallᵀ
    const auto g_small = small.mm(small.t());
    const int64_t k = g_small.size(0), nw = w.size(0);
    const double a = c.a;
    // λ̂ of G: the product's error (‖·‖_F of its element-wise bound) plus the eigensolver's.
    const double e_lambda = matmul_bound(small, small.t(), u).norm().item<double>() +
                            eigenvalue_bound(k, g_small.norm().item<double>(), u);
    const double x_max = c.x.abs().max().item<double>();
    // r = x(1 - x), x = aλ: the λ error through dr/dλ = a(1 - 2x), and 3 roundings.
    const double e_r_modes = a * (1 + 2 * (x_max + a * e_lambda)) * e_lambda +
                             a * a * e_lambda * e_lambda + gamma_n(3, u) * (x_max + x_max * x_max);
    // m.r = a(w - a w·w): the errors of w and of w·w, 3 roundings, then its eigensolver.
    const double e_w = matmul_bound(a_mat.t(), a_mat, u).norm().item<double>();
    const auto w2 = w.mm(w);
    const double e_w2 =
        matmul_bound(w, w, u).norm().item<double>() + 2 * w.norm().item<double>() * e_w + e_w * e_w;
    const double e_r_matrix = a * e_w + a * a * e_w2 +
                              gamma_n(3, u) * a * (w.abs() + a * w2.abs()).norm().item<double>() +
                              eigenvalue_bound(nw, m.r.norm().item<double>(), u);
    const auto r_spec = torch::linalg::eigvalsh(m.r, "L");
    // eigvalsh sorts r, our modes are sorted by λ: compare sorted (sorting moves no value
    // further than the largest perturbation).
    const auto r_sorted = std::get<0>(c.r.sort());
    EXPECT_TRUE(within_bound(r_sorted, r_spec, e_r_modes + e_r_matrix));
    // u = aβh Aᵀ(A 1) both ways (two products and a sum, rows + cols + 2 roundings per term).
    const double ubh = a * 3.0 * 0.7;
    const auto u_abs =
        ubh * a_mat.abs().t().mv(a_mat.abs().mv(torch::ones({a_mat.size(1)}, torch::kFloat64)));
    const double gamma_u = gamma_n(a_mat.size(0) + a_mat.size(1) + 2, u);
    EXPECT_TRUE(within_bound(c.u_sites, m.u, 2 * gamma_u * u_abs));
    // ‖ũ‖² = (aβh)² bᵀ Ĝ b with b = A 1 (Aᵀ) and Ĝ what the eigensolver diagonalised (G plus
    // its product and backward errors, plus the loss of orthogonality of the eigenvectors).
    const double b2 = (ubh * a_mat.abs().mv(torch::ones({a_mat.size(1)}, torch::kFloat64)))
                          .square()
                          .sum()
                          .item<double>();
    const double norm_u = m.u.norm().item<double>();
    const double e_norm2 = (e_lambda + eigenvalue_bound(k, g_small.norm().item<double>(), u)) * b2 +
                           4 * gamma_u * u_abs.square().sum().item<double>();
    EXPECT_NEAR(c.u_modes.norm().item<double>(), norm_u, e_norm2 / norm_u);
    // Nondegenerate modes: |ũ_i| = |e_i · u| from the full eigendecomposition of w. The two
    // computed eigenvectors each lie within sin θ ≤ eigenvector_bound of the exact one.
    auto [evals, evecs] = torch::linalg::eigh(w, "L");
    const auto u_full = torch::mv(evecs.t(), m.u).abs();
    const int64_t z = c.structural_zeros;
    const auto lam = evals.slice(0, z);
    // Gaps of the non-zero modes: to the nearest other eigenvalue (the zeros included).
    const auto all = torch::cat({torch::zeros({z}, torch::kFloat64), lam});
    auto gap = torch::full({k}, 1e300, torch::kFloat64);
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t j = 0; j < all.size(0); ++j) {
        if (j == z + i) continue;
        gap[i] = std::min(gap[i].item<double>(),
                          std::abs(all[j].item<double>() - lam[i].item<double>()));
      }
    }
    const double e_w_total = e_w + eigenvalue_bound(nw, w.norm().item<double>(), u);
    const double e_g_total = e_lambda;
    // |ê·u − e·u| ≤ √2 sin θ ‖u‖ per side, u's own error, and the dot products' roundings; the
    // small side's ũ_i also carries sqrt(λ̂) and the product A 1 (bounded through ‖u‖/λ).
    const auto angle = (e_w_total + e_g_total) / (gap - e_w_total - e_g_total);
    const auto bound_modes = std::sqrt(2.0) * angle * (norm_u + 2 * gamma_u * u_abs.norm()) +
                             2 * gamma_u * u_abs.norm() + gamma_n(nw + 2, u) * 2 * norm_u +
                             e_lambda / lam * norm_u;
    EXPECT_TRUE(within_bound(u_full.slice(0, z), c.u_modes.slice(0, z).abs(), bound_modes));
    EXPECT_TRUE(within_bound(evals.slice(0, z), c.lambda.slice(0, z), e_w_total + e_lambda));
    EXPECT_EQ(k, 4);
    // r = x(1 - x) elementwise from the same x: 2 roundings.
    EXPECT_TRUE(within_bound(c.r, c.x * (1 - c.x), gamma_n(2, u) * (c.x.abs() + c.x.square())));
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
  // |x − 1| for x = λ(qᵀq): q's loss of orthogonality (Householder QR, ‖q̂ᵀq̂ − I‖_F ≤
  // √n·γ_{4n²}, Higham §19.3), the product qᵀq and the eigensolver.
  const double u = unit_roundoff(torch::kFloat64);
  EXPECT_LT(an.distance_min, std::sqrt(6.0) * gamma_n(4 * 36, u) +
                                 matmul_bound(q.t(), q, u).norm().item<double>() +
                                 eigenvalue_bound(6, q.t().mm(q).norm().item<double>(), u));
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
