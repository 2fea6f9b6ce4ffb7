// Collects a sweep's done cells into a tidy table (CSV, JSON) and a self-contained HTML report
// with heatmaps over β × λ per preset (inline SVG).
#include "critnet/study/collect.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/study/run_dir.h"
#include "report/detail/text.h"

namespace critnet::study {
namespace fs = std::filesystem;
using json = nlohmann::json;
using report::detail::html_escape;
using report::detail::number;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double as_double(const json& j) {
  return j.is_number() ? j.get<double>() : kNaN;
}

std::string csv_field(const json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  return v.dump();  // numbers: shortest round-trip form
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

// The cells of one point of the phase diagram (preset, β, λ, epochs), one per seed.
struct Point {
  std::string preset;
  double beta = kNaN, lambda = kNaN;
  long long epochs = 0;
  std::vector<const json*> seeds;
};

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

struct Metric {
  std::string title;
  double Summary::*field;
  int digits;
  double Summary::*sd = nullptr;  ///< its sd over seeds, for the bands over epochs
};

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> m = {
      {"test accuracy (mean over seeds)", &Summary::accuracy, 3, &Summary::accuracy_sd},
      {"median |a·s² − 1| of the modes (distance to the Curie-Weiss point)", &Summary::distance, 3,
       &Summary::distance_sd},
      {"dead units (never active on the probed samples, all layers)", &Summary::dead, 3},
      {"fraction of measure × layer cases scale invariant in a majority of seeds",
       &Summary::fraction_si, 2},
      {"α of the activation-frequency ranks (pooled layers, mean over seeds)", &Summary::alpha_af,
       3},
      {"HTSR α of the weight spectra (WeightWatcher's fit, mean over layers and seeds)",
       &Summary::htsr_alpha, 3, &Summary::htsr_alpha_sd},
      {"measured χ₁ (geometric mean over layers 2..L, mean over seeds; 1 = edge of chaos)",
       &Summary::chi1, 3, &Summary::chi1_sd}};
  return m;
}

// A colour from a light-to-dark blue ramp for t in [0, 1]; grey for NaN.
std::string colour(double t) {
  if (!std::isfinite(t)) return "#dddddd";
  t = std::clamp(t, 0.0, 1.0);
  const int r = static_cast<int>(247 + t * (8 - 247));
  const int g = static_cast<int>(251 + t * (48 - 251));
  const int b = static_cast<int>(255 + t * (107 - 255));
  return fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

// The colour scale of a heatmap at (x, y): a vertical ramp from lo (bottom) to hi (top),
// `height` tall, with both ends labelled.
std::string colour_legend(int x, int y, int height, double lo, double hi, int digits) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "";
  std::string svg;
  const int steps = 16;
  for (int i = 0; i < steps; ++i) {
    const double t = hi > lo ? 1.0 - (i + 0.5) / steps : 0.5;
    svg += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"12\" height=\"{:.1f}\" fill=\"{}\"/>\n",
                       x, y + height * i / double(steps), height / double(steps) + 0.5, colour(t));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 16, y + 10, number(hi, digits));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#666\">dark</text>\n", x + 16, y + 24);
  svg +=
      fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#666\">light</text>\n", x + 16, y + height - 14);
  svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 16, y + height, number(lo, digits));
  return svg;
}

// A heatmap: columns β, rows λ, a value per (β, λ), and its colour scale on the right.
std::string heatmap(const std::vector<double>& betas, const std::vector<double>& lambdas,
                    const std::map<std::pair<double, double>, Summary>& cells, const Metric& m,
                    const std::string& beta_label) {
  const int cw = 86, ch = 34, left = 90, top = 30;
  const int width = left + cw * static_cast<int>(betas.size()) + 80;
  const int height = top + ch * static_cast<int>(lambdas.size()) + 40;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& [k, s] : cells) {
    const double v = s.*(m.field);
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"12\">\n",
      width, height);
  svg +=
      fmt::format("<text x=\"{}\" y=\"18\" font-size=\"13\">{}</text>\n", 4, html_escape(m.title));
  for (std::size_t i = 0; i < betas.size(); ++i)
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       left + cw * i + cw / 2, top + ch * lambdas.size() + 16, number(betas[i], 4));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     left + cw * betas.size() / 2, top + ch * lambdas.size() + 33,
                     html_escape(beta_label));
  for (std::size_t j = 0; j < lambdas.size(); ++j) {
    const int y = top + ch * static_cast<int>(j);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">λ = {}</text>\n", left - 6,
                       y + ch / 2 + 4, number(lambdas[j], 4));
    for (std::size_t i = 0; i < betas.size(); ++i) {
      const int x = left + cw * static_cast<int>(i);
      const auto it = cells.find({betas[i], lambdas[j]});
      const double v = it == cells.end() ? kNaN : it->second.*(m.field);
      const double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      std::string label = number(v, m.digits);
      if (it != cells.end() && m.field == &Summary::accuracy &&
          std::isfinite(it->second.accuracy_sd))
        label += " ± " + number(it->second.accuracy_sd, 2);
      const std::string tip = it == cells.end()
                                  ? "no done cell"
                                  : fmt::format("β = {:g}, λ = {:g}: {} ({} seeds)", betas[i],
                                                lambdas[j], label, it->second.seeds);
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\"><title>{}"
          "</title></rect>\n",
          x, y, cw, ch, colour(t), html_escape(tip));
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n",
                         x + cw / 2, y + ch / 2 + 4, std::isfinite(t) && t > 0.55 ? "#fff" : "#000",
                         html_escape(label));
    }
  }
  svg += colour_legend(left + cw * static_cast<int>(betas.size()) + 10, top,
                       ch * static_cast<int>(lambdas.size()), lo, hi, m.digits);
  return svg + "</svg>\n";
}

// A point of a curve over epochs: epochs, the mean over seeds and its sd (NaN: no band).
struct CurvePoint {
  double x, y, sd;
};

// Curves over epochs: one line per series (label → points), a band of ± one sd over seeds
// around each where the seeds give one.
std::string curves(const std::map<std::string, std::vector<CurvePoint>>& series,
                   const std::string& title) {
  const int width = 520, height = 260, left = 60, right = 170, top = 30, bottom = 40;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& [name, pts] : series)
    for (const auto& [x, y, sd] : pts) {
      if (!std::isfinite(y)) continue;
      const double band = std::isfinite(sd) ? sd : 0.0;
      x0 = std::min(x0, x), x1 = std::max(x1, x);
      y0 = std::min(y0, y - band), y1 = std::max(y1, y + band);
    }
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) y0 -= 0.5, y1 += 0.5;
  const double pw = width - left - right, ph = height - top - bottom;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"12\">\n<text x=\"4\" y=\"18\" font-size=\"13\">{}</text>\n",
      width, height, html_escape(title));
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", left,
      top, pw, ph);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epochs</text>\n",
                     left + pw / 2, height - 8);
  for (double v : {y0, y1})
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 4,
                       py(v) + 4, number(v, 3));
  for (double v : {x0, x1})
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(v),
                       top + ph + 15, number(v, 3));
  static const std::vector<std::string> kColours = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                                    "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  int k = 0;
  for (const auto& [name, pts] : series) {
    const std::string c = kColours[k % kColours.size()];
    std::string path, upper, lower;
    for (const auto& [x, y, sd] : pts) {
      if (!std::isfinite(y)) continue;
      path += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
      if (std::isfinite(sd)) {
        upper += fmt::format("{:.1f},{:.1f} ", px(x), py(y + sd));
        lower = fmt::format("{:.1f},{:.1f} ", px(x), py(y - sd)) + lower;
      }
    }
    if (!upper.empty())
      svg += fmt::format("<polygon points=\"{}{}\" fill=\"{}\" fill-opacity=\"0.15\"/>\n", upper,
                         lower, c);
    svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                       path, c);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", left + pw + 8,
                       top + 14 * k + 10, c, html_escape(name));
    ++k;
  }
  return svg + "</svg>\n";
}

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

// An arm's name in the curves over epochs: "baseline" or "<preset> β=… λ=…".
std::string arm_name(const Point& p) {
  return p.preset == "none"
             ? "baseline"
             : fmt::format("{} β={} λ={}", p.preset, number(p.beta, 3), number(p.lambda, 3));
}

// The sweep over training length (several epochs): one figure per quantity, one line per arm
// (every preset × β × λ, and the baseline) with ± one sd over seeds: accuracy, scale
// invariance and the atlas's three notions over the network, then the three notions layer by
// layer (the cells' median |a·s² − 1|, HTSR α and measured χ₁ of each layer).
std::string over_training(
    const std::map<std::tuple<std::string, double, double, long long>, Point>& points) {
  std::string h =
      "<h2>Over training: every arm</h2>\n<p class=\"legend\">One line per arm, the mean over "
      "seeds at each training length, the band ± one sd over seeds.</p>\n<div>";
  std::vector<std::pair<const Point*, Summary>> summaries;
  for (const auto& [k, p] : points) summaries.emplace_back(&p, summarise(p));
  for (const std::size_t mi : {0, 3, 1, 5, 6}) {
    const Metric& m = metrics()[mi];
    std::map<std::string, std::vector<CurvePoint>> series;
    for (const auto& [p, sm] : summaries)
      series[arm_name(*p)].push_back(
          {static_cast<double>(p->epochs), sm.*(m.field), m.sd ? sm.*(m.sd) : kNaN});
    h += curves(series, m.title);
  }
  h += "</div>\n<h3>Layer by layer</h3>\n<div>";
  std::size_t layers = 0;
  for (const auto& [k, p] : points)
    for (const json* c : p.seeds) layers = std::max(layers, c->at("layers").size());
  const std::vector<std::pair<std::string, std::string>> notions = {
      {"cw_distance_median", "median |a·s² − 1|"},
      {"htsr_alpha", "HTSR α"},
      {"chi1", "measured χ₁"}};
  for (const auto& [field, title] : notions) {
    for (std::size_t l = 0; l < layers; ++l) {
      std::map<std::string, std::vector<CurvePoint>> series;
      for (const auto& [k, p] : points) {
        std::vector<double> v;
        for (const json* c : p.seeds)
          if (l < c->at("layers").size())
            v.push_back(as_double(c->at("layers")[l].value(field, json())));
        series[arm_name(p)].push_back({static_cast<double>(p.epochs), mean(v), sd(v)});
      }
      h += curves(series, fmt::format("{}, layer {}", title, l + 1));
    }
  }
  return h + "</div>\n";
}

// Long: the sweep report's sections in document order (heatmaps, curves over epochs, table);
// moving its figures onto the reproduce report's figure code is issue 27's item 4.
std::string report_html(const fs::path& dir, const json& grid_doc, const std::vector<json>& cells,
                        const std::vector<std::string>& missing) {
  // Points of the phase diagram.
  std::map<std::tuple<std::string, double, double, long long>, Point> points;
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
  const bool fraction = grid_doc.contains("beta_fraction");
  const std::string beta_label = fraction ? "β / N₁ (β as a fraction of the input size)" : "β";
  std::set<long long> epochs;
  for (const auto& [k, p] : points) epochs.insert(p.epochs);

  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>critnet sweep"
      "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 "
      "1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:"
      "right}svg{margin:6px 12px 6px 0}</style></head><body>\n";
  // The directory by its own name, never by the absolute path of the machine that collected
  // it: the report sits inside it and travels with it.
  const fs::path full = fs::absolute(dir).lexically_normal();
  const std::string name =
      (full.filename().empty() ? full.parent_path().filename() : full.filename()).string();
  h += fmt::format("<h1>critnet sweep</h1>\n<p>{} (this report's directory): {} cells done",
                   html_escape(name), cells.size());
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

  // The baseline, as reference values.
  std::string base_rows;
  for (const auto& [k, p] : points) {
    if (p.preset != "none") continue;
    const Summary s = summarise(p);
    base_rows += fmt::format("<tr><td>{}</td><td>{}</td>", p.epochs, s.seeds);
    for (const auto& m : metrics()) base_rows += "<td>" + number(s.*(m.field), m.digits) + "</td>";
    base_rows += "</tr>\n";
  }
  if (!base_rows.empty()) {
    h += "<h2>baseline (no penalty)</h2>\n<table><tr><th>epochs</th><th>seeds</th>";
    for (const auto& m : metrics()) h += "<th>" + html_escape(m.title) + "</th>";
    h += "</tr>\n" + base_rows + "</table>\n";
  }

  // Heatmaps per preset, per epochs; then, with several epochs, the curves over training.
  std::vector<std::string> presets;
  for (const auto& p : grid_doc.at("presets"))
    if (p != "none") presets.push_back(p.get<std::string>());
  for (const auto& preset : presets) {
    for (const long long e : epochs) {
      std::set<double> bs, ls;
      std::map<std::pair<double, double>, Summary> grid;
      for (const auto& [k, p] : points)
        if (p.preset == preset && p.epochs == e) {
          bs.insert(p.beta), ls.insert(p.lambda);
          grid[{p.beta, p.lambda}] = summarise(p);
        }
      if (grid.empty()) continue;
      std::optional<Summary> base;
      for (const auto& [k, p] : points)
        if (p.preset == "none" && p.epochs == e) base = summarise(p);
      h += fmt::format("<h2>{} — {} epoch{}</h2>\n", html_escape(preset), e, e == 1 ? "" : "s");
      h += phase_sentences(preset, grid, base ? &*base : nullptr);
      h += "<p class=\"legend\">Each heatmap: β across, λ down, one cell per (β, λ) with its "
           "value printed in it; the colour scale on its right runs from light (low) to dark "
           "(high).</p>\n<div>";
      for (const auto& m : metrics())
        h += heatmap({bs.begin(), bs.end()}, {ls.begin(), ls.end()}, grid, m, beta_label);
      h += "</div>\n";
    }
  }
  if (epochs.size() > 1) h += over_training(points);
  if (!missing.empty()) {
    h += "<h2>cells not done</h2>\n<p>";
    for (const auto& id : missing) h += html_escape(id) + " ";
    h += "</p>\n";
  }
  return h + "</body></html>\n";
}

}  // namespace

const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> c = {"cell_id",
                                             "preset",
                                             "beta",
                                             "beta_fraction",
                                             "lambda",
                                             "epochs",
                                             "seed",
                                             "test_accuracy",
                                             "measure",
                                             "layer",
                                             "n",
                                             "n_tail",
                                             "xmin",
                                             "alpha",
                                             "alpha_ci_low",
                                             "alpha_ci_high",
                                             "p",
                                             "tail_max",
                                             "tail_decades",
                                             "verdict",
                                             "scale_invariant",
                                             "median_distance_cw",
                                             "dead_units",
                                             "htsr_alpha",
                                             "htsr_verdict",
                                             "chi1",
                                             "hash"};
  return c;
}

std::vector<json> cell_rows(const json& cell) {
  std::vector<json> rows;
  for (const auto& r : cell.at("results")) {
    json row;
    row["cell_id"] = cell.at("id");
    for (const char* k : {"preset", "beta", "beta_fraction", "lambda", "epochs", "seed",
                          "test_accuracy", "median_distance_cw", "dead_units", "hash"})
      row[k] = cell.value(k, json(nullptr));
    for (const char* k : {"measure", "layer", "n", "n_tail", "xmin", "alpha", "alpha_ci_low",
                          "alpha_ci_high", "p", "tail_max", "tail_decades", "verdict"})
      row[k] = r.value(k, json(nullptr));
    row["scale_invariant"] = r.at("scale_invariant").get<bool>() ? 1 : 0;
    // The HTSR row of the layer's incoming weight (layers are numbers in cell.json's
    // "layers", strings in its "results"; "pooled" has none).
    row["htsr_alpha"] = row["htsr_verdict"] = row["chi1"] = nullptr;
    for (const auto& l : cell.value("layers", json::array()))
      if (l.contains("layer") && l["layer"].dump() == r.at("layer").get<std::string>()) {
        row["htsr_alpha"] = l.value("htsr_alpha", json(nullptr));
        row["htsr_verdict"] = l.value("htsr_verdict", json(nullptr));
        row["chi1"] = l.value("chi1", json(nullptr));
      }
    rows.push_back(row);
  }
  return rows;
}

CollectResult collect(const fs::path& sweep_dir) {
  // The tables and the report are written into the sweep directory under its lock (which
  // also clears critnet temporary files a killed collect left).
  const io::RunLock lock(sweep_dir, "critnet sweep collect", kDirectoryLockWait);
  const Grid grid = load_sweep_grid(sweep_dir);
  CollectResult out;
  std::vector<json> cells;
  for (const auto& c : grid.expand()) {
    const fs::path file = cell_dir(sweep_dir, c) / "cell.json";
    if (!cell_done(file, c)) {
      out.missing.push_back(c.id);
      continue;
    }
    cells.push_back(io::read_json_file(file, "cell.json"));
    out.done.push_back(c.id);
  }
  // Rows keep the CSV's column order (nlohmann::json would sort the keys).
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  std::string csv;
  for (const auto& col : table_columns()) csv += (csv.empty() ? "" : ",") + col;
  csv += "\n";
  for (const auto& c : cells) {
    try {
      for (const auto& row : cell_rows(c)) {
        std::string line;
        nlohmann::ordered_json ordered;
        for (std::size_t i = 0; i < table_columns().size(); ++i) {
          const json& v = row.at(table_columns()[i]);
          line += (i ? "," : "") + csv_field(v);
          ordered[table_columns()[i]] = nlohmann::ordered_json::parse(v.dump());
        }
        csv += line + "\n";
        table.push_back(std::move(ordered));
      }
    } catch (const json::exception& e) {
      throw DataError(fmt::format("{}: malformed cell.json: {}",
                                  (sweep_dir / "cells" / c.value("id", "?")).string(), e.what()));
    }
  }
  out.rows = table.size();
  out.csv = sweep_dir / "table.csv";
  out.json = sweep_dir / "table.json";
  out.html = sweep_dir / "report.html";
  io::write_file_atomic(out.csv, csv);
  io::write_file_atomic(out.json, table.dump(1) + "\n");
  io::write_file_atomic(out.html, report_html(sweep_dir, to_json(grid), cells, out.missing));
  return out;
}

}  // namespace critnet::study
