// `critnet sweep` through the CLI binary: run, status and collect on a tiny grid (5 cells, a
// tiny MLP on synthetic data: seconds), resume, shards, the grid flags and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "critnet/report/figure.h"
#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using critnet::test_support::CliResult;
using critnet::test_support::read_file;
using critnet::test_support::run_critnet;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

namespace {

// none (1 cell) + cw over β {2, 4} × λ {0.01, 0.1} (4 cells).
const char* kGrid = R"({"schema": "critnet.grid/1",
  "data": {"source": "synthetic:12", "synthetic_train": 200, "synthetic_test": 100},
  "hidden": [16, 8], "batch_size": 50, "presets": ["none", "cw"], "beta": [2, 4],
  "lambda": [0.01, 0.1], "seeds": 1, "epochs": [1],
  "probe": {"bootstrap": 5, "max_candidates": 20, "subset_size": 4}})";

std::string write_grid(const TempDir& tmp, const std::string& text = kGrid) {
  const std::string path = tmp.file("grid.json");
  std::ofstream(path) << text;
  return path;
}

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST(SweepCli, RunStatusCollectAndResume) {
  if (!critnet::report::gnuplot_available())
    GTEST_SKIP() << "gnuplot not installed (sweep collect needs it)";
  TempDir tmp("sweep");
  const std::string grid = write_grid(tmp);
  const std::string out = tmp.file("out");
  CliResult r = run_critnet({"sweep", "run", grid, "--out", out, "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ran 5, done before 0, failed 0"));
  EXPECT_THAT(r.err, HasSubstr("cell 1/5: none-e1-s0"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "grid.json"));
  const json listed = json::parse(read_file(fs::path(out) / "cells.json"));
  ASSERT_EQ(listed.size(), 5u);
  EXPECT_EQ(listed[4]["id"], "cw-b4-l0.1-e1-s0");

  r = run_critnet({"sweep", "status", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 cells: 5 done, 0 running, 0 failed, 0 missing"));

  // A figure of an earlier collect that this one does not draw (a preset gone from the grid)
  // does not stay beside the report.
  const fs::path stale = fs::path(out) / "figures" / "heatmap.paper.e9.accuracy.svg";
  fs::create_directories(stale.parent_path());
  std::ofstream(stale) << "<svg/>";
  r = run_critnet({"sweep", "collect", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("collected 5 cells"));
  EXPECT_FALSE(fs::exists(stale));
  const std::string csv = read_file(fs::path(out) / "table.csv");
  EXPECT_EQ(csv.rfind("cell_id,preset,beta,beta_fraction,lambda,epochs,seed,test_accuracy,", 0),
            0u);
  const json table = json::parse(read_file(fs::path(out) / "table.json"));
  EXPECT_EQ(count_lines(csv), table.size() + 1);
  std::set<std::string> ids;
  for (const auto& row : table) ids.insert(row["cell_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 5u);
  const std::string html = read_file(fs::path(out) / "report.html");
  EXPECT_THAT(html,
              HasSubstr("<figure><img alt=\"test accuracy\" src=\"data:image/svg+xml;base64,"));
  EXPECT_THAT(html, HasSubstr("median |a·s² − 1|"));
  // Each heatmap (7 metrics of cw at 1 epoch) is drawn by gnuplot with its colour scale's ends
  // labelled; its data and script sit in figures/.
  std::size_t heatmaps = 0;
  for (const auto& e : fs::directory_iterator(fs::path(out) / "figures")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("heatmap.cw.e1.", 0) != 0 || e.path().extension() != ".gp") continue;
    ++heatmaps;
    EXPECT_THAT(read_file(e.path()), HasSubstr("set palette defined (0 '#f7fbff', 1 '#08306b')"));
    EXPECT_TRUE(fs::exists(fs::path(e.path()).replace_extension(".svg"))) << name;
    EXPECT_TRUE(fs::exists(fs::path(e.path()).replace_extension(".cells.csv"))) << name;
  }
  EXPECT_EQ(heatmaps, 7u);
  EXPECT_THAT(read_file(fs::path(out) / "figures" / "heatmap.cw.e1.accuracy.gp"),
              HasSubstr("set cbtics ('"));

  // Without gnuplot, collect writes the tables and fails (exit 1), naming the package.
  fs::remove(fs::path(out) / "table.csv");
  r = run_critnet({"sweep", "collect", out}, {"", false, {"CRITNET_GNUPLOT=/nonexistent/gp"}});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the report's figures need gnuplot"));
  EXPECT_THAT(r.err, HasSubstr("apt-get install gnuplot-nox"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "table.csv"));

  // A rerun skips every done cell.
  r = run_critnet({"sweep", "run", grid, "--out", out, "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ran 0, done before 5, failed 0"));

  // Another grid into the same directory is refused.
  json other = json::parse(kGrid);
  other["epochs"] = {2};
  const std::string other_file = tmp.file("other.json");
  std::ofstream(other_file) << other.dump();
  r = run_critnet({"sweep", "run", other_file, "--out", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("holds a sweep of another grid: epochs ([1] there, [2] now)"));
}

TEST(SweepCli, ShardsFromFlagAndSlurm) {
  if (!critnet::report::gnuplot_available())
    GTEST_SKIP() << "gnuplot not installed (sweep collect needs it)";
  TempDir tmp("sweep");
  const std::string grid = write_grid(tmp);
  const std::string out = tmp.file("out");
  CliResult r =
      run_critnet({"sweep", "run", grid, "--out", out, "--shard", "1/2", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("shard 1/2: ran 2,"));  // cells 1 and 3 of 0..4
  r = run_critnet({"sweep", "status", out});
  EXPECT_THAT(r.out, HasSubstr("2 done, 0 running, 0 failed, 3 missing"));
  EXPECT_THAT(r.out, HasSubstr("missing  none-e1-s0"));
  r = run_critnet({"sweep", "collect", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("missing 3 cells"));

  // The rest as a Slurm array task 1 of an array 1-2 (shard 0/2).
  critnet::test_support::CliOptions o;
  o.env = {"SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=2", "SLURM_ARRAY_TASK_MIN=1"};
  r = run_critnet({"sweep", "run", grid, "--out", out, "--threads", "1"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("shard 0/2 (SLURM_ARRAY_TASK_ID) holds 3"));
  r = run_critnet({"sweep", "status", out});
  EXPECT_THAT(r.out, HasSubstr("5 done, 0 running, 0 failed, 0 missing"));
}

TEST(SweepCli, GridFlagsWithoutAFile) {
  TempDir tmp("sweep");
  const std::string out = tmp.file("out");
  CliResult r = run_critnet({"sweep",
                             "run",
                             "--out",
                             out,
                             "--presets",
                             "none,paper",
                             "--betas",
                             "3",
                             "--lambdas",
                             "0.01",
                             "--seeds",
                             "2",
                             "--epochs",
                             "1",
                             "--data",
                             "synthetic:6",
                             "--synthetic-train",
                             "100",
                             "--synthetic-test",
                             "50",
                             "--hidden",
                             "8",
                             "--bootstrap",
                             "3",
                             "--max-candidates",
                             "10",
                             "--threads",
                             "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ran 4, done before 0, failed 0"));
  const json g = json::parse(read_file(fs::path(out) / "grid.json"));
  EXPECT_EQ(g["presets"], json({"none", "paper"}));
  EXPECT_EQ(g["seeds"], json({0, 1}));
}

// --jobs 2: the parent runs the last sub-shard itself, a worker the other. A cell that fails in
// either (its directory is blocked by a file) is reported with its shard, the other still
// runs, and the exit status is 1; a rerun after the block is gone finishes the sweep.
TEST(SweepCli, JobsReportAFailedCellOfTheParentAndOfAWorker) {
  const char* grid_text = R"({"data": {"source": "synthetic:6", "synthetic_train": 100,
    "synthetic_test": 50}, "hidden": [8], "presets": ["none"], "seeds": 4, "epochs": [1],
    "probe": {"bootstrap": 3, "max_candidates": 10, "subset_size": 4}})";
  TempDir tmp("sweep");
  const std::string grid = write_grid(tmp, grid_text);
  const fs::path out = tmp.file("out");
  fs::create_directories(out / "cells");
  // Cells 0..3 are none-e1-s0..s3; with --jobs 2 the worker runs shard 0/2 (s0, s2), the
  // parent shard 1/2 (s1, s3).
  std::ofstream(out / "cells" / "none-e1-s1") << "in the way";
  std::ofstream(out / "cells" / "none-e1-s2") << "in the way";
  CliResult r =
      run_critnet({"sweep", "run", grid, "--out", out.string(), "--jobs", "2", "--threads", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("2 processes (this one and 1 worker)"));
  EXPECT_THAT(r.err, HasSubstr("2 of 2 shards failed: shard 1/2 (cells none-e1-s1), shard 0/2 "
                               "(exit 1)"));
  EXPECT_THAT(r.out, HasSubstr("2 of 4 cells done"));
  fs::remove(out / "cells" / "none-e1-s1");
  fs::remove(out / "cells" / "none-e1-s2");
  r = run_critnet({"sweep", "run", grid, "--out", out.string(), "--jobs", "2", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("4 of 4 cells done"));
}

TEST(SweepCli, BadInput) {
  TempDir tmp("sweep");
  CliResult r = run_critnet({"sweep", "run", tmp.file("missing.json"), "--out", tmp.file("o")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("missing.json"));
  r = run_critnet({"sweep", "run", write_grid(tmp, R"({"presets": ["cw"], "betas": [1]})"), "--out",
                   tmp.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("grid: unknown key 'betas'"));
  r = run_critnet({"sweep", "run", write_grid(tmp, "{not json"), "--out", tmp.file("o")});
  EXPECT_EQ(r.exit_code, 3);
  r = run_critnet({"sweep", "run", "--out", tmp.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("give a grid file (GRID) or the grid flags"));
  r = run_critnet({"sweep", "run", write_grid(tmp), "--out", tmp.file("o"), "--shard", "2/2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--shard: expected K/N with 0 <= K < N (e.g. 0/4), got '2/2'"));
  r = run_critnet({"sweep", "run", write_grid(tmp), "--out", tmp.file("o"), "--presets", "cw"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("not both"));
  critnet::test_support::CliOptions o;
  o.env = {"JOB_COMPLETION_INDEX=0"};
  r = run_critnet({"sweep", "run", write_grid(tmp), "--out", tmp.file("o")}, o);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("CRITNET_SHARD_COUNT is not"));
  fs::create_directories(tmp.path() / "empty");
  r = run_critnet({"sweep", "status", tmp.file("empty")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("not a sweep directory"));
  r = run_critnet({"sweep", "collect", tmp.file("nowhere")});
  EXPECT_EQ(r.exit_code, 3);
}

// Two sweeps of different grids started at once on one new directory: the grid check and the
// write of grid.json are under the directory's lock, so exactly one runs and the other is
// refused naming the difference; grid.json is the winner's.
TEST(SweepCli, TwoGridsRacingOnANewDirectory) {
  TempDir tmp("race");
  json one = json::parse(kGrid);
  one["presets"] = {"none"};
  json two = one;
  two["epochs"] = {2};
  const std::string one_file = write_grid(tmp, one.dump());
  const std::string two_file = tmp.file("two.json");
  std::ofstream(two_file) << two.dump();
  for (int round = 0; round < 3; ++round) {
    const std::string out = tmp.file("out" + std::to_string(round));
    auto first = std::async(std::launch::async, [&] {
      return run_critnet({"sweep", "run", one_file, "--out", out, "--threads", "1"});
    });
    auto second = std::async(std::launch::async, [&] {
      return run_critnet({"sweep", "run", two_file, "--out", out, "--threads", "1"});
    });
    const CliResult a = first.get(), b = second.get();
    ASSERT_TRUE((a.exit_code == 0) != (b.exit_code == 0))
        << "round " << round << ": exits " << a.exit_code << " and " << b.exit_code << "\n"
        << a.err << b.err;
    const CliResult& lost = a.exit_code == 0 ? b : a;
    EXPECT_EQ(lost.exit_code, 2) << lost.err;
    EXPECT_THAT(lost.err, HasSubstr("holds a sweep of another grid: epochs"));
    const json saved = json::parse(read_file(fs::path(out) / "grid.json"));
    EXPECT_EQ(saved.at("epochs"), (a.exit_code == 0 ? one : two).at("epochs")) << round;
  }
}

// JSON nested deeper than 64 levels is refused with exit 3 naming the file, wherever the sweep
// reads it: the grid file, a sweep directory's grid.json.
TEST(SweepCli, DeeplyNestedJsonIsRefused) {
  TempDir tmp("nested");
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const std::string grid = write_grid(tmp, deep);
  CliResult r = run_critnet({"sweep", "run", grid, "--out", tmp.file("o")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(grid + ": JSON nested deeper than 64 levels"));
  fs::create_directories(tmp.path() / "sweep");
  std::ofstream(tmp.path() / "sweep" / "grid.json") << "{\"a\": " << deep << "}";
  for (const char* command : {"status", "collect"}) {
    r = run_critnet({"sweep", command, tmp.file("sweep")});
    EXPECT_EQ(r.exit_code, 3) << command << r.err;
    EXPECT_THAT(r.err, HasSubstr("grid.json: JSON nested deeper than 64 levels")) << command;
  }
}

// A grid over epochs with two seeds: the report draws accuracy, scale invariance and the atlas's
// notions against epochs with a band of ± one sd over seeds; --json gives one document from
// sweep run, status and collect.
TEST(SweepCli, CurvesOverEpochsWithSeedBandsAndJsonDocuments) {
  if (!critnet::report::gnuplot_available())
    GTEST_SKIP() << "gnuplot not installed (sweep collect needs it)";
  TempDir tmp("sweep_epochs");
  json g = json::parse(kGrid);
  g["beta"] = {4};
  g["lambda"] = {0.01};
  g["seeds"] = 2;
  g["epochs"] = {1, 2};
  const std::string grid = write_grid(tmp, g.dump());
  const std::string out = tmp.file("out");
  CliResult r = run_critnet({"sweep", "run", grid, "--out", out, "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json status = json::parse(r.out);  // the only thing on stdout
  EXPECT_EQ(status["cells"], 8);
  EXPECT_EQ(status["done"], 8);
  EXPECT_TRUE(status["not_done"].empty());
  r = run_critnet({"sweep", "status", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["done"], 8);
  r = run_critnet({"sweep", "collect", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json collected = json::parse(r.out);
  EXPECT_EQ(collected["collected"], 8);
  // Every figure's SVG, each one there.
  const auto& figures = collected["figures"];
  EXPECT_THAT(figures.dump(), HasSubstr("training.accuracy.svg"));
  for (const auto& f : figures) EXPECT_TRUE(fs::exists(f.get<std::string>())) << f;
  const std::string html = read_file(collected["report"].get<std::string>());
  const auto over = html.find("<h2>Over training: every arm</h2>");
  ASSERT_NE(over, std::string::npos);
  const std::string curves = html.substr(over);
  for (const char* title : {"test accuracy", "fraction of measure × layer cases",
                            "median |a·s² − 1|", "HTSR α", "measured χ₁"})
    EXPECT_THAT(curves, HasSubstr(title));
  // The seed bands and one line per arm (baseline and the grid's presets) in each figure, and
  // each notion layer by layer.
  for (const char* name : {"training.accuracy", "training.cw_distance_median.layer2"}) {
    const std::string svg = read_file(fs::path(out) / "figures" / (std::string(name) + ".svg"));
    EXPECT_THAT(svg, HasSubstr("fill-opacity")) << name;
    for (const char* arm : {">baseline<", ">cw β=4 λ=0.01<"}) EXPECT_THAT(svg, HasSubstr(arm));
    EXPECT_THAT(curves, HasSubstr("figures/" + std::string(name) + ".svg"));
  }
  for (const char* title :
       {"median |a·s² − 1|, layer 1", "HTSR α, layer 2", "measured χ₁, layer 1"})
    EXPECT_THAT(curves, HasSubstr(title));
}
