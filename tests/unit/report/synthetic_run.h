#pragma once
// A synthetic run directory for the report tests: the "critical" arm's measures are drawn
// from power laws, the "baseline" arm's from exponentials; the fits' alpha, alpha_se and KS are
// computed from the samples (continuous MLE at a known x_min), the p-values and
// likelihood-ratio tests are hand-made to exercise the verdict rule. Not a measurement.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "critnet/report/csv.h"

namespace critnet::report::testing {

inline std::vector<double> sample_power_law(std::mt19937_64& rng, std::size_t n, double alpha,
                                            double x_min) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> x(n);
  for (auto& v : x) v = x_min * std::pow(1.0 - u(rng), -1.0 / (alpha - 1.0));
  return x;
}

inline std::vector<double> sample_exponential(std::mt19937_64& rng, std::size_t n, double scale,
                                              double x_min) {
  std::exponential_distribution<double> e(1.0 / scale);
  std::vector<double> x(n);
  for (auto& v : x) v = x_min + e(rng);
  return x;
}

// Continuous power-law MLE with x_min fixed (CSN 2009 eq. 3.1), its standard error and the
// KS distance of the tail.
inline nlohmann::json fit_at(const std::vector<double>& xs, double x_min) {
  std::vector<double> tail;
  for (double x : xs) {
    if (x >= x_min) tail.push_back(x);
  }
  std::sort(tail.begin(), tail.end());
  double s = 0;
  for (double x : tail) s += std::log(x / x_min);
  const double n = static_cast<double>(tail.size());
  const double alpha = 1.0 + n / s;
  double ks = 0;
  for (std::size_t i = 0; i < tail.size(); ++i) {
    const double model = 1.0 - std::pow(tail[i] / x_min, 1.0 - alpha);
    ks = std::max({ks, std::abs(model - i / n), std::abs(model - (i + 1) / n)});
  }
  return {{"xmin", x_min},
          {"alpha", alpha},
          {"alpha_se", (alpha - 1.0) / std::sqrt(n)},
          {"n", static_cast<long long>(xs.size())},
          {"n_tail", static_cast<long long>(tail.size())},
          {"tail_max", tail.back()},
          {"ks", ks}};
}

inline void write_rank_csv(const std::filesystem::path& path, std::vector<double> xs) {
  std::sort(xs.rbegin(), xs.rend());
  std::vector<double> ranks(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) ranks[i] = static_cast<double>(i + 1);
  write_csv(path, {"rank", "value"}, {ranks, xs});
}

// CCDF P(X >= x) at each sorted value (the catalogue's weighted_degree columns x, ccdf).
inline void write_ccdf_csv(const std::filesystem::path& path, std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  std::vector<double> ccdf(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i)
    ccdf[i] = static_cast<double>(xs.size() - i) / static_cast<double>(xs.size());
  write_csv(path, {"x", "ccdf"}, {xs, ccdf});
}

// Writes RUN_DIR/results.json and its CSVs; returns the document.
inline nlohmann::json make_synthetic_run(const std::filesystem::path& run_dir, int layers = 2) {
  namespace fs = std::filesystem;
  using nlohmann::json;
  fs::create_directories(run_dir / "probe");
  fs::create_directories(run_dir / "train");
  std::mt19937_64 rng(20260101);
  json arms = json::array();
  for (const std::string arm : {"baseline", "critical"}) {
    const bool critical = arm == "critical";
    json results = json::array();
    for (int l = 1; l <= layers; ++l) {
      const std::string tag = arm + "_l" + std::to_string(l);
      // Activation-frequency-like values: rank plot.
      const auto freq = critical ? sample_power_law(rng, 400, 2.2 + 0.2 * l, 5.0)
                                 : sample_exponential(rng, 400, 60.0, 5.0);
      write_rank_csv(run_dir / "probe" / ("activation_frequency_" + tag + ".csv"), freq);
      json fit = fit_at(freq, critical ? 5.0 : 40.0);
      fit["p"] = critical ? 0.42 : 0.0;
      fit["comparisons"] = critical ? json::array({{{"alternative", "exponential"},
                                                    {"R", 6.3},
                                                    {"p", 0.001},
                                                    {"favoured", "power_law"}},
                                                   {{"alternative", "lognormal"},
                                                    {"R", -0.4},
                                                    {"p", 0.69},
                                                    {"favoured", "neither"}}})
                                    : json::array({{{"alternative", "exponential"},
                                                    {"R", -7.9},
                                                    {"p", 0.0004},
                                                    {"favoured", "exponential"}}});
      results.push_back({{"measure", "activation_frequency"},
                         {"layer", l},
                         {"csv", "probe/activation_frequency_" + tag + ".csv"},
                         {"fit", fit}});
      // Weighted-degree-like values: CCDF.
      const auto degree =
          critical ? sample_power_law(rng, 600, 2.6, 0.5) : sample_exponential(rng, 600, 1.5, 0.5);
      write_ccdf_csv(run_dir / "probe" / ("weighted_degree_" + tag + ".csv"), degree);
      json dfit = fit_at(degree, critical ? 0.5 : 2.0);
      dfit["p_value"] = critical ? 0.31 : 0.62;  // the alias of "p"; the baseline passes GoF
      dfit["comparisons"] = critical ? json::array({{{"alternative", "exponential"},
                                                     {"R", 3.1},
                                                     {"p", 0.002},
                                                     {"favoured", "power_law"}}})
                                     : json::array({{{"alternative", "exponential"},
                                                     {"R", -2.4},
                                                     {"p", 0.03},
                                                     {"favoured", "exponential"}}});
      results.push_back({{"measure", "weighted_degree"},
                         {"layer", l},
                         {"csv", "probe/weighted_degree_" + tag + ".csv"},
                         {"fit", dfit}});
    }
    // Two-point function with explicit fits, no CSN fit.
    std::vector<double> d, c;
    for (int k = 1; k <= 60; ++k) {
      d.push_back(k);
      c.push_back(critical ? 0.4 * std::pow(k, -1.1) : 0.4 * std::exp(-k / 6.0));
    }
    write_csv(run_dir / "probe" / ("two_point_" + arm + ".csv"), {"distance", "correlation"},
              {d, c});
    results.push_back({{"measure", "two_point"},
                       {"layer", "pooled"},
                       {"csv", "probe/two_point_" + arm + ".csv"},
                       {"fit_error", "judged by the power-law and exponential regressions"},
                       {"curves", json::array({{{"model", "power_law"},
                                                {"c", 0.4},
                                                {"exponent", critical ? 1.1 : 0.9},
                                                {"x_from", 1},
                                                {"x_to", 60},
                                                {"label", "power law"}},
                                               {{"model", "exponential"},
                                                {"c", 0.4},
                                                {"xi", critical ? 20.0 : 6.0},
                                                {"x_from", 1},
                                                {"x_to", 60},
                                                {"label", "exponential"}}})}});
    // Training curve.
    std::vector<double> epoch, loss, acc;
    for (int e = 1; e <= 20; ++e) {
      epoch.push_back(e);
      loss.push_back((critical ? 0.9 : 0.8) * std::exp(-e / 6.0) + 0.3);
      acc.push_back((critical ? 0.83 : 0.86) - 0.3 * std::exp(-e / 4.0));
    }
    write_csv(run_dir / "train" / (arm + ".csv"), {"epoch", "train_loss", "test_accuracy"},
              {epoch, loss, acc});
    arms.push_back({{"name", arm},
                    {"test_accuracy", critical ? 0.8312 : 0.8597},
                    {"training_curve", "train/" + arm + ".csv"},
                    {"results", results}});
  }
  json doc = {{"schema", "critnet.results/1"},
              {"title", "Synthetic demo: power laws (critical) vs exponentials (baseline)"},
              {"config",
               {{"data", "synthetic"},
                {"note", "fits partly hand-made; not a measurement"},
                {"hidden", {600, 400, 200, 100}},
                {"seed", 20260101}}},
              {"arms", arms}};
  std::ofstream(run_dir / "results.json") << doc.dump(2);
  return doc;
}

}  // namespace critnet::report::testing
