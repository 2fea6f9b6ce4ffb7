// Figure planning of a run's report (report/detail/figures.h): what each figure draws.
#include "report/detail/figures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "critnet/core/error.h"
#include "critnet/report/csv.h"
#include "critnet/report/report.h"
#include "report/detail/cases.h"
#include "report/detail/text.h"

namespace critnet::report {
namespace detail {
namespace {

namespace fs = std::filesystem;

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                               "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

std::string fit_legend(const CsnFit& f) {
  return fmt::format("α = {}, p = {}", value_pm(f.alpha, f.alpha_se), number(f.p_value, 2));
}

double max_x(const fs::path& csv, const std::string& column) {
  const CsvTable t = read_csv(csv);
  const std::size_t c = t.column(column, csv.string());
  double m = -INFINITY;
  for (const auto& row : t.rows) {
    if (std::isfinite(row[c])) m = std::max(m, row[c]);
  }
  return m;
}

// The CSN fit drawn in the coordinates of the measure's plot (see PlotKind).
std::optional<FitCurve> csn_overlay(const MeasureSpec& spec, const MeasureResult& r) {
  if (!r.fit) return std::nullopt;
  const CsnFit& f = *r.fit;
  if (!(f.alpha > 1 && f.x_min > 0 && f.n_tail > 0)) return std::nullopt;
  FitCurve c;
  c.model = FitCurve::Model::kPowerLaw;
  c.legend = fit_legend(f);
  const double nt = static_cast<double>(f.n_tail);
  switch (spec.kind) {
    case PlotKind::kRank:
      // rank(x) = n_tail (x / x_min)^(1 - α)  =>  x(r) = x_min (r / n_tail)^(-1 / (α - 1)).
      c.exponent = 1.0 / (f.alpha - 1.0);
      c.c = f.x_min * std::pow(nt, c.exponent);
      c.x_from = 1.0;
      c.x_to = nt;
      return c;
    case PlotKind::kDensity:
    case PlotKind::kCcdf: {
      if (!f.n) return std::nullopt;  // the tail's share of the sample is needed
      const double share = nt / static_cast<double>(*f.n);
      if (spec.kind == PlotKind::kDensity) {
        c.exponent = f.alpha;
        c.c = share * (f.alpha - 1.0) / f.x_min * std::pow(f.x_min, f.alpha);
      } else {
        c.exponent = f.alpha - 1.0;
        c.c = share * std::pow(f.x_min, f.alpha - 1.0);
      }
      c.x_from = f.x_min;
      c.x_to = max_x(r.csv, spec.x_column);
      return c;
    }
    case PlotKind::kXy:
      return std::nullopt;
  }
  return std::nullopt;
}

// One layer of one arm in a measure's figure: its data (copied beside the figure), its CSN fit
// and its explicit curves. Their labels join the layer's key entry ("layer 1: α = 2.31 ± 0.05,
// p = 0.42"; "layer 1: η = 0.58; ξ = 166"), so a panel's key has one entry per layer; the
// dashed line in the same colour is its fit, the dash pattern tells the models apart.
Series layer_series(const MeasureSpec& spec, const MeasureResult& r, const fs::path& csv,
                    const char* color) {
  Series s;
  s.label = layer_name(r.layer);
  s.csv = csv;
  s.x_column = spec.x_column;
  s.y_column = spec.y_column;
  s.style = spec.kind == PlotKind::kXy ? SeriesStyle::kLinesPoints : SeriesStyle::kPoints;
  if (spec.kind == PlotKind::kRank) s.max_per_decade = 150;  // CSV keeps every rank
  s.color = color;
  if (auto overlay = csn_overlay(spec, r)) {
    s.label += ": " + overlay->legend;
    overlay->legend.clear();
    s.fits.push_back(*overlay);
  }
  for (const auto& cs : r.curves) {
    const std::string label =
        cs.label.empty() ? std::string(cs.model == FitCurve::Model::kPowerLaw ? "power-law fit"
                                                                              : "exponential fit")
                         : cs.label;
    s.label += (&cs == &r.curves.front() ? ": " : "; ") + label;
    s.fits.push_back(FitCurve{cs.model, cs.c, cs.exponent, cs.x_from, cs.x_to, ""});
  }
  return s;
}

// One measure's figure: a panel per arm, a series per layer.
Figure measure_figure(const Results& results, const MeasureSpec& spec, const fs::path& dir,
                      FigurePlan& plan) {
  const auto layers = layers_of(results, spec.id);
  Figure fig;
  fig.name = safe(spec.id);
  fig.title = spec.title;
  fig.caption = spec.caption;
  if (spec.kind != PlotKind::kXy) {
    fig.caption +=
        " Dashed: the Clauset-Shalizi-Newman power-law fit of the tail (x ≥ x_min); "
        "α and its standard error, p the bootstrap goodness-of-fit p-value.";
  }
  if (multi_seed(results))
    fig.caption += " Drawn: each arm's first seed; the verdicts count every seed.";
  fig.height_px = 420 + 24 * static_cast<int>(layers.size());  // room for the key below
  for (const auto& arm : results.arms) {
    Panel panel;
    panel.title = arm.name;
    panel.x_label = spec.x_label;
    panel.y_label = spec.y_label;
    panel.scale = spec.scale;
    panel.key = KeyPosition::kBelow;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const MeasureResult* r = find_result(arm.results, spec.id, layers[l]);
      if (!r) continue;
      const fs::path csv =
          dir / fmt::format("{}.{}.{}.csv", fig.name, safe(arm.name), safe(layers[l]));
      plan.copies.emplace_back(r->csv, csv);
      panel.series.push_back(layer_series(spec, *r, csv, kColors[l % 8]));
    }
    fig.panels.push_back(std::move(panel));
  }
  return fig;
}

// The metrics of the arms' training curves in first-seen order, the x column they share, and
// each arm's columns.
struct TrainingColumns {
  std::vector<std::string> metrics;
  std::string x_name;
  std::map<std::string, std::vector<std::string>> columns_of;  // arm -> its CSV's header
};

TrainingColumns training_columns(const Results& results) {
  TrainingColumns tc;
  for (const auto& arm : results.arms) {
    if (arm.training_curve.empty()) continue;
    const CsvTable t = read_csv(arm.training_curve);
    CRITNET_CHECK_DATA(t.header.size() >= 2, "training curve ", arm.training_curve.string(),
                       " needs an x column and at least one metric column");
    if (tc.x_name.empty()) tc.x_name = t.header[0];
    CRITNET_CHECK_DATA(t.header[0] == tc.x_name, "training curve ", arm.training_curve.string(),
                       " starts with column '", t.header[0], "', another arm's with '", tc.x_name,
                       "'");
    tc.columns_of[arm.name] = t.header;
    for (std::size_t i = 1; i < t.header.size(); ++i) {
      if (std::find(tc.metrics.begin(), tc.metrics.end(), t.header[i]) == tc.metrics.end()) {
        tc.metrics.push_back(t.header[i]);
      }
    }
  }
  return tc;
}

// Training curves: one panel per metric, one line per arm; none when no arm has a curve.
std::optional<Figure> training_figure(const Results& results, const fs::path& dir,
                                      FigurePlan& plan) {
  const TrainingColumns tc = training_columns(results);
  if (tc.metrics.empty()) return std::nullopt;
  Figure fig;
  fig.name = "training";
  fig.title = "Training curves";
  fig.caption = "Training metrics of each arm against " + tc.x_name + ".";
  fig.panel_width_px = tc.metrics.size() > 2 ? 440 : 560;
  fig.shared_axes = false;  // one metric per panel
  for (const auto& metric : tc.metrics) {
    Panel panel;
    panel.title = metric;
    panel.x_label = tc.x_name;
    panel.y_label = metric;
    panel.scale = Scale::kLinear;
    panel.key = KeyPosition::kBelow;
    for (std::size_t a = 0; a < results.arms.size(); ++a) {
      const Arm& arm = results.arms[a];
      const auto it = tc.columns_of.find(arm.name);
      if (it == tc.columns_of.end() ||
          std::find(it->second.begin(), it->second.end(), metric) == it->second.end()) {
        continue;
      }
      Series s;
      s.label = arm.name;
      s.csv = dir / fmt::format("training.{}.csv", safe(arm.name));
      s.x_column = tc.x_name;
      s.y_column = metric;
      s.style = SeriesStyle::kLines;
      s.color = kColors[a % 8];
      panel.series.push_back(std::move(s));
    }
    fig.panels.push_back(std::move(panel));
  }
  for (const auto& arm : results.arms) {
    if (!arm.training_curve.empty()) {
      plan.copies.emplace_back(arm.training_curve,
                               dir / fmt::format("training.{}.csv", safe(arm.name)));
    }
  }
  return fig;
}

}  // namespace

FigurePlan plan_figures(const Results& results, const fs::path& dir, const AtlasRule& atlas_rule) {
  FigurePlan plan;
  const auto atlas = atlas_of(results, atlas_rule);
  if (!atlas.empty()) plan.figures.push_back(atlas_figure(atlas, atlas_rule, dir, plan.csvs));
  for (const MeasureSpec* spec : measures_used(results))
    plan.figures.push_back(measure_figure(results, *spec, dir, plan));
  if (auto training = training_figure(results, dir, plan))
    plan.figures.push_back(std::move(*training));
  return plan;
}

}  // namespace detail

std::vector<Figure> make_figures(const Results& results, const std::filesystem::path& figures_dir) {
  return detail::plan_figures(results, figures_dir, {}).figures;
}

}  // namespace critnet::report
