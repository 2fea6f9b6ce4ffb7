#include "critnet/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/core/version.h"
#include "critnet/report/csv.h"
#include "report/detail/atlas_view.h"
#include "report/detail/cases.h"
#include "report/detail/headline.h"
#include "report/detail/text.h"

namespace critnet::report {
namespace {

namespace fs = std::filesystem;
using detail::Case;
using detail::cases_of;
using detail::find_result;
using detail::html_escape;
using detail::layer_name;
using detail::layers_of;
using detail::md_cell;
using detail::measures_used;
using detail::multi_seed;
using detail::number;
using detail::safe;
using detail::seeds_text;
using detail::statement;
using detail::tallies;
using detail::treatments;
using nlohmann::json;

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                               "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

// "2.310 ± 0.052": the value to the se's second significant digit.
std::string value_pm(double v, double se) {
  if (!std::isfinite(v)) return "–";
  if (!std::isfinite(se) || se <= 0) return number(v, 3) + " ± " + number(se, 2);
  const int decimals = std::clamp(1 - static_cast<int>(std::floor(std::log10(se))), 0, 6);
  return fmt::format("{:.{}f} ± {:.{}f}", v, decimals, se, decimals);
}

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

struct Plan {
  std::vector<Figure> figures;
  std::vector<std::pair<fs::path, fs::path>> copies;  // source CSV -> beside the figure
  std::vector<detail::CsvData> csvs;                  // data computed for a figure
};

// Long: one figure per measure in the report's order, each a few lines of panel settings; the
// split of report.cpp by job (figure planning apart from the documents) is issue 27's item 4.
Plan plan_figures(const Results& results, const fs::path& dir, const AtlasRule& atlas_rule) {
  Plan plan;
  const auto atlas = atlas_of(results, atlas_rule);
  if (!atlas.empty())
    plan.figures.push_back(detail::atlas_figure(atlas, atlas_rule, dir, plan.csvs));
  for (const MeasureSpec* spec : measures_used(results)) {
    const auto layers = layers_of(results, spec->id);
    Figure fig;
    fig.name = safe(spec->id);
    fig.title = spec->title;
    fig.caption = spec->caption;
    if (spec->kind != PlotKind::kXy) {
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
      panel.x_label = spec->x_label;
      panel.y_label = spec->y_label;
      panel.scale = spec->scale;
      panel.key = KeyPosition::kBelow;
      for (std::size_t l = 0; l < layers.size(); ++l) {
        const MeasureResult* r = find_result(arm.results, spec->id, layers[l]);
        if (!r) continue;
        Series s;
        s.label = layer_name(layers[l]);
        s.csv = dir / fmt::format("{}.{}.{}.csv", fig.name, safe(arm.name), safe(layers[l]));
        plan.copies.emplace_back(r->csv, s.csv);
        s.x_column = spec->x_column;
        s.y_column = spec->y_column;
        s.style = spec->kind == PlotKind::kXy ? SeriesStyle::kLinesPoints : SeriesStyle::kPoints;
        if (spec->kind == PlotKind::kRank) s.max_per_decade = 150;  // CSV keeps every rank
        s.color = kColors[l % 8];
        if (auto overlay = csn_overlay(*spec, *r)) {
          // One key entry per layer: "layer 1: α = 2.31 ± 0.05, p = 0.42" (the dashed line
          // in the same colour is its fit).
          s.label += ": " + overlay->legend;
          overlay->legend.clear();
          s.fits.push_back(*overlay);
        }
        // Explicit curves: their labels join the layer's key entry ("layer 1: η = 0.58; ξ = 166"),
        // so a panel's key has one entry per layer; the dash pattern tells the models apart.
        for (const auto& cs : r->curves) {
          const std::string label =
              cs.label.empty()
                  ? std::string(cs.model == FitCurve::Model::kPowerLaw ? "power-law fit"
                                                                       : "exponential fit")
                  : cs.label;
          s.label += (&cs == &r->curves.front() ? ": " : "; ") + label;
          s.fits.push_back(FitCurve{cs.model, cs.c, cs.exponent, cs.x_from, cs.x_to, ""});
        }
        panel.series.push_back(std::move(s));
      }
      fig.panels.push_back(std::move(panel));
    }
    plan.figures.push_back(std::move(fig));
  }

  // Training curves: one panel per metric, one line per arm.
  std::vector<std::string> metrics;
  std::string x_name;
  std::map<std::string, std::vector<std::string>> columns_of;
  for (const auto& arm : results.arms) {
    if (arm.training_curve.empty()) continue;
    const CsvTable t = read_csv(arm.training_curve);
    CRITNET_CHECK_DATA(t.header.size() >= 2, "training curve ", arm.training_curve.string(),
                       " needs an x column and at least one metric column");
    if (x_name.empty()) x_name = t.header[0];
    CRITNET_CHECK_DATA(t.header[0] == x_name, "training curve ", arm.training_curve.string(),
                       " starts with column '", t.header[0], "', another arm's with '", x_name,
                       "'");
    columns_of[arm.name] = t.header;
    for (std::size_t i = 1; i < t.header.size(); ++i) {
      if (std::find(metrics.begin(), metrics.end(), t.header[i]) == metrics.end()) {
        metrics.push_back(t.header[i]);
      }
    }
  }
  if (!metrics.empty()) {
    Figure fig;
    fig.name = "training";
    fig.title = "Training curves";
    fig.caption = "Training metrics of each arm against " + x_name + ".";
    fig.panel_width_px = metrics.size() > 2 ? 440 : 560;
    fig.shared_axes = false;  // one metric per panel
    for (const auto& metric : metrics) {
      Panel panel;
      panel.title = metric;
      panel.x_label = x_name;
      panel.y_label = metric;
      panel.scale = Scale::kLinear;
      panel.key = KeyPosition::kBelow;
      for (std::size_t a = 0; a < results.arms.size(); ++a) {
        const Arm& arm = results.arms[a];
        const auto it = columns_of.find(arm.name);
        if (it == columns_of.end() ||
            std::find(it->second.begin(), it->second.end(), metric) == it->second.end()) {
          continue;
        }
        Series s;
        s.label = arm.name;
        s.csv = dir / fmt::format("training.{}.csv", safe(arm.name));
        s.x_column = x_name;
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
    plan.figures.push_back(std::move(fig));
  }
  return plan;
}

std::string alternative_text(const ArmVerdict& v) {
  if (!v.best_alternative) return "–";
  const auto& b = *v.best_alternative;
  return fmt::format("{}: R = {}, p = {}", b.alternative, number(b.R, 3), number(b.p, 2));
}

std::string alternative_html(const ArmVerdict& v) {
  if (!v.best_alternative) return "–";
  const auto& b = *v.best_alternative;
  return fmt::format("{}<br/><span class=\"nowrap\">R = {}, p = {}</span>",
                     html_escape(b.alternative), number(b.R, 3), number(b.p, 2));
}

// "85.12 %", or over several seeds "85.12 ± 0.31 % (3 seeds)" (mean ± sd).
std::string accuracy_text(const Arm& arm) {
  const detail::MeanSd m = detail::mean_sd(arm.seed_accuracies());
  if (m.n == 0) return "–";
  if (m.n == 1) return fmt::format("{:.2f} %", 100.0 * m.mean);
  return fmt::format("{:.2f} ± {:.2f} % ({} seeds)", 100.0 * m.mean, 100.0 * m.sd, m.n);
}

// α of one arm in one case: ± se for one seed, mean ± sd over the seeds with a fit otherwise.
std::string alpha_text(const detail::ArmCase& ac) {
  const std::vector<double> alphas = ac.alphas();
  if (ac.results.size() == 1 || alphas.size() < 2) {
    const MeasureResult* r = ac.results.front();
    return r && r->fit ? value_pm(r->fit->alpha, r->fit->alpha_se) : "–";
  }
  const detail::MeanSd m = detail::mean_sd(alphas);
  return value_pm(m.mean, m.sd) + fmt::format(" (sd, {} fits)", m.n);
}

// The rule as the report states it: the fit rule, and the seed rule when there are seeds.
std::string rule_text(const Results& results, const VerdictRule& rule) {
  return rule.describe() + (multi_seed(results) ? " " + seed_rule_text() : "");
}

// --- HTML -------------------------------------------------------------------------------

const char* const kCss = R"css(
:root { --fg:#1d232b; --muted:#5b6573; --line:#d9dee5; --bg:#ffffff; --soft:#f5f7fa;
        --yes:#1a7f37; --yes-bg:#e6f4ea; --no:#b42318; --no-bg:#fdecea; --na:#6b7280; --na-bg:#f1f3f5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 1.9rem; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 1.35rem; margin: 44px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
.sub { color: var(--muted); margin: 0 0 22px; }
.verdict { border: 1px solid var(--line); border-left: 6px solid #3b6fd8; background: var(--soft);
           border-radius: 8px; padding: 16px 20px; margin: 18px 0 26px; }
.verdict h2 { margin: 0 0 8px; border: 0; padding: 0; font-size: 1.2rem; }
.verdict p { margin: 6px 0; }
.question { color: var(--muted); }
.headline { font-size: 1.05rem; }
.headline .badge { font-size: 0.95rem; font-weight: 600; }
ul.atlas-lead { margin: 4px 0 10px; padding-left: 22px; }
table.matrix { margin-top: 10px; }
table.matrix caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.matrix td.cell { text-align: center; font-weight: 700; min-width: 3.2em; }
.legend { color: var(--muted); font-size: 0.85rem; margin-top: 2px; }
summary { cursor: pointer; color: #3b6fd8; }
.rule { color: var(--muted); font-size: 0.92rem; }
table { border-collapse: collapse; margin: 10px 0 14px; font-size: 0.9rem;
        font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 5px 9px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; }
th.arm { text-align: center; border-bottom: 2px solid #9aa5b4; }
td.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.82rem;
         font-weight: 600; white-space: nowrap; }
.yes { color: var(--yes); background: var(--yes-bg); }
.no { color: var(--no); background: var(--no-bg); }
.na { color: var(--na); background: var(--na-bg); }
.why { color: var(--muted); font-size: 0.78rem; line-height: 1.3; display: inline-block; }
.nowrap { white-space: nowrap; }
table.fits { font-size: 0.84rem; }
table.fits td, table.fits th { padding: 4px 7px; }
figure { margin: 14px 0 8px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 6px; }
figcaption a { color: var(--muted); }
details { margin: 10px 0; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px;
      overflow-x: auto; font-size: 0.85rem; }
.scroll { overflow-x: auto; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 48px; }
)css";

// The run's configuration as a report shows it: the run directory (every "out_dir") is the
// report's own ("."),
// never the absolute path of the machine that made it, so that the report travels.
json travelling_config(json config) {
  if (!config.is_object()) return config;
  for (auto& [key, value] : config.items())
    value = key == "out_dir" && value.is_string() ? json(".") : travelling_config(value);
  return config;
}

std::string badge(const ArmVerdict& v, bool short_text = false) {
  const char* cls = v.scale_invariant()                      ? "yes"
                    : v.plausibility == Plausibility::kNoFit ? "na"
                                                             : "no";
  std::string text = v.scale_invariant()                          ? "scale invariant"
                     : v.plausibility == Plausibility::kNoFit     ? "no fit"
                     : v.plausibility == Plausibility::kTooNarrow ? "too narrow"
                                                                  : "rejected";
  if (!short_text && (v.plausibility == Plausibility::kRejectedByGof ||
                      v.plausibility == Plausibility::kAlternativeFavoured))
    text = "power law " + text;
  return fmt::format("<span class=\"badge {}\" title=\"{}\">{}</span>", cls, html_escape(v.reason),
                     text);
}

// One seed: the verdict's badge; several: "k/n seeds", green for a majority.
std::string seed_badge(const detail::ArmCase& ac, bool short_text = false) {
  if (ac.verdicts.size() == 1) return badge(ac.verdicts.front(), short_text);
  const SeedCount& n = ac.count;
  const char* cls = n.majority() ? "yes" : 2 * n.fitted <= n.seeds ? "na" : "no";
  std::string why;
  for (std::size_t s = 0; s < ac.verdicts.size(); ++s)
    why += fmt::format("{}seed {}: {}", s ? "; " : "", s, to_string(ac.verdicts[s].plausibility));
  return fmt::format("<span class=\"badge {}\" title=\"{}\">{}</span>", cls, html_escape(why),
                     html_escape(short_text ? seeds_text(n) : "scale invariant " + seeds_text(n)));
}

std::string contrast_badge(Contrast c, const std::string& baseline, const std::string& treatment,
                           bool short_text = false, bool name_arm = false) {
  const char* cls = c == Contrast::kTreatmentOnly                            ? "yes"
                    : c == Contrast::kIncomplete || c == Contrast::kUntested ? "na"
                                                                             : "no";
  std::string text = describe(c, baseline, treatment);
  if (short_text) {
    switch (c) {
      case Contrast::kTreatmentOnly:
        text = treatment + " only";
        break;
      case Contrast::kBaselineOnly:
        text = baseline + " only";
        break;
      case Contrast::kBoth:
        text = "both";
        break;
      case Contrast::kNeither:
        text = "neither";
        break;
      case Contrast::kIncomplete:
        text = "incomplete";
        break;
      case Contrast::kUntested:
        text = "not tested";
        break;
    }
    if (name_arm) text = treatment + ": " + text;
  }
  return fmt::format("<span class=\"badge {}\" title=\"{}\">{}</span>", cls,
                     html_escape(describe(c, baseline, treatment)), html_escape(text));
}

std::string figure_html(const Figure& fig, const RenderedFigure& r) {
  const std::string svg = io::read_text_file(r.svg);
  std::string links = fmt::format("<a href=\"figures/{0}.svg\">SVG</a>", fig.name);
  if (!r.png.empty()) links += fmt::format(" · <a href=\"figures/{0}.png\">PNG</a>", fig.name);
  links += fmt::format(" · <a href=\"figures/{0}.gp\">gnuplot script</a> · data: figures/{0}.*.csv",
                       fig.name);
  return fmt::format(
      "<figure><img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\"/>\n"
      "<figcaption>{} <span class=\"why\">({})</span></figcaption></figure>\n",
      html_escape(fig.title), detail::base64(svg), html_escape(fig.caption), links);
}

// The explicit fitted curves of a measure (e.g. the two-point function's), per arm and layer.
std::string curves_html(const Results& results, const MeasureSpec& spec) {
  std::string rows;
  for (const auto& arm : results.arms) {
    for (const auto& r : arm.results) {
      if (r.measure != spec.id) continue;
      for (const auto& c : r.curves) {
        const bool power = c.model == FitCurve::Model::kPowerLaw;
        rows += fmt::format(
            "<tr><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"nowrap\">{}</td>"
            "<td class=\"num\">[{}, {}]</td></tr>\n",
            html_escape(arm.name), html_escape(layer_name(r.layer)),
            html_escape(c.label.empty() ? (power ? "power law" : "exponential") : c.label),
            power ? fmt::format("{} · x<sup>−{}</sup>", number(c.c, 3), number(c.exponent, 3))
                  : fmt::format("{} · e<sup>−x/{}</sup>", number(c.c, 3), number(c.exponent, 3)),
            number(c.x_from, 3), number(c.x_to, 3));
      }
    }
  }
  if (rows.empty()) return "";
  return "<div class=\"scroll\"><table class=\"fits\">\n<thead><tr><th>arm</th><th>layer</th>"
         "<th>fit</th><th>curve</th><th>on x in</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table></div>\n";
}

// Long: report.html's sections in document order, each a call and its heading; the split of
// report.cpp by job is issue 27's item 4.
std::string html_report(const Results& results, const VerdictRule& rule,
                        const AtlasRule& atlas_rule, const std::vector<Figure>& figures,
                        const std::vector<RenderedFigure>& rendered) {
  const auto cases = cases_of(results, rule);
  const auto tally = tallies(results, cases);
  const auto& base = results.baseline_arm;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
                   html_escape(results.title), kCss);
  h += fmt::format("<h1>{}</h1>\n<p class=\"sub\">critnet {} · baseline arm: <b>{}</b> · arms: ",
                   html_escape(results.title), html_escape(version()), html_escape(base));
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    h += (a ? ", " : "") + html_escape(results.arms[a].name);
  }
  h += "</p>\n";

  // The answer first: the question, a headline per arm, the atlas's sentences, the matrices;
  // the rule and every case one click below.
  const auto atlas = atlas_of(results, atlas_rule);
  h += "<section class=\"verdict\" id=\"verdict\">\n<h2>Answer</h2>\n";
  h += "<p class=\"question\">" + html_escape(detail::question(results)) + "</p>\n";
  if (cases.empty()) h += "<p>No measure was recorded: there is nothing to test.</p>\n";
  for (const auto& line : detail::headlines(results, cases))
    h += fmt::format("<p class=\"headline\"><span class=\"badge {}\">{}</span> {}</p>\n",
                     line.yes ? "yes" : "no", html_escape(line.verdict), html_escape(line.detail));
  if (!atlas.empty()) {
    h += "<p class=\"atlas-lead\"><b>Which notions of criticality each arm reaches</b> (<a "
         "href=\"#atlas\">Atlas</a>):</p>\n<ul class=\"atlas-lead\">\n";
    for (const auto& a : atlas) h += "<li>" + html_escape(a.sentence) + "</li>\n";
    h += "</ul>\n";
  }
  if (!cases.empty())
    for (const Arm* t : treatments(results)) h += detail::matrix_html(results, cases, t->name);
  h += "<details><summary>The rule</summary>\n<p class=\"rule\"><b>Rule.</b> " +
       html_escape(rule_text(results, rule)) +
       " The fits are read from the run, never judged by eye.</p>\n";
  for (const Arm* t : treatments(results))
    h += "<p class=\"rule\"><b>" + html_escape(t->name) + " vs " + html_escape(base) + ":</b> " +
         html_escape(statement(base, t->name, tally.at(t->name))) + "</p>\n";
  h += "</details>\n";
  if (!cases.empty()) {
    h += "<details><summary>Every case, per arm and seed</summary>\n";
    h += "<div class=\"scroll\"><table>\n<thead><tr><th>measure</th><th>layer</th>";
    for (const auto& arm : results.arms) h += "<th>" + html_escape(arm.name) + "</th>";
    for (const Arm* t : treatments(results)) {
      h += "<th>" + html_escape(t->name) + " vs " + html_escape(base) + "</th>";
    }
    h += "</tr></thead>\n<tbody>\n";
    for (const auto& c : cases) {
      h += fmt::format("<tr><td><a href=\"#{}\">{}</a></td><td>{}</td>", safe(c.spec->id),
                       html_escape(c.spec->title), html_escape(layer_name(c.layer)));
      for (const auto& ac : c.seeds) h += "<td>" + seed_badge(ac) + "</td>";
      for (const Arm* t : treatments(results)) {
        h += "<td>" + contrast_badge(c.contrasts.at(t->name), base, t->name) + "</td>";
      }
      h += "</tr>\n";
    }
    h += "</tbody></table></div>\n</details>\n";
  }
  h += "</section>\n";

  // The atlas: which notions of criticality each arm reaches.
  if (!atlas.empty()) {
    std::string fig;
    for (std::size_t i = 0; i < figures.size(); ++i)
      if (figures[i].name == "atlas") fig = figure_html(figures[i], rendered[i]);
    h += detail::atlas_html(atlas, atlas_rule, fig);
  }

  // Accuracy.
  h += "<h2 id=\"accuracy\">Accuracy</h2>\n<table><thead><tr><th>arm</th><th>test accuracy</th>"
       "</tr></thead><tbody>\n";
  for (const auto& arm : results.arms) {
    h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td></tr>\n", html_escape(arm.name),
                     html_escape(accuracy_text(arm)));
  }
  h += "</tbody></table>\n";
  for (std::size_t i = 0; i < figures.size(); ++i) {
    if (figures[i].name == "training") h += figure_html(figures[i], rendered[i]);
  }

  // One section per measure: figure, then the fits side by side.
  for (const MeasureSpec* spec : measures_used(results)) {
    h += fmt::format("<h2 id=\"{}\">{}</h2>\n", safe(spec->id), html_escape(spec->title));
    for (std::size_t i = 0; i < figures.size(); ++i) {
      if (figures[i].name == safe(spec->id)) h += figure_html(figures[i], rendered[i]);
    }
    h += curves_html(results, *spec);
    const bool any_fit = std::any_of(cases.begin(), cases.end(), [&](const Case& c) {
      return c.spec == spec &&
             std::any_of(c.results.begin(), c.results.end(), [](auto* r) { return r && r->fit; });
    });
    if (!any_fit) continue;  // no CSN fit in any arm: nothing to tabulate
    if (multi_seed(results))
      h += "<p class=\"why\">The fits of each arm's first seed; under each verdict, the count of "
           "seeds that are scale invariant and α as mean ± sd over the seeds with a fit.</p>\n";
    h += "<div class=\"scroll\"><table class=\"fits\">\n<thead><tr><th rowspan=\"2\">layer</th>";
    for (const auto& arm : results.arms) {
      h += "<th class=\"arm\" colspan=\"6\">" + html_escape(arm.name) + "</th>";
    }
    if (results.arms.size() > 1) h += "<th rowspan=\"2\">verdict</th>";
    h += "</tr>\n<tr>";
    for (std::size_t a = 0; a < results.arms.size(); ++a) {
      h += "<th>α ± se</th><th>x<sub>min</sub></th><th>n<sub>tail</sub></th><th>p</th>"
           "<th>best alternative</th><th>power law?</th>";
    }
    h += "</tr></thead>\n<tbody>\n";
    for (const auto& c : cases) {
      if (c.spec != spec) continue;
      h += "<tr><td class=\"nowrap\">" + html_escape(layer_name(c.layer)) + "</td>";
      for (std::size_t a = 0; a < results.arms.size(); ++a) {
        const MeasureResult* r = c.results[a];
        if (r && r->fit) {
          const CsnFit& f = *r->fit;
          h += fmt::format(
              "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
              "<td class=\"num\">{}</td><td>{}</td>",
              value_pm(f.alpha, f.alpha_se), number(f.x_min, 4), f.n_tail, number(f.p_value, 2),
              alternative_html(c.verdicts[a]));
        } else {
          h += "<td colspan=\"5\"><span class=\"why\">–</span></td>";
        }
        h += "<td>" + badge(c.verdicts[a], true) + "<br/><span class=\"why\">" +
             html_escape(c.verdicts[a].reason) + "</span>";
        if (c.seeds[a].verdicts.size() > 1)
          h += "<br/>" + seed_badge(c.seeds[a], true) + "<br/><span class=\"why\">α " +
               html_escape(alpha_text(c.seeds[a])) + "</span>";
        h += "</td>";
      }
      if (results.arms.size() > 1) {
        h += "<td>";
        for (const Arm* t : treatments(results)) {
          h += contrast_badge(c.contrasts.at(t->name), base, t->name, true,
                              results.arms.size() > 2) +
               " ";
        }
        h += "</td>";
      }
      h += "</tr>\n";
    }
    h += "</tbody></table></div>\n";
  }

  h += "<h2 id=\"config\">Configuration</h2>\n<details open><summary>results.json "
       "<code>config</code></summary><pre>" +
       html_escape(travelling_config(results.config).dump(2)) + "</pre></details>\n";
  h += fmt::format(
      "<footer>Built by <code>critnet report</code> (critnet {}) from results.json; the data "
      "behind every figure, its gnuplot script, summary.md and summary.json sit beside this "
      "file.</footer>\n",
      html_escape(version()));
  h += "</main>\n</body>\n</html>\n";
  return h;
}

void write_text(const fs::path& path, const std::string& text) {
  io::write_file_atomic(path, text);
}

// The seed counts of one arm in one case ("fit", "verdict" and "reason" are the first seed's).
void add_seeds(json& ja, const detail::ArmCase& ac) {
  const detail::MeanSd alpha = detail::mean_sd(ac.alphas());
  ja["seeds"] = ac.count.seeds;
  ja["fitted_seeds"] = ac.count.fitted;
  ja["scale_invariant_seeds"] = ac.count.scale_invariant;
  ja["alpha_mean"] = alpha.n ? json(alpha.mean) : json();
  ja["alpha_sd"] = alpha.n ? json(alpha.sd) : json();
  ja["per_seed"] = json::array();
  for (std::size_t s = 0; s < ac.verdicts.size(); ++s) {
    const MeasureResult* r = ac.results[s];
    ja["per_seed"].push_back({{"verdict", to_string(ac.verdicts[s].plausibility)},
                              {"alpha", r && r->fit ? json(r->fit->alpha) : json()}});
  }
}

}  // namespace

std::vector<Figure> make_figures(const Results& results, const fs::path& figures_dir) {
  return plan_figures(results, figures_dir, {}).figures;
}

json summary_json(const Results& results, const VerdictRule& rule, const AtlasRule& atlas_rule) {
  const auto cases = cases_of(results, rule);
  json j;
  j["schema"] = "critnet.summary/1";
  j["title"] = results.title;
  j["critnet_version"] = version();
  j["config"] = results.config;
  j["baseline_arm"] = results.baseline_arm;
  j["rule"] = to_json(rule);
  j["rule"]["seed_rule"] = seed_rule_text();
  j["arms"] = json::array();
  for (const auto& arm : results.arms) {
    const detail::MeanSd acc = detail::mean_sd(arm.seed_accuracies());
    j["arms"].push_back({{"name", arm.name},
                         {"seeds", arm.seed_results().size()},
                         {"test_accuracy", acc.n ? json(acc.mean) : json()},
                         {"test_accuracy_sd", acc.n ? json(acc.sd) : json()}});
  }
  j["cases"] = json::array();
  for (const auto& c : cases) {
    json jc = {{"measure", c.spec->id}, {"title", c.spec->title}, {"layer", c.layer}};
    jc["arms"] = json::object();
    for (std::size_t a = 0; a < results.arms.size(); ++a) {
      const MeasureResult* r = c.results[a];
      const ArmVerdict& v = c.verdicts[a];
      json ja = {{"fit", r && r->fit ? to_json(*r->fit) : json()},
                 {"verdict", to_string(v.plausibility)},
                 {"scale_invariant", c.seeds[a].count.majority()},
                 {"reason", v.reason}};
      add_seeds(ja, c.seeds[a]);
      if (v.best_alternative) {
        const auto& b = *v.best_alternative;
        ja["best_alternative"] = {{"alternative", b.alternative},
                                  {"R", std::isfinite(b.R) ? json(b.R) : json()},
                                  {"p", std::isfinite(b.p) ? json(b.p) : json()}};
      } else {
        ja["best_alternative"] = nullptr;
      }
      jc["arms"][results.arms[a].name] = ja;
    }
    jc["contrasts"] = json::object();
    for (const auto& [name, con] : c.contrasts) {
      jc["contrasts"][name] = {{"contrast", to_string(con)},
                               {"text", describe(con, results.baseline_arm, name)}};
    }
    j["cases"].push_back(jc);
  }
  const auto tally = tallies(results, cases);
  j["overall"] = json::object();
  for (const auto& [name, t] : tally) {
    json jt = {{"cases", t.total}, {"statement", statement(results.baseline_arm, name, t)}};
    for (Contrast con : {Contrast::kTreatmentOnly, Contrast::kBoth, Contrast::kNeither,
                         Contrast::kBaselineOnly, Contrast::kIncomplete, Contrast::kUntested}) {
      const auto it = t.where.find(con);
      jt[to_string(con)] = it == t.where.end() ? 0 : it->second.size();
    }
    j["overall"][name] = jt;
  }
  if (const auto atlas = atlas_of(results, atlas_rule); !atlas.empty())
    j["atlas"] = atlas_json(atlas, atlas_rule);
  return j;
}

std::string summary_markdown(const Results& results, const VerdictRule& rule,
                             const AtlasRule& atlas_rule) {
  const auto cases = cases_of(results, rule);
  const auto tally = tallies(results, cases);
  const auto& base = results.baseline_arm;
  std::string m = "# " + md_cell(results.title) + "\n\n";
  m += "## Answer\n\n_Question:_ " + detail::question(results) + "\n\n";
  if (cases.empty()) m += "No measure was recorded: there is nothing to test.\n\n";
  for (const auto& line : detail::headlines(results, cases))
    m += "**" + line.verdict + "**, " + line.detail + "\n\n";
  const auto atlas = atlas_of(results, atlas_rule);
  if (!atlas.empty()) {
    m += "Which notions of criticality each arm reaches (the Atlas below):\n\n";
    for (const auto& a : atlas) m += "- " + md_cell(a.sentence) + "\n";
    m += "\n";
  }
  if (!cases.empty())
    for (const Arm* t : treatments(results))
      m += detail::matrix_markdown(results, cases, t->name) + "\n";
  m += "<details><summary>The rule</summary>\n\n_Rule:_ " + rule_text(results, rule) + "\n\n";
  for (const Arm* t : treatments(results))
    m += "**" + t->name + " vs " + base + ":** " + statement(base, t->name, tally.at(t->name)) +
         "\n\n";
  m += "</details>\n\n";
  if (!atlas.empty()) m += detail::atlas_markdown(atlas, atlas_rule) + "\n";
  m += "## Accuracy\n\n| arm | test accuracy |\n|---|---:|\n";
  for (const auto& arm : results.arms) {
    m += "| " + md_cell(arm.name) + " | " + accuracy_text(arm) + " |\n";
  }
  for (const MeasureSpec* spec : measures_used(results)) {
    m += "\n## " + md_cell(spec->title) + "\n\n";
    m += fmt::format("![{0}](figures/{1}.png)\n\n", md_cell(spec->title), safe(spec->id));
    const bool seeds = multi_seed(results);
    if (seeds)
      m += "α: mean ± sd over the seeds with a fit; x_min, p and best alternative: the first "
           "seed; scale invariant: the count of seeds.\n\n";
    m += "| layer |";
    std::string rule_row = "|---|";
    for (const auto& arm : results.arms) {
      const std::string a = md_cell(arm.name);
      m += fmt::format(
          " {0} α {1} | {0} x_min | {0} p | {0} best alternative | {0} scale "
          "invariant |",
          a, seeds ? "(mean ± sd)" : "± se");
      rule_row += "---:|---:|---:|---|---|";
    }
    if (results.arms.size() > 1) {
      m += " verdict |";
      rule_row += "---|";
    }
    m += "\n" + rule_row + "\n";
    for (const auto& c : cases) {
      if (c.spec != spec) continue;
      m += "| " + md_cell(layer_name(c.layer)) + " |";
      for (std::size_t a = 0; a < results.arms.size(); ++a) {
        const MeasureResult* r = c.results[a];
        const ArmVerdict& v = c.verdicts[a];
        if (r && r->fit) {
          m += fmt::format(" {} | {} | {} | {} |", alpha_text(c.seeds[a]), number(r->fit->x_min, 4),
                           number(r->fit->p_value, 2), md_cell(alternative_text(v)));
        } else {
          m += " – | – | – | – |";
        }
        const SeedCount& n = c.seeds[a].count;
        const std::string si = !seeds
                                   ? (v.scale_invariant() ? "**yes**" : to_string(v.plausibility))
                               : n.majority() ? "**" + seeds_text(n) + "**"
                                              : seeds_text(n);
        m += " " + md_cell(si) + " |";
      }
      if (results.arms.size() > 1) {
        std::string verdicts;
        for (const auto& [name, con] : c.contrasts) {
          verdicts += (verdicts.empty() ? "" : "; ") + (c.contrasts.size() > 1 ? name + ": " : "") +
                      describe(con, base, name);
        }
        m += " " + md_cell(verdicts) + " |";
      }
      m += "\n";
    }
  }
  if (std::any_of(results.arms.begin(), results.arms.end(),
                  [](const Arm& a) { return !a.training_curve.empty(); })) {
    m += "\n## Training curves\n\n![training curves](figures/training.png)\n";
  }
  m += "\n## Configuration\n\n```json\n" + travelling_config(results.config).dump(2) + "\n```\n";
  return m;
}

ReportFiles build_report(const Results& results, const fs::path& run_dir,
                         const ReportOptions& options) {
  const fs::path dir = run_dir / "figures";
  std::error_code ec;
  fs::create_directories(dir, ec);
  CRITNET_CHECK_AS(Error, fs::is_directory(dir), "cannot create ", dir.string(), ": ",
                   ec.message());
  const Plan plan = plan_figures(results, dir, options.atlas);
  for (const auto& c : plan.csvs) write_csv(c.path, c.header, c.columns);
  for (const auto& [from, to] : plan.copies) {
    if (fs::exists(to) && fs::equivalent(from, to)) continue;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    CRITNET_CHECK_AS(Error, !ec, "cannot copy ", from.string(), " to ", to.string(), ": ",
                     ec.message());
  }
  ReportFiles files;
  for (const auto& fig : plan.figures) files.figures.push_back(render(fig, dir, options.png));
  files.html = run_dir / "report.html";
  files.summary_md = run_dir / "summary.md";
  files.summary_json = run_dir / "summary.json";
  write_text(files.html,
             html_report(results, options.rule, options.atlas, plan.figures, files.figures));
  write_text(files.summary_md, summary_markdown(results, options.rule, options.atlas));
  write_text(files.summary_json, summary_json(results, options.rule, options.atlas).dump(2) + "\n");
  return files;
}

ReportFiles build_report(const fs::path& run_dir, const ReportOptions& options) {
  return build_report(load_results(run_dir), run_dir, options);
}

}  // namespace critnet::report
