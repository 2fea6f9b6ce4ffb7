#pragma once
/// The Clauset-Shalizi-Newman treatment of every probe distribution (critnet::analysis).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/analysis/powerlaw.h"
#include "critnet/probe/outputs.h"

namespace critnet::probe {

/// A distribution and its power-law analysis.
struct FittedDistribution {
  Distribution distribution;
  /// False when the analysis refused the data (too few tail points, all values equal, ...);
  /// `error` then holds its message and `fit` is empty.
  bool ok = false;
  std::string error;
  analysis::FitResult fit;
};

/// Runs analysis::analyse on d.values with `options`, discrete or continuous as d says
/// (options.discrete is overridden). Errors of the analysis (critnet::Error) are caught and
/// recorded, so one degenerate distribution does not stop a probe report.
FittedDistribution fit_distribution(const Distribution& d, analysis::FitOptions options);

/// JSON of a fitted distribution: measure, subset, discrete, total, dropped, the rule for
/// dropped values, and "fit" (analysis::to_json) or "error".
nlohmann::json to_json(const FittedDistribution& f);

/// One compact verdict of the comparisons: per alternative "+" (power law favoured), "-"
/// (alternative favoured) or "=" (neither, p ≥ significance), e.g. "exp+ ln= sexp= tpl-".
std::string comparison_verdict(const analysis::FitResult& fit);

}  // namespace critnet::probe
