// The deterministic partition of a sweep's cells and where a shard's K/N comes from.
#include "critnet/study/shard.h"

#include <fmt/core.h>

#include <cstdlib>

#include "critnet/core/error.h"

namespace critnet::study {

namespace {

// A non-negative integer, or an error naming `what`.
std::size_t parse_count(const std::string& text, const std::string& what) {
  std::size_t pos = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (text.empty() || pos != text.size() || v < 0 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    throw InvalidArgument(fmt::format("{}: expected a non-negative integer, got '{}'", what, text));
  return static_cast<std::size_t>(v);
}

Shard checked(std::size_t k, std::size_t n, const std::string& what, const std::string& source) {
  if (n < 1 || k >= n)
    throw InvalidArgument(
        fmt::format("{}: expected shard K of N with 0 <= K < N, got {}/{}", what, k, n));
  Shard s{k, n};
  s.source = source;
  return s;
}

}  // namespace

std::string Shard::to_string() const {
  return fmt::format("{}/{}", k, n);
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos)
    throw InvalidArgument(
        fmt::format("--shard: expected K/N with 0 <= K < N (e.g. 0/4), got '{}'", text));
  const std::size_t k = parse_count(text.substr(0, slash), "--shard K");
  const std::size_t n = parse_count(text.substr(slash + 1), "--shard N");
  if (n < 1 || k >= n)
    throw InvalidArgument(
        fmt::format("--shard: expected K/N with 0 <= K < N (e.g. 0/4), got '{}'", text));
  Shard s{k, n};
  s.source = "--shard";
  return s;
}

std::optional<std::string> getenv_lookup(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Shard shard_from_env(const std::string& explicit_shard, const EnvLookup& env) {
  if (!explicit_shard.empty()) return parse_shard(explicit_shard);
  if (const auto id = env("SLURM_ARRAY_TASK_ID")) {
    const auto count = env("SLURM_ARRAY_TASK_COUNT");
    if (!count)
      throw InvalidArgument(
          "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: run inside a Slurm job "
          "array (sbatch --array=0-N) or give --shard K/N");
    const std::size_t i = parse_count(*id, "SLURM_ARRAY_TASK_ID");
    const std::size_t n = parse_count(*count, "SLURM_ARRAY_TASK_COUNT");
    std::size_t min = 0;
    if (const auto m = env("SLURM_ARRAY_TASK_MIN")) min = parse_count(*m, "SLURM_ARRAY_TASK_MIN");
    if (i < min)
      throw InvalidArgument(
          fmt::format("SLURM_ARRAY_TASK_ID {} is below SLURM_ARRAY_TASK_MIN {}", i, min));
    return checked(i - min, n,
                   "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN / SLURM_ARRAY_TASK_COUNT",
                   "SLURM_ARRAY_TASK_ID");
  }
  if (const auto index = env("JOB_COMPLETION_INDEX")) {
    const auto count = env("CRITNET_SHARD_COUNT");
    if (!count)
      throw InvalidArgument(
          "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but CRITNET_SHARD_COUNT is "
          "not: set it to the Job's completions, or give --shard K/N");
    return checked(parse_count(*index, "JOB_COMPLETION_INDEX"),
                   parse_count(*count, "CRITNET_SHARD_COUNT"),
                   "JOB_COMPLETION_INDEX / CRITNET_SHARD_COUNT", "JOB_COMPLETION_INDEX");
  }
  return Shard{};
}

}  // namespace critnet::study
