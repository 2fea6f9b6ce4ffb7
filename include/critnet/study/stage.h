#pragma once
/// The stages every study runs (`critnet reproduce`, a fixed small study, and `critnet sweep`, a
/// grid of cells), once: train (resuming a checkpoint), probe + fit (critnet/probe/workflow.h,
/// reusing a complete probe.json), and the small file helpers around them. Each stage goes from a
/// run directory to a run directory and is skipped when its outputs are complete, so an
/// interrupted study continues where it stopped.
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/core/progress.h"
#include "critnet/probe/workflow.h"
#include "critnet/study/grid.h"
#include "critnet/study/run_dir.h"
#include "critnet/study/shard.h"
#include "critnet/train/train.h"

namespace critnet::study {

/// Observers of a stage (core/progress.h): `log` one line per stage step (no newline), e.g.
/// "train paper seed 0: epoch 2/3 ...", and the probe's details and progress prefixed with
/// "probe NAME: "; the library never prints.
struct StageCallbacks : Reporter {
  /// After every optimiser step of run `name`.
  std::function<void(const std::string& name, const train::StepInfo&)> on_step;
};

/// Trains into t.out_dir, resuming its checkpoint when there is one (a complete run returns its
/// history without training). `name` names the run in log lines and errors; `command` the
/// command to run again after an interruption (e.g. "reproduce"). Rethrows Interrupted with a
/// message saying where the checkpoint is.
train::TrainResult train_or_resume(train::TrainOptions t, const std::string& name,
                                   const StageCallbacks& cb, const std::string& command);

/// Probes with the probe workflow unless `po.out_dir`/probe.json is complete; returns its
/// probe.json. `name` names the run in log lines.
nlohmann::json probe_or_reuse(const probe::ProbeCheckpointOptions& po, const std::string& name,
                              const StageCallbacks& cb);

/// The training curve as CSV: epoch, train loss (data + penalty), train cross-entropy, test
/// loss, test accuracy.
void write_training_curve(const std::filesystem::path& path,
                          const std::vector<train::EpochMetrics>& history);

/// Writes `text` atomically, but leaves the file (and its time stamp) alone when it already
/// holds exactly that text.
void write_if_changed(const std::filesystem::path& path, const std::string& text);

/// Whether `path` exists (no error for an unreadable parent).
bool file_exists(const std::filesystem::path& path);

/// How a process runs cells (not part of the results, so not in the grid).
struct RunOptions {
  int threads = 0;             ///< intra-op threads (0 = all cores)
  std::string device = "cpu";  ///< "cpu", "auto", "cuda", "cuda:N"
};

/// What run_cell did.
enum class CellAction { kSkipped, kRan };

/// The cell stage: trains the cell (resuming its checkpoint), probes and fits it, and writes
/// DIR/cells/<id>/cell.json (kCellSchema, docs/report-schema.md) atomically last, holding the
/// cell's lock throughout. A done cell (cell.json of the same settings hash) is skipped; a
/// half-written one is continued (its training resumes, a complete probe is reused); one whose
/// settings.json differs is started again. A cell whose training has not started continues the
/// training of the done cell of the same settings with the most epochs below its own (a copy
/// of its train/; cell.json's `continued_from` names it): a sweep over epochs trains each
/// trajectory once, and the results are those of training from scratch (bit for bit on CPU with
/// one thread, as a resumed run). `input_size` is N₁ (β fractions, baseline β).
/// Throws io::LockedError when another process runs the cell, and the stages' errors.
CellAction run_cell(const Grid& grid, const Cell& cell, const std::filesystem::path& sweep_dir,
                    int64_t input_size, const RunOptions& run, const StageCallbacks& cb);

/// The cell.json document of a cell from its training history and probe.json (the verdicts by
/// grid.rule). Exposed for tests.
nlohmann::json cell_document(const Grid& grid, const Cell& cell, int64_t input_size,
                             const std::vector<train::EpochMetrics>& history,
                             const nlohmann::json& probe_doc);

/// What run_shard did.
struct ShardRun {
  std::vector<std::string> skipped, ran;
  /// Cells that failed, with the error (the other cells still ran).
  std::vector<std::pair<std::string, std::string>> failed;
};

/// Runs the cells of `shard` one after another (grid.json must exist: init_sweep_dir). A cell
/// that fails (NumericalError, another process holding it, ...) is recorded and the next one
/// runs; Interrupted stops the run. `on_cell(cell, position, count)` before each cell.
ShardRun run_shard(const Grid& grid, const std::filesystem::path& sweep_dir, const Shard& shard,
                   const RunOptions& run, const StageCallbacks& cb,
                   const std::function<void(const Cell&, std::size_t, std::size_t)>& on_cell = {});

/// How a study runs the cells of one shard of a grid whose directory init_sweep_dir prepared:
/// run_shard in this process, or (the CLI's `--jobs J`) sub-shards in worker processes. Throws
/// Interrupted when stopped; other failures are in ShardRun::failed.
using ShardRunner =
    std::function<ShardRun(const Grid&, const std::filesystem::path&, const Shard&)>;

/// Brings every cell of the grid to an end, whichever process ran its shard: runs each cell that
/// is neither done nor running in another process (one that failed elsewhere is tried once more
/// here, so its error is known), then waits for the cells running elsewhere (polling every
/// second). A cell that fails here is not tried again by this call. Returns every cell that
/// failed here, id → error. For a stage that needs all cells of a grid before the next one
/// starts (reproduce's β sweep). Interrupted and InvalidArgument stop it.
std::map<std::string, std::string> finish_cells(const Grid& grid,
                                                const std::filesystem::path& sweep_dir,
                                                const RunOptions& run, const StageCallbacks& cb);

}  // namespace critnet::study
