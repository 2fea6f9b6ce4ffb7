// `critnet sweep` killed (SIGKILL) while a cell is mid-training finishes on a rerun with every
// cell done exactly once and the cells done before the kill untouched; a SIGTERM to the parent
// of `--jobs 2` stops its workers too, and a rerun finishes the sweep.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

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

// Cells long enough (a few seconds of training each) to be caught mid-training.
const char* const kGrid = R"({
    "data": {"source": "synthetic:64", "synthetic_train": 20000, "synthetic_test": 200},
    "hidden": [128, 64], "batch_size": 32, "presets": ["none", "cw"], "beta": [8],
    "lambda": [0.001, 0.01, 0.1], "seeds": 1, "epochs": [2],
    "probe": {"bootstrap": 5, "max_candidates": 20, "subset_size": 4}})";

// Starts critnet with `args` (stdout to /dev/null, stderr to `log`) and returns its PID.
pid_t start_critnet(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), critnet::test_support::critnet_binary());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(rc, 0);
  return pid;
}

// The cells that are training (config.json written) and not done.
std::vector<std::string> cells_training(const fs::path& cells_dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(cells_dir, ec))
    if (!fs::exists(e.path() / "cell.json") && fs::exists(e.path() / "train" / "config.json"))
      ids.push_back(e.path().filename().string());
  return ids;
}

TEST(SweepKill, KilledMidCellAndRerunDoesEveryCellOnce) {
  TempDir tmp("sweep");
  const std::string grid = write(tmp, "grid.json", kGrid);
  const std::string out = tmp.file("out");
  const fs::path cells_dir = fs::path(out) / "cells";

  const std::string log = tmp.file("first.log");
  const pid_t pid = start_critnet({"sweep", "run", grid, "--out", out, "--threads", "1"}, log);
  ASSERT_GT(pid, 0);

  // Wait until the second cell is training (its checkpoint of epoch 1 may or may not exist) and
  // has no cell.json; then kill.
  std::string victim;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (victim.empty() && std::chrono::steady_clock::now() < deadline) {
    const auto training = cells_training(cells_dir);
    if (!training.empty() && fs::exists(cells_dir / "none-e2-s0" / "cell.json"))
      victim = training.front();
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the sweep ended before it was killed:\n"
                                                 << read_file(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(victim.empty()) << read_file(log);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  CliResult r = run_critnet({"sweep", "status", out});
  EXPECT_THAT(r.out, HasSubstr("failed   " + victim)) << r.out;
  // The cells done before the kill keep their cell.json untouched.
  std::map<std::string, fs::file_time_type> done_before;
  for (const auto& e : fs::directory_iterator(cells_dir))
    if (fs::exists(e.path() / "cell.json"))
      done_before[e.path().filename().string()] = fs::last_write_time(e.path() / "cell.json");
  ASSERT_FALSE(done_before.empty());

  r = run_critnet({"sweep", "run", grid, "--out", out, "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("done before " + std::to_string(done_before.size()) + ","));
  for (const auto& [id, t] : done_before)
    EXPECT_EQ(fs::last_write_time(cells_dir / id / "cell.json"), t) << id << " was redone";
  r = run_critnet({"sweep", "status", out});
  EXPECT_THAT(r.out, HasSubstr("4 cells: 4 done, 0 running, 0 failed, 0 missing"));
  // The tables are written with or without gnuplot (the report's figures need it).
  r = run_critnet({"sweep", "collect", out});
  ASSERT_EQ(r.exit_code, critnet::report::gnuplot_available() ? 0 : 1) << r.err;
  std::map<std::string, int> per_cell;
  for (const auto& [key, row] : rows_by_key(fs::path(out) / "table.json"))
    per_cell[row["cell_id"].get<std::string>()]++;
  EXPECT_EQ(per_cell.size(), 4u);
  for (const auto& [id, n] : per_cell) EXPECT_EQ(n, per_cell.begin()->second) << id;
}

TEST(SweepKill, TermToTheParentOfWorkersStopsThemAndRerunFinishes) {
  TempDir tmp("sweep");
  const std::string grid = write(tmp, "grid.json", kGrid);
  const std::string out = tmp.file("out");
  const fs::path cells_dir = fs::path(out) / "cells";
  const std::string log = tmp.file("first.log");
  const pid_t pid =
      start_critnet({"sweep", "run", grid, "--out", out, "--jobs", "2", "--threads", "1"}, log);
  ASSERT_GT(pid, 0);
  // The parent (it runs the last sub-shard itself) and its worker both training a cell; the
  // worker runs in a process group of its own, so only the parent gets the signal.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (cells_training(cells_dir).size() < 2 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the sweep ended early:\n" << read_file(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(cells_training(cells_dir).size(), 2u) << read_file(log);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << read_file(log);
  EXPECT_EQ(WEXITSTATUS(status), 143) << read_file(log);
  EXPECT_THAT(read_file(log), HasSubstr("run the same command again"));
  // The parent waited for its workers: no cell is still running.
  CliResult r = run_critnet({"sweep", "status", out});
  EXPECT_THAT(r.out, HasSubstr(" 0 running")) << r.out;

  r = run_critnet({"sweep", "run", grid, "--out", out, "--jobs", "2", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_critnet({"sweep", "status", out});
  EXPECT_THAT(r.out, HasSubstr("4 cells: 4 done, 0 running, 0 failed, 0 missing")) << r.out;
}
