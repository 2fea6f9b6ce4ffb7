// Bias and variance of the Hutchinson estimator of the critical penalty against the exact one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include "critnet/regularizers/critical.h"
#include "support/error_bounds.h"

namespace critnet::reg {
namespace {

struct Moments {
  double mean = 0, var = 0;           // of the value estimate
  torch::Tensor grad_mean, grad_var;  // per entry
};

Moments sample(const torch::Tensor& v, const PenaltyOptions& options, int samples) {
  std::vector<double> values;
  std::vector<torch::Tensor> grads;
  for (int i = 0; i < samples; ++i) {
    torch::Tensor x = v.clone().requires_grad_(true);
    torch::Tensor r = penalty(x, options);
    r.backward();
    values.push_back(r.item<double>());
    grads.push_back(x.grad().clone());
  }
  torch::Tensor vt = torch::tensor(values, torch::kFloat64);
  torch::Tensor gt = torch::stack(grads);
  return {vt.mean().item<double>(), vt.var().item<double>(), gt.mean(0), gt.var(0)};
}

struct Exact {
  double value;
  torch::Tensor grad;
};

Exact exact(const torch::Tensor& v, PenaltyOptions options) {
  torch::Tensor x = v.clone().requires_grad_(true);
  torch::Tensor r = penalty(x, options.probes(0));
  r.backward();
  return {r.item<double>(), x.grad().clone()};
}

class Stochastic : public ::testing::TestWithParam<std::tuple<std::string, GramSide>> {};

TEST_P(Stochastic, UnbiasedValueAndGradientWithVarianceFallingAsOneOverProbes) {
  const auto& [preset, side] = GetParam();
  torch::manual_seed(2024);
  PenaltyOptions options = PenaltyOptions().preset(parse_preset(preset)).beta(4.0).gram_side(side);
  if (preset == "poly") options.coefficients({0.5, -1.0, 0.3, 0.2, -0.05});
  torch::Tensor v = torch::randn({6, 10}, torch::kFloat64) * 0.6;
  const Exact ex = exact(v, options);
  const int samples = 1500;

  const Moments one = sample(v, options.probes(1), samples);
  const Moments four = sample(v, options.probes(4), samples);
  ASSERT_GT(one.var, 0.0);

  // Bias: the mean over many seeds is within 4 standard errors of the exact value.
  for (const Moments* m : {&one, &four}) {
    EXPECT_LT(std::abs(m->mean - ex.value), 4.0 * std::sqrt(m->var / samples))
        << "mean " << m->mean << " exact " << ex.value;
    // Gradient: each entry's mean is within 4.5 standard errors of the exact entry (each
    // z-score is ~N(0, 1) whatever the correlation between entries; 60 entries: a false alarm
    // has probability < 1e-3), and the mean is close to the exact gradient as a whole.
    torch::Tensor sem = (m->grad_var / samples).sqrt();
    const double max_z = ((m->grad_mean - ex.grad).abs() / sem).max().item<double>();
    EXPECT_LT(max_z, 4.5);
    const double rel = ((m->grad_mean - ex.grad).norm() / ex.grad.norm()).item<double>();
    EXPECT_LT(rel, 0.1);
    std::cerr << preset << " side " << to_string(side) << ": max z " << max_z
              << ", relative error of the mean gradient " << rel << ", relative sd of R "
              << std::sqrt(m->var) / ex.value << "\n";
  }
  // Variance: four probes have a quarter of one probe's variance (value and gradient).
  const double ratio = one.var / four.var;
  EXPECT_GT(ratio, 3.2);
  EXPECT_LT(ratio, 5.0);
  const double grad_ratio = one.grad_var.sum().item<double>() / four.grad_var.sum().item<double>();
  EXPECT_GT(grad_ratio, 3.2);
  EXPECT_LT(grad_ratio, 5.0);
  RecordProperty("relative_sd_one_probe", std::to_string(std::sqrt(one.var) / ex.value));
}

INSTANTIATE_TEST_SUITE_P(Presets, Stochastic,
                         ::testing::Combine(::testing::Values("paper", "paper-eq33", "cw", "poly"),
                                            ::testing::Values(GramSide::kIn, GramSide::kOut)));

// For fixed probes the value is the literal estimate (1/m)‖P Z‖² (P = p(aG), G = Fᵀ F the small
// Gram matrix, F = V or Vᵀ) and the gradient is the literal split estimate of 4 F P'P = 4 F Σ_j
// d_j G^j (penalty_stochastic.cpp): (4/m) (F P' Z)(P Z)ᵀ in general; when every d_j has the same
// sign, 4 d_0 F + (4/m) (F G^(deg-1) Z)(Σ_{j≥1} d_j G^(j-deg+1) Z)ᵀ for deg ≤ 2 and
// 4 d_0 F + (4/m) [F Z (Σ_{1≤j≤deg} d_j G^j Z)ᵀ + (Σ_{1≤t<deg} d_{deg+t} F G^t Z)(G^deg Z)ᵀ]
// above. Redraw the same Rademacher probes and evaluate them with plain dense algebra; the
// polynomials cover the three forms ({1, 1, 2} and {1, .5, .3, .2} with β > 0 have same-sign
// d_j; p(x) = x³ has no low powers at all).
TEST(StochasticPenalty, ValueAndGradientAreTheLiteralEstimatesForTheDrawnProbes) {
  for (auto shape : {std::vector<int64_t>{5, 8}, std::vector<int64_t>{8, 5}}) {
    for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
      for (auto c : {std::vector<double>{1, 1, 2}, std::vector<double>{1, -1},
                     std::vector<double>{0.5, -1.0, 0.3, 0.2, -0.05},
                     std::vector<double>{1, 0.5, 0.3, 0.2}, std::vector<double>{0, 0, 0, 1}}) {
        auto options = PenaltyOptions()
                           .preset(Preset::kPoly)
                           .coefficients(c)
                           .beta(1.7)
                           .gram_side(side)
                           .probes(3);
        torch::manual_seed(99);
        torch::Tensor v = torch::randn(shape, torch::kFloat64);
        torch::Tensor x = v.clone().requires_grad_(true);
        torch::manual_seed(5);
        torch::Tensor r = penalty(x, options);
        r.backward();

        const int64_t k = std::min(shape[0], shape[1]);
        const int64_t n = side == GramSide::kIn ? shape[1] : shape[0];
        torch::manual_seed(5);
        torch::Tensor z = torch::randint(0, 2, {k, 3}, torch::kFloat64) * 2 - 1;
        const double a = coupling_scale(v, options);
        const bool f_is_v = shape[1] <= shape[0];
        const torch::Tensor f = f_is_v ? v : v.t();
        const torch::Tensor g = f.t().mm(f);
        const int64_t deg = static_cast<int64_t>(c.size()) - 1;
        std::vector<double> q(c.size()), rr(deg), d(2 * deg, 0.0);
        for (int64_t j = 0; j <= deg; ++j) q[j] = c[j] * std::pow(a, static_cast<double>(j));
        for (int64_t j = 0; j < deg; ++j) rr[j] = static_cast<double>(j + 1) * q[j + 1];
        for (int64_t i = 0; i <= deg; ++i) {
          for (int64_t j = 0; j < deg; ++j) d[i + j] += q[i] * rr[j];
        }
        std::vector<torch::Tensor> kz = {z};  // G^j Z
        for (int64_t j = 1; j <= deg; ++j) kz.push_back(g.mm(kz.back()));
        torch::Tensor pz = torch::zeros_like(z), dpz = torch::zeros_like(z);
        for (int64_t j = 0; j <= deg; ++j) pz = pz + q[j] * kz[j];
        for (int64_t j = 0; j < deg; ++j) dpz = dpz + rr[j] * kz[j];
        const double expected = pz.square().sum().item<double>() / 3.0 + c[0] * c[0] * (n - k);

        const bool same_sign = std::all_of(d.begin(), d.end(), [](double e) { return e >= 0; }) ||
                               std::all_of(d.begin(), d.end(), [](double e) { return e <= 0; });
        EXPECT_EQ(same_sign, c[1] >= 0 && c.back() > 0) << "the cases cover every split";
        torch::Tensor grad_f;
        if (same_sign && deg <= 2) {
          torch::Tensor rest = torch::zeros_like(z);
          for (int64_t j = 1; j < 2 * deg; ++j) rest = rest + d[j] * kz[j - (deg - 1)];
          grad_f = 4.0 * d[0] * f + (4.0 / 3.0) * f.mm(kz[deg - 1]).mm(rest.t());
        } else if (same_sign) {
          torch::Tensor low = torch::zeros_like(z), high = torch::zeros_like(z);
          for (int64_t j = 1; j <= deg; ++j) low = low + d[j] * kz[j];
          for (int64_t t = 1; t < deg; ++t) high = high + d[deg + t] * kz[t];
          grad_f =
              4.0 * d[0] * f + (4.0 / 3.0) * (f.mm(z).mm(low.t()) + f.mm(high).mm(kz[deg].t()));
        } else {
          grad_f = (4.0 / 3.0) * f.mm(dpz).mm(pz.t());
        }
        torch::Tensor expected_grad = f_is_v ? grad_f : grad_f.t();
        // 1e-10 relative: looser than the float64 bound of these small products with ±1 probes
        // (γ_n·Σ|terms| with n in the tens), so it stays.
        EXPECT_NEAR(r.item<double>(), expected, 1e-10 * expected);
        EXPECT_LE((x.grad() - expected_grad).abs().max().item<double>(),
                  1e-10 * expected_grad.abs().max().item<double>());
      }
    }
  }
}

// The same-sign split adds the gradient's d_0 term exactly: where a·s² is small (β ≪ N) that
// term is nearly all of the gradient, and the relative error of one 4-probe estimate is about
// 5·a·s² times the general split's, which is of order sqrt(k/m) = 5 here (a·s² ≈ 8e-4 at
// β = 1: 0.02; ≈ 0.03 at β = 40: 0.9).
TEST(StochasticPenalty, SameSignSplitIsAccurateWhereTheIdentityPartDominates) {
  torch::manual_seed(31);
  const torch::Tensor v = (torch::rand({100, 400}, torch::kFloat64) * 2 - 1) / 20.0;
  for (double beta : {1.0, 40.0}) {
    auto options = PenaltyOptions().preset(Preset::kPaper).beta(beta);
    const Exact ex = exact(v, options);
    torch::Tensor x = v.clone().requires_grad_(true);
    penalty(x, options.probes(4)).backward();
    const double rel = ((x.grad() - ex.grad).norm() / ex.grad.norm()).item<double>();
    EXPECT_LT(rel, beta == 1.0 ? 0.1 : 2.0) << "beta " << beta;
    std::cerr << "paper beta " << beta << ": relative error of one 4-probe gradient " << rel
              << "\n";
  }
}

TEST(StochasticPenalty, Eq33AnalyticGradientOfTheEstimateMatchesAutograd) {
  for (auto shape : {std::vector<int64_t>{5, 8}, std::vector<int64_t>{8, 5}}) {
    for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
      auto options =
          PenaltyOptions().preset(Preset::kPaperEq33).beta(-1.3).gram_side(side).probes(2);
      torch::manual_seed(98);
      torch::Tensor v = torch::randn(shape, torch::kFloat64);
      torch::Tensor x = v.clone().requires_grad_(true);
      torch::manual_seed(6);
      torch::Tensor r = penalty(x, options);
      r.backward();

      const int64_t n = side == GramSide::kIn ? shape[1] : shape[0];
      torch::manual_seed(6);
      torch::Tensor z = torch::randint(0, 2, {n, 2}, torch::kFloat64) * 2 - 1;
      torch::Tensor y = v.clone().requires_grad_(true);
      const double a = coupling_scale(v, options);
      torch::Tensor w = side == GramSide::kIn ? y.t().mm(y) : y.mm(y.t());
      torch::Tensor p = torch::diag_embed(1.0 + a * w.diagonal()) + 2.0 * a * a * w.mm(w);
      torch::Tensor expected = p.mm(z).square().sum() / 2.0;
      expected.backward();
      EXPECT_NEAR(r.item<double>(), expected.item<double>(), 1e-10 * expected.item<double>());
      EXPECT_LE((x.grad() - y.grad()).abs().max().item<double>(),
                1e-10 * y.grad().abs().max().item<double>());
    }
  }
}

TEST(StochasticPenalty, L1AndL2StayExact) {
  torch::Tensor v = torch::randn({3, 4}, torch::kFloat64);
  auto options = PenaltyOptions().preset(Preset::kL2).probes(3);
  const double expected = v.square().sum().item<double>();  // summed in another order
  // Two sums of the same 12 non-negative squares (1 + 12 roundings per term, each side).
  EXPECT_NEAR(
      penalty(v, options).item<double>(), expected,
      2 * test_support::gamma_n(13, test_support::unit_roundoff(torch::kFloat64)) * expected);
}

}  // namespace
}  // namespace critnet::reg
