#include "critnet/report/verdict.h"

#include <fmt/format.h>

#include <cmath>

#include "critnet/core/error.h"

namespace critnet::report {

void VerdictRule::validate() const {
  CRITNET_CHECK(std::isfinite(gof_p_min) && gof_p_min >= 0 && gof_p_min <= 1,
                "the goodness-of-fit threshold must be in [0, 1], got ", gof_p_min);
  CRITNET_CHECK(std::isfinite(lr_p_max) && lr_p_max >= 0 && lr_p_max <= 1,
                "the likelihood-ratio threshold must be in [0, 1], got ", lr_p_max);
  CRITNET_CHECK(std::isfinite(min_decades) && min_decades >= 0 && min_decades <= 20,
                "min decades must be in [0, 20], got ", min_decades);
  CRITNET_CHECK(min_tail >= 1, "min tail must be >= 1 point, got ", min_tail);
}

std::string VerdictRule::describe() const {
  return fmt::format(
      "A case is scale invariant when the power law survives the Clauset-Shalizi-Newman tests "
      "(bootstrap goodness-of-fit p ≥ {:g}; no alternative significantly favoured: no "
      "likelihood-ratio test with R < 0 and p < {:g}) and its fitted tail is wide enough to "
      "carry the name: at least {:g} decade(s) (x_max/x_min ≥ {:g}) and at least {} points. A "
      "tail that passes the tests but is narrower or smaller is \"not rejected, too narrow\". "
      "Clauset, Shalizi & Newman, SIAM Review 51 (2009); Stumpf & Porter, Science 335 (2012).",
      gof_p_min, lr_p_max, min_decades, std::pow(10.0, min_decades), min_tail);
}

nlohmann::json to_json(const VerdictRule& rule) {
  return {{"version", 2},
          {"gof_p_min", rule.gof_p_min},
          {"lr_p_max", rule.lr_p_max},
          {"min_decades", rule.min_decades},
          {"min_tail", rule.min_tail},
          {"text", rule.describe()}};
}

namespace {

// Why a fit that passes the tests is too narrow ("" when it is wide enough).
std::string narrowness(const CsnFit& fit, const VerdictRule& rule) {
  std::vector<std::string> why;
  const double decades = std::log10(*fit.tail_max / fit.x_min);
  if (!(decades >= rule.min_decades))
    why.push_back(fmt::format("tail spans {:.2g} decades < {:g}", decades, rule.min_decades));
  if (fit.n_tail < rule.min_tail)
    why.push_back(fmt::format("n_tail = {} < {}", fit.n_tail, rule.min_tail));
  std::string out;
  for (std::size_t i = 0; i < why.size(); ++i) out += (i ? "; " : "") + why[i];
  return out;
}

}  // namespace

FitVerdict assess(const std::optional<CsnFit>& fit, const VerdictRule& rule) {
  FitVerdict v;
  if (!fit) {
    v.reason = "no fit";
    return v;
  }
  // A fit whose exponent, standard error or KS distance is not finite (e.g. a discrete MLE
  // that ran off to its bound) is no fit at all: its bootstrap p says nothing.
  if (const std::string why = invalid_fit_reason(*fit); !why.empty()) {
    v.reason = "no valid fit: " + why;
    return v;
  }
  for (const auto& c : fit->comparisons) {
    if (std::isnan(c.R)) continue;
    if (!v.best_alternative || c.R < v.best_alternative->R) v.best_alternative = c;
  }
  if (!std::isfinite(fit->p_value)) {
    v.reason = "no goodness-of-fit p-value";
    return v;
  }
  if (!fit->tail_max || !(*fit->tail_max >= fit->x_min)) {
    v.reason = "no tail_max (a fit written before verdict rule 2: rerun the probe)";
    return v;
  }
  std::vector<std::string> reasons;
  const bool gof_fails = fit->p_value < rule.gof_p_min;
  if (gof_fails) reasons.push_back(fmt::format("p = {:.3g} < {:g}", fit->p_value, rule.gof_p_min));
  const Comparison* favoured = nullptr;
  for (const auto& c : fit->comparisons) {
    if (c.R < 0 && c.p < rule.lr_p_max && (!favoured || c.R < favoured->R)) favoured = &c;
  }
  if (favoured) {
    reasons.push_back(fmt::format("{} favoured (R = {:.3g}, p = {:.3g})", favoured->alternative,
                                  favoured->R, favoured->p));
  }
  if (gof_fails) {
    v.plausibility = Plausibility::kRejectedByGof;
  } else if (favoured) {
    v.plausibility = Plausibility::kAlternativeFavoured;
  } else {
    reasons.push_back(fmt::format("p = {:.3g} ≥ {:g}", fit->p_value, rule.gof_p_min));
    const std::string narrow = narrowness(*fit, rule);
    v.plausibility = narrow.empty() ? Plausibility::kScaleInvariant : Plausibility::kTooNarrow;
    if (!narrow.empty()) reasons.push_back(narrow);
  }
  for (std::size_t i = 0; i < reasons.size(); ++i) v.reason += (i ? "; " : "") + reasons[i];
  return v;
}

FitVerdict assess_entry(const EntryFit& entry, const VerdictRule& rule) {
  FitVerdict v = assess(entry.fit, rule);
  if (!entry.fit && !entry.fit_error.empty()) v.reason = "no fit: " + entry.fit_error;
  return v;
}

Contrast contrast(const FitVerdict& baseline, const FitVerdict& treatment) {
  return contrast(count_seeds({baseline}), count_seeds({treatment}));
}

SeedCount count_seeds(const std::vector<FitVerdict>& per_seed) {
  SeedCount c;
  for (const auto& v : per_seed) {
    ++c.seeds;
    if (v.plausibility != Plausibility::kNoFit) ++c.fitted;
    if (v.scale_invariant()) ++c.scale_invariant;
  }
  return c;
}

Contrast contrast(const SeedCount& baseline, const SeedCount& treatment) {
  if (baseline.fitted == 0 && treatment.fitted == 0) return Contrast::kUntested;
  // An arm without a fit in half its seeds or more cannot be judged.
  if (2 * baseline.fitted <= baseline.seeds || 2 * treatment.fitted <= treatment.seeds)
    return Contrast::kIncomplete;
  if (treatment.majority() && baseline.minority()) return Contrast::kTreatmentOnly;
  if (baseline.majority() && treatment.minority()) return Contrast::kBaselineOnly;
  if (!baseline.majority() && !treatment.majority()) return Contrast::kNeither;
  return Contrast::kBoth;
}

std::string seed_rule_text() {
  return "Over seeds (seed s of every arm shares initialisation and data order), an arm counts "
         "as scale invariant in a case when it is so in a majority of its seeds (k > n/2); the "
         "claim holds in a case only when the treatment arm is scale invariant in a majority of "
         "seeds and the baseline in a minority (k < n/2); an arm without a fit in half its "
         "seeds or more makes the case incomplete.";
}

std::string to_string(Plausibility p) {
  switch (p) {
    case Plausibility::kScaleInvariant:
      return "scale invariant";
    case Plausibility::kTooNarrow:
      return "not rejected, too narrow";
    case Plausibility::kRejectedByGof:
      return "rejected (goodness of fit)";
    case Plausibility::kAlternativeFavoured:
      return "rejected (alternative favoured)";
    case Plausibility::kNoFit:
      return "no fit";
  }
  return "?";
}

std::string to_string(Contrast c) {
  switch (c) {
    case Contrast::kTreatmentOnly:
      return "treatment_only";
    case Contrast::kBoth:
      return "both";
    case Contrast::kNeither:
      return "neither";
    case Contrast::kBaselineOnly:
      return "baseline_only";
    case Contrast::kIncomplete:
      return "incomplete";
    case Contrast::kUntested:
      return "untested";
  }
  return "?";
}

std::string describe(Contrast c, const std::string& baseline, const std::string& treatment) {
  switch (c) {
    case Contrast::kTreatmentOnly:
      return fmt::format("scale invariant in {} only", treatment);
    case Contrast::kBoth:
      return fmt::format("scale invariant in both {} and {}", baseline, treatment);
    case Contrast::kNeither:
      return "scale invariant in neither";
    case Contrast::kBaselineOnly:
      return fmt::format("scale invariant in {} only", baseline);
    case Contrast::kIncomplete:
      return "incomplete (a fit is missing)";
    case Contrast::kUntested:
      return "not tested (no CSN fit)";
  }
  return "?";
}

}  // namespace critnet::report
