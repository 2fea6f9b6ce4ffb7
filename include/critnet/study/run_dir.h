#pragma once
/// A sweep's directory and the state of its cells:
///   DIR/grid.json              the grid (schema critnet.grid/1) the cells were expanded from;
///                              a sweep refuses a DIR holding another grid
///   DIR/cells.json             the expanded grid: every cell's index, id, hash and settings
///   DIR/cells/<id>/            one cell, self-contained and resumable:
///     settings.json            the cell's settings and hash (written first)
///     train/                   the training run (config.json, metrics.jsonl, checkpoint/;
///                              continued_from.json when it continues an earlier-epochs cell)
///     probe/                   the probe (probe.json critnet.probe/2, CSVs)
///     cell.json                the cell's results (schema kCellSchema), written atomically
///                              LAST: it is the "done" mark
///     .critnet.lock            flock'ed while a process runs the cell
///   DIR/table.csv, table.json, report.html   written by collect (critnet/study/collect.h)
///
/// A cell is DONE when cell.json exists with the cell's settings hash, RUNNING when another
/// process holds its lock, FAILED when its directory exists otherwise (a crash, a kill, an
/// error: a rerun redoes it, resuming its checkpoint), MISSING when there is no directory.
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/study/grid.h"

namespace critnet::study {

/// The schema id of cell.json. /2: median_distance_cw is the median of |a·s² − 1| over every
/// mode, zero modes included (/1 multiplied the spectrum's a·s² by a once more and left the
/// zero modes out). A cell.json of another schema is not done: `sweep run` derives it again
/// from the cell's finished training and probe, without training or probing again.
inline constexpr const char* kCellSchema = "critnet.cell/2";

enum class CellState { kDone, kRunning, kFailed, kMissing };
/// "done", "running", "failed", "missing".
std::string to_string(CellState state);

/// DIR/cells/<id>.
std::filesystem::path cell_dir(const std::filesystem::path& sweep_dir, const Cell& cell);

/// Whether some process holds the flock of `dir`/.critnet.lock (io::RunLock), without taking
/// or creating it.
bool lock_held(const std::filesystem::path& dir);

/// Whether `cell_json` is a complete cell.json of the cell's settings hash.
bool cell_done(const std::filesystem::path& cell_json, const Cell& cell);

/// The state of one cell (see above).
CellState cell_state(const std::filesystem::path& sweep_dir, const Cell& cell);

/// How long init_sweep_dir and collect wait for another process's turn at the sweep
/// directory's lock (each holds it for a moment: a grid check, writing the tables).
inline constexpr std::chrono::milliseconds kDirectoryLockWait{60000};

/// What init_sweep_dir does with a directory that holds another grid.
enum class OtherGrid {
  kRefuse,   ///< throw (`critnet sweep`: a sweep directory holds one grid)
  kReplace,  ///< write the new grid: the cells are keyed by their settings hash, so the done
             ///< cells of the new grid are kept and the others stay on disk unlisted (reproduce,
             ///< whose options check allows more arms and seeds in a run)
};

/// Writes DIR/grid.json (and DIR/cells.json) for `grid`, or checks that the one there holds the
/// same grid, under the directory's lock. With OtherGrid::kRefuse throws InvalidArgument ("DIR
/// holds a sweep of another grid: ...; choose another --out") when not.
void init_sweep_dir(const std::filesystem::path& sweep_dir, const Grid& grid,
                    OtherGrid other = OtherGrid::kRefuse);

/// The grid of a sweep directory (DIR/grid.json); DataError when there is none.
Grid load_sweep_grid(const std::filesystem::path& sweep_dir);

/// The states of every cell of a sweep, in the grid's order.
struct SweepStatus {
  std::vector<Cell> cells;
  std::vector<CellState> states;
  int count(CellState s) const;
};
SweepStatus sweep_status(const std::filesystem::path& sweep_dir);

}  // namespace critnet::study
