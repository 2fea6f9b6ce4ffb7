// critnet::study: a sweep directory, cell states and resume (done cells skipped, half-written
// ones redone), on a tiny synthetic grid.
#include "critnet/study/run_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/report/csv.h"
#include "critnet/report/figure.h"
#include "critnet/study/collect.h"
#include "critnet/study/stage.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
namespace st = critnet::study;
using json = nlohmann::json;
using critnet::test_support::error_of;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

namespace {
st::Grid tiny() {
  return st::parse_grid(json::parse(R"({
    "data": {"source": "synthetic:12", "synthetic_train": 200, "synthetic_test": 100},
    "hidden": [16, 8], "batch_size": 50, "presets": ["none", "cw"], "beta": [4],
    "lambda": [0.01], "seeds": 1, "epochs": [1],
    "probe": {"bootstrap": 5, "max_candidates": 20, "subset_size": 4}})"));
}
st::RunOptions one_thread() {
  st::RunOptions r;
  r.threads = 1;
  return r;
}
}  // namespace

TEST(SweepDir, RefusesAnotherGrid) {
  TempDir tmp("sweep");
  st::Grid g = tiny();
  st::init_sweep_dir(tmp.path(), g);
  st::init_sweep_dir(tmp.path(), g);  // the same grid: fine
  g.epochs = {2};
  EXPECT_THAT(error_of([&] { st::init_sweep_dir(tmp.path(), g); }),
              HasSubstr("holds a sweep of another grid: epochs ([1] there, [2] now)"));
  EXPECT_THAT(error_of([&] { st::load_sweep_grid(tmp.path() / "nope"); }),
              HasSubstr("not a sweep directory (no grid.json"));
}

// reproduce's directories take the grid of the options at hand: the cells are keyed by their
// settings hash, so the new grid's done cells stay done.
TEST(SweepDir, ReplacesAnotherGridWhenAsked) {
  TempDir tmp("sweep");
  st::Grid g = tiny();
  st::init_sweep_dir(tmp.path(), g);
  g.seeds = {0, 1};
  st::init_sweep_dir(tmp.path(), g, st::OtherGrid::kReplace);
  EXPECT_EQ(st::load_sweep_grid(tmp.path()).seeds, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(st::sweep_status(tmp.path()).cells.size(), 4u);
}

// finish_cells: every cell of a train-only grid to an end. A cell another process holds is
// waited for (here a thread holds its lock for a while, then lets go without finishing it:
// finish_cells runs it itself); a cell that fails here is reported once, not retried by the
// same call, and tried again by the next.
TEST(SweepDir, FinishCellsWaitsForRunningCellsAndReportsFailures) {
  TempDir tmp("sweep");
  st::Grid g = tiny();
  g.presets = {"none"};
  g.seeds = {0, 1, 2};
  g.probe_cells = false;
  st::init_sweep_dir(tmp.path(), g);
  const auto cells = g.expand();
  std::ofstream(st::cell_dir(tmp.path(), cells[2])) << "in the way";  // fails here
  auto lock = std::make_unique<critnet::io::RunLock>(st::cell_dir(tmp.path(), cells[1]), "test");
  std::thread holder([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    lock.reset();
  });
  std::vector<std::string> lines;
  st::StageCallbacks cb;
  cb.log = [&](const std::string& l) { lines.push_back(l); };
  const auto failed = st::finish_cells(g, tmp.path(), one_thread(), cb);
  holder.join();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.begin()->first, cells[2].id);
  EXPECT_EQ(st::cell_state(tmp.path(), cells[0]), st::CellState::kDone);
  EXPECT_EQ(st::cell_state(tmp.path(), cells[1]), st::CellState::kDone);
  bool waited = false;
  for (const auto& l : lines)
    waited |= l.find("waiting for 1 cell(s) running") != std::string::npos;
  EXPECT_TRUE(waited);
  // A train-only cell: the training, no probe, no layers, no fits.
  const json doc = critnet::io::read_json_file(st::cell_dir(tmp.path(), cells[0]) / "cell.json");
  EXPECT_TRUE(doc.at("test_accuracy").is_number());
  EXPECT_EQ(doc.at("history").size(), 1u);
  EXPECT_TRUE(doc.at("layers").empty());
  EXPECT_TRUE(doc.at("results").empty());
  EXPECT_TRUE(doc.at("spectrum_beta").is_null());
  EXPECT_FALSE(fs::exists(st::cell_dir(tmp.path(), cells[0]) / "probe"));
  // A later call tries the failed cell again (it fails the same way), and only that one.
  lines.clear();
  const auto again = st::finish_cells(g, tmp.path(), one_thread(), cb);
  EXPECT_EQ(again, failed);
  EXPECT_EQ(
      std::count_if(lines.begin(), lines.end(),
                    [](const std::string& l) { return l.find("failed") != std::string::npos; }),
      1);
}

TEST(SweepDir, StatesAndLock) {
  TempDir tmp("sweep");
  const st::Grid g = tiny();
  st::init_sweep_dir(tmp.path(), g);
  const auto cells = g.expand();
  EXPECT_EQ(st::cell_state(tmp.path(), cells[0]), st::CellState::kMissing);
  const fs::path d = st::cell_dir(tmp.path(), cells[0]);
  {
    const critnet::io::RunLock lock(d, "test");
    // flock conflicts between open files of one process too: held.
    EXPECT_TRUE(st::lock_held(d));
    EXPECT_EQ(st::cell_state(tmp.path(), cells[0]), st::CellState::kRunning);
  }
  EXPECT_FALSE(st::lock_held(d));
  EXPECT_EQ(st::cell_state(tmp.path(), cells[0]), st::CellState::kFailed);
  // A cell.json of other settings is not done.
  critnet::io::write_file_atomic(d / "cell.json",
                                 json{{"schema", st::kCellSchema}, {"hash", "x"}}.dump());
  EXPECT_EQ(st::cell_state(tmp.path(), cells[0]), st::CellState::kFailed);
}

TEST(SweepDir, RunsResumesAndCollects) {
  TempDir tmp("sweep");
  const st::Grid g = tiny();
  st::init_sweep_dir(tmp.path(), g);
  const auto cells = g.expand();
  ASSERT_EQ(cells.size(), 2u);
  st::ShardRun r = st::run_shard(g, tmp.path(), st::Shard{}, one_thread(), {});
  ASSERT_TRUE(r.failed.empty()) << r.failed[0].second;
  EXPECT_EQ(r.ran.size(), 2u);
  const st::SweepStatus s = st::sweep_status(tmp.path());
  EXPECT_EQ(s.count(st::CellState::kDone), 2);

  const json cell = critnet::io::read_json_file(st::cell_dir(tmp.path(), cells[1]) / "cell.json");
  EXPECT_EQ(cell["schema"], st::kCellSchema);
  EXPECT_EQ(cell["id"], "cw-b4-l0.01-e1-s0");
  EXPECT_EQ(cell["hash"], cells[1].hash);
  EXPECT_DOUBLE_EQ(cell["beta"].get<double>(), 4.0);
  EXPECT_TRUE(cell["test_accuracy"].is_number());
  EXPECT_TRUE(cell["median_distance_cw"].is_number());
  EXPECT_FALSE(cell["results"].empty());

  // Done cells are skipped.
  r = st::run_shard(g, tmp.path(), st::Shard{}, one_thread(), {});
  EXPECT_EQ(r.skipped.size(), 2u);
  EXPECT_TRUE(r.ran.empty());

  // A half-written cell (cell.json gone, as after a kill before the last write) is redone from
  // its checkpoint and probe, and ends the same.
  fs::remove(st::cell_dir(tmp.path(), cells[1]) / "cell.json");
  EXPECT_EQ(st::cell_state(tmp.path(), cells[1]), st::CellState::kFailed);
  std::vector<std::string> lines;
  st::StageCallbacks cb;
  cb.log = [&](const std::string& l) { lines.push_back(l); };
  r = st::run_shard(g, tmp.path(), st::Shard{}, one_thread(), cb);
  EXPECT_EQ(r.ran, std::vector<std::string>{"cw-b4-l0.01-e1-s0"});
  const json again = critnet::io::read_json_file(st::cell_dir(tmp.path(), cells[1]) / "cell.json");
  EXPECT_EQ(again["results"], cell["results"]);
  EXPECT_EQ(again["test_accuracy"], cell["test_accuracy"]);
  bool resumed = false;
  for (const auto& l : lines) resumed |= l.find("probe cw-b4-l0.01-e1-s0: done before") == 0;
  EXPECT_TRUE(resumed);

  // Collect: one row per cell × measure × layer. The report's figures need gnuplot, as the
  // run report's do: without it collect writes the tables and throws.
  if (!critnet::report::gnuplot_available()) {
    EXPECT_THROW(st::collect(tmp.path()), critnet::Error);
    EXPECT_TRUE(fs::exists(tmp.path() / "table.json"));
    GTEST_SKIP() << "gnuplot not installed: the report is not checked";
  }
  const st::CollectResult c = st::collect(tmp.path());
  EXPECT_EQ(c.done.size(), 2u);
  EXPECT_TRUE(c.missing.empty());
  const json table = critnet::io::read_json_file(c.json);
  ASSERT_EQ(table.size(), c.rows);
  std::size_t expected =
      cell["results"].size() +
      critnet::io::read_json_file(st::cell_dir(tmp.path(), cells[0]) / "cell.json")["results"]
          .size();
  EXPECT_EQ(table.size(), expected);
  for (const auto& col : st::table_columns()) EXPECT_TRUE(table[0].contains(col)) << col;
  // A layer's rows carry the HTSR α of its incoming weight, as cell.json's layers hold it;
  // the pooled rows have none.
  std::size_t with_alpha = 0;
  for (const auto& row : table) {
    if (row["layer"] == "pooled") {
      EXPECT_TRUE(row["htsr_alpha"].is_null());
      continue;
    }
    const int l = std::stoi(row["layer"].get<std::string>());
    const json& src =
        row["cell_id"] == cell["id"]
            ? cell
            : critnet::io::read_json_file(st::cell_dir(tmp.path(), cells[0]) / "cell.json");
    EXPECT_EQ(row["htsr_alpha"], src["layers"][l - 1]["htsr_alpha"]) << row.dump();
    EXPECT_EQ(row["chi1"], src["layers"][l - 1]["chi1"]) << row.dump();
    EXPECT_TRUE(row["chi1"].is_number()) << row.dump();
    with_alpha += row["htsr_alpha"].is_number();
  }
  EXPECT_GT(with_alpha, 0u);
  const std::string html = critnet::io::read_text_file(c.html);
  EXPECT_NE(html.find("HTSR α of the weight spectra"), std::string::npos);
  EXPECT_NE(html.find("measured χ₁"), std::string::npos);
  // Two sentences say what the phase diagram shows (the one cw cell against the baseline), and
  // every heatmap's colour scale is labelled.
  const auto says = html.find("<p class=\"says\">Scale invariance: at most ");
  ASSERT_NE(says, std::string::npos);
  const std::string sentence = html.substr(says, html.find("</p>", says) - says);
  EXPECT_NE(sentence.find("in any cw cell, at β = 4, λ = 0.01 (baseline "), std::string::npos)
      << sentence;
  EXPECT_NE(sentence.find("The closest approach to the Curie-Weiss point is median |a·s² − 1| = "),
            std::string::npos)
      << sentence;
  EXPECT_NE(sentence.find("measured χ₁ runs from "), std::string::npos) << sentence;
  EXPECT_NE(sentence.find("test accuracy from "), std::string::npos) << sentence;
  EXPECT_LT(says, html.find("<figure>"));
  // One cw cell at one training length: a heatmap per metric, each embedded in the page, each
  // drawn by the report's figure code with its colour scale labelled at both ends (one tic
  // when every tile has the same value; none when no tile has a value).
  std::size_t heatmaps = 0;
  for (const auto& f : c.figures) {
    const std::string name = f.svg.stem().string();
    if (name.rfind("heatmap.cw.e1.", 0) != 0) continue;
    ++heatmaps;
    EXPECT_NE(html.find("figures/" + name + ".svg"), std::string::npos) << name;
    const std::string script = critnet::io::read_text_file(f.script);
    const auto cells = critnet::report::read_csv(f.svg.parent_path() / (name + ".cells.csv"));
    const double v = cells.rows.at(0).at(cells.column("value"));
    const auto tics = script.find("set cbtics (");
    ASSERT_EQ(tics != std::string::npos, std::isfinite(v)) << name;
    if (!std::isfinite(v)) continue;
    // Each tic's text is in the SVG: "set cbtics ('0.171' 0.171, '0.175' 0.175)".
    const std::string list = script.substr(tics, script.find(')', tics) - tics);
    for (auto q = list.find('\''); q != std::string::npos;
         q = list.find('\'', list.find('\'', q + 1) + 1)) {
      const std::string text = list.substr(q + 1, list.find('\'', q + 1) - q - 1);
      EXPECT_NE(critnet::io::read_text_file(f.svg).find(">" + text + "<"), std::string::npos)
          << name << ": " << text;
    }
  }
  EXPECT_EQ(heatmaps, 7u);
  // The report names its directory by its name, not by this machine's absolute path.
  EXPECT_EQ(html.find(fs::absolute(tmp.path()).string()), std::string::npos);
  EXPECT_NE(html.find(tmp.path().filename().string() + " (this report's directory)"),
            std::string::npos);
  EXPECT_TRUE(cell["chi1_geometric_mean"].is_number());
  EXPECT_TRUE(fs::exists(c.html));
}

// A sweep over epochs trains each trajectory once: the 2-epoch cell continues the 1-epoch
// cell's training, and its results are those of a sweep that trains 2 epochs from scratch (bit
// for bit: one thread on CPU, the same computations, as a resumed run).
TEST(SweepDir, EpochCellsContinueTheEarlierEpochsTraining) {
  TempDir tmp("sweep");
  st::Grid g = tiny();
  g.presets = {"none", "paper"};
  g.epochs = {1, 2};
  const fs::path both = tmp.path() / "both", direct = tmp.path() / "direct";
  st::init_sweep_dir(both, g);
  std::vector<std::string> lines;
  st::StageCallbacks cb;
  cb.log = [&](const std::string& l) { lines.push_back(l); };
  st::ShardRun r = st::run_shard(g, both, st::Shard{}, one_thread(), cb);
  ASSERT_TRUE(r.failed.empty()) << r.failed[0].second;
  EXPECT_EQ(r.ran.size(), 4u);
  EXPECT_THAT(lines, ::testing::Contains("train none-e2-s0: continuing the training of "
                                         "none-e1-s0"));
  EXPECT_THAT(lines, ::testing::Contains("train paper-b4-l0.01-e2-s0: continuing the training "
                                         "of paper-b4-l0.01-e1-s0"));

  st::Grid two = g;
  two.epochs = {2};
  st::init_sweep_dir(direct, two);
  r = st::run_shard(two, direct, st::Shard{}, one_thread(), {});
  ASSERT_TRUE(r.failed.empty()) << r.failed[0].second;
  for (const auto& c : two.expand()) {
    const json a = critnet::io::read_json_file(st::cell_dir(both, c) / "cell.json");
    const json b = critnet::io::read_json_file(st::cell_dir(direct, c) / "cell.json");
    EXPECT_EQ(a["continued_from"], c.preset == "none" ? "none-e1-s0" : "paper-b4-l0.01-e1-s0");
    EXPECT_TRUE(b["continued_from"].is_null());
    ASSERT_EQ(a["history"].size(), 2u);
    EXPECT_EQ(a["history"], b["history"]) << c.id;
    EXPECT_EQ(a["results"], b["results"]) << c.id;
    EXPECT_EQ(a["layers"], b["layers"]) << c.id;
  }
  // The 1-epoch cells are untouched by their continuation.
  const json e1 = critnet::io::read_json_file(both / "cells" / "none-e1-s0" / "cell.json");
  EXPECT_EQ(e1["history"].size(), 1u);
  EXPECT_TRUE(e1["continued_from"].is_null());
}
