// The sweep's report.html (study/detail/sweep_report.h).
#include "study/detail/sweep_report.h"

#include <fmt/core.h>

#include <cmath>
#include <optional>
#include <set>
#include <tuple>

#include "critnet/core/version.h"
#include "report/detail/page.h"
#include "report/detail/text.h"
#include "study/detail/sweep_figures.h"

namespace critnet::study::detail {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using report::detail::html_escape;
using report::detail::number;

// The sweep page's own rules on top of the shared style sheet: heatmaps and curves side by
// side, the two sentences above each preset's heatmaps a little larger.
constexpr const char* kSweepCss =
    R"css(.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr));
            gap: 0 22px; }
p.says { font-size: 1.05rem; }
)css";

// The (β, λ) cell of `grid` where `field` is largest (`largest`) or smallest; its value NaN
// when no cell has one.
std::tuple<double, double, double> extreme(const std::map<std::pair<double, double>, Summary>& grid,
                                           double Summary::*field, bool largest) {
  std::tuple<double, double, double> best{kNaN, kNaN, kNaN};
  for (const auto& [bl, s] : grid) {
    const double v = s.*field;
    if (!std::isfinite(v)) continue;
    const double cur = std::get<2>(best);
    if (!std::isfinite(cur) || (largest ? v > cur : v < cur)) best = {bl.first, bl.second, v};
  }
  return best;
}

// What one preset's phase diagram says, in two sentences: how much scale invariance the best
// (β, λ) cell reaches against the baseline, and how close any cell comes to the Curie-Weiss
// point and the edge of chaos, with the accuracy it costs.
std::string phase_sentences(const std::string& preset,
                            const std::map<std::pair<double, double>, Summary>& grid,
                            const Summary* base) {
  const auto [sb, sl, si] = extreme(grid, &Summary::fraction_si, true);
  const auto [db, dl, d] = extreme(grid, &Summary::distance, false);
  const auto [lo_b, lo_l, acc_lo] = extreme(grid, &Summary::accuracy, false);
  const auto [hi_b, hi_l, acc_hi] = extreme(grid, &Summary::accuracy, true);
  const auto [c_lo_b, c_lo_l, chi_lo] = extreme(grid, &Summary::chi1, false);
  const auto [c_hi_b, c_hi_l, chi_hi] = extreme(grid, &Summary::chi1, true);
  const auto with_base = [&](double Summary::*field, int digits) {
    return base && std::isfinite(base->*field)
               ? fmt::format(" (baseline {})", number(base->*field, digits))
               : std::string();
  };
  std::string first =
      std::isfinite(si)
          ? fmt::format(
                "Scale invariance: at most {} of the measure × layer cases are scale "
                "invariant in a majority of seeds in any {} cell, at β = {}, λ = {}{}.",
                number(si, 2), preset, number(sb, 4), number(sl, 4),
                with_base(&Summary::fraction_si, 2))
          : fmt::format("Scale invariance: no {} cell has a tested case.", preset);
  std::string second;
  if (std::isfinite(d))
    second = fmt::format(
        "The closest approach to the Curie-Weiss point is median |a·s² − 1| = {} "
        "at β = {}, λ = {}{}",
        number(d, 3), number(db, 4), number(dl, 4), with_base(&Summary::distance, 3));
  if (std::isfinite(chi_lo))
    second += fmt::format("{}measured χ₁ runs from {} to {} (1 is the edge of chaos){}",
                          second.empty() ? "The " : "; ", number(chi_lo, 3), number(chi_hi, 3),
                          with_base(&Summary::chi1, 3));
  if (std::isfinite(acc_lo))
    second += fmt::format("{}test accuracy from {} to {}{}", second.empty() ? "The " : "; ",
                          number(acc_lo, 3), number(acc_hi, 3), with_base(&Summary::accuracy, 3));
  return "<p class=\"says\">" + html_escape(first + (second.empty() ? "" : " " + second + ".")) +
         "</p>\n";
}

// Renders `figures` into `dir` and returns their HTML in a grid; appends them to `rendered`.
std::string figures_html(const std::vector<report::Figure>& figures, const fs::path& dir,
                         std::vector<report::RenderedFigure>& rendered) {
  std::string h = "<div class=\"figures\">\n";
  for (const auto& fig : figures) {
    rendered.push_back(report::render(fig, dir, /*png=*/false));
    h += report::detail::figure_html(fig, rendered.back());
  }
  return h + "</div>\n";
}

// The title, what the directory holds and the verdict rule.
std::string intro_html(const fs::path& dir, const json& grid_doc, std::size_t done,
                       const std::vector<std::string>& missing) {
  // The directory by its own name, never by the absolute path of the machine that collected
  // it: the report sits inside it and travels with it.
  const fs::path full = fs::absolute(dir).lexically_normal();
  const std::string name =
      (full.filename().empty() ? full.parent_path().filename() : full.filename()).string();
  std::string h =
      fmt::format("<h1>critnet sweep</h1>\n<p>{} (this report's directory): {} cells done",
                  html_escape(name), done);
  if (!missing.empty()) h += fmt::format(", <b>{} not done</b> (not shown)", missing.size());
  h += ". Every cell is one training run (one seed), probed on the test split and fitted the "
       "Clauset-Shalizi-Newman way; the tidy table is table.csv / table.json.</p>\n";
  h += fmt::format("<p>Verdict rule: {}</p>\n",
                   html_escape(grid_doc.contains("rule")
                                   ? fmt::format("bootstrap p ≥ {}, no alternative favoured at p < "
                                                 "{}, tail ≥ {} decades and ≥ {} points; a "
                                                 "case counts when it holds in a majority of seeds",
                                                 grid_doc["rule"].value("gof_p_min", 0.1),
                                                 grid_doc["rule"].value("lr_p_max", 0.1),
                                                 grid_doc["rule"].value("min_decades", 1.0),
                                                 grid_doc["rule"].value("min_tail", 50))
                                   : ""));
  return h;
}

// The baseline, as reference values: a row per training length.
std::string baseline_html(const Points& points) {
  std::string rows;
  for (const auto& [k, p] : points) {
    if (p.preset != "none") continue;
    const Summary s = summarise(p);
    rows +=
        fmt::format("<tr><td class=\"num\">{}</td><td class=\"num\">{}</td>", p.epochs, s.seeds);
    for (const auto& m : metrics())
      rows += "<td class=\"num\">" + number(s.*(m.field), m.digits) + "</td>";
    rows += "</tr>\n";
  }
  if (rows.empty()) return "";
  std::string h =
      "<h2>baseline (no penalty)</h2>\n<div class=\"scroll\"><table><tr><th>epochs</th>"
      "<th>seeds</th>";
  for (const auto& m : metrics()) h += "<th>" + html_escape(m.title) + "</th>";
  return h + "</tr>\n" + rows + "</table></div>\n";
}

// One preset at one training length: its heading, what it shows, a heatmap per metric.
std::string phase_html(const PhaseGrid& grid, const Summary* base, const std::string& beta_label,
                       const fs::path& figures, std::vector<report::RenderedFigure>& rendered) {
  std::string h = fmt::format("<h2>{} — {} epoch{}</h2>\n", html_escape(grid.preset), grid.epochs,
                              grid.epochs == 1 ? "" : "s");
  h += phase_sentences(grid.preset, grid.cells, base);
  h += "<p class=\"legend\">Each heatmap: β across, λ down, one cell per (β, λ) with its "
       "value printed in it; the colour scale on its right runs from light (low) to dark "
       "(high).</p>\n";
  std::vector<report::Figure> heatmaps;
  for (const auto& m : metrics()) heatmaps.push_back(heatmap_figure(grid, m, beta_label, figures));
  return h + figures_html(heatmaps, figures, rendered);
}

// The phase grid of `preset` at `epochs` (empty cells when it has none).
PhaseGrid phase_grid(const Points& points, const std::string& preset, long long epochs) {
  PhaseGrid grid{preset, epochs, {}, {}, {}};
  std::set<double> bs, ls;
  for (const auto& [k, p] : points)
    if (p.preset == preset && p.epochs == epochs) {
      bs.insert(p.beta), ls.insert(p.lambda);
      grid.cells[{p.beta, p.lambda}] = summarise(p);
    }
  grid.betas.assign(bs.begin(), bs.end());
  grid.lambdas.assign(ls.begin(), ls.end());
  return grid;
}

// The sweep over training length (several epochs): accuracy, scale invariance and the atlas's
// three notions over the network, then the three notions layer by layer.
std::string over_training_html(const Points& points, const fs::path& figures,
                               std::vector<report::RenderedFigure>& rendered) {
  const TrainingFigures f = training_figures(points, figures);
  return "<h2>Over training: every arm</h2>\n<p class=\"legend\">One line per arm, the mean "
         "over seeds at each training length, the band ± one sd over seeds.</p>\n" +
         figures_html(f.network, figures, rendered) + "<h3>Layer by layer</h3>\n" +
         figures_html(f.layers, figures, rendered);
}

}  // namespace

SweepReport sweep_report(const fs::path& dir, const json& grid_doc, const std::vector<json>& cells,
                         const std::vector<std::string>& missing) {
  const fs::path figures = dir / "figures";
  const Points points = points_of(cells);
  const std::string beta_label =
      grid_doc.contains("beta_fraction") ? "β / N₁ (β as a fraction of the input size)" : "β";
  std::set<long long> epochs;
  for (const auto& [k, p] : points) epochs.insert(p.epochs);
  SweepReport out;
  std::string h = report::detail::page_head("critnet sweep", kSweepCss);
  h += intro_html(dir, grid_doc, cells.size(), missing) + baseline_html(points);
  // Heatmaps per preset, per epochs; then, with several epochs, the curves over training.
  for (const auto& preset : grid_doc.at("presets")) {
    if (preset == "none") continue;
    for (const long long e : epochs) {
      const PhaseGrid grid = phase_grid(points, preset.get<std::string>(), e);
      if (grid.cells.empty()) continue;
      std::optional<Summary> base;
      for (const auto& [k, p] : points)
        if (p.preset == "none" && p.epochs == e) base = summarise(p);
      h += phase_html(grid, base ? &*base : nullptr, beta_label, figures, out.figures);
    }
  }
  if (epochs.size() > 1) h += over_training_html(points, figures, out.figures);
  if (!missing.empty()) {
    h += "<h2>cells not done</h2>\n<p>";
    for (const auto& id : missing) h += html_escape(id) + " ";
    h += "</p>\n";
  }
  h += fmt::format(
      "<footer>Built by <code>critnet sweep collect</code> (critnet {}) from the cells' "
      "cell.json; the data behind every figure (figures/NAME.*.csv) and its gnuplot script "
      "(figures/NAME.gp) sit beside this file.</footer>\n",
      html_escape(version()));
  out.html = h + report::detail::page_end();
  return out;
}

}  // namespace critnet::study::detail
