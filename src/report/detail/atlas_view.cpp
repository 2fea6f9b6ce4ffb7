#include "report/detail/atlas_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "report/detail/cases.h"
#include "report/detail/text.h"

namespace critnet::report::detail {
namespace {

namespace fs = std::filesystem;

std::optional<double> layer_number(const std::string& layer) {
  try {
    std::size_t used = 0;
    const double v = std::stod(layer, &used);
    if (used == layer.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

double mean_or_nan(const std::vector<double>& values) {
  return values.empty() ? NAN : mean_sd(values).mean;
}

// "0.98 ± 0.01 ✓ (0.91)": the measured χ₁, a tick at the edge of chaos, the mean-field χ₁.
std::string chi1_text(const AtlasCell& c, const AtlasRule& rule) {
  if (c.chi1.empty()) return "–";
  std::string t = mean_sd_text(c.chi1) + (c.at_edge_of_chaos(rule) ? " ✓" : "");
  if (!c.chi1_mean_field.empty()) t += " (" + number(mean_sd(c.chi1_mean_field).mean) + ")";
  return t;
}

// "heavy-tailed 3/3 seeds" or the first seed's HTSR label.
std::string tail_text(const AtlasCell& c) {
  if (c.seeds > 1) {
    if (c.heavy_tailed > 0)
      return fmt::format("heavy-tailed in {}/{} seeds", c.heavy_tailed, c.seeds);
    if (c.mp_bulk > 0) return fmt::format("MP bulk in {}/{} seeds", c.mp_bulk, c.seeds);
    return fmt::format("heavy-tailed in 0/{} seeds ({} in the first)", c.seeds, c.htsr_label);
  }
  return c.htsr_label.empty() ? "–" : c.htsr_label;
}

}  // namespace

Figure atlas_figure(const std::vector<AtlasArm>& atlas, const AtlasRule& rule, const fs::path& dir,
                    std::vector<CsvData>& csvs) {
  Figure fig;
  fig.name = "atlas";
  fig.title = "Criticality atlas";
  fig.caption =
      "Left: the median over each layer's modes of |a·s² − 1|, the distance from the paper's "
      "Curie-Weiss point (grey: the tolerance " +
      number(rule.cw_tolerance) +
      "). Right: the HTSR power-law exponent α of the layer's incoming weight spectrum "
      "(WeightWatcher's fit; 2-6 is what HTSR calls well trained, a heuristic). Third, where "
      "measured: the layer's χ₁, the mean squared gain of its Jacobian (grey: the edge of chaos "
      "χ₁ = 1). Means over seeds.";
  fig.shared_axes = false;
  Panel cw{"distance from the Curie-Weiss point", "layer", "median |a·s² − 1|"};
  Panel alpha{"HTSR α of the weight spectrum", "layer", "α"};
  Panel chi{"edge of chaos", "layer", "measured χ₁"};
  cw.key = alpha.key = chi.key = KeyPosition::kBelow;
  cw.y_min = 0.0;
  for (const auto& a : atlas) {
    CsvData data{dir / fmt::format("atlas.{}.csv", safe(a.arm)),
                 {"layer", "cw_distance", "htsr_alpha", "chi1"},
                 {{}, {}, {}, {}}};
    for (const auto& c : a.layers) {
      const auto x = layer_number(c.layer);
      if (!x) continue;
      data.columns[0].push_back(*x);
      data.columns[1].push_back(mean_or_nan(c.cw_distance));
      data.columns[2].push_back(mean_or_nan(c.htsr_alpha));
      data.columns[3].push_back(mean_or_nan(c.chi1));
    }
    if (data.columns[0].empty()) continue;
    cw.series.push_back({a.arm, data.path, "layer", "cw_distance", SeriesStyle::kLinesPoints});
    alpha.series.push_back({a.arm, data.path, "layer", "htsr_alpha", SeriesStyle::kLinesPoints});
    if (!std::all_of(data.columns[3].begin(), data.columns[3].end(),
                     [](double v) { return std::isnan(v); }))
      chi.series.push_back({a.arm, data.path, "layer", "chi1", SeriesStyle::kLinesPoints});
    csvs.push_back(std::move(data));
  }
  if (!csvs.empty()) {
    // The tolerance as a grey line across the layers drawn.
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& c : csvs)
      for (double x : c.columns[0]) lo = std::min(lo, x), hi = std::max(hi, x);
    CsvData line{dir / "atlas.tolerance.csv",
                 {"layer", "cw_tolerance"},
                 {{lo, hi}, {rule.cw_tolerance, rule.cw_tolerance}}};
    cw.series.push_back({"Curie-Weiss tolerance", line.path, "layer", "cw_tolerance",
                         SeriesStyle::kLines, "#888888"});
    csvs.push_back(std::move(line));
  }
  fig.panels = {std::move(cw), std::move(alpha)};
  if (!chi.series.empty()) {
    // χ₁ = 1 as a grey line: ordered below, chaotic above.
    const CsvData& tol = csvs.back();
    CsvData one{dir / "atlas.chi1.csv", {"layer", "one"}, {tol.columns[0], {1.0, 1.0}}};
    chi.series.push_back(
        {"edge of chaos χ₁ = 1", one.path, "layer", "one", SeriesStyle::kLines, "#888888"});
    csvs.push_back(std::move(one));
    double top = 1.0;
    for (const auto& c : csvs)
      if (c.header.size() > 3)
        for (double v : c.columns[3])
          if (std::isfinite(v)) top = std::max(top, v);
    chi.y_min = 0.0;
    chi.y_max = 1.2 * top;  // the line χ₁ = 1 inside the frame
    fig.panels.push_back(std::move(chi));
    fig.panel_width_px = 440;
  }
  return fig;
}

namespace {

constexpr const char* kNetworkCaption =
    "The whole network: its χ₁ (the geometric mean of the measured χ₁ over layers 2..L, 1 at "
    "the edge of chaos) and the squared singular values σ² of its input-output Jacobian "
    "∂logits/∂x (all 1 for dynamical isometry), mean ± sd over seeds.";

bool has_network(const std::vector<AtlasArm>& atlas) {
  return std::any_of(atlas.begin(), atlas.end(),
                     [](const AtlasArm& a) { return !a.jacobian_mean.empty(); });
}

std::string network_html(const std::vector<AtlasArm>& atlas) {
  if (!has_network(atlas)) return "";
  std::string h = "<p>" + html_escape(kNetworkCaption) + "</p>\n";
  h += "<div class=\"scroll\"><table>\n<thead><tr><th>arm</th><th>seeds</th><th>χ₁ (geometric "
       "mean, layers 2..L)</th><th>Jacobian: mean σ²</th><th>min σ²</th><th>max "
       "σ²</th></tr></thead>\n<tbody>\n";
  for (const auto& a : atlas)
    h += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        html_escape(a.arm), a.jacobian_mean.size(), mean_sd_text(a.chi1_geometric_mean),
        mean_sd_text(a.jacobian_mean), mean_sd_text(a.jacobian_min), mean_sd_text(a.jacobian_max));
  h += "</tbody></table></div>\n";
  return h;
}

}  // namespace

std::string atlas_html(const std::vector<AtlasArm>& atlas, const AtlasRule& rule,
                       const std::string& figure_html) {
  std::string h = "<h2 id=\"atlas\">Atlas: which notions of criticality each arm reaches</h2>\n";
  for (const auto& a : atlas) h += "<p>" + html_escape(a.sentence) + "</p>\n";
  h += "<p class=\"rule\"><b>Rule.</b> " + html_escape(rule.describe()) + "</p>\n";
  h += figure_html;
  h += "<div class=\"scroll\"><table>\n<thead><tr><th rowspan=\"2\">layer</th>";
  for (const auto& a : atlas)
    h += "<th class=\"arm\" colspan=\"4\">" + html_escape(a.arm) + "</th>";
  h += "</tr>\n<tr>";
  for (std::size_t i = 0; i < atlas.size(); ++i)
    h += "<th>median |a·s² − 1|</th><th>HTSR α</th><th>HTSR tail</th><th>χ₁ (mean field)</th>";
  h += "</tr></thead>\n<tbody>\n";
  std::vector<std::string> layers;
  for (const auto& a : atlas)
    for (const auto& c : a.layers)
      if (std::find(layers.begin(), layers.end(), c.layer) == layers.end())
        layers.push_back(c.layer);
  std::sort(layers.begin(), layers.end(), layer_less);
  for (const auto& layer : layers) {
    h += "<tr><td class=\"nowrap\">" + html_escape(layer_name(layer)) + "</td>";
    for (const auto& a : atlas) {
      const auto it = std::find_if(a.layers.begin(), a.layers.end(),
                                   [&](const AtlasCell& c) { return c.layer == layer; });
      if (it == a.layers.end()) {
        h += "<td colspan=\"4\"><span class=\"why\">–</span></td>";
        continue;
      }
      const bool cw = it->at_cw_point(rule), heavy = it->heavy_tailed_majority();
      h += fmt::format(
          "<td class=\"num\">{}{}</td><td class=\"num\">{}</td><td><span class=\"badge "
          "{}\">{}</span>"
          "</td>",
          mean_sd_text(it->cw_distance),
          cw ? " <span class=\"badge yes\">✓ at the point</span>" : "",
          mean_sd_text(it->htsr_alpha), heavy ? "yes" : "na",
          html_escape((heavy ? "✓ " : "") + tail_text(*it)));
      h += "<td class=\"num\">" + chi1_text(*it, rule) + "</td>";
    }
    h += "</tr>\n";
  }
  h += "</tbody></table></div>\n";
  h += network_html(atlas);
  return h;
}

std::string atlas_markdown(const std::vector<AtlasArm>& atlas, const AtlasRule& rule) {
  std::string m = "## Atlas: which notions of criticality each arm reaches\n\n";
  for (const auto& a : atlas) m += "- " + md_cell(a.sentence) + "\n";
  m += "\n_Rule:_ " + rule.describe() + "\n\n![criticality atlas](figures/atlas.png)\n\n";
  m += "| arm | layer | median \\|a·s² − 1\\| | HTSR α | HTSR tail | χ₁ (mean field) |\n"
       "|---|---|---:|---:|---|---:|\n";
  for (const auto& a : atlas) {
    for (const auto& c : a.layers) {
      m += fmt::format("| {} | {} | {}{} | {} | {}{} | {} |\n", md_cell(a.arm), md_cell(c.layer),
                       mean_sd_text(c.cw_distance), c.at_cw_point(rule) ? " ✓" : "",
                       mean_sd_text(c.htsr_alpha), c.heavy_tailed_majority() ? "✓ " : "",
                       md_cell(tail_text(c)), chi1_text(c, rule));
    }
  }
  if (has_network(atlas)) {
    m += "\n" + std::string(kNetworkCaption) +
         "\n\n| arm | seeds | χ₁ (geometric mean, layers 2..L) | Jacobian: mean σ² | min σ² | "
         "max σ² |\n|---|---:|---:|---:|---:|---:|\n";
    for (const auto& a : atlas)
      m += fmt::format("| {} | {} | {} | {} | {} | {} |\n", md_cell(a.arm), a.jacobian_mean.size(),
                       mean_sd_text(a.chi1_geometric_mean), mean_sd_text(a.jacobian_mean),
                       mean_sd_text(a.jacobian_min), mean_sd_text(a.jacobian_max));
  }
  return m;
}

}  // namespace critnet::report::detail
