// Bias and variance of the Hutchinson estimator of the critical penalty against the exact one.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>

#include "critnet/regularizers/critical.h"

namespace critnet::reg {
namespace {

struct Moments {
  double mean = 0, var = 0;           // of the value estimate
  torch::Tensor grad_mean, grad_var;  // per entry
};

Moments sample(const torch::Tensor& v, const RegularizerOptions& options, int samples) {
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

Exact exact(const torch::Tensor& v, RegularizerOptions options) {
  torch::Tensor x = v.clone().requires_grad_(true);
  torch::Tensor r = penalty(x, options.probes(0));
  r.backward();
  return {r.item<double>(), x.grad().clone()};
}

class Stochastic : public ::testing::TestWithParam<std::tuple<std::string, GramSide>> {};

TEST_P(Stochastic, UnbiasedValueAndGradientWithVarianceFallingAsOneOverProbes) {
  const auto& [preset, side] = GetParam();
  torch::manual_seed(2024);
  RegularizerOptions options =
      RegularizerOptions().preset(parse_preset(preset)).beta(4.0).gram_side(side);
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

// For fixed probes the value is the literal estimate (1/m)‖p(aG) Z‖² and the gradient is the
// literal (4/m)·F p'(aG) Z (p(aG) Z)ᵀ (F = V or Vᵀ, G = Fᵀ F the small Gram matrix): redraw the
// same Rademacher probes and evaluate both with plain tensor algebra.
TEST(StochasticPenalty, ValueAndGradientAreTheLiteralEstimatesForTheDrawnProbes) {
  for (auto shape : {std::vector<int64_t>{5, 8}, std::vector<int64_t>{8, 5}}) {
    for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
      for (auto c : {std::vector<double>{1, 1, 2}, std::vector<double>{1, -1},
                     std::vector<double>{0.5, -1.0, 0.3, 0.2, -0.05}}) {
        auto options = RegularizerOptions()
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
        const torch::Tensor g = a * f.t().mm(f);
        // p(aG) Z and p'(aG) Z, with p'(x) = Σ j c_j x^(j-1); the gradient's chain rule gives
        // d p(aG) = a p'(aG) dG.
        torch::Tensor pz = c[0] * z, dpz = torch::zeros_like(z), power = z;
        for (size_t j = 1; j < c.size(); ++j) {
          dpz = dpz + static_cast<double>(j) * c[j] * power;
          power = g.mm(power);
          pz = pz + c[j] * power;
        }
        const double expected = pz.square().sum().item<double>() / 3.0 + c[0] * c[0] * (n - k);
        torch::Tensor grad_f = (4.0 * a / 3.0) * f.mm(dpz).mm(pz.t());
        torch::Tensor expected_grad = f_is_v ? grad_f : grad_f.t();
        EXPECT_NEAR(r.item<double>(), expected, 1e-10 * expected);
        EXPECT_LE((x.grad() - expected_grad).abs().max().item<double>(),
                  1e-10 * expected_grad.abs().max().item<double>());
      }
    }
  }
}

TEST(StochasticPenalty, Eq33AnalyticGradientOfTheEstimateMatchesAutograd) {
  for (auto shape : {std::vector<int64_t>{5, 8}, std::vector<int64_t>{8, 5}}) {
    for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
      auto options =
          RegularizerOptions().preset(Preset::kPaperEq33).beta(-1.3).gram_side(side).probes(2);
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
  auto options = RegularizerOptions().preset(Preset::kL2).probes(3);
  EXPECT_DOUBLE_EQ(penalty(v, options).item<double>(), v.square().sum().item<double>());
}

}  // namespace
}  // namespace critnet::reg
