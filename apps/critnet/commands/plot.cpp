#include "commands/plot.h"

#include <fmt/core.h>

#include "critnet/core/error.h"
#include "critnet/report/csv.h"

namespace critnet::cli {

void add_plot_option(CLI::App* cmd, std::string& dir) {
  cmd->add_option("--plot", dir,
                  "Also draw the figure(s) into this directory (NAME.svg, NAME.png, NAME.gp and "
                  "the CSVs they read; needs gnuplot)");
}

void prepare_plot_dir(const std::string& dir) {
  if (dir.empty()) return;
  CRITNET_CHECK_AS(Error, report::gnuplot_available(),
                   "--plot needs gnuplot (set CRITNET_GNUPLOT or apt-get install gnuplot-nox)");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  CRITNET_CHECK_AS(Error, std::filesystem::is_directory(dir), "cannot create --plot directory '",
                   dir, "': ", ec.message());
}

void render_figure(const report::Figure& figure, const std::filesystem::path& dir) {
  const report::RenderedFigure r = report::render(figure, dir);
  fmt::print(stderr, "figure: {} and {} (script {})\n", r.svg.string(), r.png.string(),
             r.script.string());
}

report::Series reference_line(const std::filesystem::path& csv, const std::string& label,
                              const std::string& color, double x0, double y0, double x1,
                              double y1) {
  report::write_csv(csv, {"x", "y"}, {{x0, x1}, {y0, y1}});
  report::Series s;
  s.label = label;
  s.csv = csv;
  s.x_column = "x";
  s.y_column = "y";
  s.style = report::SeriesStyle::kLines;
  s.color = color;
  return s;
}

}  // namespace critnet::cli
