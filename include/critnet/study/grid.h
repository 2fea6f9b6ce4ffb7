#pragma once
/// A sweep's grid (`critnet sweep`): the data, the network, the training budget and the probe
/// settings shared by every cell, and the lists whose product gives the cells. A cell is one
/// training run (one preset, β, λ, epochs and seed) with its probe and fits.
///
/// The grid file (JSON, schema kGridSchema; docs/cli.md has an example):
///   {"schema": "critnet.grid/1",
///    "data": {"source": "fashion-mnist", "data_dir": "", "train_limit": 10000, ...},
///    "hidden": [600, 400, 200, 100], "activation": "relu",
///    "lr": 1e-3, "batch_size": 128, "max_steps": 0,
///    "presets": ["none", "paper", "cw"],          "none" = the unregularised baseline
///    "beta": [100, 200]  or  "beta_fraction": [0.25, 0.5],   β absolute, or β = f·N₁
///                                                  (β < 0 allowed without the cw preset)
///    "lambda": [1e-3],                             λ (strength) of the penalty
///    "seeds": 3  or  [0, 7],                       a count (seed, seed+1, ...) or the seeds
///    "seed": 0, "epochs": [1, 2],
///    "probe": {"limit": 10000, "bootstrap": 200, "max_candidates": 1000, "subset_size": 10,
///              "min_tail_fraction": 0.1, "baseline_beta": null},
///                                                  or "probe": false: the cells train only
///                                                  (reproduce's β sweep)
///    "rule": {"gof_p_min": 0.1, "lr_p_max": 0.1, "min_decades": 1, "min_tail": 50}}
/// Every key but "presets" has a default; an unknown key is an error. Baseline cells ("none")
/// do not multiply over β × λ.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"
#include "critnet/probe/recipe.h"
#include "critnet/report/verdict.h"
#include "critnet/train/recipe.h"

namespace critnet::study {

/// The schema id of a grid file and of DIR/grid.json.
inline constexpr const char* kGridSchema = "critnet.grid/1";

/// The probe and fit settings of every cell: the probe recipe (critnet/probe/recipe.h, its
/// defaults) and the β of the baseline's spectrum.
struct GridProbe : probe::ProbeRecipe {
  /// β of the spectrum a = β/N of baseline cells (no penalty of their own); empty = the grid's
  /// first β (or first fraction × N₁).
  std::optional<double> baseline_beta;
};

/// One cell: one training run and its probe.
struct Cell {
  std::size_t index = 0;  ///< position in Grid::expand()'s order
  std::string id;         ///< e.g. "paper-b0.5-l0.001-e2-s1", "none-e2-s0"
  std::string preset;     ///< "none", "paper", "cw", ...
  /// β: absolute, or as a fraction of N₁ (beta_is_fraction); unused (0) for "none".
  double beta = 0.0;
  bool beta_is_fraction = false;
  double lambda = 0.0;  ///< 0 for "none"
  int64_t epochs = 1;
  uint64_t seed = 0;  ///< the training seed (initialisation, data order, probe subsets)
  /// Everything that decides the cell's results (grid-wide settings included), and its stable
  /// hash (16 hex digits, FNV-1a of settings.dump()).
  nlohmann::json settings;
  std::string hash;

  /// The absolute β given N₁ (the input size).
  double resolved_beta(int64_t input_size) const;
};

/// The grid: the training recipe (train/recipe.h: data, hidden, activation, lr, batch_size,
/// max_steps, with its defaults) shared by every cell, and the lists.
struct Grid : train::TrainRecipe {
  std::vector<std::string> presets;
  std::vector<double> beta;  ///< absolute, or fractions when beta_is_fraction
  bool beta_is_fraction = false;
  std::vector<double> lambda{1e-3};
  std::vector<uint64_t> seeds{0};
  std::vector<int64_t> epochs{2};

  GridProbe probe;
  /// Whether the cells are probed and fitted after training ("probe": false = train only: the
  /// cell.json holds the training, no layers and no fits).
  bool probe_cells = true;
  report::VerdictRule rule;

  /// Throws critnet::InvalidArgument naming the first bad value; the bounds are
  /// critnet/core/limits.h's (a grid expands to at most kMaxGridCells cells).
  void validate() const;
  /// How many cells expand() gives (computed without expanding; a double, so no overflow).
  double cell_count() const;
  /// The cells in a deterministic order: preset (as listed), β, λ, epochs, seed; baseline
  /// cells once per epochs × seed.
  std::vector<Cell> expand() const;
  /// β of baseline cells' spectra given N₁.
  double baseline_beta(int64_t input_size) const;
};

/// Parses a grid document; throws critnet::InvalidArgument with one line naming the key
/// ("grid: unknown key 'betas'", "grid: beta: must be > 0, got -1", ...).
Grid parse_grid(const nlohmann::json& doc);
/// Reads and parses a grid file; DataError for an unreadable file or bad JSON.
Grid load_grid(const std::filesystem::path& path);
/// The grid as a document (schema kGridSchema) that parse_grid reads back to the same grid.
nlohmann::json to_json(const Grid& grid);

/// 16 hex digits of the 64-bit FNV-1a hash of `text`.
std::string stable_hash(const std::string& text);

}  // namespace critnet::study
