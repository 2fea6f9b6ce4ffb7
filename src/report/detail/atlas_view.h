#pragma once
// The Atlas section of report.html and summary.md, and its figure (critnet/report/atlas.h
// computes what they show).
#include <filesystem>
#include <string>
#include <vector>

#include "critnet/report/atlas.h"
#include "critnet/report/figure.h"

namespace critnet::report::detail {

// A data file the figure reads, written beside it by build_report.
struct CsvData {
  std::filesystem::path path;
  std::vector<std::string> header;
  std::vector<std::vector<double>> columns;
};

// The figure "atlas": median |a·s² − 1| and HTSR α against the layer, one line per arm (means
// over seeds); its CSVs (figures/atlas.ARM.csv) go to `csvs`. Layers that are not numbers are
// left out of the figure (they stay in the tables).
Figure atlas_figure(const std::vector<AtlasArm>& atlas, const AtlasRule& rule,
                    const std::filesystem::path& dir, std::vector<CsvData>& csvs);

// The section's HTML (heading, the per-arm sentences, the rule, `figure_html`, the table) and
// its markdown.
std::string atlas_html(const std::vector<AtlasArm>& atlas, const AtlasRule& rule,
                       const std::string& figure_html);
std::string atlas_markdown(const std::vector<AtlasArm>& atlas, const AtlasRule& rule);

}  // namespace critnet::report::detail
