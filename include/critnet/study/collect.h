#pragma once
/// Collects a sweep (critnet/study/run_dir.h): reads the done cells' cell.json, never re-runs
/// anything, and writes
///   DIR/table.csv, DIR/table.json   the tidy table: one row per cell × measure × layer (every
///                                   cell is one seed; docs/report-schema.md lists the columns)
///   DIR/figures/                    the report's figures, drawn by the run report's figure code
///                                   (critnet/report/figure.h): NAME.svg, its gnuplot script
///                                   NAME.gp and its data NAME.cells.csv / NAME.arms.csv
///   DIR/report.html                 a self-contained report (the figures' SVGs inline, the page
///                                   style the run report's): per preset and epochs, heatmaps
///                                   over β × λ of test accuracy (mean over seeds), median
///                                   |a·s² − 1|, dead units, the fraction of measure × layer cases
///                                   scale invariant in a majority of seeds, α of the
///                                   activation-frequency ranks, HTSR α and measured χ₁; curves
///                                   over epochs when the grid has several
/// The figures need gnuplot, as the run report's do.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/report/figure.h"

namespace critnet::study {

/// The table's columns, in order.
const std::vector<std::string>& table_columns();

struct CollectResult {
  std::vector<std::string> done;     ///< cell ids collected, in the grid's order
  std::vector<std::string> missing;  ///< cells without a complete cell.json (any state)
  std::size_t rows = 0;
  std::filesystem::path csv, json, html;
  std::vector<report::RenderedFigure> figures;  ///< the report's, in DIR/figures/
};

/// The table rows (objects keyed by table_columns()) of one cell.json.
std::vector<nlohmann::json> cell_rows(const nlohmann::json& cell);

/// Reads DIR's cells and writes the table and the report. Throws DataError when DIR is not a
/// sweep directory or a cell.json is malformed, critnet::Error when gnuplot is missing (after
/// writing the tables) or fails.
CollectResult collect(const std::filesystem::path& sweep_dir);

}  // namespace critnet::study
