#pragma once
/// The rule that turns Clauset-Shalizi-Newman fits into plain verdicts, computed in code so
/// the report never says "power law" by eye. The rule (also in docs/report-schema.md):
///
///   A power law is PLAUSIBLE for one arm, measure and layer when
///     (1) the bootstrap goodness-of-fit p-value is >= gof_p_min (0.1, CSN 2009 §4.1), and
///     (2) no alternative is significantly favoured: no likelihood-ratio test has
///         R < 0 and p < lr_p_max (0.1, CSN 2009 §5.1).
///   Otherwise it is REJECTED (by (1) or by (2)); without a fit it is NO FIT.
///
///   For a treatment arm (e.g. "critical") against the baseline, per measure and layer:
///     treatment only  - plausible for the treatment, not for the baseline: the claim holds;
///     both / neither / baseline only - it does not; incomplete - one fit is missing;
///     untested - neither arm has a CSN fit (not counted).
#include <optional>
#include <string>

#include "critnet/report/results.h"

namespace critnet::report {

/// Thresholds of the rule.
struct VerdictRule {
  double gof_p_min = 0.1;  ///< bootstrap p below this rejects the power law
  double lr_p_max = 0.1;   ///< an alternative with R < 0 and p below this is favoured

  /// The rule in one sentence, with these thresholds.
  std::string describe() const;
};

enum class Plausibility { kPlausible, kRejectedByGof, kAlternativeFavoured, kNoFit };

/// The verdict on one fit.
struct ArmVerdict {
  Plausibility plausibility = Plausibility::kNoFit;
  /// The alternative with the smallest R (the strongest competitor), if any was tested.
  std::optional<Comparison> best_alternative;
  /// A short reason: "p = 0.03 < 0.1", "lognormal favoured (R = -2.1, p = 0.02)", ...
  std::string reason;

  bool plausible() const { return plausibility == Plausibility::kPlausible; }
};

/// Applies the rule to one fit (an empty fit gives kNoFit).
ArmVerdict assess(const std::optional<CsnFit>& fit, const VerdictRule& rule = {});

enum class Contrast { kTreatmentOnly, kBoth, kNeither, kBaselineOnly, kIncomplete, kUntested };

/// Compares a treatment arm's verdict with the baseline's: kIncomplete when one of the two
/// has no fit, kUntested when neither has (e.g. a measure judged by other fits); untested
/// cases are not counted in the report's tallies.
Contrast contrast(const ArmVerdict& baseline, const ArmVerdict& treatment);

/// "plausible", "rejected (goodness of fit)", "rejected (alternative favoured)", "no fit".
std::string to_string(Plausibility p);
/// "treatment_only", "both", "neither", "baseline_only", "incomplete", "untested" (stable ids
/// for JSON).
std::string to_string(Contrast c);
/// A plain sentence for the report, e.g. "power law in critical only".
std::string describe(Contrast c, const std::string& baseline, const std::string& treatment);

}  // namespace critnet::report
