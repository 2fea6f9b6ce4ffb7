#include "study/detail/sweep_points.h"

#include <fmt/core.h>

#include <cmath>

#include "report/detail/text.h"

namespace critnet::study::detail {

using json = nlohmann::json;
using report::detail::number;

double as_double(const json& j) {
  return j.is_number() ? j.get<double>() : kNaN;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / n : kNaN;
}

double sd(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += (x - m) * (x - m), ++n;
  return n > 1 ? std::sqrt(s / (n - 1)) : kNaN;
}

Points points_of(const std::vector<json>& cells) {
  Points points;
  for (const auto& c : cells) {
    const std::string preset = c.at("preset");
    const double b = preset == "none"                    ? 0.0
                     : c.at("beta_fraction").is_number() ? c["beta_fraction"].get<double>()
                                                         : c.at("beta").get<double>();
    const double l = preset == "none" ? 0.0 : c.at("lambda").get<double>();
    const long long e = c.at("epochs").get<long long>();
    Point& p = points[{preset, b, l, e}];
    p.preset = preset, p.beta = b, p.lambda = l, p.epochs = e;
    p.seeds.push_back(&c);
  }
  return points;
}

Summary summarise(const Point& p) {
  Summary s;
  s.seeds = static_cast<int>(p.seeds.size());
  std::vector<double> acc, dist, dead, alpha, htsr, htsr_seed, chi1;
  std::map<std::pair<std::string, std::string>, int> si, n;
  for (const json* c : p.seeds) {
    acc.push_back(as_double(c->at("test_accuracy")));
    dist.push_back(as_double(c->at("median_distance_cw")));
    dead.push_back(as_double(c->at("dead_units")));
    std::vector<double> layers;
    for (const auto& l : c->at("layers"))
      layers.push_back(as_double(l.value("htsr_alpha", json())));
    htsr.insert(htsr.end(), layers.begin(), layers.end());
    htsr_seed.push_back(mean(layers));
    chi1.push_back(as_double(c->value("chi1_geometric_mean", json())));
    for (const auto& r : c->at("results")) {
      const auto key =
          std::make_pair(r.at("measure").get<std::string>(), r.at("layer").get<std::string>());
      n[key] += 1;
      si[key] += r.at("scale_invariant").get<bool>() ? 1 : 0;
      if (key.first == "activation_frequency" && key.second == "pooled" && r.contains("alpha"))
        alpha.push_back(as_double(r["alpha"]));
    }
  }
  s.accuracy = mean(acc);
  s.accuracy_sd = sd(acc);
  s.distance = mean(dist);
  s.dead = mean(dead);
  s.alpha_af = mean(alpha);
  s.htsr_alpha = mean(htsr);
  s.chi1 = mean(chi1);
  s.distance_sd = sd(dist);
  s.htsr_alpha_sd = sd(htsr_seed);
  s.chi1_sd = sd(chi1);
  int majority = 0;
  for (const auto& [key, count] : n) majority += 2 * si[key] > count ? 1 : 0;
  s.cases = static_cast<int>(n.size());
  s.fraction_si = n.empty() ? kNaN : static_cast<double>(majority) / static_cast<double>(n.size());
  return s;
}

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> m = {
      {"accuracy", "test accuracy (mean over seeds)", "test accuracy", &Summary::accuracy, 3,
       &Summary::accuracy_sd},
      {"distance", "median |a·s² − 1| of the modes (distance to the Curie-Weiss point)",
       "median |a·s² − 1|", &Summary::distance, 3, &Summary::distance_sd},
      {"dead", "dead units (never active on the probed samples, all layers)", "dead units",
       &Summary::dead, 3},
      {"scale_invariant",
       "fraction of measure × layer cases scale invariant in a majority of seeds",
       "scale-invariant fraction", &Summary::fraction_si, 2},
      {"alpha_af", "α of the activation-frequency ranks (pooled layers, mean over seeds)",
       "α of activation-frequency ranks", &Summary::alpha_af, 3},
      {"htsr_alpha",
       "HTSR α of the weight spectra (WeightWatcher's fit, mean over layers and seeds)", "HTSR α",
       &Summary::htsr_alpha, 3, &Summary::htsr_alpha_sd},
      {"chi1", "measured χ₁ (geometric mean over layers 2..L, mean over seeds; 1 = edge of chaos)",
       "measured χ₁", &Summary::chi1, 3, &Summary::chi1_sd}};
  return m;
}

std::string arm_name(const Point& p) {
  return p.preset == "none"
             ? "baseline"
             : fmt::format("{} β={} λ={}", p.preset, number(p.beta, 3), number(p.lambda, 3));
}

}  // namespace critnet::study::detail
