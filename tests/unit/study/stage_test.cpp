// critnet::study::cell_document: the sweep's cell.json judges probe.json's entries exactly as
// the report judges results.json's (report::parse_entry_fit, report::assess_entry).
#include "critnet/study/stage.h"

#include <gtest/gtest.h>

#include "critnet/core/error.h"
#include "critnet/report/results.h"
#include "critnet/report/verdict.h"
#include "critnet/study/grid.h"

namespace st = critnet::study;
namespace report = critnet::report;
using json = nlohmann::json;

namespace {

json grid_json() {
  return json::parse(R"({"schema": "critnet.grid/1",
    "data": {"source": "synthetic:12", "synthetic_train": 200, "synthetic_test": 100},
    "hidden": [16, 8], "presets": ["none"], "seeds": 1, "epochs": [1]})");
}

json probe_doc(const json& results) {
  return {{"layers", json::array({{{"layer", 1},
                                   {"width", 16},
                                   {"spectrum",
                                    {{"a", 0.5},
                                     {"eigenvalues", {2.0, 1.0}},
                                     {"cw_distance_median", 0.25},
                                     {"stable_rank", 1.5}}},
                                   {"activation_frequency", {{"never_active", 3}}}}})},
          {"results", results}};
}

TEST(Stage, CellRowsCarryTheReportsVerdictOnEachEntry) {
  const st::Grid grid = st::parse_grid(grid_json());
  const st::Cell cell = grid.expand().at(0);
  const json good = json::parse(R"({"xmin": 3, "alpha": 2.5, "alpha_se": 0.1, "n": 1000,
    "n_tail": 200, "tail_max": 3000, "ks": 0.03, "p": 0.42, "comparisons": []})");
  json degenerate = good;
  degenerate["alpha_se"] = nullptr;
  const json entries = json::array(
      {{{"measure", "avalanche_size"}, {"layer", 1}, {"fit", good}},
       {{"measure", "avalanche_size"}, {"layer", 2}, {"fit", degenerate}},
       {{"measure", "two_point"}, {"layer", "pooled"}, {"fit_error", "judged by the regressions"}},
       {{"measure", "activation_frequency"}, {"layer", 1}}});  // neither: not a fitted entry
  const json doc = st::cell_document(grid, cell, 12, {}, probe_doc(entries));
  const json& rows = doc.at("results");
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const report::EntryFit entry = report::parse_entry_fit(entries[i], "e");
    const report::FitVerdict v = report::assess_entry(entry, grid.rule);
    EXPECT_EQ(rows[i].at("verdict"), report::to_string(v.plausibility)) << i;
    EXPECT_EQ(rows[i].at("scale_invariant"), v.scale_invariant()) << i;
    EXPECT_EQ(rows[i].at("reason"), v.reason) << i;
    if (entry.fit)
      EXPECT_FALSE(rows[i].contains("fit_error")) << i;
    else
      EXPECT_EQ(rows[i].at("fit_error"), entry.fit_error) << i;
  }
  EXPECT_EQ(rows[0].at("layer"), "1");
  EXPECT_EQ(rows[0].at("verdict"), "scale invariant");
  EXPECT_EQ(rows[0].at("xmin"), 3.0);
  EXPECT_DOUBLE_EQ(rows[0].at("tail_decades").get<double>(), 3.0);
  EXPECT_EQ(rows[1].at("verdict"), "no fit");
  EXPECT_EQ(rows[2].at("layer"), "pooled");
  EXPECT_EQ(rows[2].at("reason"), "no fit: judged by the regressions");
  EXPECT_EQ(doc.at("dead_units"), 3);
}

TEST(Stage, AMalformedFitNamesItsEntry) {
  const st::Grid grid = st::parse_grid(grid_json());
  const json entries =
      json::array({{{"measure", "avalanche_size"}, {"layer", 1}, {"fit", {{"alpha", 2.0}}}}});
  try {
    st::cell_document(grid, grid.expand().at(0), 12, {}, probe_doc(entries));
    ADD_FAILURE();
  } catch (const critnet::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("probe.json results[0].fit"), std::string::npos)
        << e.what();
  }
}

}  // namespace

// median_distance_cw is the median of |a·s² − 1| over every mode of every layer: probe.json's
// "eigenvalues" are a·s² already, and the zero modes count at distance 1 (as each layer's
// cw_distance_median counts them). The values are exact in binary, so the median is too.
TEST(Stage, MedianDistanceIsOverEveryModeOfAS2) {
  const st::Grid grid = st::parse_grid(grid_json());
  const st::Cell cell = grid.expand().at(0);
  json doc = probe_doc(json::array());
  doc["layers"][0]["spectrum"]["eigenvalues"] = {2.0, 1.0, 0.5};  // distances 1, 0, 0.5
  doc["layers"][0]["spectrum"]["num_zero_modes"] = 1;             // 1
  json second = doc["layers"][0];
  second["layer"] = 2;
  second["spectrum"]["a"] = 0.25;
  second["spectrum"]["eigenvalues"] = {1.25};  // 0.25
  second["spectrum"]["num_zero_modes"] = 0;
  second["spectrum"]["num_numerical_zero_modes"] = 1;  // 1
  doc["layers"].push_back(second);
  // Distances 0, 0.25, 0.5, 1, 1, 1: the median is 0.75.
  EXPECT_EQ(st::cell_document(grid, cell, 12, {}, doc).at("median_distance_cw"), 0.75);
}
