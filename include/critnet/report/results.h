#pragma once
/// The results document (RUN_DIR/results.json) that `critnet report` turns into figures,
/// report.html, summary.md and summary.json. Schema: docs/report-schema.md.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "critnet/analysis/powerlaw.h"
#include "critnet/report/figure.h"

namespace critnet::report {

/// The schema tag results.json carries ("schema" field): version 2 holds every arm's seeds.
inline constexpr const char* kResultsSchema = "critnet.results/2";
/// Version 1 (one seed per arm, its results on the arm itself) is still read.
inline constexpr const char* kResultsSchemaV1 = "critnet.results/1";

/// One likelihood-ratio (Vuong) test of the power law against an alternative, as a
/// Clauset-Shalizi-Newman fit reports it. R > 0 favours the power law, R < 0 the alternative;
/// p is the two-sided significance of the sign of R.
struct Comparison {
  std::string alternative;  ///< "exponential", "lognormal", "truncated_power_law", ...
  double R = 0.0;
  double p = 1.0;
  std::string favoured;  ///< as reported: "power_law", the alternative's name, or "neither"
};

/// A Clauset-Shalizi-Newman power-law fit of a tail: p(x) ∝ x^-alpha for x >= x_min.
/// In JSON the field names of critnet::analysis::to_json(FitResult): "xmin", "alpha",
/// "alpha_se", "n", "n_tail", "tail_max", "alpha_ci_low", "alpha_ci_high", "ks", "p"
/// (bootstrap p), "comparisons" [{"alternative", "R",
/// "p", "favoured"}]; "x_min" and "p_value" are accepted as aliases; other fields are ignored.
struct CsnFit {
  double x_min = 0.0;
  double alpha = 0.0;
  double alpha_se = 0.0;
  std::optional<long long> n;  ///< sample size (needed to draw a density or CCDF overlay)
  long long n_tail = 0;        ///< points with x >= x_min
  /// The tail's largest value ("tail_max"); absent in files written before verdict rule 2,
  /// whose fits then cannot be judged for width.
  std::optional<double> tail_max;
  /// Bootstrap percentile interval of alpha ("alpha_ci_low", "alpha_ci_high"), when given.
  std::optional<std::pair<double, double>> alpha_ci;
  double ks = 0.0;       ///< KS distance of the tail from the fitted law
  double p_value = 0.0;  ///< bootstrap goodness-of-fit p-value
  std::vector<Comparison> comparisons;
};

/// The CsnFit of an analysis (critnet/analysis/powerlaw.h), field by field as parse_fit reads
/// analysis::to_json's document: non-finite tail_max or α interval are absent, a missing
/// bootstrap p is NaN. The typed path from a fit to its verdict (no JSON in between).
CsnFit csn_fit(const analysis::FitResult& result);

/// Why a fit cannot be used ("" when it can): alpha, alpha_se, ks or x_min not finite, or
/// alpha_se or ks not > 0 (a degenerate fit, e.g. a discrete MLE that ran off to its bound).
/// Such a fit is read as no fit (MeasureResult::fit empty, fit_error set) and judged "no fit".
std::string invalid_fit_reason(const CsnFit& fit);

/// How a measure's CSV is plotted and how its CSN fit is drawn over it:
/// kRank: y = value against x = rank (descending), overlay y = x_min (r / n_tail)^(-1/(α-1));
/// kDensity: y = probability density (normalised over all n points), overlay
///   (n_tail/n) (α-1)/x_min (x/x_min)^-α; kCcdf: y = P(X >= x), overlay
///   (n_tail/n) (x/x_min)^(1-α); kXy: plain x-y data, only explicit `curves` are drawn.
enum class PlotKind { kRank, kDensity, kCcdf, kXy };

/// What a measure is and how to draw it; built-in defaults for the known ids, overridable
/// in results.json's "measures".
struct MeasureSpec {
  std::string id;  ///< e.g. "activation_frequency"
  std::string title;
  std::string caption;
  PlotKind kind = PlotKind::kRank;
  std::string x_column;
  std::string y_column;
  std::string x_label;
  std::string y_label;
  Scale scale = Scale::kLogLog;
};

/// An explicit fitted curve to draw (e.g. the two-point function's power-law and exponential
/// regressions). "model": "power_law" (y = c x^-exponent) or "exponential" (y = c e^(-x/xi)).
struct CurveSpec {
  FitCurve::Model model = FitCurve::Model::kPowerLaw;
  double c = 1.0;
  double exponent = 1.0;  ///< the power-law exponent, or ξ for the exponential
  double x_from = 0.0;
  double x_to = 0.0;
  std::string label;
};

/// One measure on one layer of one arm.
struct MeasureResult {
  std::string measure;        ///< a MeasureSpec id
  std::string layer;          ///< "1".."4", or e.g. "pooled"
  std::filesystem::path csv;  ///< absolute, resolved against the run directory
  std::optional<CsnFit> fit;  ///< empty when no fit was made
  std::string fit_error;      ///< why there is no fit (may be empty)
  std::vector<CurveSpec> curves;
};

/// One layer of one seed in the criticality atlas (results.json's "atlas", from probe.json's
/// layers): the notions of criticality measured on it (report/atlas.h summarises them).
struct AtlasLayer {
  std::string layer;                  ///< "1".."4"
  std::optional<double> cw_distance;  ///< median |a·s² − 1| over the layer's modes
  /// The HTSR row of the layer's incoming weight (atlas/htsr.h): α (WeightWatcher's fit), its
  /// label, and verdict rule 2's label on the tail ("scale invariant", ...; empty when the tail
  /// was not tested, e.g. an MP bulk); `htsr_error` says why a layer has no row.
  std::optional<double> htsr_alpha;
  std::string htsr_label;
  std::string htsr_verdict;
  std::string htsr_error;
  bool htsr_mp_bulk = false;  ///< the row's "mp_bulk": a Marchenko-Pastur bulk, no tail
  /// The measured χ₁ of the layer (atlas/signal.h) and the mean-field χ₁ at its σ_w², σ_b².
  std::optional<double> chi1;
  std::optional<double> chi1_mean_field;
  /// Whether the HTSR tail passed verdict rule 2 (a power law over ≥ 1 decade).
  bool heavy_tailed() const { return htsr_verdict == "scale invariant"; }
};

/// The network-level signal-propagation summary of one seed (results.json's "atlas_network",
/// from probe.json's "signal"): the geometric mean of the measured χ₁ over layers 2..L and the
/// input-output Jacobian's squared singular values.
struct AtlasNetwork {
  std::optional<double> chi1_geometric_mean;
  std::optional<double> jacobian_mean, jacobian_max, jacobian_min;
};

/// One seed of one arm: its training and its measures.
struct SeedRun {
  long long seed = 0;                    ///< the training seed
  std::optional<double> test_accuracy;   ///< fraction in [0, 1]
  std::filesystem::path training_curve;  ///< absolute; empty when none
  std::vector<MeasureResult> results;
  std::vector<AtlasLayer> atlas;              ///< empty in documents written before the atlas
  std::optional<AtlasNetwork> atlas_network;  ///< none without a signal measurement
};

/// One arm of the experiment (e.g. "baseline", "paper").
struct Arm {
  std::string name;
  /// The first seed's accuracy, training curve and measures (the figures draw them).
  std::optional<double> test_accuracy;   ///< fraction in [0, 1]
  std::filesystem::path training_curve;  ///< absolute; empty when none
  std::vector<MeasureResult> results;
  /// Every seed, the first included; empty means one seed, the fields above.
  std::vector<SeedRun> seeds;

  /// The results of every seed (one entry, `results`, when `seeds` is empty).
  std::vector<const std::vector<MeasureResult>*> seed_results() const;
  /// The test accuracy of every seed that has one.
  std::vector<double> seed_accuracies() const;
  /// The atlas layers of every seed (one entry, `atlas`, when `seeds` is empty).
  std::vector<const std::vector<AtlasLayer>*> seed_atlas() const;
  /// The first seed's atlas layers.
  std::vector<AtlasLayer> atlas;
};

/// The whole document.
struct Results {
  std::string title;
  nlohmann::json config;              ///< free JSON (resolved configuration, seed, versions)
  std::string baseline_arm;           ///< the arm the others are compared against
  std::vector<MeasureSpec> measures;  ///< in display order: built-ins used, then extra ones
  std::vector<Arm> arms;

  /// The arm named `name`, or nullptr.
  const Arm* arm(const std::string& name) const;
  /// The spec of measure `id`; throws critnet::DataError when unknown.
  const MeasureSpec& measure(const std::string& id) const;
};

/// Built-in measure specs: the catalogue of report/measures.h without context values.
std::vector<MeasureSpec> default_measures();

/// Parses and validates a results document; relative paths are resolved against `run_dir`.
/// Throws critnet::DataError naming the field (e.g. "arms[1].results[3].fit.alpha") when a
/// field is missing or has the wrong type, or a referenced CSV file does not exist.
Results parse_results(const nlohmann::json& doc, const std::filesystem::path& run_dir);

/// Parses one fit object (analysis::to_json's fields; "where" names it in errors).
CsnFit parse_fit(const nlohmann::json& fit, const std::string& where = "fit");

/// The fit of one measure × layer entry ("results" of results.json's arms and of probe.json).
struct EntryFit {
  std::optional<CsnFit> fit;  ///< empty without a usable fit
  std::string fit_error;      ///< why there is no fit (may be empty)
};

/// Reads an entry's "fit" (parse_fit; absent or null = none) and "fit_error" (a string or
/// absent). A degenerate fit (invalid_fit_reason) is no fit; its reason becomes the error
/// "invalid fit: ..." unless the entry gives one. Throws critnet::DataError naming
/// `where`.fit or `where`.fit_error when a field is malformed.
EntryFit parse_entry_fit(const nlohmann::json& entry, const std::string& where);

/// Reads and parses RUN_DIR/results.json.
Results load_results(const std::filesystem::path& run_dir);

/// The CSN fit as JSON (the schema's field names: xmin, alpha, alpha_se, n, n_tail, ks, p,
/// comparisons).
nlohmann::json to_json(const CsnFit& fit);

}  // namespace critnet::report
