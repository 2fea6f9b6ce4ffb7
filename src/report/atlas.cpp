#include "critnet/report/atlas.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/detail/cases.h"
#include "report/detail/text.h"

namespace critnet::report {
namespace {

using detail::mean_sd;
using detail::number;
using nlohmann::json;

// "layer 1", "layers 2 and 3", "layers 1, 2 and 4".
std::string layers_text(const std::vector<const AtlasCell*>& cells) {
  std::string s = cells.size() == 1 ? "layer " : "layers ";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) s += i + 1 == cells.size() ? " and " : ", ";
    s += cells[i]->layer;
  }
  return s;
}

std::string cw_part(const AtlasArm& arm, const AtlasRule& rule) {
  std::vector<const AtlasCell*> measured, reached;
  for (const auto& c : arm.layers) {
    if (c.cw_distance.empty()) continue;
    measured.push_back(&c);
    if (c.at_cw_point(rule)) reached.push_back(&c);
  }
  if (measured.empty()) return "the Curie-Weiss point was not measured";
  if (reached.empty()) {
    double closest = INFINITY;
    for (const AtlasCell* c : measured) closest = std::min(closest, mean_sd(c->cw_distance).mean);
    return fmt::format("not at the Curie-Weiss point in any layer (median |a·s² − 1| ≥ {})",
                       number(closest));
  }
  std::string values;
  for (const AtlasCell* c : reached)
    values += (values.empty() ? "" : ", ") + detail::mean_sd_text(c->cw_distance);
  return fmt::format("at the Curie-Weiss point in {} (median |a·s² − 1| = {})",
                     layers_text(reached), values);
}

std::string htsr_part(const AtlasArm& arm) {
  std::vector<const AtlasCell*> measured, heavy;
  int mp = 0;
  for (const auto& c : arm.layers) {
    if (c.htsr_alpha.empty() && c.mp_bulk == 0) continue;
    measured.push_back(&c);
    if (c.heavy_tailed_majority()) heavy.push_back(&c);
    if (2 * c.mp_bulk > c.seeds) ++mp;
  }
  if (measured.empty()) return "heavy-tailed weight spectra were not measured";
  if (heavy.empty()) {
    std::string s = "no heavy-tailed weight spectrum (HTSR) in any layer";
    if (mp > 0) s += fmt::format(" ({} of {} a Marchenko-Pastur bulk)", mp, measured.size());
    return s;
  }
  std::string values;
  for (const AtlasCell* c : heavy)
    values += fmt::format("{}α = {} in {}/{} seeds", values.empty() ? "" : "; ",
                          detail::mean_sd_text(c->htsr_alpha), c->heavy_tailed, c->seeds);
  return fmt::format("a heavy-tailed weight spectrum (HTSR) in {} ({})", layers_text(heavy),
                     values);
}

std::string edge_part(const AtlasArm& arm, const AtlasRule& rule) {
  std::vector<const AtlasCell*> measured, edge;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& c : arm.layers) {
    if (c.chi1.empty()) continue;
    measured.push_back(&c);
    if (c.at_edge_of_chaos(rule)) edge.push_back(&c);
    const double m = mean_sd(c.chi1).mean;
    lo = std::min(lo, m), hi = std::max(hi, m);
  }
  if (measured.empty()) return "";
  if (edge.empty())
    return fmt::format("; not at the edge of chaos in any layer (measured χ₁ from {} to {}: {})",
                       number(lo), number(hi),
                       hi < 1   ? "ordered"
                       : lo > 1 ? "chaotic"
                                : "mixed");
  std::string values;
  for (const AtlasCell* c : edge)
    values += (values.empty() ? "" : ", ") + detail::mean_sd_text(c->chi1);
  return fmt::format("; at the edge of chaos in {} (χ₁ = {})", layers_text(edge), values);
}

std::string sentence(const AtlasArm& arm, const AtlasRule& rule) {
  return fmt::format("{}: {}; {}{}.", arm.arm, cw_part(arm, rule), htsr_part(arm),
                     edge_part(arm, rule));
}

json number_or_null(const detail::MeanSd& m, double v) {
  return m.n > 0 && std::isfinite(v) ? json(v) : json(nullptr);
}

}  // namespace

std::string AtlasRule::describe() const {
  return fmt::format(
      "A layer is at the Curie-Weiss point when the median over its modes of |a·s² − 1| is at "
      "most {} (mean over seeds); its weight spectrum is heavy-tailed (HTSR) when the power-law "
      "tail WeightWatcher's fit finds passes verdict rule 2 in a majority of seeds; it is at the "
      "edge of chaos when its measured χ₁ (the mean squared gain of its Jacobian) is within {} "
      "of 1 (mean over seeds; below: ordered, above: chaotic).",
      number(cw_tolerance), number(chi1_tolerance));
}

bool AtlasCell::at_edge_of_chaos(const AtlasRule& rule) const {
  return !chi1.empty() && std::abs(mean_sd(chi1).mean - 1.0) <= rule.chi1_tolerance;
}

bool AtlasCell::at_cw_point(const AtlasRule& rule) const {
  return !cw_distance.empty() && mean_sd(cw_distance).mean <= rule.cw_tolerance;
}

std::vector<AtlasArm> atlas_of(const Results& results, const AtlasRule& rule) {
  std::vector<AtlasArm> out;
  for (const auto& arm : results.arms) {
    std::map<std::string, AtlasCell> cells;
    for (const auto* seed : arm.seed_atlas()) {
      for (const AtlasLayer& l : *seed) {
        AtlasCell& c = cells[l.layer];
        if (c.seeds == 0) c.htsr_label = l.htsr_error.empty() ? l.htsr_label : l.htsr_error;
        c.layer = l.layer;
        ++c.seeds;
        if (l.cw_distance) c.cw_distance.push_back(*l.cw_distance);
        if (l.htsr_alpha) c.htsr_alpha.push_back(*l.htsr_alpha);
        if (l.heavy_tailed()) ++c.heavy_tailed;
        if (l.htsr_mp_bulk) ++c.mp_bulk;
        if (l.chi1) c.chi1.push_back(*l.chi1);
        if (l.chi1_mean_field) c.chi1_mean_field.push_back(*l.chi1_mean_field);
      }
    }
    if (cells.empty()) continue;
    AtlasArm a;
    a.arm = arm.name;
    for (const auto& seed : arm.seeds) {
      if (!seed.atlas_network) continue;
      const AtlasNetwork& n = *seed.atlas_network;
      for (const auto& [value, to] :
           {std::pair{n.chi1_geometric_mean, &a.chi1_geometric_mean},
            std::pair{n.jacobian_mean, &a.jacobian_mean},
            std::pair{n.jacobian_max, &a.jacobian_max}, std::pair{n.jacobian_min, &a.jacobian_min}})
        if (value) to->push_back(*value);
    }
    for (auto& [layer, c] : cells) a.layers.push_back(std::move(c));
    std::sort(a.layers.begin(), a.layers.end(), [](const AtlasCell& x, const AtlasCell& y) {
      return detail::layer_less(x.layer, y.layer);
    });
    a.sentence = sentence(a, rule);
    out.push_back(std::move(a));
  }
  return out;
}

json atlas_json(const std::vector<AtlasArm>& atlas, const AtlasRule& rule) {
  json arms = json::array();
  for (const auto& a : atlas) {
    json layers = json::array();
    for (const auto& c : a.layers) {
      const detail::MeanSd cw = mean_sd(c.cw_distance);
      const detail::MeanSd alpha = mean_sd(c.htsr_alpha);
      const detail::MeanSd chi = mean_sd(c.chi1), chi_mf = mean_sd(c.chi1_mean_field);
      layers.push_back({{"layer", c.layer},
                        {"seeds", c.seeds},
                        {"cw_distance_mean", number_or_null(cw, cw.mean)},
                        {"cw_distance_sd", number_or_null(cw, cw.sd)},
                        {"at_cw_point", c.at_cw_point(rule)},
                        {"htsr_alpha_mean", number_or_null(alpha, alpha.mean)},
                        {"htsr_alpha_sd", number_or_null(alpha, alpha.sd)},
                        {"heavy_tailed_seeds", c.heavy_tailed},
                        {"mp_bulk_seeds", c.mp_bulk},
                        {"heavy_tailed", c.heavy_tailed_majority()},
                        {"htsr_label", c.htsr_label},
                        {"chi1_mean", number_or_null(chi, chi.mean)},
                        {"chi1_sd", number_or_null(chi, chi.sd)},
                        {"chi1_mean_field", number_or_null(chi_mf, chi_mf.mean)},
                        {"at_edge_of_chaos", c.at_edge_of_chaos(rule)}});
    }
    const detail::MeanSd g = mean_sd(a.chi1_geometric_mean), jm = mean_sd(a.jacobian_mean),
                         jmax = mean_sd(a.jacobian_max), jmin = mean_sd(a.jacobian_min);
    const json network = {{"seeds", jm.n},
                          {"chi1_geometric_mean_mean", number_or_null(g, g.mean)},
                          {"chi1_geometric_mean_sd", number_or_null(g, g.sd)},
                          {"jacobian_mean_mean", number_or_null(jm, jm.mean)},
                          {"jacobian_mean_sd", number_or_null(jm, jm.sd)},
                          {"jacobian_max_mean", number_or_null(jmax, jmax.mean)},
                          {"jacobian_min_mean", number_or_null(jmin, jmin.mean)}};
    arms.push_back(
        {{"arm", a.arm}, {"sentence", a.sentence}, {"layers", layers}, {"network", network}});
  }
  return {{"rule",
           {{"cw_tolerance", rule.cw_tolerance},
            {"chi1_tolerance", rule.chi1_tolerance},
            {"text", rule.describe()}}},
          {"arms", arms}};
}

}  // namespace critnet::report
