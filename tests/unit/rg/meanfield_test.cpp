#include "critnet/rg/meanfield.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"
#include "support/error_bounds.h"
#include "support/error_of.h"

using critnet::rg::MeanFieldOptions;
using critnet::test_support::eigenvalue_bound;
using critnet::test_support::unit_roundoff;
using ::testing::HasSubstr;

namespace {
const double kU = unit_roundoff(torch::kFloat64);
}  // namespace

// The 1e-8 and 1e-6 tolerances below follow the fixed-point solver's own convergence tolerance
// (MeanFieldOptions().tolerance(), 1e-10 in max |V − tanh(..)|) and the conditioning of the
// linear response near T_c, both far above the round-off of the float64 solves; the
// eigenvalue comparisons use the eigensolver's bound.

TEST(RgMeanField, CurieWeissCriticalTemperatureIsJ) {
  for (double j : {0.5, 1.0, 2.3}) {
    const auto w = critnet::rg::curie_weiss_coupling(40, j);
    // λ_max of w = J 11ᵀ (‖w‖_F = 40J) by the eigensolver, then the division.
    EXPECT_NEAR(critnet::rg::critical_temperature(w, 40.0), j,
                eigenvalue_bound(40, 40 * j, kU) / 40 + kU * j);
  }
}

// Below T_c the uniform solution is the scalar Curie-Weiss root m = tanh(Jm/T) (1e-8); above
// it m = 0 (1e-8).
TEST(RgMeanField, CurieWeissMagnetisation) {
  const double j = 1.5;
  const auto w = critnet::rg::curie_weiss_coupling(30, j);
  for (double t : {0.3, 0.9, 1.2, 1.4, 1.7, 2.5}) {
    const auto s = critnet::rg::solve_mean_field(w, 30.0, 1.0 / t, 0.0);
    EXPECT_TRUE(s.converged) << t;
    EXPECT_NEAR(s.magnetisation, critnet::rg::curie_weiss_magnetisation(t, j, 0.0), 1e-8) << t;
    if (t > j) EXPECT_NEAR(s.magnetisation, 0.0, 1e-8);
  }
  // Near T_c: m² ≈ 3 (1 - T/J) (the Landau expansion), 1% at T = 0.999 J.
  const double m = critnet::rg::curie_weiss_magnetisation(0.999 * j, j, 0.0);
  EXPECT_NEAR(m * m / (3 * 0.001), 1.0, 0.01);
}

// Above T_c at h = 0 the susceptibility is the Curie-Weiss law χ = 1/(T - J) (1e-6 relative):
// it grows without bound as T ↓ T_c.
TEST(RgMeanField, SusceptibilityDivergesAtTc) {
  const double j = 1.0;
  const auto w = critnet::rg::curie_weiss_coupling(50, j);
  double previous = 0;
  for (double t : {2.0, 1.5, 1.1, 1.05, 1.01, 1.001}) {
    const auto s =
        critnet::rg::solve_mean_field(w, 50.0, 1.0 / t, 0.0, MeanFieldOptions().damping(1.0));
    EXPECT_TRUE(s.converged) << t;
    const double chi = critnet::rg::susceptibility(w, 50.0, 1.0 / t, s);
    EXPECT_NEAR(chi * (t - j), 1.0, 1e-6) << t;
    EXPECT_GT(chi, previous);
    previous = chi;
  }
  EXPECT_GT(previous, 999.0);
}

// A random symmetric PSD coupling: T_c = λ_max/N; χ(T) above T_c matches
// (1/N) Σ_i (e_i·1)² / (T - λ_i/N) to 1e-6; m = 0 above, |V| > 0 below.
TEST(RgMeanField, GeneralCouplingCriticalTemperature) {
  torch::manual_seed(3);
  const int64_t n = 20;
  const auto v = torch::randn({12, n}, torch::kFloat64) + 0.3;
  const auto w = torch::mm(v.t(), v);
  const double tc = critnet::rg::critical_temperature(w, n);
  auto [evals, evecs] = torch::linalg::eigh(w, "L");
  // eigvalsh (T_c) and eigh (here) are two solver paths: twice the eigenvalue bound.
  EXPECT_NEAR(tc, evals.max().item<double>() / n,
              2 * eigenvalue_bound(n, w.norm().item<double>(), kU) / n + 2 * kU * tc);
  const auto overlap = torch::mv(evecs.t(), torch::ones({n}, torch::kFloat64)).pow(2);
  for (double f : {1.5, 1.1, 1.02}) {
    const double t = f * tc;
    const auto s = critnet::rg::solve_mean_field(w, n, 1.0 / t, 0.0);
    EXPECT_TRUE(s.converged);
    EXPECT_LT(s.v.abs().max().item<double>(), 1e-8);
    const double expected = (overlap / (t - evals / n)).sum().item<double>() / n;
    EXPECT_NEAR(critnet::rg::susceptibility(w, n, 1.0 / t, s) / expected, 1.0, 1e-6);
  }
  // Along the top eigenvector: χ_top = 1/(T - T_c) (1e-6), from the sweep.
  const auto sweep = critnet::rg::temperature_sweep(w, n, 0.0, {1.5 * tc, 1.1 * tc, 1.01 * tc});
  for (const auto& p : sweep) {
    EXPECT_NEAR(p.top_susceptibility * (p.temperature - tc), 1.0, 1e-6) << p.temperature;
    EXPECT_LT(p.top_magnetisation, 1e-8);
  }
  const auto cold = critnet::rg::solve_mean_field(w, n, 1.0 / (0.8 * tc), 0.0);
  EXPECT_TRUE(cold.converged);
  EXPECT_GT(cold.v.norm().item<double>() / std::sqrt(n), 0.1);
}

// Linear response agrees with the central finite difference (dh = 1e-6) to 1e-5 relative,
// in the ordered phase with a field.
TEST(RgMeanField, LinearResponseMatchesFiniteDifference) {
  const auto w = critnet::rg::curie_weiss_coupling(10, 1.0);
  for (double t : {0.7, 1.3}) {
    const auto opts = MeanFieldOptions().tolerance(1e-14);
    const auto s = critnet::rg::solve_mean_field(w, 10.0, 1.0 / t, 0.05, opts);
    const double lr = critnet::rg::susceptibility(w, 10.0, 1.0 / t, s);
    const double fd =
        critnet::rg::susceptibility_finite_difference(w, 10.0, 1.0 / t, 0.05, 1e-6, opts);
    EXPECT_NEAR(lr / fd, 1.0, 1e-5) << t;
  }
}

TEST(RgMeanField, SweepReportsConvergence) {
  const auto w = critnet::rg::curie_weiss_coupling(10, 1.0);
  const auto pts = critnet::rg::temperature_sweep(w, 10.0, 0.0, {0.5, 2.0},
                                                  MeanFieldOptions().max_iterations(3));
  ASSERT_EQ(pts.size(), 2u);
  for (const auto& p : pts) {
    EXPECT_FALSE(p.converged);
    EXPECT_EQ(p.iterations, 3);
    EXPECT_GT(p.residual, 1e-10);
  }
  const auto ok = critnet::rg::temperature_sweep(w, 10.0, 0.0, {0.5, 2.0});
  EXPECT_TRUE(ok[0].converged && ok[1].converged);
  EXPECT_NEAR(ok[1].susceptibility, 1.0, 1e-6);  // 1/(T - J) at T = 2
}

TEST(RgMeanField, RejectsBadInput) {
  const auto w = critnet::rg::curie_weiss_coupling(4, 1.0);
  auto err = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const critnet::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(
      err([&] { critnet::rg::solve_mean_field(w, 4, 1, 0, MeanFieldOptions().damping(0)); }),
      HasSubstr("damping must be in (0, 1]"));
  EXPECT_THAT(err([&] { critnet::rg::solve_mean_field(w, 4, -1, 0); }),
              HasSubstr("beta must be > 0"));
  EXPECT_THAT(err([&] { critnet::rg::critical_temperature(torch::triu(w), 4); }),
              HasSubstr("w must be symmetric"));
  EXPECT_THAT(err([&] { critnet::rg::curie_weiss_coupling(0, 1.0); }),
              HasSubstr("size N must be > 0"));
  EXPECT_THAT(err([&] { critnet::rg::temperature_sweep(w, 4, 0, {-1.0}); }),
              HasSubstr("temperatures must be > 0"));
}

// The sweep of `critnet meanfield` in the library: temperatures in units of T_c, the points of
// temperature_sweep at them, and one document.
TEST(RgMeanField, CurveSweepsInUnitsOfTc) {
  const double j = 2.0;
  const critnet::rg::MeanFieldSystem cw{"cw", critnet::rg::curie_weiss_coupling(50, j), 50.0};
  critnet::rg::TemperatureRange range;
  range.t_min = 0.5;
  range.t_max = 1.5;
  range.steps = 5;
  const auto c = critnet::rg::meanfield_curve(cw, range, 0.0);
  EXPECT_NEAR(c.critical_temperature, j, eigenvalue_bound(50, 50 * j, kU) / 50 + kU * j);
  EXPECT_EQ(c.size, 50);
  ASSERT_EQ(c.points.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    // T_c · (0.5 + 0.25 i): two roundings of products and one of a sum.
    const double t = c.critical_temperature * (0.5 + 0.25 * static_cast<double>(i));
    EXPECT_NEAR(c.points[i].temperature, t, 4 * kU * t) << i;
  }
  // Below T_c the scalar Curie-Weiss root; above it m = 0 (the solver's 1e-8).
  EXPECT_NEAR(c.points[0].magnetisation,
              critnet::rg::curie_weiss_magnetisation(c.points[0].temperature, j, 0.0), 1e-8);
  EXPECT_NEAR(c.points[4].magnetisation, 0.0, 1e-8);
  const nlohmann::json doc = c.to_json();
  EXPECT_EQ(doc["name"], "cw");
  ASSERT_EQ(doc["points"].size(), 5u);
  EXPECT_EQ(doc["points"][2]["converged"], c.points[2].converged);
  EXPECT_NEAR(doc["points"][4]["t_over_tc"].get<double>(), 1.5, 4 * kU * 1.5);

  range.steps = 1;
  EXPECT_THROW(critnet::rg::meanfield_curve(cw, range, 0.0), critnet::InvalidArgument);
  const critnet::rg::MeanFieldSystem zero{"0", torch::zeros({4, 4}, torch::kFloat64), 4.0};
  range.steps = 3;
  EXPECT_THROW(critnet::rg::meanfield_curve(zero, range, 0.0), critnet::NumericalError);
}

// A network's systems: w = VᵀV of every layer but the output layer, N = fan-in.
TEST(RgMeanField, LayerSystemsOfANetwork) {
  const std::vector<torch::Tensor> weights{torch::ones({3, 4}, torch::kFloat64),
                                           torch::ones({2, 3}, torch::kFloat64),
                                           torch::ones({1, 2}, torch::kFloat64)};
  const auto systems =
      critnet::rg::layer_systems(weights, {}, critnet::GramSide::kIn, critnet::NConvention::kFanIn);
  ASSERT_EQ(systems.size(), 2u);
  EXPECT_EQ(systems[1].name, "1");
  EXPECT_EQ(systems[1].w.sizes(), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(systems[1].w[0][0].item<double>(), 2.0);  // a sum of two products of ones: exact
  EXPECT_EQ(systems[1].n, 3.0);
  EXPECT_THAT(critnet::test_support::error_of([&] {
                critnet::rg::layer_systems(weights, {3}, critnet::GramSide::kOut,
                                           critnet::NConvention::kFanIn);
              }),
              HasSubstr("layer 3 out of range: the network has 3 Linear layers"));
}
