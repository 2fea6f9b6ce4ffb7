#pragma once
// The sweep report's figures, drawn by the run report's figure code (critnet/report/figure.h):
// a heatmap over β × λ per preset, epochs and metric, and the curves over training. Each
// function writes the figure's data (NAME.cells.csv, NAME.arms.csv) into `dir` and returns the
// figure, ready for report::render.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "critnet/report/figure.h"
#include "study/detail/sweep_points.h"

namespace critnet::study::detail {

// One preset at one training length: its (β, λ) cells' summaries.
struct PhaseGrid {
  std::string preset;
  long long epochs = 0;
  std::vector<double> betas, lambdas;  // ascending
  std::map<std::pair<double, double>, Summary> cells;
};

// heatmap.PRESET.eE.METRIC: β across, λ down, a tile per (β, λ) coloured light (low) to dark
// (high) with its value written on it (test accuracy: mean ± sd over seeds); the colour scale
// on the right, labelled with the values at both ends. `beta_label` names the x axis.
report::Figure heatmap_figure(const PhaseGrid& grid, const Metric& metric,
                              const std::string& beta_label, const std::filesystem::path& dir);

// The curves over training, one line per arm (every preset × β × λ, and the baseline) with a
// band of ± one sd over seeds: `network` has accuracy, the scale-invariant fraction and the
// atlas's three notions over the network (training.METRIC); `layers` the three notions layer by
// layer (training.NOTION.layerL).
struct TrainingFigures {
  std::vector<report::Figure> network, layers;
};
TrainingFigures training_figures(const Points& points, const std::filesystem::path& dir);

}  // namespace critnet::study::detail
