#pragma once
/// A deterministic partition of a sweep's cells, so that any scheduler can run the shards:
/// shard K of N (0 <= K < N) holds the cells whose index i (Grid::expand()'s order) has
/// i % N == K. Every cell is in exactly one shard.
///
/// Where the shard comes from (shard_from_env), first match wins:
///   1. `--shard K/N` (explicit);
///   2. a Slurm job array: K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (0 when unset),
///      N = SLURM_ARRAY_TASK_COUNT (`sbatch --array=0-3` gives 0/4 .. 3/4; `--array=1-4` too);
///   3. a Kubernetes Indexed Job: K = JOB_COMPLETION_INDEX, N = CRITNET_SHARD_COUNT (set it to
///      the Job's `completions`; an error when missing);
///   4. otherwise 0/1, every cell.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace critnet::study {

struct Shard {
  std::size_t k = 0;
  std::size_t n = 1;

  /// Whether cell index i belongs to this shard.
  bool contains(std::size_t i) const { return i % n == k; }
  /// Sub-shard j of `jobs` of this shard (its cells split again, round robin): the shard
  /// (k + j·n) / (n·jobs). The sub-shards of a shard partition its cells.
  Shard sub(std::size_t j, std::size_t jobs) const { return {k + j * n, n * jobs}; }
  /// "K/N".
  std::string to_string() const;
  /// Where it came from ("--shard", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "default").
  std::string source = "default";
};

/// Parses "K/N" (0 <= K < N); throws critnet::InvalidArgument ("--shard: expected K/N with
/// 0 <= K < N, got '3/3'").
Shard parse_shard(const std::string& text);

/// An environment lookup: the variable's value, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
/// The process environment (getenv).
std::optional<std::string> getenv_lookup(const std::string& name);

/// The shard (see above): `explicit_shard` ("K/N", empty = none) wins, then Slurm, then
/// Kubernetes, then 0/1. Throws InvalidArgument naming the variable when a value is malformed
/// or out of range.
Shard shard_from_env(const std::string& explicit_shard, const EnvLookup& env = getenv_lookup);

}  // namespace critnet::study
