#pragma once
/// The largest values critnet accepts, one source for every entry point: the CLI's option
/// checks (apps/critnet/commands/validate.h), grid files (study/grid.h), config files and the
/// library's validate() functions that Python calls. Each bounds what a value would allocate or
/// how long it would run, so a typo (2000000000 bootstrap replicates, a 10⁷-cell grid) is
/// refused with a message naming the key and the limit instead of exhausting the machine.
/// (kMaxThreads lives in critnet/core/runtime.h.)
#include <cstdint>

namespace critnet {

/// Largest batch size (training, evaluation, probing) and hidden width; a memory estimate in
/// the trainer catches smaller nets that still do not fit.
inline constexpr int64_t kMaxBatchSize = int64_t{1} << 24;
inline constexpr int64_t kMaxWidth = int64_t{1} << 20;
/// Largest number of bootstrap replicates of one fit.
inline constexpr int64_t kMaxBootstrap = 1000000;
/// Largest rg-flow --steps (output points per λ₀) and meanfield size N (w is N × N float64,
/// diagonalised).
inline constexpr int64_t kMaxFlowSteps = 1000000;
inline constexpr int64_t kMaxMeanFieldSize = 16384;
/// Temperatures of a mean-field sweep (`critnet meanfield --steps`).
inline constexpr int64_t kMaxMeanFieldSteps = 1000000;
/// Largest number of seeds of a study (a count or a list).
inline constexpr int64_t kMaxSeeds = 1000;
/// Largest number of cells of one sweep grid, and so of entries in any of its lists: each cell
/// is a training run, and the expanded grid is held in memory (about 12 KB a cell).
inline constexpr int64_t kMaxGridCells = 20000;

}  // namespace critnet
