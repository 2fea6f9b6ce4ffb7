// critnet::study: grid parsing, validation (the error text) and the deterministic expansion.
#include "critnet/study/grid.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "support/error_of.h"

namespace st = critnet::study;
using json = nlohmann::json;
using critnet::test_support::error_of;
using ::testing::HasSubstr;

namespace {
json small() {
  return json::parse(R"({"schema": "critnet.grid/1",
    "data": {"source": "synthetic:12", "synthetic_train": 200, "synthetic_test": 100},
    "hidden": [16, 8], "presets": ["none", "paper", "cw"], "beta": [1, 2],
    "lambda": [0.01], "seeds": 2, "epochs": [1, 3]})");
}
std::string parse_error(const json& j) {
  return error_of([&] { st::parse_grid(j); });
}
}  // namespace

TEST(Grid, ExpandsInADeterministicOrderWithStableIds) {
  const st::Grid g = st::parse_grid(small());
  const auto cells = g.expand();
  // baseline: 2 epochs × 2 seeds; paper and cw: 2 β × 1 λ × 2 epochs × 2 seeds.
  ASSERT_EQ(cells.size(), 4u + 8u + 8u);
  EXPECT_EQ(cells[0].id, "none-e1-s0");
  EXPECT_EQ(cells[1].id, "none-e1-s1");
  EXPECT_EQ(cells[4].id, "paper-b1-l0.01-e1-s0");
  EXPECT_EQ(cells.back().id, "cw-b2-l0.01-e3-s1");
  std::set<std::string> ids, hashes;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].index, i);
    ids.insert(cells[i].id);
    hashes.insert(cells[i].hash);
    EXPECT_EQ(cells[i].hash.size(), 16u);
  }
  EXPECT_EQ(ids.size(), cells.size());
  EXPECT_EQ(hashes.size(), cells.size());
  // The same grid expands the same way, and survives its own JSON.
  const auto again = st::parse_grid(st::to_json(g)).expand();
  ASSERT_EQ(again.size(), cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(again[i].id, cells[i].id);
    EXPECT_EQ(again[i].hash, cells[i].hash);
  }
  EXPECT_EQ(st::to_json(st::parse_grid(st::to_json(g))), st::to_json(g));
}

TEST(Grid, HashChangesWithSharedSettings) {
  json j = small();
  const auto a = st::parse_grid(j).expand();
  j["probe"] = {{"bootstrap", 7}};
  const auto b = st::parse_grid(j).expand();
  EXPECT_EQ(a[5].id, b[5].id);
  EXPECT_NE(a[5].hash, b[5].hash);
}

TEST(Grid, BetaFractionsAndSeedLists) {
  json j = small();
  j.erase("beta");
  j["beta_fraction"] = {0.5};
  j["seeds"] = {3, 9};
  j["presets"] = {"cw"};
  j["epochs"] = 2;
  const auto cells = st::parse_grid(j).expand();
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].id, "cw-f0.5-l0.01-e2-s3");
  EXPECT_EQ(cells[1].seed, 9u);
  EXPECT_TRUE(cells[0].beta_is_fraction);
  EXPECT_DOUBLE_EQ(cells[0].resolved_beta(784), 392.0);
}

// β < 0 is the `paper` penalty's other sign: allowed without cw; the baseline's spectrum is
// still measured at |β|.
TEST(Grid, NegativeBetaForPaper) {
  json j = small();
  j["presets"] = {"none", "paper"};
  j["beta"] = {-196};
  const st::Grid g = st::parse_grid(j);
  const auto cells = g.expand();
  ASSERT_FALSE(cells.empty());
  bool paper = false;
  for (const auto& c : cells) {
    if (c.preset != "paper") continue;
    paper = true;
    EXPECT_DOUBLE_EQ(c.resolved_beta(784), -196.0);
  }
  EXPECT_TRUE(paper);
  EXPECT_DOUBLE_EQ(g.baseline_beta(784), 196.0);
}

TEST(Grid, BaselineOnlyNeedsNoBeta) {
  const auto cells = st::parse_grid(json{{"presets", {"none"}}, {"seeds", 3}}).expand();
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[2].id, "none-e2-s2");
}

TEST(Grid, ErrorsNameTheKey) {
  json j = small();
  j["betas"] = {1};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: unknown key 'betas'"));
  j = small();
  j["beta"] = {1, -2};
  EXPECT_THAT(parse_error(j),
              HasSubstr("grid: beta: must be finite and > 0 (the cw preset needs a = β/N > 0), "
                        "got -2"));
  j["presets"] = {"none", "paper"};
  j["beta"] = {1, 0};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: beta: must be finite and non-zero, got 0"));
  j = small();
  j["lambda"] = json::array();
  EXPECT_THAT(parse_error(j), HasSubstr("grid: lambda: the list is empty"));
  j = small();
  j["presets"] = {"paper", "bogus"};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: presets: unknown preset 'bogus'"));
  j = small();
  j.erase("presets");
  EXPECT_THAT(parse_error(j), HasSubstr("grid: presets: missing"));
  j = small();
  j["epochs"] = {1, 1};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: epochs: 1 given twice"));
  j = small();
  j["epochs"] = {0};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: epochs: must be >= 1, got 0"));
  j = small();
  j["seeds"] = "two";
  EXPECT_THAT(parse_error(j), HasSubstr("grid: seeds: must be an integer, got \"two\""));
  j = small();
  j["beta_fraction"] = {0.5};
  EXPECT_THAT(parse_error(j), HasSubstr("give either beta (absolute) or beta_fraction"));
  j = small();
  j["probe"] = {{"bootstrapp", 3}};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: unknown key 'probe.bootstrapp'"));
  j = small();
  j["schema"] = "critnet.grid/9";
  EXPECT_THAT(parse_error(j), HasSubstr("grid: schema: expected \"critnet.grid/1\""));
  j = small();
  j.erase("beta");
  EXPECT_THAT(parse_error(j), HasSubstr("grid: beta: the list is empty"));
  j = small();
  j["data"] = {{"sorce", "x"}};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: data:"));
  EXPECT_THAT(parse_error(json::array()), HasSubstr("grid: must be a JSON object"));
}

TEST(Grid, ErrorsAreInvalidArgument) {
  json j = small();
  j["lambda"] = {0};
  EXPECT_THROW(st::parse_grid(j), critnet::InvalidArgument);
}

TEST(StableHash, IsFnv1a) {
  // FNV-1a 64 of "" and "a" (the published test vectors).
  EXPECT_EQ(st::stable_hash(""), "cbf29ce484222325");
  EXPECT_EQ(st::stable_hash("a"), "af63dc4c8601ec8c");
}

// Every value bounded (critnet/core/limits.h), every integer range-checked before narrowing,
// list and grid sizes bounded before anything is expanded, duplicates found in O(n log n).
TEST(Grid, ValuesAreBoundedAndListsCheckedQuickly) {
  json j = small();
  j["probe"] = {{"bootstrap", 2000000000}};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: probe.bootstrap: must be in 0..1000000, got "
                                        "2000000000"));
  j["probe"] = {{"bootstrap", int64_t{1} << 40}};  // beyond int: refused, not wrapped to 0
  EXPECT_THAT(parse_error(j), HasSubstr("grid: probe.bootstrap: 1099511627776 is out of range"));
  j = small();
  j["hidden"] = {16, int64_t{1} << 21};
  EXPECT_THAT(parse_error(j), HasSubstr("grid: hidden: must be in 1..1048576, got 2097152"));
  j = small();
  j["batch_size"] = int64_t{1} << 30;
  EXPECT_THAT(parse_error(j), HasSubstr("grid: batch_size: must be in 1..16777216"));
  // 300,000 β values: refused by their count, before any duplicate check or expansion.
  j = small();
  j["beta"] = json::array();
  for (int i = 1; i <= 300000; ++i) j["beta"].push_back(i);
  EXPECT_THAT(parse_error(j), HasSubstr("grid: beta: 300000 entries, more than a grid's 20000"));
  // A small file that would expand to 10^7 cells.
  j = small();
  j["beta"] = json::array();
  j["lambda"] = json::array();
  for (int i = 1; i <= 1000; ++i) {
    j["beta"].push_back(i);
    j["lambda"].push_back(i * 1e-3);
  }
  j["seeds"] = 10;
  EXPECT_THAT(parse_error(j), HasSubstr("the grid expands to"));
  EXPECT_THAT(parse_error(j), HasSubstr("cells, more than 20000"));
  // The longest list allowed, with a repeat at its end: found (a quadratic check would take
  // 2·10^8 comparisons here; the sorted one takes a millisecond).
  j = small();
  j["presets"] = {"none"};
  j["seeds"] = 1;
  j["epochs"] = json::array();
  for (int i = 1; i < 20000; ++i) j["epochs"].push_back(i);
  j["epochs"].push_back(7);
  EXPECT_THAT(parse_error(j), HasSubstr("grid: epochs: 7 given twice"));
}

// "probe": false: cells that train only (reproduce's β sweep). Its own hash, no spectrum β for
// the baseline, and it survives its own JSON.
TEST(Grid, ProbeFalseTrainsOnly) {
  json j = small();
  const auto probing = st::parse_grid(j).expand();
  j["probe"] = false;
  const st::Grid g = st::parse_grid(j);
  EXPECT_FALSE(g.probe_cells);
  const auto cells = g.expand();
  ASSERT_EQ(cells.size(), probing.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].id, probing[i].id);
    EXPECT_NE(cells[i].hash, probing[i].hash);
    EXPECT_EQ(cells[i].settings.at("probe"), false);
  }
  EXPECT_FALSE(cells[0].settings.contains("spectrum_beta"));
  EXPECT_FALSE(cells[0].settings.contains("spectrum_beta_fraction"));
  EXPECT_EQ(st::to_json(g).at("probe"), false);
  EXPECT_FALSE(st::parse_grid(st::to_json(g)).probe_cells);
  j["probe"] = true;  // the recipe's defaults
  EXPECT_EQ(st::parse_grid(j).expand()[0].hash, probing[0].hash);
}
