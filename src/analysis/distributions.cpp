// Rank-frequency curves, CCDFs and log-binned histograms.
// Reference: M. E. J. Newman, Contemporary Physics 46, 323-351 (2005), sec. 2: a log-binned
// histogram divides counts by bin width (here also by n, giving a density); the rank plot is
// the CCDF with axes swapped.
#include "critnet/analysis/distributions.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "critnet/core/error.h"

namespace critnet::analysis {
namespace {
void check_finite(const std::vector<double>& values, const char* what) {
  for (std::size_t i = 0; i < values.size(); ++i)
    CRITNET_CHECK(std::isfinite(values[i]), what, " needs finite values, got ", values[i],
                  " at index ", i);
}
}  // namespace

Curve rank_frequency(std::vector<double> values) {
  check_finite(values, "rank_frequency");
  std::sort(values.begin(), values.end(), std::greater<double>());
  Curve c;
  c.y = std::move(values);
  c.x.resize(c.y.size());
  for (std::size_t i = 0; i < c.x.size(); ++i) c.x[i] = static_cast<double>(i + 1);
  return c;
}

Curve rank_frequency_of_items(const std::vector<double>& items) {
  check_finite(items, "rank_frequency_of_items");
  std::map<double, double> counts;
  for (double v : items) counts[v] += 1;
  std::vector<double> c;
  c.reserve(counts.size());
  for (const auto& kv : counts) c.push_back(kv.second);
  return rank_frequency(std::move(c));
}

Curve ccdf(std::vector<double> values) {
  check_finite(values, "ccdf");
  std::sort(values.begin(), values.end());
  Curve c;
  const double n = static_cast<double>(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0 && values[i] == values[i - 1]) continue;
    c.x.push_back(values[i]);
    c.y.push_back(static_cast<double>(values.size() - i) / n);
  }
  return c;
}

LogHistogram log_binned_histogram(const std::vector<double>& values, int bins_per_decade,
                                  bool discrete) {
  CRITNET_CHECK(bins_per_decade > 0, "bins_per_decade must be > 0, got ", bins_per_decade);
  CRITNET_CHECK(!values.empty(), "log_binned_histogram needs at least one value");
  check_finite(values, "log_binned_histogram");
  for (std::size_t i = 0; i < values.size(); ++i)
    CRITNET_CHECK(values[i] > 0, "log_binned_histogram needs values > 0, got ", values[i],
                  " at index ", i);
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  const double lo = *lo_it, hi = *hi_it;
  const double step = 1.0 / bins_per_decade;
  const int bins = std::max(1, static_cast<int>(std::floor(std::log10(hi / lo) / step)) + 1);
  LogHistogram h;
  h.edges.resize(bins + 1);
  for (int b = 0; b <= bins; ++b) h.edges[b] = lo * std::pow(10.0, b * step);
  h.counts.assign(bins, 0.0);
  for (double v : values) {
    int b = static_cast<int>(std::floor(std::log10(v / lo) / step));
    b = std::clamp(b, 0, bins - 1);
    // guard the floating-point edge cases
    while (b > 0 && v < h.edges[b]) --b;
    while (b + 1 < bins && v >= h.edges[b + 1]) ++b;
    h.counts[b] += 1;
  }
  const double n = static_cast<double>(values.size());
  h.centers.resize(bins);
  h.density.resize(bins);
  for (int b = 0; b < bins; ++b) {
    h.centers[b] = std::sqrt(h.edges[b] * h.edges[b + 1]);
    double width = h.edges[b + 1] - h.edges[b];
    if (discrete) width = std::max(1.0, std::ceil(h.edges[b + 1]) - std::ceil(h.edges[b]));
    h.density[b] = h.counts[b] / (n * width);
  }
  return h;
}

nlohmann::json to_json(const Curve& c) {
  return {{"x", c.x}, {"y", c.y}};
}

nlohmann::json to_json(const LogHistogram& h) {
  return {{"edges", h.edges}, {"centers", h.centers}, {"counts", h.counts}, {"density", h.density}};
}

}  // namespace critnet::analysis
