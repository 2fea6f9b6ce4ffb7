#pragma once
/// The rule that turns Clauset-Shalizi-Newman fits into plain verdicts, computed in code so
/// the report never says "power law" by eye. Verdict rule 2 (also in docs/methods.md):
///
///   One arm, measure and layer is SCALE INVARIANT when
///     (1) the bootstrap goodness-of-fit p-value is >= gof_p_min (0.1, CSN 2009 §4.1),
///     (2) no alternative is significantly favoured: no likelihood-ratio test has
///         R < 0 and p < lr_p_max (0.1, CSN 2009 §5.1), and
///     (3) the fitted tail is wide enough to carry the name: it spans at least min_decades
///         decades (tail_max / x_min >= 10^min_decades, default 1) and holds at least
///         min_tail points (default 50).
///   A fit that passes (1) and (2) but not (3) is NOT REJECTED, TOO NARROW (the steep edge of a
///   bounded distribution passes the tests over a fraction of a decade); one that fails (1) or
///   (2) is REJECTED; without a usable fit it is NO FIT.
///
///   For a treatment arm (e.g. "critical") against the baseline, per measure and layer:
///     treatment only  - scale invariant for the treatment, not for the baseline: the claim
///     holds; both / neither / baseline only - it does not; incomplete - one fit is missing;
///     untested - neither arm has a CSN fit (not counted).
///
///   Seeds: with n seeds per arm (seed s of every arm shares initialisation and data order), an
///   arm is scale invariant in a case when it is so in a MAJORITY of its seeds (k > n/2) and
///   lacks it in a MINORITY (k < n/2). The claim holds (treatment only) when the treatment arm
///   is scale invariant in a majority of seeds and the baseline in a minority; baseline only is
///   the mirror image; neither when no arm has a majority; both otherwise. An arm whose fits
///   are missing in half its seeds or more is incomplete. With one seed this is the rule above.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/report/results.h"

namespace critnet::report {

/// Thresholds of the rule.
struct VerdictRule {
  double gof_p_min = 0.1;    ///< bootstrap p below this rejects the power law
  double lr_p_max = 0.1;     ///< an alternative with R < 0 and p below this is favoured
  double min_decades = 1.0;  ///< the tail must span at least this many decades
  long long min_tail = 50;   ///< and hold at least this many points

  /// Throws critnet::InvalidArgument naming a threshold out of range.
  void validate() const;

  /// The rule in one sentence, with these thresholds.
  std::string describe() const;
};

/// The rule as JSON: version (2), the four thresholds and describe()'s text.
nlohmann::json to_json(const VerdictRule& rule);

enum class Plausibility {
  kScaleInvariant,
  kTooNarrow,
  kRejectedByGof,
  kAlternativeFavoured,
  kNoFit
};

/// The verdict on one fit.
struct FitVerdict {
  Plausibility plausibility = Plausibility::kNoFit;
  /// The alternative with the smallest R (the strongest competitor), if any was tested.
  std::optional<Comparison> best_alternative;
  /// A short reason: "p = 0.03 < 0.1", "lognormal favoured (R = -2.1, p = 0.02)",
  /// "tail spans 0.31 decades < 1", ...
  std::string reason;

  bool scale_invariant() const { return plausibility == Plausibility::kScaleInvariant; }
};

/// Applies the rule to one fit (an empty fit gives kNoFit).
FitVerdict assess(const std::optional<CsnFit>& fit, const VerdictRule& rule = {});

/// The verdict on one measure × layer entry (parse_entry_fit): assess(entry.fit); without a
/// fit the reason is "no fit: " + entry.fit_error when the entry says why. The report and the
/// sweep's cell.json both judge entries with it.
FitVerdict assess_entry(const EntryFit& entry, const VerdictRule& rule = {});

enum class Contrast { kTreatmentOnly, kBoth, kNeither, kBaselineOnly, kIncomplete, kUntested };

/// Compares a treatment arm's verdict with the baseline's: kIncomplete when one of the two
/// has no fit, kUntested when neither has (e.g. a measure judged by other fits); untested
/// cases are not counted in the report's tallies.
Contrast contrast(const FitVerdict& baseline, const FitVerdict& treatment);

/// One arm's verdicts on one measure and layer, counted over its seeds.
struct SeedCount {
  int seeds = 0;            ///< seeds measured (with or without a fit)
  int fitted = 0;           ///< seeds with a usable fit
  int scale_invariant = 0;  ///< seeds judged scale invariant

  bool majority() const { return 2 * scale_invariant > seeds; }  ///< k > n/2
  bool minority() const { return 2 * scale_invariant < seeds; }  ///< k < n/2
};

/// Counts the per-seed verdicts of one arm.
SeedCount count_seeds(const std::vector<FitVerdict>& per_seed);

/// The contrast over seeds (the seed rule above); with one seed per arm it equals
/// contrast(FitVerdict, FitVerdict).
Contrast contrast(const SeedCount& baseline, const SeedCount& treatment);

/// The seed rule in one sentence, for the report.
std::string seed_rule_text();

/// "scale invariant", "not rejected, too narrow", "rejected (goodness of fit)",
/// "rejected (alternative favoured)", "no fit".
std::string to_string(Plausibility p);
/// "treatment_only", "both", "neither", "baseline_only", "incomplete", "untested" (stable ids
/// for JSON).
std::string to_string(Contrast c);
/// A plain sentence for the report, e.g. "scale invariant in critical only".
std::string describe(Contrast c, const std::string& baseline, const std::string& treatment);

}  // namespace critnet::report
