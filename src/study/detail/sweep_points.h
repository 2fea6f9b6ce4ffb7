#pragma once
// The sweep report's numbers: the points of the phase diagram (preset, β, λ, epochs), each with
// its cells (one per seed), and their summaries over seeds; the metrics the report shows.
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace critnet::study::detail {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A JSON number as a double; NaN for anything else (null, absent).
double as_double(const nlohmann::json& j);
// Mean and sample sd (n - 1) of the finite values; NaN when there are none (sd: fewer than 2).
double mean(const std::vector<double>& v);
double sd(const std::vector<double>& v);

// The cells of one point of the phase diagram (preset, β, λ, epochs), one per seed. β is the
// grid's β fraction when it has one; the baseline ("none") sits at β = λ = 0.
struct Point {
  std::string preset;
  double beta = kNaN, lambda = kNaN;
  long long epochs = 0;
  std::vector<const nlohmann::json*> seeds;
};

using Points = std::map<std::tuple<std::string, double, double, long long>, Point>;

// The points of the done cells (pointers into `cells`).
Points points_of(const std::vector<nlohmann::json>& cells);

// A point's summaries, over its seeds.
struct Summary {
  double accuracy = kNaN, accuracy_sd = kNaN, distance = kNaN, dead = kNaN, alpha_af = kNaN;
  double htsr_alpha = kNaN;  ///< HTSR α of the weight spectra, mean over layers and seeds
  double chi1 = kNaN;        ///< measured χ₁ (geometric mean over layers), mean over seeds
  /// Sample sds over seeds (of each seed's value; HTSR: of each seed's mean over layers).
  double distance_sd = kNaN, htsr_alpha_sd = kNaN, chi1_sd = kNaN;
  double fraction_si = kNaN;  ///< cases scale invariant in a majority of seeds / cases
  int cases = 0, seeds = 0;
};

Summary summarise(const Point& p);

// One quantity the report shows per point.
struct Metric {
  std::string key;    ///< in figure names: [a-z0-9_]
  std::string title;  ///< what it is, in full
  std::string name;   ///< short, on a figure
  double Summary::*field;
  int digits;
  double Summary::*sd = nullptr;  ///< its sd over seeds, for the bands over epochs
};

// The metrics in the report's order: test accuracy, median |a·s² − 1|, dead units, the
// scale-invariant fraction, α of the activation-frequency ranks, HTSR α, measured χ₁.
const std::vector<Metric>& metrics();

// An arm's name in the curves over epochs: "baseline" or "<preset> β=… λ=…".
std::string arm_name(const Point& p);

}  // namespace critnet::study::detail
