#pragma once
// Which figures a run's report draws and the data files they read: one figure per measure
// (panels = arms, one series per layer with its fits drawn over it), the atlas, the training
// curves. build_report writes the data and renders the figures; report.html embeds them.
#include <filesystem>
#include <utility>
#include <vector>

#include "critnet/report/atlas.h"
#include "critnet/report/figure.h"
#include "critnet/report/results.h"
#include "report/detail/atlas_view.h"

namespace critnet::report::detail {

struct FigurePlan {
  std::vector<Figure> figures;
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> copies;  // CSV -> beside
  std::vector<CsvData> csvs;  // data computed for a figure
};

// The figures of `results`, their CSVs placed in `dir` (the report's figures/).
FigurePlan plan_figures(const Results& results, const std::filesystem::path& dir,
                        const AtlasRule& atlas_rule);

}  // namespace critnet::report::detail
