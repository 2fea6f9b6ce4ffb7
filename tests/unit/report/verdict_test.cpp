#include "critnet/report/verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"

namespace critnet::report {
namespace {

using ::testing::HasSubstr;

CsnFit fit(double p, std::vector<Comparison> comparisons = {}) {
  CsnFit f;
  f.x_min = 3;
  f.alpha = 2.5;
  f.alpha_se = 0.1;
  f.n_tail = 200;
  f.tail_max = 3000;  // three decades
  f.ks = 0.03;
  f.p_value = p;
  f.comparisons = std::move(comparisons);
  return f;
}

TEST(Verdict, ScaleInvariantWhenTestsPassAndTheTailIsWide) {
  const auto v = assess(
      fit(0.42, {{"exponential", 5.0, 0.001, "power_law"}, {"lognormal", -0.5, 0.6, "neither"}}));
  EXPECT_EQ(v.plausibility, Plausibility::kScaleInvariant);
  EXPECT_TRUE(v.scale_invariant());
  ASSERT_TRUE(v.best_alternative);
  EXPECT_EQ(v.best_alternative->alternative, "lognormal");  // the smallest R
  EXPECT_EQ(v.reason, "p = 0.42 ≥ 0.1");
}

TEST(Verdict, ThresholdIsInclusive) {
  EXPECT_TRUE(assess(fit(0.1)).scale_invariant());
  EXPECT_FALSE(assess(fit(0.0999)).scale_invariant());
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
  EXPECT_TRUE(assess(fit(0.5, {{"lognormal", -0.8, 0.1, "neither"}})).scale_invariant());
  EXPECT_TRUE(assess(fit(0.5, {{"exponential", 9.0, 1e-6, "power_law"}})).scale_invariant());
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
  // bootstrap p = 1. It must not be called scale invariant.
  CsnFit f = fit(1.0);
  f.alpha = 81.8937;
  f.alpha_se = std::nan("");
  f.ks = 0;
  auto v = assess(f);
  EXPECT_EQ(v.plausibility, Plausibility::kNoFit);
  EXPECT_FALSE(v.scale_invariant());
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

// The steep edge of a bounded distribution: the CSN tests pass, alpha is 11 to 139, the tail
// spans a fraction of a decade. Rule 2 never counts it as scale invariant.
TEST(Verdict, SteepTailOverLessThanADecadeIsTooNarrow) {
  for (double alpha : {11.0, 42.0, 139.0}) {
    CsnFit f = fit(0.9, {{"lognormal", 0.2, 0.8, "neither"}});
    f.alpha = alpha;
    f.x_min = 40;
    f.tail_max = 95;  // 0.38 decades
    const auto v = assess(f);
    EXPECT_EQ(v.plausibility, Plausibility::kTooNarrow) << alpha;
    EXPECT_FALSE(v.scale_invariant());
    EXPECT_EQ(v.reason, "p = 0.9 ≥ 0.1; tail spans 0.38 decades < 1");
    EXPECT_EQ(contrast(assess(fit(0.0)), v), Contrast::kNeither);  // never "treatment only"
  }
  EXPECT_EQ(to_string(Plausibility::kTooNarrow), "not rejected, too narrow");
}

TEST(Verdict, TooFewTailPointsIsTooNarrow) {
  CsnFit f = fit(0.5);
  f.n_tail = 49;
  EXPECT_EQ(assess(f).plausibility, Plausibility::kTooNarrow);
  EXPECT_EQ(assess(f).reason, "p = 0.5 ≥ 0.1; n_tail = 49 < 50");
  f.n_tail = 50;
  EXPECT_TRUE(assess(f).scale_invariant());
}

TEST(Verdict, WidthThresholdIsInclusiveAndConfigurable) {
  CsnFit f = fit(0.5);
  f.x_min = 2;
  f.tail_max = 20;  // exactly one decade
  EXPECT_TRUE(assess(f).scale_invariant());
  f.tail_max = 19.9;
  EXPECT_EQ(assess(f).plausibility, Plausibility::kTooNarrow);
  VerdictRule loose;
  loose.min_decades = 0.5;
  loose.min_tail = 10;
  EXPECT_TRUE(assess(f, loose).scale_invariant());
  EXPECT_THAT(loose.describe(), HasSubstr("at least 0.5 decade(s)"));
  EXPECT_THAT(loose.describe(), HasSubstr("at least 10 points"));
}

TEST(Verdict, TestsRejectBeforeWidthIsConsidered) {
  CsnFit f = fit(0.01);
  f.tail_max = 4;
  EXPECT_EQ(assess(f).plausibility, Plausibility::kRejectedByGof);
}

TEST(Verdict, FitWithoutTailMaxCannotBeJudged) {
  CsnFit f = fit(0.5);
  f.tail_max.reset();
  const auto v = assess(f);
  EXPECT_EQ(v.plausibility, Plausibility::kNoFit);
  EXPECT_THAT(v.reason, HasSubstr("tail_max"));
}

TEST(Verdict, RuleValidation) {
  VerdictRule r;
  EXPECT_NO_THROW(r.validate());
  r.min_decades = std::nan("");
  EXPECT_THROW(r.validate(), InvalidArgument);
  r = {};
  r.min_tail = 0;
  EXPECT_THROW(r.validate(), InvalidArgument);
}

TEST(Verdict, CustomThresholds) {
  VerdictRule strict;
  strict.gof_p_min = 0.5;
  strict.lr_p_max = 0.7;
  EXPECT_FALSE(assess(fit(0.42), strict).scale_invariant());
  EXPECT_FALSE(assess(fit(0.9, {{"lognormal", -0.5, 0.6, ""}}), strict).scale_invariant());
  EXPECT_THAT(strict.describe(), HasSubstr("p ≥ 0.5"));
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
            "scale invariant in critical only");
}

// An entry of results.json or probe.json: its fit, or why it has none, and the verdict on it.
TEST(Verdict, EntriesAreReadAndJudgedOnce) {
  const nlohmann::json good = to_json(fit(0.42));
  nlohmann::json degenerate = good;
  degenerate["alpha_se"] = nullptr;  // NaN: invalid_fit_reason

  const EntryFit with_fit = parse_entry_fit({{"fit", good}, {"fit_error", "ignored"}}, "e");
  ASSERT_TRUE(with_fit.fit);
  EXPECT_EQ(assess_entry(with_fit).reason, assess(with_fit.fit).reason);
  EXPECT_TRUE(assess_entry(with_fit).scale_invariant());

  const EntryFit error_only = parse_entry_fit({{"fit", nullptr}, {"fit_error", "too few"}}, "e");
  EXPECT_FALSE(error_only.fit);
  EXPECT_EQ(error_only.fit_error, "too few");
  EXPECT_EQ(assess_entry(error_only).plausibility, Plausibility::kNoFit);
  EXPECT_EQ(assess_entry(error_only).reason, "no fit: too few");
  EXPECT_EQ(assess_entry(parse_entry_fit(nlohmann::json::object(), "e")).reason, "no fit");

  const EntryFit invalid = parse_entry_fit({{"fit", degenerate}}, "e");
  EXPECT_FALSE(invalid.fit);
  EXPECT_THAT(invalid.fit_error, HasSubstr("invalid fit: alpha = 2.5, se = nan"));
  EXPECT_THAT(assess_entry(invalid).reason, HasSubstr("no fit: invalid fit: "));
  // The entry's own error wins over the degenerate fit's reason.
  EXPECT_EQ(parse_entry_fit({{"fit", degenerate}, {"fit_error", "mine"}}, "e").fit_error, "mine");

  try {
    parse_entry_fit({{"fit", {{"alpha", 2.0}}}}, "results[3]");
    ADD_FAILURE();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("results[3].fit"));
  }
  EXPECT_THROW(parse_entry_fit({{"fit_error", 7}}, "e"), DataError);
}

}  // namespace
}  // namespace critnet::report
