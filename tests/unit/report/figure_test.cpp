#include "critnet/report/figure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "critnet/core/error.h"
#include "critnet/report/csv.h"
#include "file_checks.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace critnet::report {
namespace {

using critnet::test_support::read_file;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

Figure two_panel_figure(const std::filesystem::path& dir) {
  write_csv(dir / "a.csv", {"rank", "value"}, {{1, 2, 3, 4, 5}, {100, 40, 20, 11, 7}});
  write_csv(dir / "empty.csv", {"rank", "value"}, {{}, {}});
  Figure f;
  f.name = "ranks";
  f.title = "Activation ranks";
  Panel p1;
  p1.title = "baseline";
  p1.x_label = "rank";
  p1.y_label = "count";
  p1.scale = Scale::kLogLog;
  Series s;
  s.label = "layer 1";
  s.csv = dir / "a.csv";
  s.x_column = "rank";
  s.y_column = "value";
  s.fits.push_back({FitCurve::Model::kPowerLaw, 100, 1.3, 1, 5, "α = 2.31 ± 0.05, p = 0.42"});
  p1.series.push_back(s);
  Panel p2 = p1;
  p2.title = "critical";
  p2.series[0].csv = dir / "empty.csv";
  f.panels = {p1, p2};
  return f;
}

TEST(GnuplotQuote, EscapesQuotesAndEnhancedTextMarkup) {
  EXPECT_EQ(gnuplot_quote("plain"), "'plain'");
  EXPECT_EQ(gnuplot_quote("it's"), "'it''s'");
  EXPECT_EQ(gnuplot_quote("x_min^2"), "'x\\_min\\^2'");
  EXPECT_EQ(gnuplot_quote("{a} @b &c ~d"), "'\\{a\\} \\@b \\&c \\~d'");
  EXPECT_EQ(gnuplot_quote("back\\slash"), "'back\\\\slash'");
  EXPECT_EQ(gnuplot_quote("two\nlines\ttab"), "'two lines tab'");
  EXPECT_EQ(gnuplot_quote("α = 2 ± 0.1 <svg> \"q\""), "'α = 2 ± 0.1 <svg> \"q\"'");
  EXPECT_EQ(gnuplot_quote(""), "''");
}

TEST(GnuplotScript, LogAxesFitsAndNoDataPanel) {
  TempDir tmp;
  const std::string s = gnuplot_script(two_panel_figure(tmp.path()), tmp.path());
  EXPECT_THAT(s, HasSubstr("set multiplot layout 1,2 title 'Activation ranks'"));
  EXPECT_THAT(s, HasSubstr("set logscale x 10; set format x '10^{%L}'"));
  EXPECT_THAT(s, HasSubstr("'a.csv' skip 1 using 1:2"));  // relative to the figure's dir
  EXPECT_THAT(s, HasSubstr("fit_1_1_1(x) = (x >= 1 && x <= 5) ? 100 * x**(-1.3) : 1/0"));
  EXPECT_THAT(s, HasSubstr("title 'α = 2.31 ± 0.05, p = 0.42'"));
  EXPECT_THAT(s, HasSubstr("'no data'"));  // the critical panel's only series is empty
  EXPECT_THAT(s, HasSubstr("set terminal svg size 1120,440"));
  EXPECT_THAT(s, HasSubstr("set terminal pngcairo size 1120,440"));
  EXPECT_THAT(gnuplot_script(two_panel_figure(tmp.path()), tmp.path(), false),
              Not(HasSubstr("pngcairo")));
}

TEST(GnuplotScript, NonPositiveValuesOnLogAxesCountAsNoData) {
  TempDir tmp;
  Figure f = two_panel_figure(tmp.path());
  write_csv(tmp.path() / "zeros.csv", {"rank", "value"}, {{1, 2}, {0, -1}});
  f.panels[0].series[0].csv = tmp.path() / "zeros.csv";
  EXPECT_THAT(gnuplot_script(f, tmp.path()), HasSubstr("has no plottable point"));
  f.panels[0].scale = Scale::kLinear;
  EXPECT_THAT(gnuplot_script(f, tmp.path()), HasSubstr("'zeros.csv' skip 1"));
}

TEST(GnuplotScript, HeatmapColoursTheGridWithAScaleAndDrawsLinesOverIt) {
  const TempDir tmp("fig_heat");
  write_csv(tmp.path() / "grid.csv", {"x", "y", "z"},
            {{0, 1, 0, 1}, {0, 0, 1, 1}, {0.5, 1.5, 2.5, 3.5}});
  write_csv(tmp.path() / "line.csv", {"x", "y"}, {{0, 1}, {0.2, 0.8}});
  Figure f;
  f.name = "heat";
  Panel p;
  Series heat{"log10 xi", tmp.path() / "grid.csv", "x", "y", SeriesStyle::kHeatmap};
  heat.z_column = "z";
  p.series = {heat, {"line", tmp.path() / "line.csv", "x", "y", SeriesStyle::kLines}};
  f.panels = {p};
  const std::string s = gnuplot_script(f, tmp.path());
  EXPECT_THAT(s, HasSubstr("'grid.csv' skip 1 using 1:2:3 with image notitle"));
  EXPECT_THAT(s, HasSubstr("set colorbox; set cblabel 'log10 xi'"));
  EXPECT_THAT(s, HasSubstr("'line.csv' skip 1 using 1:2 with lines"));
  heat.z_column = "missing";
  f.panels[0].series[0] = heat;
  EXPECT_THROW(gnuplot_script(f, tmp.path()), critnet::DataError);
}

TEST(GnuplotScript, MissingCsvOrColumnIsADataError) {
  TempDir tmp;
  Figure f = two_panel_figure(tmp.path());
  f.panels[0].series[0].csv = tmp.path() / "missing.csv";
  try {
    gnuplot_script(f, tmp.path());
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing.csv (no such file)"));
  }
  f = two_panel_figure(tmp.path());
  f.panels[0].series[0].y_column = "count";
  try {
    gnuplot_script(f, tmp.path());
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no column 'count' (columns: rank, value)"));
  }
}

TEST(GnuplotScript, BadNamesAndEmptyFiguresAreRejected) {
  TempDir tmp;
  Figure f = two_panel_figure(tmp.path());
  f.name = "../evil name";
  try {
    gnuplot_script(f, tmp.path());
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("figure name '../evil name' must be non-empty"));
  }
  f = two_panel_figure(tmp.path());
  f.panels.clear();
  try {
    gnuplot_script(f, tmp.path());
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("figure 'ranks' has no panel"));
  }
}

// The sweep report's heatmaps: a tile per (β, λ) index, the grid's values as tic labels, the
// colour scale's range and its two ends labelled, each tile's value written on it; the next
// panel gets gnuplot's own tics back.
Figure tiles_figure(const std::filesystem::path& dir) {
  write_csv(dir / "cells.csv", {"beta_index", "lambda_index", "value"},
            {{0, 1, 0, 1}, {0, 0, 1, 1}, {0.5, NAN, 0.7, 0.9}});
  Figure f;
  f.name = "tiles";
  Panel p;
  Series tiles{"accuracy", dir / "cells.csv", "beta_index", "lambda_index", SeriesStyle::kTiles};
  tiles.z_column = "value";
  p.series = {tiles};
  p.x_tics = {{0, "2"}, {1, "4"}};
  p.y_tics = {{0, "0.01"}, {1, "0.1"}};
  p.z_min = 0.5;
  p.z_max = 0.9;
  p.z_tics = {{0.5, "0.5"}, {0.9, "0.9"}};
  p.palette = Palette::kLightToDark;
  p.labels = {{0, 0, "0.5 ± 0.01", "#000000"}, {1, 1, "0.9", "#ffffff"}};
  p.y_min = 1.5;  // λ down
  p.y_max = -0.5;
  f.panels = {p, Panel{}};
  f.shared_axes = false;
  return f;
}

TEST(GnuplotScript, TilesDrawAnyGridWithTicLabelsAndALabelledColourScale) {
  const TempDir tmp("fig_tiles");
  const std::string s = gnuplot_script(tiles_figure(tmp.path()), tmp.path());
  EXPECT_THAT(s, HasSubstr("'cells.csv' skip 1 using 1:2:(0.5):(0.5):3 with boxxyerror fs solid "
                           "1.0 border lc rgb '#ffffff' fc palette notitle"));
  EXPECT_THAT(s, HasSubstr("set xtics ('2' 0, '4' 1); unset mxtics\n"));
  EXPECT_THAT(s, HasSubstr("set ytics ('0.01' 0, '0.1' 1); unset mytics\n"));
  EXPECT_THAT(s, HasSubstr("set palette defined (0 '#f7fbff', 1 '#08306b'); set colorbox; "
                           "set cblabel 'accuracy'\nset cbrange [0.5:0.9]\n"));
  EXPECT_THAT(s, HasSubstr("set cbtics ('0.5' 0.5, '0.9' 0.9); unset mcbtics\n"));
  EXPECT_THAT(s, HasSubstr("set label 2 '0.5 ± 0.01' at 0,0 center front tc rgb '#000000'\n"));
  EXPECT_THAT(s, HasSubstr("set label 3 '0.9' at 1,1 center front tc rgb '#ffffff'\n"));
  EXPECT_THAT(s, HasSubstr("set yrange [1.5:-0.5]\n"));
  // Restored after the panel's plot, before the next panel.
  const auto second = s.find("# --- panel 2");
  ASSERT_NE(second, std::string::npos);
  const auto restore = s.find(
      "set xtics autofreq; set mxtics\nset ytics autofreq; set mytics\n"
      "set cbtics autofreq\n");
  EXPECT_LT(restore, second);
  EXPECT_GT(restore, s.find("'cells.csv' skip 1"));
}

TEST(GnuplotScript, ABandShadesTheLineByItsHalfWidth) {
  const TempDir tmp("fig_band");
  write_csv(tmp.path() / "arms.csv", {"epochs", "mean", "sd"},
            {{1, 2, 5}, {0.5, 0.6, 0.7}, {0.1, NAN, 0.05}});
  Figure f;
  f.name = "band";
  Panel p;
  Series line{"baseline", tmp.path() / "arms.csv", "epochs", "mean", SeriesStyle::kLines};
  line.color = "#1f77b4";
  line.band_column = "sd";
  p.series = {line};
  f.panels = {p};
  const std::string s = gnuplot_script(f, tmp.path());
  const auto band = s.find(
      "'arms.csv' skip 1 using 1:(column(2) - (valid(3) ? abs(column(3)) : 0)):(column(2) + "
      "(valid(3) ? abs(column(3)) : 0)) with filledcurves fs transparent solid 0.15 noborder lc "
      "rgb '#1f77b4' notitle");
  ASSERT_NE(band, std::string::npos) << s;
  EXPECT_LT(band, s.find("'arms.csv' skip 1 using 1:2 with lines"));  // the line on top
  line.band_column = "missing";
  f.panels[0].series = {line};
  EXPECT_THROW(gnuplot_script(f, tmp.path()), critnet::DataError);
}

TEST(Render, TilesAndBandsRender) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const TempDir tmp("fig_tiles_render");
  Figure f = tiles_figure(tmp.path());
  write_csv(tmp.path() / "one.csv", {"x", "y", "z"}, {{0}, {0}, {3}});  // a 1 × 1 grid
  f.panels[1].series = {{"one", tmp.path() / "one.csv", "x", "y", SeriesStyle::kTiles}};
  f.panels[1].series[0].z_column = "z";
  const RenderedFigure r = render(f, tmp.path(), false);
  const std::string svg = read_file(r.svg.string());
  std::string why;
  EXPECT_EQ(testing::xml_root(svg, &why), "svg") << why;
  for (const char* text : {">0.5 ± 0.01<", ">0.9<", ">0.01<", ">0.1<", ">0.5<"})
    EXPECT_THAT(svg, HasSubstr(text));
}

TEST(Render, WritesParsableSvgAndPngAndKeepsTheScript) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  TempDir tmp;
  Figure f = two_panel_figure(tmp.path());
  f.title = "odd: it's a_b {x} ^ @ & ~ \\ <svg> α";
  const RenderedFigure r = render(f, tmp.path() / "fig");
  ASSERT_TRUE(std::filesystem::exists(r.script));
  const std::string svg = read_file(r.svg.string());
  std::string why;
  EXPECT_EQ(testing::xml_root(svg, &why), "svg") << why;
  EXPECT_THAT(svg, HasSubstr("no data"));
  EXPECT_THAT(svg, HasSubstr("it's a_b {x} ^ @ &amp; ~ \\ &lt;svg"));
  const auto png = testing::png_info(read_file(r.png.string()));
  ASSERT_TRUE(png.ok);
  EXPECT_EQ(png.width, 1120u);
  EXPECT_EQ(png.height, 440u);
}

TEST(Render, AllPanelsEmptyStillRenders) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  TempDir tmp;
  Figure f = two_panel_figure(tmp.path());
  f.panels[0].series[0].csv = tmp.path() / "empty.csv";
  f.panels[1].series.clear();
  const RenderedFigure r = render(f, tmp.path(), false);
  EXPECT_TRUE(r.png.empty());
  std::string why;
  EXPECT_EQ(testing::xml_root(read_file(r.svg.string()), &why), "svg") << why;
}

TEST(Render, MissingGnuplotIsAClearError) {
  TempDir tmp;
  ScopedEnv env("CRITNET_GNUPLOT", (tmp.path() / "no-gnuplot").string());
  EXPECT_FALSE(gnuplot_available());
  try {
    render(two_panel_figure(tmp.path()), tmp.path());
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnuplot not found"));
    EXPECT_THAT(e.what(), HasSubstr("apt-get install gnuplot-nox"));
  }
}

TEST(Render, GnuplotFailureCarriesItsStderrAndStatus) {
  TempDir tmp;
  const auto fake = tmp.path() / "fake-gnuplot";
  std::ofstream(fake) << "#!/bin/sh\necho \"line 7: unknown thing\" >&2\nexit 3\n";
  chmod(fake.c_str(), 0755);
  ScopedEnv env("CRITNET_GNUPLOT", fake.string());
  try {
    render(two_panel_figure(tmp.path()), tmp.path());
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnuplot failed on"));
    EXPECT_THAT(e.what(), HasSubstr("exit status 3"));
    EXPECT_THAT(e.what(), HasSubstr("line 7: unknown thing"));
  }
}

TEST(Render, GnuplotThatWritesNothingIsAnError) {
  TempDir tmp;
  const auto fake = tmp.path() / "fake-gnuplot";
  std::ofstream(fake) << "#!/bin/sh\nexit 0\n";
  chmod(fake.c_str(), 0755);
  ScopedEnv env("CRITNET_GNUPLOT", fake.string());
  try {
    render(two_panel_figure(tmp.path()), tmp.path());
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("did not write"));
  }
}

}  // namespace
}  // namespace critnet::report

namespace critnet::report {
namespace {

TEST(GnuplotScript, PanelsShareWholeDecadeAxesIncludingFits) {
  TempDir tmp;
  Figure f = two_panel_figure(tmp.path());
  write_csv(tmp.path() / "b.csv", {"rank", "value"}, {{1, 2, 30}, {0.5, 0.2, 0.1}});
  f.panels[1].series[0].csv = tmp.path() / "b.csv";
  f.panels[1].series[0].fits.clear();
  const std::string s = gnuplot_script(f, tmp.path());
  // x: 1..30 -> [1:100]; y: 0.1..100 (the fit reaches 100 at x = 1) -> [0.1:100].
  EXPECT_THAT(s, HasSubstr("set xrange [1:100]"));
  EXPECT_THAT(s, HasSubstr("set yrange [0.1:100]"));
  f.shared_axes = false;
  EXPECT_THAT(gnuplot_script(f, tmp.path()), HasSubstr("set xrange [*:*]"));
  f.shared_axes = true;
  f.panels[0].x_max = 50;
  EXPECT_THAT(gnuplot_script(f, tmp.path()), HasSubstr("set xrange [1:50]"));
}

}  // namespace
}  // namespace critnet::report

namespace critnet::report {
namespace {

TEST(Render, ThinsManyRanksPerDecadeButKeepsTheCsv) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  TempDir tmp;
  std::vector<double> rank, value;
  for (int r = 1; r <= 20000; ++r) {
    rank.push_back(r);
    value.push_back(20000.0 / r);
  }
  write_csv(tmp.path() / "big.csv", {"rank", "value"}, {rank, value});
  Figure f;
  f.name = "big";
  Panel p;
  p.scale = Scale::kLogLog;
  p.series.push_back(Series{
      "ranks", tmp.path() / "big.csv", "rank", "value", SeriesStyle::kPoints, "#000000", 50, {}});
  f.panels = {p};
  const RenderedFigure r = render(f, tmp.path(), false);
  const std::string svg = read_file(r.svg.string());
  std::size_t points = 0;
  for (auto i = svg.find("<use"); i != std::string::npos; i = svg.find("<use", i + 1)) ++points;
  // log10(20000) = 4.3 decades at <= 50 points each (+1 key sample); all 20000 without.
  EXPECT_GT(points, 100u);
  EXPECT_LT(points, 230u);
  EXPECT_EQ(read_csv(tmp.path() / "big.csv").rows.size(), 20000u);
}

}  // namespace
}  // namespace critnet::report
