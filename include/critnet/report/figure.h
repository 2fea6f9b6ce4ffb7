#pragma once
/// Figures over gnuplot: a plain description (panels side by side, series read from CSV
/// columns, fitted curves drawn over the data, heatmaps with a colour scale) rendered to SVG and
/// PNG by writing a gnuplot script beside the figure and running it. The script stays, so a
/// person can edit and re-run it (`cd DIR && gnuplot NAME.gp`); the CSVs it reads stay too.
/// Every critnet figure is drawn here: the run report's (critnet/report/report.h), the sweep
/// report's (critnet/study/collect.h) and the theory commands' `--plot`.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace critnet::report {

/// Axis scales of a panel.
enum class Scale { kLinear, kLogX, kLogY, kLogLog };

/// How a series is drawn. kHeatmap colours the cells of a regular x-y grid by the series'
/// `z_column` (gnuplot's `with image`, which needs at least 2 × 2 points), with a colour scale
/// labelled by the series' label. kTiles colours a unit square centred at each (x, y) the same
/// way and draws any grid, 1 × 1 included: for grids indexed 0, 1, 2, ... whose values are the
/// panel's tic labels (Panel::x_tics, y_tics); non-finite z leaves the square blank.
enum class SeriesStyle { kPoints, kLines, kLinesPoints, kSteps, kHeatmap, kTiles };

/// The colours of a heatmap's scale: kRainbow is gnuplot's `rgbformulae 33,13,10`,
/// kLightToDark runs from #f7fbff (low) to #08306b (high), a light-to-dark blue.
enum class Palette { kRainbow, kLightToDark };

/// A tic mark with its own text, at `at` in the axis' data units.
struct Tic {
  double at = 0.0;
  std::string label;  ///< literal text
};

/// Text drawn in a panel, centred at (x, y) in data units, above the data.
struct PanelLabel {
  double x = 0.0;
  double y = 0.0;
  std::string text;               ///< literal text
  std::string color = "#000000";  ///< "#rrggbb"
};

/// A fitted curve drawn over the data on [x_from, x_to] (dashed, in the series' colour):
/// kPowerLaw: y = c * x^(-exponent); kExponential: y = c * exp(-x / exponent) (exponent is
/// the decay length ξ, in units of x).
struct FitCurve {
  enum class Model { kPowerLaw, kExponential };
  Model model = Model::kPowerLaw;
  double c = 1.0;
  double exponent = 1.0;
  double x_from = 0.0;
  double x_to = 0.0;
  /// Legend text, e.g. "α = 2.31 ± 0.05, p = 0.42" (literal text, escaped for gnuplot);
  /// empty = no legend entry (e.g. when the series' own label already gives the fit).
  std::string legend;
};

/// One data series: columns `x_column` and `y_column` (header names) of a CSV file.
struct Series {
  std::string label;  ///< legend text (literal)
  std::filesystem::path csv;
  std::string x_column;
  std::string y_column;
  SeriesStyle style = SeriesStyle::kPoints;
  std::string color;  ///< "#rrggbb"; empty = the next colour of the palette
  /// On a log x axis, draw at most this many points per decade of x (the first point of each
  /// 1/N-decade bin; x must ascend, as ranks do); 0 = every point. Keeps rank plots of many
  /// thousand points small; the CSV keeps every point.
  int max_per_decade = 0;
  std::vector<FitCurve> fits;
  /// kHeatmap, kTiles: the column whose values colour the grid's cells (non-finite cells are
  /// blank).
  std::string z_column;
  /// kLines: the column of a half-width drawn as a shaded band, y ± band, around the line in
  /// its colour (no key entry; a non-finite half-width narrows the band to the line there);
  /// empty = no band.
  std::string band_column;
};

/// Where a panel's legend goes.
enum class KeyPosition { kTopRight, kTopLeft, kBottomRight, kBottomLeft, kBelow, kNone };

/// One plot of a figure; a figure's panels sit side by side (e.g. baseline | critical).
struct Panel {
  std::string title;
  std::string x_label;
  std::string y_label;
  Scale scale = Scale::kLinear;
  KeyPosition key = KeyPosition::kTopRight;
  std::optional<double> x_min, x_max, y_min, y_max;  ///< empty = autoscale; min > max reverses
  std::vector<Series> series;
  /// Tics with their own text in place of gnuplot's (and no minor tics); empty = gnuplot's.
  std::vector<Tic> x_tics, y_tics;
  /// The colour scale of kHeatmap and kTiles series: its range (empty = autoscale), its tics
  /// (e.g. the values at both ends; empty = gnuplot's) and its colours.
  std::optional<double> z_min, z_max;
  std::vector<Tic> z_tics;
  Palette palette = Palette::kRainbow;
  /// Text over the data (e.g. each tile's value).
  std::vector<PanelLabel> labels;
};

/// A figure: `name` is the file stem (NAME.svg, NAME.png, NAME.gp); [A-Za-z0-9._-] only.
struct Figure {
  std::string name;
  std::string title;    ///< above all panels (may be empty)
  std::string caption;  ///< not drawn; carried for the report
  std::vector<Panel> panels;
  int panel_width_px = 560;
  int height_px = 440;
  /// Give every panel the same axis limits (from all panels' data and fitted curves; whole
  /// decades on log axes) when they share a scale; a panel's own x/y limits still win.
  bool shared_axes = true;
};

/// Paths of a rendered figure.
struct RenderedFigure {
  std::filesystem::path svg;
  std::filesystem::path png;
  std::filesystem::path script;
};

/// Quotes `text` as a gnuplot single-quoted string that shows literally under the enhanced
/// text mode: escapes ' (as ''), \ ^ _ @ & ~ { } (with \), and turns control characters
/// (newlines, tabs) into spaces. Example: a_b -> 'a\_b'.
std::string gnuplot_quote(const std::string& text);

/// Whether a gnuplot executable is found (CRITNET_GNUPLOT, else `gnuplot` on PATH).
bool gnuplot_available();

/// The gnuplot script that draws `figure` into `dir`/NAME.svg and `dir`/NAME.png (the PNG is
/// left out when `png` is false). CSV paths are written relative to `dir`. Reads each series'
/// CSV to resolve column names and to leave out series with no plottable point (non-finite,
/// or non-positive on a log axis); a panel with none left says "no data". Throws
/// critnet::DataError naming the file when a CSV or a column is missing.
std::string gnuplot_script(const Figure& figure, const std::filesystem::path& dir, bool png = true);

/// Writes `dir`/NAME.gp and runs gnuplot on it (working directory `dir`), producing NAME.svg
/// and NAME.png. Throws critnet::Error when gnuplot is missing ("install gnuplot-nox") or
/// exits with an error (its stderr is in the message), critnet::InvalidArgument for a bad
/// name or an empty figure, critnet::DataError for a missing CSV or column.
RenderedFigure render(const Figure& figure, const std::filesystem::path& dir, bool png = true);

}  // namespace critnet::report
