#pragma once
/// Builds the report of a run: figures (SVG + PNG + gnuplot script + CSV data, in
/// RUN_DIR/figures/), report.html (self-contained), summary.md and summary.json, from
/// RUN_DIR/results.json. Nothing is retrained or refitted: the fits are read, the verdicts
/// computed by the rule of critnet/report/verdict.h. One writer per document (src/report/:
/// figures.cpp plans the figures, html.cpp, summary_json.cpp and summary_md.cpp write the
/// documents); the figures are drawn by critnet/report/figure.h, as the sweep report's are
/// (critnet/study/collect.h), and both report.html pages share one page head, style sheet and
/// figure embedding (src/report/detail/page.h).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "critnet/report/atlas.h"
#include "critnet/report/figure.h"
#include "critnet/report/results.h"
#include "critnet/report/verdict.h"

namespace critnet::report {

struct ReportOptions {
  VerdictRule rule;
  /// When the Atlas section counts a layer as reaching a notion of criticality.
  AtlasRule atlas;
  /// Also write PNGs (the HTML embeds the SVGs; the PNGs are for slides and markdown).
  bool png = true;
};

/// What was written.
struct ReportFiles {
  std::filesystem::path html;
  std::filesystem::path summary_md;
  std::filesystem::path summary_json;
  std::vector<RenderedFigure> figures;
};

/// The figures a results document yields (one per measure with data, panels = arms, one
/// series per layer with its CSN fit drawn over it; the atlas; the training curves). CSV paths in
/// the returned figures point at the copies `build_report` places in `figures_dir`.
std::vector<Figure> make_figures(const Results& results, const std::filesystem::path& figures_dir);

/// The summary as JSON: config, arms with accuracy, the rule, per measure and layer each
/// arm's fit and verdict and each treatment arm's contrast with the baseline, and the atlas
/// (atlas_json; absent when the results have none).
nlohmann::json summary_json(const Results& results, const VerdictRule& rule = {},
                            const AtlasRule& atlas = {});

/// The summary as GitHub markdown.
std::string summary_markdown(const Results& results, const VerdictRule& rule = {},
                             const AtlasRule& atlas = {});

/// Builds everything into `run_dir` from `results` (figures in run_dir/figures).
ReportFiles build_report(const Results& results, const std::filesystem::path& run_dir,
                         const ReportOptions& options = {});

/// Loads run_dir/results.json and builds the report.
ReportFiles build_report(const std::filesystem::path& run_dir, const ReportOptions& options = {});

}  // namespace critnet::report
