#include "critnet/rg/flow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "critnet/core/error.h"

namespace rg = critnet::rg;
using ::testing::HasSubstr;

namespace {

std::vector<double> grid(double end, int n) {
  std::vector<double> t;
  for (int i = 0; i <= n; ++i) t.push_back(end * i / n);
  return t;
}

}  // namespace

// The closed form satisfies r(τ) = r(0) e^{2τ} (eq. 23) and agrees with RK45 (rtol 1e-10) to
// 1e-8 relative, forwards and backwards in τ, on both sides of the pole and outside [0, 1].
TEST(RgFlow, ClosedFormMatchesRk45AndEq23) {
  const double a = 0.25;
  for (double x0 : {-0.5, 0.05, 0.3, 0.7, 0.95, 1.0, 1.5, 3.0}) {
    const double l0 = x0 / a;
    const double tau_end = (x0 > 0 && x0 < 1) ? 0.9 * critnet::rg::pole_time(l0, a) : 1.5;
    for (double end : {tau_end, -3.0}) {
      const auto taus = grid(end, 20);
      const auto sol = critnet::rg::integrate_flow(l0, a, taus);
      EXPECT_FALSE(sol.hit_pole) << "x0 " << x0;
      for (size_t i = 0; i < taus.size(); ++i) {
        const double closed = critnet::rg::flow_closed_form(l0, a, taus[i]);
        EXPECT_NEAR(sol.lambda[i], closed, 1e-8 * std::max(1.0, std::abs(closed)))
            << "x0 " << x0 << " tau " << taus[i];
        const double x = a * closed, r0 = x0 * (1 - x0);
        EXPECT_NEAR(x * (1 - x), r0 * std::exp(2 * taus[i]),
                    1e-12 * std::max(1.0, std::abs(r0) * std::exp(2 * taus[i])));
      }
    }
  }
}

TEST(RgFlow, FixedPointsAndExponents) {
  const double a = 0.1;
  const auto fps = critnet::rg::fixed_points(a);
  ASSERT_EQ(fps.size(), 2u);
  EXPECT_EQ(fps[0].lambda, 0.0);
  EXPECT_DOUBLE_EQ(fps[1].lambda, 10.0);
  for (const auto& fp : fps) {
    EXPECT_DOUBLE_EQ(fp.exponent, 2.0);
    // 0 up to round-off: λ* = 1/a is rounded, and a·λ* may differ from 1 by an ulp (FMA).
    EXPECT_NEAR(critnet::rg::flow_rate(fp.lambda, a), 0.0, 1e-13 * std::max(1.0, fp.lambda));
    // The exponent is the slope of the rate: central difference, 1e-6.
    const double h = 1e-5;
    const double slope =
        (critnet::rg::flow_rate(fp.lambda + h, a) - critnet::rg::flow_rate(fp.lambda - h, a)) /
        (2 * h);
    EXPECT_NEAR(slope, 2.0, 1e-6);
    const auto sol = critnet::rg::integrate_flow(fp.lambda, a, grid(5.0, 5));
    for (double l : sol.lambda) EXPECT_NEAR(l, fp.lambda, 1e-12 * std::max(1.0, fp.lambda));
  }
  EXPECT_DOUBLE_EQ(critnet::rg::pole(a), 5.0);
  EXPECT_EQ(critnet::rg::fixed_points(0.0).size(), 1u);
}

// Deviations grow as e^{2τ} next to both fixed points (exponent 2): x0 = 1e-8 and 1 + 1e-8.
TEST(RgFlow, LinearisedGrowthAtFixedPoints) {
  const double a = 2.0;
  for (double x_fp : {0.0, 1.0}) {
    const double eps = 1e-8;
    const double l = critnet::rg::flow_closed_form((x_fp + eps) / a, a, 2.0);
    EXPECT_NEAR((a * l - x_fp) / eps, std::exp(4.0), 1e-4 * std::exp(4.0));
  }
}

// Inside (0, 1) the flow reaches the pole x = 1/2 at τ* = -ln(4 x0 (1 - x0)) / 2; RK45 stops
// there (within 1e-6 in τ) and the closed form is NaN afterwards.
TEST(RgFlow, PoleIsReachedAtClosedFormTime) {
  const double a = 1.0;
  for (double x0 : {0.1, 0.4, 0.6, 0.9}) {
    const double ts = critnet::rg::pole_time(x0, a);
    EXPECT_NEAR(ts, -0.5 * std::log(4 * x0 * (1 - x0)), 1e-15);
    const auto sol = critnet::rg::integrate_flow(x0, a, {0.0, ts + 0.5});
    EXPECT_TRUE(sol.hit_pole) << x0;
    EXPECT_NEAR(sol.tau_reached, ts, 1e-6) << x0;
    EXPECT_TRUE(std::isnan(sol.lambda[1]));
    EXPECT_EQ(sol.lambda[0], x0);
    EXPECT_TRUE(std::isnan(critnet::rg::flow_closed_form(x0, a, ts + 1e-3)));
    EXPECT_NEAR(critnet::rg::flow_closed_form(x0, a, ts - 1e-12), 0.5, 1e-5);
  }
  EXPECT_TRUE(std::isinf(critnet::rg::pole_time(1.5, 1.0)));
  EXPECT_TRUE(std::isinf(critnet::rg::pole_time(-0.5, 1.0)));
}

// Towards the UV (τ → -∞) x0 < 1/2 flows into 0 and x0 > 1/2 into the critical point 1.
TEST(RgFlow, UvLimits) {
  EXPECT_NEAR(critnet::rg::flow_closed_form(0.3, 1.0, -20.0), 0.0, 1e-15);
  EXPECT_NEAR(critnet::rg::flow_closed_form(0.7, 1.0, -20.0), 1.0, 1e-15);
  EXPECT_NEAR(critnet::rg::flow_closed_form(2.0, 1.0, -20.0), 1.0, 1e-15);
  EXPECT_NEAR(critnet::rg::flow_closed_form(3.0, 0.0, 0.5), 3.0 * std::exp(1.0), 1e-12);
}

TEST(RgFlow, RejectsBadTaus) {
  auto err = [](const std::vector<double>& taus) {
    try {
      critnet::rg::integrate_flow(0.1, 1.0, taus);
    } catch (const critnet::InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(err({0.0, 0.5, -0.5}), HasSubstr("one sign"));
  EXPECT_THAT(err({0.0, 0.5, 0.2}), HasSubstr("sorted by |tau|"));
  EXPECT_THAT(err({0.0, NAN}), HasSubstr("finite"));
  EXPECT_THROW(critnet::rg::flow_closed_form(NAN, 1.0, 0.0), critnet::InvalidArgument);
}

// The study of `critnet rg-flow`: every λ0 on the same τ grid, RK45 beside the closed form
// (agreeing to RK45's tolerance, rtol 1e-10, far inside 1e-8), a flow into the pole ending in
// NaN, and one document.
TEST(RgFlowStudy, TrajectoriesAndDocument) {
  rg::FlowStudyOptions o;
  o.lambdas = {0.2, 3.0};
  o.a = 0.5;
  o.tau_max = 0.5;
  o.steps = 5;
  const rg::FlowStudy s = rg::flow_study(o);
  ASSERT_EQ(s.taus.size(), 6u);
  EXPECT_EQ(s.taus.front(), 0.0);
  EXPECT_EQ(s.taus.back(), 0.5);
  ASSERT_EQ(s.trajectories.size(), 2u);
  for (const auto& t : s.trajectories) {
    ASSERT_EQ(t.closed.size(), s.taus.size());
    EXPECT_LT(t.max_difference, 1e-8);
  }
  EXPECT_EQ(s.pole, 1.0);
  const nlohmann::json j = s.to_json();
  EXPECT_EQ(j.at("tau").size(), 6u);
  EXPECT_EQ(j.at("fixed_points").size(), 2u);
  EXPECT_EQ(j.at("trajectories")[1].at("lambda0"), 3.0);
  EXPECT_EQ(j.at("trajectories")[1].at("lambda_rk45").size(), 6u);
  // x0 = 0.1 < 1/2 grows towards the pole, reached at τ* = ln(1/(4·x0(1 − x0)))/2 ≈ 0.511,
  // past tau_max; x0 = 1.5 > 1 never reaches it (pole_time +inf: null).
  EXPECT_FALSE(j.at("trajectories")[0].at("hit_pole").get<bool>());
  EXPECT_NEAR(j.at("trajectories")[0].at("pole_time").get<double>(), 0.5 * std::log(1 / 0.36),
              1e-12);
  EXPECT_TRUE(j.at("trajectories")[1].at("pole_time").is_null());
}

TEST(RgFlowStudy, BadOptionsNameThemselves) {
  const auto error = [](const rg::FlowStudyOptions& o) {
    try {
      rg::flow_study(o);
    } catch (const critnet::InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  rg::FlowStudyOptions o;
  EXPECT_THAT(error(o), HasSubstr("lambdas: give at least one"));
  o.lambdas = {0.5};
  o.tau_max = 0;
  EXPECT_THAT(error(o), HasSubstr("tau_max must be finite and not 0"));
  o.tau_max = 1;
  o.steps = 0;
  EXPECT_THAT(error(o), HasSubstr("steps must be in 1.."));
  o.steps = 10;
  o.solver.rtol = 1;
  EXPECT_THAT(error(o), HasSubstr("rtol must be in (0, 1)"));
}
