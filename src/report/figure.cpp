#include "critnet/report/figure.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/report/csv.h"
#include "report/detail/process.h"

namespace critnet::report {
namespace {

namespace fs = std::filesystem;

// A colour-blind-safe-ish palette (matplotlib's tab10 order).
const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
constexpr int kPaletteSize = 8;

std::string num(double v) {
  return fmt::format("{:.10g}", v);
}

// A file name inside a single-quoted gnuplot string: only the quote needs doubling.
std::string quote_path(const std::string& path) {
  std::string out = "'";
  for (char c : path) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string key_command(KeyPosition k) {
  const char* common = "reverse Left noopaque samplen 2.5 spacing 1.2";
  switch (k) {
    case KeyPosition::kTopRight:
      return fmt::format("set key inside top right {}", common);
    case KeyPosition::kTopLeft:
      return fmt::format("set key inside top left {}", common);
    case KeyPosition::kBottomRight:
      return fmt::format("set key inside bottom right {}", common);
    case KeyPosition::kBottomLeft:
      return fmt::format("set key inside bottom left {}", common);
    case KeyPosition::kBelow:
      return fmt::format("set key below center horizontal height 1 {}", common);
    case KeyPosition::kNone:
      return "unset key";
  }
  return "";
}

bool log_x(Scale s) {
  return s == Scale::kLogX || s == Scale::kLogLog;
}
bool log_y(Scale s) {
  return s == Scale::kLogY || s == Scale::kLogLog;
}

std::string gnuplot_program() {
  const char* env = std::getenv("CRITNET_GNUPLOT");
  return detail::find_program(env && *env ? env : "gnuplot");
}

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return name.front() != '.';
}

// The extent of what a panel draws.
struct Bounds {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  void add(double x, double y) {
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
    y_lo = std::min(y_lo, y);
    y_hi = std::max(y_hi, y);
  }
  void add(const Bounds& b) {
    add(b.x_lo, b.y_lo);
    add(b.x_hi, b.y_hi);
  }
  bool empty() const { return !(x_lo <= x_hi && y_lo <= y_hi); }
};

struct ResolvedSeries {
  const Series* series;
  std::string file;  // relative to the figure's directory
  std::size_t x_index;
  std::size_t y_index;
  std::size_t z_index;  // kHeatmap and kTiles: the colour column, else y_index
  std::size_t points;
  std::string color;
  Bounds bounds;  // of the plottable points, their bands and the fitted curves' end points
  std::optional<std::size_t> band_index;  // the band's half-width column, if any
};

double fit_value(const FitCurve& f, double x) {
  return f.model == FitCurve::Model::kPowerLaw ? f.c * std::pow(x, -f.exponent)
                                               : f.c * std::exp(-x / f.exponent);
}

bool drawable(const FitCurve& fit, Scale scale);

ResolvedSeries resolve(const Series& s, const Panel& panel, const fs::path& dir) {
  const fs::path csv = fs::absolute(s.csv);
  const CsvTable table = read_csv(csv);
  ResolvedSeries r{&s,
                   fs::absolute(csv).lexically_proximate(fs::absolute(dir)).generic_string(),
                   table.column(s.x_column, csv.string()),
                   table.column(s.y_column, csv.string()),
                   s.style == SeriesStyle::kHeatmap || s.style == SeriesStyle::kTiles
                       ? table.column(s.z_column, csv.string())
                       : table.column(s.y_column, csv.string()),
                   0,
                   s.color,
                   Bounds{},
                   std::nullopt};
  if (!s.band_column.empty()) r.band_index = table.column(s.band_column, csv.string());
  for (const auto& row : table.rows) {
    const double x = row[r.x_index];
    const double y = row[r.y_index];
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    if (log_x(panel.scale) && x <= 0) continue;
    if (log_y(panel.scale) && y <= 0) continue;
    ++r.points;
    r.bounds.add(x, y);
    const double band = r.band_index ? row[*r.band_index] : NAN;
    if (std::isfinite(band))
      r.bounds.add(x, y + std::abs(band)), r.bounds.add(x, y - std::abs(band));
  }
  for (const auto& fit : s.fits) {
    if (!drawable(fit, panel.scale)) continue;
    for (double x : {fit.x_from, fit.x_to}) {
      const double y = fit_value(fit, x);
      if (std::isfinite(y) && (!log_y(panel.scale) || y > 0)) r.bounds.add(x, y);
    }
  }
  return r;
}

bool drawable(const FitCurve& fit, Scale scale) {
  return std::isfinite(fit.c) && std::isfinite(fit.exponent) && std::isfinite(fit.x_from) &&
         std::isfinite(fit.x_to) && fit.x_from < fit.x_to && fit.exponent != 0 &&
         (!log_x(scale) || fit.x_from > 0);
}

// Axis limits shared by all panels: whole decades on log axes, 4% margins on linear ones.
std::pair<double, double> padded(double lo, double hi, bool log) {
  if (log) {
    lo = std::pow(10.0, std::floor(std::log10(lo)));
    hi = std::pow(10.0, std::ceil(std::log10(hi)));
    if (lo == hi) hi *= 10;
    return {lo, hi};
  }
  const double pad = hi > lo ? 0.04 * (hi - lo) : std::max(1.0, std::abs(lo)) * 0.5;
  return {lo - pad, hi + pad};
}

std::string style_clause(SeriesStyle style, const std::string& color) {
  switch (style) {
    case SeriesStyle::kPoints:
      return fmt::format("with points pt 7 ps 0.55 lc rgb '{}'", color);
    case SeriesStyle::kLines:
      return fmt::format("with lines lw 2 lc rgb '{}'", color);
    case SeriesStyle::kLinesPoints:
      return fmt::format("with linespoints lw 1.5 pt 7 ps 0.5 lc rgb '{}'", color);
    case SeriesStyle::kSteps:
      return fmt::format("with steps lw 2 lc rgb '{}'", color);
    case SeriesStyle::kHeatmap:
      return "with image";
    case SeriesStyle::kTiles:
      return "with boxxyerror fs solid 1.0 border lc rgb '#ffffff' fc palette";
  }
  return "";
}

// "('2' 0, '4' 1)": explicit tics for `set xtics` and its kin.
std::string tic_list(const std::vector<Tic>& tics) {
  std::string out = "(";
  for (std::size_t i = 0; i < tics.size(); ++i)
    out += (i ? ", " : "") + gnuplot_quote(tics[i].label) + " " + num(tics[i].at);
  return out + ")";
}

// A panel's own tics and the commands that give the next panel gnuplot's again.
struct PanelTics {
  std::string set;
  std::string restore;
};

PanelTics panel_tics(const Panel& panel) {
  PanelTics t;
  for (const auto& [axis, tics] :
       {std::pair<const char*, const std::vector<Tic>*>{"x", &panel.x_tics},
        {"y", &panel.y_tics}}) {
    if (tics->empty()) continue;
    t.set += fmt::format("set {0}tics {1}; unset m{0}tics\n", axis, tic_list(*tics));
    t.restore += fmt::format("set {0}tics autofreq; set m{0}tics\n", axis);
  }
  if (!panel.z_tics.empty()) {
    t.set += fmt::format("set cbtics {}; unset mcbtics\n", tic_list(panel.z_tics));
    t.restore += "set cbtics autofreq\n";
  }
  return t;
}

// The colour scale of a heatmap or tiles series: palette, colour box, label and range.
std::string colour_scale_commands(const Panel& panel, const std::string& label) {
  std::string out = panel.palette == Palette::kLightToDark
                        ? "set palette defined (0 '#f7fbff', 1 '#08306b')"
                        : "set palette rgbformulae 33,13,10";
  out += "; set colorbox; set cblabel " + gnuplot_quote(label) + "\n";
  if (panel.z_min || panel.z_max) {
    out += fmt::format("set cbrange [{}:{}]\n", panel.z_min ? num(*panel.z_min) : "*",
                       panel.z_max ? num(*panel.z_max) : "*");
  }
  return out;
}

// The shaded band y ± half-width drawn under a series' line.
std::string band_clause(const ResolvedSeries& r) {
  const std::size_t y = r.y_index + 1, b = *r.band_index + 1;
  return fmt::format(
      "{0} skip 1 using {1}:(column({2}) - (valid({3}) ? abs(column({3})) : 0)):"
      "(column({2}) + (valid({3}) ? abs(column({3})) : 0)) with filledcurves fs transparent "
      "solid 0.15 noborder lc rgb '{4}' notitle",
      quote_path(r.file), r.x_index + 1, y, b, r.color);
}

// The dashed fitted curves of a drawn series: their functions (named PREFIX_1, PREFIX_2, ...)
// go to `functions`, their plot clauses to `clauses`; a fit that cannot be drawn is noted in
// `out`.
void fit_clauses(const ResolvedSeries& r, Scale scale, const std::string& prefix,
                 std::ostringstream& out, std::string& functions,
                 std::vector<std::string>& clauses) {
  for (std::size_t f = 0; f < r.series->fits.size(); ++f) {
    const FitCurve& fit = r.series->fits[f];
    if (!drawable(fit, scale)) {
      out << "# fit " << gnuplot_quote(fit.legend) << " has an empty or invalid range: left out\n";
      continue;
    }
    const std::string fn = fmt::format("{}_{}", prefix, f + 1);
    const std::string body = fit.model == FitCurve::Model::kPowerLaw
                                 ? fmt::format("{} * x**(-{})", num(fit.c), num(fit.exponent))
                                 : fmt::format("{} * exp(-x / {})", num(fit.c), num(fit.exponent));
    functions += fmt::format("{}(x) = (x >= {} && x <= {}) ? {} : 1/0\n", fn, num(fit.x_from),
                             num(fit.x_to), body);
    const char* dash = fit.model == FitCurve::Model::kPowerLaw ? "2" : "4";
    clauses.push_back(fmt::format(
        "{}(x) with lines lw 2.5 dt {} lc rgb '{}' {}", fn, dash, r.color,
        fit.legend.empty() ? std::string("notitle") : "title " + gnuplot_quote(fit.legend)));
  }
}

// A panel's x and y ranges: its own limits, else the shared ones (padded), else autoscale.
std::string range_commands(const Panel& panel, const Bounds* shared) {
  auto bound = [](const std::optional<double>& v) { return v ? num(*v) : std::string("*"); };
  std::optional<double> x_min = panel.x_min, x_max = panel.x_max;
  std::optional<double> y_min = panel.y_min, y_max = panel.y_max;
  if (shared && !shared->empty()) {
    const auto [xl, xh] = padded(shared->x_lo, shared->x_hi, log_x(panel.scale));
    const auto [yl, yh] = padded(shared->y_lo, shared->y_hi, log_y(panel.scale));
    if (!x_min) x_min = xl;
    if (!x_max) x_max = xh;
    if (!y_min) y_min = yl;
    if (!y_max) y_max = yh;
  }
  return "set xrange [" + bound(x_min) + ":" + bound(x_max) + "]\nset yrange [" + bound(y_min) +
         ":" + bound(y_max) + "]\n";
}

// The commands that draw one panel (within a multiplot).
std::string panel_commands(const Panel& panel, std::size_t p, const fs::path& dir,
                           std::string& functions, const Bounds* shared) {
  std::ostringstream out;
  out << "# --- panel " << p + 1 << ": " << panel.title << "\n";
  // Undo what the previous panel set.
  out << "unset label; unset logscale; set autoscale; set tics; set border; set grid; "
         "unset colorbox\n";
  out << "set format x '% h'; set format y '% h'\n";
  out << "set title " << gnuplot_quote(panel.title) << " font ',14'\n";
  out << key_command(panel.key) << "\n";
  out << "set xlabel " << gnuplot_quote(panel.x_label) << "\n";
  out << "set ylabel " << gnuplot_quote(panel.y_label) << "\n";
  if (log_x(panel.scale)) out << "set logscale x 10; set format x '10^{%L}'\n";
  if (log_y(panel.scale)) out << "set logscale y 10; set format y '10^{%L}'\n";
  out << range_commands(panel, shared);
  const PanelTics tics = panel_tics(panel);
  out << tics.set;
  for (std::size_t i = 0; i < panel.labels.size(); ++i) {
    const PanelLabel& l = panel.labels[i];
    out << fmt::format("set label {} {} at {},{} center front tc rgb '{}'\n", i + 2,
                       gnuplot_quote(l.text), num(l.x), num(l.y), l.color);
  }

  std::vector<ResolvedSeries> drawn;
  int next_color = 0;
  for (const auto& s : panel.series) {
    ResolvedSeries r = resolve(s, panel, dir);
    if (r.color.empty()) r.color = kPalette[next_color % kPaletteSize];
    ++next_color;
    if (r.points == 0) {
      out << "# series " << gnuplot_quote(s.label) << " (" << r.file
          << ") has no plottable point: left out\n";
      continue;
    }
    drawn.push_back(r);
  }
  if (drawn.empty()) {
    out << "set xrange [0:1]; set yrange [0:1]; unset logscale; unset tics; unset grid\n";
    out << "set label 1 'no data' at graph 0.5,0.5 center font ',16' tc rgb '#888888'\n";
    out << "plot -1 notitle\n" << tics.restore;
    return out.str();
  }
  std::vector<std::string> clauses;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const auto& r = drawn[i];
    std::string y = fmt::format("{}", r.y_index + 1);
    if (r.series->max_per_decade > 0 && log_x(panel.scale)) {
      // Thinning: keep a point when it opens a new 1/N-decade bin of x (lb: the last bin).
      clauses.push_back("lb = -1e9");
      y = fmt::format(
          "(tb = floor({0} * log10(column({1}))), tk = (tb != lb), lb = tb, tk ? column({2}) : "
          "NaN)",
          r.series->max_per_decade, r.x_index + 1, r.y_index + 1);
    }
    if (r.series->style == SeriesStyle::kHeatmap || r.series->style == SeriesStyle::kTiles) {
      // The colour scale, labelled by the series (its cells have no key entry).
      out << colour_scale_commands(panel, r.series->label);
      clauses.push_back(
          r.series->style == SeriesStyle::kHeatmap
              ? fmt::format("{} skip 1 using {}:{}:{} with image notitle", quote_path(r.file),
                            r.x_index + 1, r.y_index + 1, r.z_index + 1)
              : fmt::format("{} skip 1 using {}:{}:(0.5):(0.5):{} {} notitle", quote_path(r.file),
                            r.x_index + 1, r.y_index + 1, r.z_index + 1,
                            style_clause(SeriesStyle::kTiles, r.color)));
      continue;
    }
    if (r.band_index) clauses.push_back(band_clause(r));
    clauses.push_back(fmt::format("{} skip 1 using {}:{} {} title {}", quote_path(r.file),
                                  r.x_index + 1, y, style_clause(r.series->style, r.color),
                                  gnuplot_quote(r.series->label)));
    fit_clauses(r, panel.scale, fmt::format("fit_{}_{}", p + 1, i + 1), out, functions, clauses);
  }
  out << "plot ";
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    out << (i ? ", \\\n     " : "") << clauses[i];
  }
  out << "\n" << tics.restore;
  return out.str();
}

}  // namespace

std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\'':
        out += "''";
        break;
      case '\\':
      case '^':
      case '_':
      case '@':
      case '&':
      case '~':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      default:
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
  }
  return out + "'";
}

bool gnuplot_available() {
  return !gnuplot_program().empty();
}

std::string gnuplot_script(const Figure& figure, const fs::path& dir, bool png) {
  CRITNET_CHECK(valid_name(figure.name), "figure name '", figure.name,
                "' must be non-empty and use only letters, digits, '.', '_' and '-'");
  CRITNET_CHECK(!figure.panels.empty(), "figure '", figure.name, "' has no panel");
  CRITNET_CHECK(figure.panel_width_px >= 100 && figure.height_px >= 100, "figure '", figure.name,
                "': panel width and height must be >= 100 px, got ", figure.panel_width_px, "x",
                figure.height_px);
  std::string functions;
  std::string body;
  const std::size_t n = figure.panels.size();
  body += fmt::format("set multiplot layout 1,{} title {} font ',16'\n", n,
                      gnuplot_quote(figure.title));
  // Shared axes: the same limits in every panel, so baseline | critical compare by eye.
  bool share = figure.shared_axes && n > 1;
  for (const auto& panel : figure.panels) share = share && panel.scale == figure.panels[0].scale;
  Bounds shared;
  if (share) {
    for (const auto& panel : figure.panels) {
      for (const auto& series : panel.series) {
        const ResolvedSeries r = resolve(series, panel, dir);
        if (r.points > 0) shared.add(r.bounds);
      }
    }
  }
  for (std::size_t p = 0; p < n; ++p) {
    body += panel_commands(figure.panels[p], p, dir, functions, share ? &shared : nullptr);
  }
  body += "unset multiplot\nset output\n";

  const int width = figure.panel_width_px * static_cast<int>(n);
  std::ostringstream s;
  s << "# critnet figure '" << figure.name << "'";
  if (!figure.title.empty()) s << ": " << gnuplot_quote(figure.title);
  s << "\n# Re-run with: cd " << quote_path(fs::absolute(dir).string()) << " && gnuplot "
    << figure.name << ".gp\n# It writes " << figure.name << ".svg" << (png ? " and " : "")
    << (png ? figure.name + ".png" : "") << " from the CSV files it names.\n";
  s << "set encoding utf8\nset datafile separator comma\nset samples 600\n";
  s << "set grid lc rgb '#dddddd' lt 1 lw 0.8\n";
  s << "set border lc rgb '#444444'\nset tics nomirror\nset mxtics; set mytics\n";
  s << "\n# Fitted curves: each is drawn only on the range it was fitted on.\n" << functions;
  s << "\n# SVG\n";
  s << fmt::format(
      "set terminal svg size {},{} fixed enhanced font 'sans-serif,13' background rgb 'white'\n",
      width, figure.height_px);
  s << "set output '" << figure.name << ".svg'\n" << body;
  if (png) {
    s << "\n# PNG (the same plot)\n";
    s << fmt::format(
        "set terminal pngcairo size {},{} enhanced font 'DejaVu Sans,11' background rgb "
        "'white'\n",
        width, figure.height_px);
    s << "set output '" << figure.name << ".png'\n" << body;
  }
  return s.str();
}

RenderedFigure render(const Figure& figure, const fs::path& dir, bool png) {
  const std::string gnuplot = gnuplot_program();
  CRITNET_CHECK_AS(Error, !gnuplot.empty(), "gnuplot not found (looked for '",
                   std::getenv("CRITNET_GNUPLOT") ? std::getenv("CRITNET_GNUPLOT") : "gnuplot",
                   "' on PATH; set CRITNET_GNUPLOT or install it: apt-get install gnuplot-nox)");
  std::error_code ec;
  fs::create_directories(dir, ec);
  CRITNET_CHECK_AS(Error, fs::is_directory(dir), "cannot create figure directory ", dir.string(),
                   ": ", ec.message());
  const std::string script = gnuplot_script(figure, dir, png);
  RenderedFigure out{dir / (figure.name + ".svg"), png ? dir / (figure.name + ".png") : fs::path(),
                     dir / (figure.name + ".gp")};
  io::write_file_atomic(out.script, script);
  for (const auto& p : {out.svg, out.png}) {
    if (!p.empty()) fs::remove(p, ec);
  }
  const auto result = detail::run_process({gnuplot, figure.name + ".gp"}, dir);
  if (result.exit_code != 0) {
    throw Error(
        fmt::format("gnuplot failed on {} ({}): {}", out.script.string(),
                    result.signal ? fmt::format("killed by signal {}", result.signal)
                                  : fmt::format("exit status {}", result.exit_code),
                    result.stderr_text.empty() ? std::string("no message") : result.stderr_text));
  }
  for (const auto& p : {out.svg, out.png}) {
    if (p.empty()) continue;
    CRITNET_CHECK_AS(Error, fs::exists(p) && fs::file_size(p) > 0, "gnuplot ran on ",
                     out.script.string(), " but did not write ", p.string(),
                     "; its stderr: ", result.stderr_text);
  }
  return out;
}

}  // namespace critnet::report
