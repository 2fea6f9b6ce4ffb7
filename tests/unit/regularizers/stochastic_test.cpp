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
  RegularizerOptions options = RegularizerOptions().preset(parse_preset(preset)).beta(4.0).gram_side(side);
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

TEST(StochasticPenalty, L1AndL2StayExact) {
  torch::Tensor v = torch::randn({3, 4}, torch::kFloat64);
  auto options = RegularizerOptions().preset(Preset::kL2).probes(3);
  EXPECT_DOUBLE_EQ(penalty(v, options).item<double>(), v.square().sum().item<double>());
}

}  // namespace
}  // namespace critnet::reg
