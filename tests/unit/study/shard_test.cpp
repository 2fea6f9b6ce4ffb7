// critnet::study: the shard partition and where a shard comes from (flag, Slurm, Kubernetes).
#include "critnet/study/shard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "support/error_of.h"

namespace st = critnet::study;
using critnet::test_support::error_of;
using ::testing::HasSubstr;

namespace {
st::EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

TEST(Shard, EveryCellInExactlyOneShard) {
  for (std::size_t n : {1, 2, 3, 7}) {
    for (std::size_t i = 0; i < 50; ++i) {
      int owners = 0;
      for (std::size_t k = 0; k < n; ++k) owners += st::Shard{k, n}.contains(i);
      EXPECT_EQ(owners, 1) << "cell " << i << " of " << n << " shards";
    }
  }
}

TEST(Shard, SubShardsPartitionTheirShard) {
  const st::Shard s{1, 3};
  for (std::size_t jobs : {1, 2, 4}) {
    for (std::size_t i = 0; i < 60; ++i) {
      int owners = 0;
      for (std::size_t j = 0; j < jobs; ++j) owners += s.sub(j, jobs).contains(i);
      EXPECT_EQ(owners, s.contains(i) ? 1 : 0) << "cell " << i << ", " << jobs << " jobs";
    }
  }
  EXPECT_EQ(s.sub(1, 2).to_string(), "4/6");
}

TEST(Shard, ParsesKOfN) {
  const st::Shard s = st::parse_shard("2/5");
  EXPECT_EQ(s.k, 2u);
  EXPECT_EQ(s.n, 5u);
  EXPECT_EQ(s.source, "--shard");
  for (const char* bad : {"3/3", "1", "a/2", "-1/2", "1/0", "", "1/2/3", " 1/2"})
    EXPECT_THAT(error_of([&] { st::parse_shard(bad); }), HasSubstr("--shard")) << bad;
  EXPECT_THAT(error_of([] { st::parse_shard("3/3"); }),
              HasSubstr("expected K/N with 0 <= K < N (e.g. 0/4), got '3/3'"));
}

TEST(Shard, FromTheEnvironment) {
  // Nothing: every cell.
  st::Shard s = st::shard_from_env("", env({}));
  EXPECT_EQ(s.to_string(), "0/1");
  // Slurm job array 0-3.
  s = st::shard_from_env("", env({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  EXPECT_EQ(s.to_string(), "2/4");
  EXPECT_EQ(s.source, "SLURM_ARRAY_TASK_ID");
  // An array 1-4 starts at SLURM_ARRAY_TASK_MIN.
  s = st::shard_from_env("", env({{"SLURM_ARRAY_TASK_ID", "4"},
                                  {"SLURM_ARRAY_TASK_COUNT", "4"},
                                  {"SLURM_ARRAY_TASK_MIN", "1"}}));
  EXPECT_EQ(s.to_string(), "3/4");
  // Kubernetes Indexed Job.
  s = st::shard_from_env("", env({{"JOB_COMPLETION_INDEX", "1"}, {"CRITNET_SHARD_COUNT", "3"}}));
  EXPECT_EQ(s.to_string(), "1/3");
  EXPECT_EQ(s.source, "JOB_COMPLETION_INDEX");
  // --shard wins over the environment.
  s = st::shard_from_env("0/2",
                         env({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  EXPECT_EQ(s.to_string(), "0/2");
}

TEST(Shard, BadEnvironmentNamesTheVariable) {
  EXPECT_THAT(error_of([] {
                st::shard_from_env("", env({{"SLURM_ARRAY_TASK_ID", "1"}}));
              }),
              HasSubstr("SLURM_ARRAY_TASK_COUNT is not"));
  EXPECT_THAT(error_of([] {
                st::shard_from_env(
                    "", env({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
              }),
              HasSubstr("SLURM_ARRAY_TASK_ID: expected a non-negative integer, got 'x'"));
  EXPECT_THAT(error_of([] {
                st::shard_from_env(
                    "", env({{"SLURM_ARRAY_TASK_ID", "4"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
              }),
              HasSubstr("0 <= K < N, got 4/4"));
  EXPECT_THAT(error_of([] {
                st::shard_from_env("", env({{"JOB_COMPLETION_INDEX", "0"}}));
              }),
              HasSubstr("CRITNET_SHARD_COUNT is not"));
}
