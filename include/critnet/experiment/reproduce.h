#pragma once
/// The paper's experiment end to end (docs/cli.md, `critnet reproduce`): train the paper's MLP per
/// arm (baseline without regulariser; `paper`, the paper's penalty; `cw`, the preset that reaches
/// the paper's critical point; optional extra arms) and per seed (seed s of every arm shares
/// initialisation and data order), probe every arm's hidden layers on the test split, fit
/// every distribution the Clauset-Shalizi-Newman way, and write one run directory with
/// results.json (docs/report-schema.md) and the report built from it
/// (critnet::report::build_report), whose verdicts count seeds (critnet/report/verdict.h).
///
/// reproduce is two grids on the study engine (critnet/study/), the engine of `critnet sweep`:
/// the β sweep is a grid of training-only cells, the arms × seeds are a grid of cells that train,
/// probe and fit; results.json and the report are built from the cells. A run is done when its
/// cell.json holds its settings hash (study/run_dir.h: the one "done" rule), so the runs of a
/// shard (`--shard K/N`, a Slurm job array) or of worker processes (`--jobs J`) are the runs of
/// one process, and an interrupted run continues where it stopped.
///
/// Run directory layout (RUN = ReproduceOptions::out_dir):
///   config.json                 the resolved configuration (schema kReproduceConfigSchema:
///                               options, β choice, data, versions)
///   sweep/                      the β sweep, a sweep directory (grid.json, cells/<id>/train/;
///                               preset none and paper at β = f·N₁); absent when β was given
///   sweep/sweep.json            the β choice
///   arms/                       the arms × seeds, a sweep directory: cells/<id>/ holds one
///                               arm's seed (train/ as `critnet train` writes it, probe/ as
///                               `critnet probe` writes it, cell.json); seed s of every arm is
///                               the cell of training seed `seed + s`. `critnet sweep collect
///                               RUN/arms` tabulates it.
///   train/<arm>.seed-<s>.csv    each arm's training curve (epoch, losses, test accuracy)
///   results.json                critnet.results/2
///   report.html, summary.md, summary.json, figures/
///
/// Runs of earlier critnet versions (arms/<arm>/seed-<s>/, no config schema) are not continued:
/// choose another directory (their results.json and report stay readable).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"
#include "critnet/probe/recipe.h"
#include "critnet/report/report.h"
#include "critnet/study/grid.h"
#include "critnet/study/shard.h"
#include "critnet/study/stage.h"
#include "critnet/train/train.h"

namespace critnet::experiment {

/// The schema id of RUN/config.json (/2: the runs are cells of the study engine).
inline constexpr const char* kReproduceConfigSchema = "critnet.reproduce/2";

/// The default data of a reproduce run: the embedded Fashion-MNIST, its first
/// kReproduceTrainLimit train samples (so that 3 arms × 3 seeds train in minutes on 2 cores).
inline constexpr int64_t kReproduceTrainLimit = 10000;
inline data::DataSpec default_reproduce_data() {
  data::DataSpec d;
  d.train_limit = kReproduceTrainLimit;
  return d;
}

/// Options of a reproduce run: the training recipe every arm shares (train/recipe.h: data,
/// network, lr, batch size, max steps; the data defaults to default_reproduce_data()), the
/// study's own settings and the probe recipe. validate() throws critnet::InvalidArgument naming
/// the bad value.
struct ReproduceOptions : train::TrainRecipe {
  ReproduceOptions() { data = default_reproduce_data(); }

  int64_t epochs = 2;
  /// Seeds initialisation, data order, probe subsets and bootstrap: seed s (0 <= s < seeds)
  /// of every arm uses `seed + s`, so it shares initialisation and data order across arms.
  uint64_t seed = 0;
  int seeds = 3;
  std::string device = "auto";
  int threads = 0;

  /// The penalised arms besides `baseline`, each named by its preset: any of "paper", "cw",
  /// "l2", "l1", "paper-eq33".
  std::vector<std::string> arms{"paper", "cw"};
  /// Extra arms added to `arms` (same names; one already in `arms` is not added twice).
  std::vector<std::string> also;
  /// λ of every penalised arm.
  double strength = 1e-3;
  /// β > 0 of the penalised arms (a = β/N, N = fan-in of each layer). Empty = choose by the
  /// sweep.
  std::optional<double> beta;

  /// The β sweep: β = f · N₁ for each factor f > 0 (N₁ = input size, the first layer's fan-in),
  /// each trained with the `paper` penalty on a short budget beside an unregularised run; the
  /// largest β whose test accuracy stays within `sweep_tolerance` (a fraction, 0.02 = 2 points)
  /// of that baseline's is chosen (the smallest β when none does).
  std::vector<double> sweep_factors{0.25, 0.5, 1.0};
  int64_t sweep_epochs = 1;
  /// Train samples of the sweep runs (0 = all).
  int64_t sweep_train_limit = 10000;
  /// Optimiser steps of each sweep run (0 = no limit; for tests).
  int64_t sweep_max_steps = 0;
  double sweep_tolerance = 0.02;

  /// How every run is probed and fitted (test samples, bootstrap replicates, x_min candidates,
  /// subset size, minimum tail fraction): the probe recipe and its defaults.
  probe::ProbeRecipe probe;

  /// The verdict rule of the report (docs/methods.md): the CSN thresholds and how wide a tail
  /// must be to count as scale invariant. It decides only the report, so a rerun with another
  /// rule rebuilds the report without retraining or refitting.
  report::VerdictRule rule;

  /// Output directory (created).
  std::string out_dir = "runs/reproduce-fashion-mnist";
  /// Also write PNGs beside the SVG figures.
  bool png = true;

  void validate() const;
};

/// Sets `o` to the `--full` settings: the whole train and test splits, 20 epochs, 5 seeds, a sweep
/// of one epoch on the whole train split, every test sample probed, 1000 bootstrap replicates and
/// every x_min candidate. (The paper states no epochs, learning rate or batch size; these are
/// critnet's choices.)
void apply_full(ReproduceOptions& o);

/// The options as JSON (everything that decides the results; threads and device included).
nlohmann::json to_json(const ReproduceOptions& o);

/// Observers for progress, the study stages' (a line per stage and epoch, the probes' details and
/// progress, every optimiser step); the library never prints.
using ReproduceCallbacks = study::StageCallbacks;

/// One seed of one arm: its outcome.
struct ArmOutcome {
  std::string name;
  std::string preset;  ///< "none", "paper", "cw", "l2", ...
  double test_accuracy = 0.0;
  int seed_index = 0;  ///< s, the directory seed-<s>
  uint64_t seed = 0;   ///< the training seed, `seed + s`
};

struct ReproduceResult {
  std::filesystem::path run_dir;
  /// Whether every run is done and results.json and the report are written (false only for a
  /// shard whose own runs are done while other shards' are not).
  bool complete = true;
  std::size_t runs_done = 0, runs_total = 0;
  /// β used by the penalised arms, and how it was chosen ("given" or the sweep's rule).
  double beta = 0.0;
  std::string beta_choice;
  std::vector<ArmOutcome> arms;  ///< seed by seed, arm by arm
  nlohmann::json config;
  report::ReportFiles report;  ///< empty when not complete
};

/// How one process takes part in a run (not part of the results): the shard of each stage's
/// runs it runs (study/shard.h; 0/1 = every run) and how it runs a shard's cells (empty =
/// study::run_shard in this process; the CLI's `--jobs J` passes worker processes). Every shard
/// takes part in the β sweep until it is complete (study::finish_cells); the shard that finds
/// every run done writes results.json and the report.
struct ReproduceExecution {
  study::Shard shard;
  study::ShardRunner runner;
};

/// Runs (or resumes) the experiment, or this process's shard of it. Throws
/// critnet::InvalidArgument for bad options or a run directory that holds a run with other
/// options (or of an earlier layout), DataError for bad data, critnet::Error naming the runs
/// that failed (a penalty that explodes: the run's last checkpoint stays valid), Interrupted.
ReproduceResult reproduce(const ReproduceOptions& options, const ReproduceCallbacks& callbacks = {},
                          const ReproduceExecution& execution = {});

/// The grids of a run: the β sweep's (training only) and the arms × seeds' at β.
study::Grid beta_sweep_grid(const ReproduceOptions& options);
study::Grid arms_grid(const ReproduceOptions& options, double beta);

/// The β rule of the sweep: given (β, accuracy) pairs and the baseline accuracy, the largest β
/// with accuracy ≥ baseline − tolerance, else the smallest β. Throws InvalidArgument when
/// `sweep` is empty.
double choose_beta(const std::vector<std::pair<double, double>>& sweep, double baseline_accuracy,
                   double tolerance);

}  // namespace critnet::experiment
