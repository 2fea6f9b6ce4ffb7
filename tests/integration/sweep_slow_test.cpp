// `critnet sweep` under stress: `--jobs 2` gives the same table as `--jobs 1` on 20 cells (the
// kill test is in sweep_kill_test.cpp, fast enough for every run).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "critnet/report/figure.h"
#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "sweep_support.h"

extern char** environ;

namespace fs = std::filesystem;
using json = nlohmann::json;
using critnet::test_support::CliResult;
using critnet::test_support::read_file;
using critnet::test_support::rows_by_key;
using critnet::test_support::run_critnet;
using critnet::test_support::TempDir;
using critnet::test_support::write;
using ::testing::HasSubstr;

TEST(SweepSlow, TwoJobsGiveTheSameTableAsOne) {
  TempDir tmp("sweep");
  const std::string grid = write(tmp, "grid.json", R"({
    "data": {"source": "synthetic:12", "synthetic_train": 300, "synthetic_test": 150},
    "hidden": [16, 8], "batch_size": 50, "presets": ["none", "paper", "cw"], "beta": [2, 4],
    "lambda": [0.01], "seeds": 2, "epochs": [1, 2],
    "probe": {"bootstrap": 10, "max_candidates": 30, "subset_size": 4}})");
  const std::string one = tmp.file("one"), two = tmp.file("two");
  CliResult r = run_critnet({"sweep", "run", grid, "--out", one, "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_critnet({"sweep", "run", grid, "--out", two, "--jobs", "2", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("20 of 20 cells done"));
  // The tables are written with or without gnuplot (the report's figures need it).
  for (const auto& d : {one, two})
    ASSERT_EQ(run_critnet({"sweep", "collect", d}).exit_code,
              critnet::report::gnuplot_available() ? 0 : 1);
  const auto a = rows_by_key(fs::path(one) / "table.json");
  const auto b = rows_by_key(fs::path(two) / "table.json");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, ra] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    const json& rb = b.at(key);
    for (auto it = ra.begin(); it != ra.end(); ++it) {
      const json& va = it.value();
      const json& vb = rb.at(it.key());
      if (va.is_number_float() && vb.is_number()) {
        const double x = va.get<double>(), y = vb.get<double>();
        EXPECT_NEAR(x, y, 1e-6 * std::max(1.0, std::abs(x))) << key << " " << it.key();
      } else {
        EXPECT_EQ(va, vb) << key << " " << it.key();
      }
    }
  }
}
