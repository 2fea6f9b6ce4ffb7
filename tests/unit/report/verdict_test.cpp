#include "critnet/report/verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace critnet::report {
namespace {

using ::testing::HasSubstr;

CsnFit fit(double p, std::vector<Comparison> comparisons = {}) {
  CsnFit f;
  f.x_min = 3;
  f.alpha = 2.5;
  f.alpha_se = 0.1;
  f.n_tail = 200;
  f.ks = 0.03;
  f.p_value = p;
  f.comparisons = std::move(comparisons);
  return f;
}

TEST(Verdict, PlausibleWhenGofPassesAndNoAlternativeIsFavoured) {
  const auto v = assess(
      fit(0.42, {{"exponential", 5.0, 0.001, "power_law"}, {"lognormal", -0.5, 0.6, "neither"}}));
  EXPECT_EQ(v.plausibility, Plausibility::kPlausible);
  EXPECT_TRUE(v.plausible());
  ASSERT_TRUE(v.best_alternative);
  EXPECT_EQ(v.best_alternative->alternative, "lognormal");  // the smallest R
  EXPECT_EQ(v.reason, "p = 0.42 ≥ 0.1");
}

TEST(Verdict, ThresholdIsInclusive) {
  EXPECT_TRUE(assess(fit(0.1)).plausible());
  EXPECT_FALSE(assess(fit(0.0999)).plausible());
}

TEST(Verdict, LowGofPRejects) {
  const auto v = assess(fit(0.03));
  EXPECT_EQ(v.plausibility, Plausibility::kRejectedByGof);
  EXPECT_EQ(v.reason, "p = 0.03 < 0.1");
  EXPECT_FALSE(v.best_alternative);
}

TEST(Verdict, SignificantlyFavouredAlternativeRejects) {
  const auto v = assess(
      fit(0.5, {{"exponential", -2.1, 0.02, "exponential"}, {"lognormal", -3.0, 0.3, "neither"}}));
  EXPECT_EQ(v.plausibility, Plausibility::kAlternativeFavoured);
  EXPECT_EQ(v.reason, "exponential favoured (R = -2.1, p = 0.02)");
  EXPECT_EQ(v.best_alternative->alternative, "lognormal");
}

TEST(Verdict, NegativeRWithoutSignificanceOrSignificantPositiveRDoesNotReject) {
  EXPECT_TRUE(assess(fit(0.5, {{"lognormal", -0.8, 0.1, "neither"}})).plausible());
  EXPECT_TRUE(assess(fit(0.5, {{"exponential", 9.0, 1e-6, "power_law"}})).plausible());
}

TEST(Verdict, BothFailuresAreNamed) {
  const auto v = assess(fit(0.01, {{"truncated_power_law", -4, 0.001, "truncated_power_law"}}));
  EXPECT_EQ(v.plausibility, Plausibility::kRejectedByGof);
  EXPECT_EQ(v.reason, "p = 0.01 < 0.1; truncated_power_law favoured (R = -4, p = 0.001)");
}

TEST(Verdict, MissingFitOrPValue) {
  EXPECT_EQ(assess(std::nullopt).plausibility, Plausibility::kNoFit);
  const auto v = assess(fit(std::nan("")));
  EXPECT_EQ(v.plausibility, Plausibility::kNoFit);
  EXPECT_EQ(v.reason, "no goodness-of-fit p-value");
}

TEST(Verdict, NonFiniteAlphaSeOrKsIsNoFitEvenWithPOne) {
  // The degenerate discrete fit the Hurwitz-zeta underflow gave: alpha = 81.9 +- nan, KS = 0,
  // bootstrap p = 1. It must not be called plausible.
  CsnFit f = fit(1.0);
  f.alpha = 81.8937;
  f.alpha_se = std::nan("");
  f.ks = 0;
  auto v = assess(f);
  EXPECT_EQ(v.plausibility, Plausibility::kNoFit);
  EXPECT_FALSE(v.plausible());
  EXPECT_THAT(v.reason, HasSubstr("no valid fit"));
  for (auto bad : {&CsnFit::alpha, &CsnFit::alpha_se, &CsnFit::ks, &CsnFit::x_min}) {
    CsnFit g = fit(1.0);
    g.*bad = std::nan("");
    EXPECT_EQ(assess(g).plausibility, Plausibility::kNoFit);
    g.*bad = INFINITY;
    EXPECT_EQ(assess(g).plausibility, Plausibility::kNoFit);
    EXPECT_FALSE(invalid_fit_reason(g).empty());
  }
  CsnFit zero_ks = fit(1.0);
  zero_ks.ks = 0;
  EXPECT_EQ(assess(zero_ks).plausibility, Plausibility::kNoFit);
  EXPECT_EQ(invalid_fit_reason(fit(0.5)), "");
}

TEST(Verdict, CustomThresholds) {
  VerdictRule strict;
  strict.gof_p_min = 0.5;
  strict.lr_p_max = 0.7;
  EXPECT_FALSE(assess(fit(0.42), strict).plausible());
  EXPECT_FALSE(assess(fit(0.9, {{"lognormal", -0.5, 0.6, ""}}), strict).plausible());
  EXPECT_THAT(strict.describe(), HasSubstr("at least 0.5"));
  EXPECT_THAT(strict.describe(), HasSubstr("p < 0.7"));
}

TEST(Verdict, Contrasts) {
  const auto yes = assess(fit(0.5));
  const auto no = assess(fit(0.0));
  const auto none = assess(std::nullopt);
  EXPECT_EQ(contrast(no, yes), Contrast::kTreatmentOnly);
  EXPECT_EQ(contrast(yes, yes), Contrast::kBoth);
  EXPECT_EQ(contrast(no, no), Contrast::kNeither);
  EXPECT_EQ(contrast(yes, no), Contrast::kBaselineOnly);
  EXPECT_EQ(contrast(none, yes), Contrast::kIncomplete);
  EXPECT_EQ(contrast(none, none), Contrast::kUntested);
  EXPECT_EQ(to_string(Contrast::kTreatmentOnly), "treatment_only");
  EXPECT_EQ(describe(Contrast::kTreatmentOnly, "baseline", "critical"),
            "power law in critical only");
}

}  // namespace
}  // namespace critnet::report
