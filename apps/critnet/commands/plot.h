#pragma once
// The `--plot DIR` option shared by the theory commands (rg, rg-flow, gaussian, meanfield): the
// CSVs behind a figure and the figure itself (NAME.svg, NAME.png, NAME.gp) go into DIR through
// the report's gnuplot layer. Figure policy (what to draw) stays in each command's file.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "critnet/report/figure.h"

namespace critnet::cli {

/// Adds `--plot DIR` to `cmd`, storing the directory in `dir` (empty: no figure).
void add_plot_option(CLI::App* cmd, std::string& dir);

/// Throws critnet::Error ("install gnuplot-nox") when `dir` is set and gnuplot is missing, so a
/// command fails before its computation rather than after it. Creates `dir`.
void prepare_plot_dir(const std::string& dir);

/// Renders `figure` into `dir` and logs the written paths to stderr.
void render_figure(const report::Figure& figure, const std::filesystem::path& dir);

/// A reference line as a two-point CSV (columns `x_column`, `y_column`): from (x0, y0) to
/// (x1, y1); drawn as a kLines series it marks a fixed point, a pole or a critical temperature.
report::Series reference_line(const std::filesystem::path& csv, const std::string& label,
                              const std::string& color, double x0, double y0, double x1, double y1);

}  // namespace critnet::cli
