#pragma once
/// One call from a column of numbers to what `critnet fit` reports: the Clauset-Shalizi-Newman
/// analysis (critnet/analysis/powerlaw.h) and verdict rule 2 on it (critnet/report/verdict.h).
/// The CLI's `fit` and the Python module's critnet.fit() both call it, so they print the same
/// numbers and the same verdict.
#include <nlohmann/json.hpp>
#include <vector>

#include "critnet/analysis/powerlaw.h"
#include "critnet/report/verdict.h"

namespace critnet::report {

/// An analysis with its verdict.
struct FitReport {
  analysis::FitResult fit;
  /// The rule applied: the caller's thresholds with lr_p_max = FitOptions::significance (one
  /// threshold names the favoured model in the comparisons and in the verdict).
  VerdictRule rule;
  FitVerdict verdict;

  /// analysis::to_json(fit) plus "verdict": {label, scale_invariant, reason, rule}; the
  /// document of `critnet fit --json` without its "file" and "column" keys.
  nlohmann::json to_json() const;
};

/// analysis::analyse(data, options), then verdict rule 2 (rule's tail-width thresholds,
/// lr_p_max = options.significance). Throws critnet::InvalidArgument for bad data or options
/// (rule.validate() included), critnet::NumericalError when no x_min gives a valid fit.
FitReport fit_report(std::vector<double> data, const analysis::FitOptions& options,
                     VerdictRule rule = {});

}  // namespace critnet::report
