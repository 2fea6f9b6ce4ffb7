#include "critnet/report/verdict.h"

#include <fmt/format.h>

#include <cmath>

namespace critnet::report {

std::string VerdictRule::describe() const {
  return fmt::format(
      "A power law is plausible when the bootstrap goodness-of-fit p-value is at least {:g} "
      "and no alternative distribution is significantly favoured (no likelihood-ratio test "
      "with R < 0 and p < {:g}); Clauset, Shalizi & Newman, SIAM Review 51 (2009).",
      gof_p_min, lr_p_max);
}

ArmVerdict assess(const std::optional<CsnFit>& fit, const VerdictRule& rule) {
  ArmVerdict v;
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
    v.plausibility = Plausibility::kPlausible;
    reasons.push_back(fmt::format("p = {:.3g} ≥ {:g}", fit->p_value, rule.gof_p_min));
  }
  for (std::size_t i = 0; i < reasons.size(); ++i) v.reason += (i ? "; " : "") + reasons[i];
  return v;
}

Contrast contrast(const ArmVerdict& baseline, const ArmVerdict& treatment) {
  const bool base_missing = baseline.plausibility == Plausibility::kNoFit;
  const bool treatment_missing = treatment.plausibility == Plausibility::kNoFit;
  if (base_missing && treatment_missing) return Contrast::kUntested;
  if (base_missing || treatment_missing) {
    return Contrast::kIncomplete;
  }
  if (treatment.plausible())
    return baseline.plausible() ? Contrast::kBoth : Contrast::kTreatmentOnly;
  return baseline.plausible() ? Contrast::kBaselineOnly : Contrast::kNeither;
}

std::string to_string(Plausibility p) {
  switch (p) {
    case Plausibility::kPlausible:
      return "plausible";
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
      return fmt::format("power law in {} only", treatment);
    case Contrast::kBoth:
      return fmt::format("power law in both {} and {}", baseline, treatment);
    case Contrast::kNeither:
      return "power law in neither";
    case Contrast::kBaselineOnly:
      return fmt::format("power law in {} only", baseline);
    case Contrast::kIncomplete:
      return "incomplete (a fit is missing)";
    case Contrast::kUntested:
      return "not tested (no CSN fit)";
  }
  return "?";
}

}  // namespace critnet::report
