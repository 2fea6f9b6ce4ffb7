// The sweep report's figures (study/detail/sweep_figures.h).
#include "study/detail/sweep_figures.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "critnet/report/csv.h"
#include "report/detail/text.h"

namespace critnet::study::detail {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using report::detail::number;
using report::detail::safe;

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

// "2 seeds", or "1-2 seeds" when the cells differ.
std::string seeds_per_cell(const PhaseGrid& grid) {
  int lo = 0, hi = 0;
  for (const auto& [bl, s] : grid.cells) {
    lo = lo ? std::min(lo, s.seeds) : s.seeds;
    hi = std::max(hi, s.seeds);
  }
  return lo == hi ? fmt::format("{} seed{}", hi, hi == 1 ? "" : "s")
                  : fmt::format("{}-{} seeds", lo, hi);
}

// The colour scale's range over the finite values, its ends labelled; one tic when all are
// equal (then the range is widened around it and the value sits in the middle).
void colour_scale(report::Panel& panel, double lo, double hi, int digits) {
  if (!(lo <= hi)) return;  // no finite value: every tile blank
  const double pad = hi > lo ? 0.0 : std::max(std::abs(lo), 1.0) * 0.5;
  panel.z_min = lo - pad;
  panel.z_max = hi + pad;
  panel.z_tics.push_back({lo, number(lo, digits)});
  if (hi > lo) panel.z_tics.push_back({hi, number(hi, digits)});
}

// The value written on a tile: the metric (test accuracy: ± its sd over seeds).
std::string tile_text(const Summary* s, const Metric& m) {
  const double v = s ? s->*(m.field) : kNaN;
  std::string text = number(v, m.digits);
  if (s && m.field == &Summary::accuracy && std::isfinite(s->accuracy_sd))
    text += " ± " + number(s->accuracy_sd, 2);
  return text;
}

}  // namespace

report::Figure heatmap_figure(const PhaseGrid& grid, const Metric& m, const std::string& beta_label,
                              const fs::path& dir) {
  report::Figure fig;
  fig.name = fmt::format("heatmap.{}.e{}.{}", safe(grid.preset), grid.epochs, m.key);
  fig.title = m.name;
  fig.caption = fmt::format(
      "{}: {}, {} epoch{}. A tile per (β, λ) with its value; {} per cell; blank: no value.",
      m.title, grid.preset, grid.epochs, grid.epochs == 1 ? "" : "s", seeds_per_cell(grid));
  const int nb = static_cast<int>(grid.betas.size()), nl = static_cast<int>(grid.lambdas.size());
  fig.panel_width_px = std::max(460, 250 + 110 * nb);
  fig.height_px = std::max(300, 150 + 56 * nl);
  report::Panel panel;
  panel.x_label = beta_label;
  panel.y_label = "λ";
  panel.key = report::KeyPosition::kNone;
  panel.palette = report::Palette::kLightToDark;
  panel.x_min = -0.5, panel.x_max = nb - 0.5;
  panel.y_min = nl - 0.5, panel.y_max = -0.5;  // the first λ on top
  std::vector<std::vector<double>> columns(7);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [bl, s] : grid.cells) {
    const double v = s.*(m.field);
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  colour_scale(panel, lo, hi, m.digits);
  for (int i = 0; i < nb; ++i) panel.x_tics.push_back({double(i), number(grid.betas[i], 4)});
  for (int j = 0; j < nl; ++j) {
    panel.y_tics.push_back({double(j), number(grid.lambdas[j], 4)});
    for (int i = 0; i < nb; ++i) {
      const auto it = grid.cells.find({grid.betas[i], grid.lambdas[j]});
      const Summary* s = it == grid.cells.end() ? nullptr : &it->second;
      const double v = s ? s->*(m.field) : kNaN;
      const double sd = s && m.sd ? s->*(m.sd) : kNaN;
      const double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      panel.labels.push_back({double(i), double(j), tile_text(s, m),
                              std::isfinite(v) && t > 0.55 ? "#ffffff" : "#000000"});
      const double row[] = {
          double(i), double(j), grid.betas[i], grid.lambdas[j], v, sd, s ? double(s->seeds) : 0.0};
      for (std::size_t c = 0; c < columns.size(); ++c) columns[c].push_back(row[c]);
    }
  }
  const fs::path csv = dir / (fig.name + ".cells.csv");
  report::write_csv(csv, {"beta_index", "lambda_index", "beta", "lambda", "value", "sd", "seeds"},
                    columns);
  // No colour-scale label: the figure's title names the metric (a label would be clipped).
  report::Series tiles{"", csv, "beta_index", "lambda_index", report::SeriesStyle::kTiles};
  tiles.z_column = "value";
  panel.series.push_back(std::move(tiles));
  fig.panels.push_back(std::move(panel));
  return fig;
}

namespace {

// One line of a curve over training: per training length, the mean over seeds and its sd.
struct Curve {
  std::map<long long, std::pair<double, double>> at;  // epochs -> (mean, sd)
};

// A figure over training: one line per arm (sorted by name) with its band when `band`, the
// data in NAME.arms.csv (epochs, then each arm's mean and sd).
report::Figure curves_figure(const std::string& name, const std::string& title,
                             const std::string& caption, const std::map<std::string, Curve>& arms,
                             bool band, const fs::path& dir) {
  std::set<long long> epochs;
  for (const auto& [arm, c] : arms)
    for (const auto& [e, v] : c.at) epochs.insert(e);
  std::vector<std::string> header = {"epochs"};
  std::vector<std::vector<double>> columns(1);
  for (const long long e : epochs) columns[0].push_back(static_cast<double>(e));
  for (const auto& [arm, c] : arms) {
    header.push_back(arm);
    header.push_back(arm + " sd");
    std::vector<double> m, s;
    for (const long long e : epochs) {
      const auto it = c.at.find(e);
      m.push_back(it == c.at.end() ? kNaN : it->second.first);
      s.push_back(it == c.at.end() ? kNaN : it->second.second);
    }
    columns.push_back(std::move(m));
    columns.push_back(std::move(s));
  }
  report::Figure fig;
  fig.name = name;
  fig.title = title;
  fig.caption = caption;
  fig.height_px = 340 + 20 * static_cast<int>((arms.size() + 1) / 2);  // room for the key below
  const fs::path csv = dir / (name + ".arms.csv");
  report::write_csv(csv, header, columns);
  report::Panel panel;
  panel.x_label = "epochs";
  panel.y_label = title;
  panel.key = report::KeyPosition::kBelow;
  int k = 0;
  for (const auto& [arm, c] : arms) {
    report::Series s{arm, csv, "epochs", arm, report::SeriesStyle::kLines};
    s.color = kColours[k++ % 8];
    if (band) s.band_column = arm + " sd";
    panel.series.push_back(std::move(s));
  }
  fig.panels.push_back(std::move(panel));
  return fig;
}

}  // namespace

TrainingFigures training_figures(const Points& points, const fs::path& dir) {
  TrainingFigures out;
  std::vector<std::pair<const Point*, Summary>> summaries;
  for (const auto& [k, p] : points) summaries.emplace_back(&p, summarise(p));
  const std::string over = " One line per arm, the mean over seeds at each training length";
  for (const std::size_t mi : {0, 3, 1, 5, 6}) {
    const Metric& m = metrics()[mi];
    std::map<std::string, Curve> arms;
    for (const auto& [p, sm] : summaries)
      arms[arm_name(*p)].at[p->epochs] = {sm.*(m.field), m.sd ? sm.*(m.sd) : kNaN};
    out.network.push_back(
        curves_figure("training." + m.key, m.name,
                      m.title + "." + over + (m.sd ? ", the band ± one sd over seeds." : "."), arms,
                      m.sd != nullptr, dir));
  }
  std::size_t layers = 0;
  for (const auto& [k, p] : points)
    for (const json* c : p.seeds) layers = std::max(layers, c->at("layers").size());
  const std::vector<std::pair<std::string, std::string>> notions = {
      {"cw_distance_median", "median |a·s² − 1|"},
      {"htsr_alpha", "HTSR α"},
      {"chi1", "measured χ₁"}};
  for (const auto& [field, title] : notions) {
    for (std::size_t l = 0; l < layers; ++l) {
      std::map<std::string, Curve> arms;
      for (const auto& [k, p] : points) {
        std::vector<double> v;
        for (const json* c : p.seeds)
          if (l < c->at("layers").size())
            v.push_back(as_double(c->at("layers")[l].value(field, json())));
        arms[arm_name(p)].at[p.epochs] = {mean(v), sd(v)};
      }
      const std::string t = fmt::format("{}, layer {}", title, l + 1);
      out.layers.push_back(curves_figure(fmt::format("training.{}.layer{}", field, l + 1), t,
                                         t + "." + over + ", the band ± one sd over seeds.", arms,
                                         true, dir));
    }
  }
  return out;
}

}  // namespace critnet::study::detail
