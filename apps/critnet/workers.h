#pragma once
// Local worker processes for `--jobs J` (sweep run, reproduce): the cells of a shard split into J
// sub-shards (study/shard.h), J-1 of them run by `critnet sweep run` workers, one in this
// process. The library never starts processes; the CLI does, here.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "console.h"
#include "critnet/study/shard.h"
#include "critnet/study/stage.h"

namespace critnet::cli {

/// What the worker processes get from their parent.
struct WorkerSettings {
  int jobs = 1;  ///< processes in all, this one included
  int threads = 0;
  std::string device = "cpu";
  ConsoleFlags console;  ///< --quiet, --verbose, --json are passed on
};

/// What a run with workers did.
struct WorkersRun {
  study::ShardRun own;     ///< this process's sub-shard
  study::Shard own_shard;  ///< which sub-shard that is
  /// The workers that failed: "shard K/N (exit 1)", "shard K/N (signal 9)".
  std::vector<std::string> failed_workers;
};

/// Runs the cells of `shard` of the sweep directory `dir` (DIR/grid.json written) in
/// settings.jobs processes: sub-shards 0..J-2 in workers (`critnet sweep run DIR/grid.json --out
/// DIR --shard SUB --jobs 1 --worker`), the last one here with `own` (this process has LibTorch
/// loaded already: one process start fewer). The first stop signal reaches every worker once;
/// every worker is waited for, also when this process's own cells stop or fail. Throws
/// Interrupted when stopped (here or in a worker), and rethrows an error of `own` after stopping
/// the workers.
WorkersRun run_with_workers(const std::filesystem::path& dir, const study::Shard& shard,
                            const WorkerSettings& settings,
                            const std::function<study::ShardRun(const study::Shard&)>& own);

/// ", "-joined ids of a shard run's failed cells.
std::string join_failed(const study::ShardRun& r);

/// A study::ShardRunner for `settings.jobs` processes (run_with_workers; the shard's cells in
/// this process when jobs is 1), `own` running a sub-shard here; the workers' failures are
/// ShardRun::failed entries named by their sub-shard.
study::ShardRunner worker_runner(
    const WorkerSettings& settings,
    std::function<study::ShardRun(const study::Grid&, const std::filesystem::path&,
                                  const study::Shard&)>
        own);

}  // namespace critnet::cli
