#pragma once
// The sweep's report.html (critnet/study/collect.h): the baseline's values; per preset and
// training length, two sentences and the heatmaps over β × λ; the curves over training when the
// grid has several lengths; the cells not done. Its figures are drawn by the run report's
// figure code into DIR/figures/ and embedded the way the run report embeds them.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/report/figure.h"

namespace critnet::study::detail {

struct SweepReport {
  std::string html;                             // the page
  std::vector<report::RenderedFigure> figures;  // in DIR/figures/
};

// Draws the figures of the done `cells` (cell.json documents) of the sweep in `dir` (whose
// grid.json is `grid_doc`) and returns report.html's text; `missing` lists the cells not done.
// Throws critnet::Error when gnuplot is missing or fails.
SweepReport sweep_report(const std::filesystem::path& dir, const nlohmann::json& grid_doc,
                         const std::vector<nlohmann::json>& cells,
                         const std::vector<std::string>& missing);

}  // namespace critnet::study::detail
