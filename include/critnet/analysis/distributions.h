#pragma once
/// Empirical views of a distribution for plots and tables: rank-frequency (Zipf) curves,
/// complementary CDFs and log-binned histograms.
///
/// References: M. E. J. Newman, "Power laws, Pareto distributions and Zipf's law",
/// Contemporary Physics 46, 323-351 (2005), sec. 2 (log binning, the CCDF and the rank plot
/// as the same curve with axes swapped); CSN 2009 (SIAM Review 51, 661) sec. 2.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

namespace critnet::analysis {

/// A curve of points (x[i], y[i]).
struct Curve {
  std::vector<double> x;
  std::vector<double> y;
};

/// Rank-frequency (Zipf) curve: values sorted descending, x = rank 1..n, y = value.
/// Use it on counts (how often each item occurs). Throws InvalidArgument on NaN/Inf.
Curve rank_frequency(std::vector<double> values);

/// Counts how often each distinct value occurs and returns the rank-frequency curve of the
/// counts: x = rank 1..k, y = count (k distinct values). For codewords, words, patterns.
Curve rank_frequency_of_items(const std::vector<double>& items);

/// Complementary CDF: x = sorted unique values, y = P(X >= x) = fraction of values >= x.
Curve ccdf(std::vector<double> values);

/// A histogram on logarithmically spaced bins.
struct LogHistogram {
  std::vector<double> edges;    ///< bins_per_decade-spaced edges, size bins + 1
  std::vector<double> centers;  ///< geometric bin centres
  std::vector<double> counts;   ///< points per bin
  std::vector<double> density;  ///< counts / (n * width): a probability density
};

/// Log-binned histogram of positive values, bins_per_decade bins per factor of ten from the
/// smallest value. With discrete = true the widths count the integers in each bin (a
/// probability mass per integer) instead of the real length. Non-positive values are an
/// error (InvalidArgument).
LogHistogram log_binned_histogram(const std::vector<double>& values, int bins_per_decade = 10,
                                  bool discrete = false);

nlohmann::json to_json(const Curve& curve);
nlohmann::json to_json(const LogHistogram& histogram);

}  // namespace critnet::analysis
