// The criticality atlas of a run (report/atlas.h): per arm and layer over seeds, the distance
// from the Curie-Weiss point and the HTSR tail, the rule that says which notions an arm
// reaches, the sentence per arm, and where it shows (summary.json, summary.md, report.html).
#include "critnet/report/atlas.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "critnet/core/error.h"
#include "critnet/report/csv.h"
#include "critnet/report/figure.h"
#include "critnet/report/report.h"

namespace critnet::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

AtlasLayer layer(const std::string& l, double cw, double alpha, const std::string& verdict,
                 const std::string& label = "") {
  AtlasLayer a;
  a.layer = l;
  a.cw_distance = cw;
  a.htsr_alpha = alpha;
  a.htsr_verdict = verdict;
  a.htsr_label = label.empty() ? verdict : label;
  return a;
}

AtlasLayer mp_bulk(AtlasLayer l) {
  l.htsr_mp_bulk = true;
  return l;
}

// Two layers, three seeds. cw: layer 1 at the point (distances 0.08, 0.09, 0.10: mean 0.09),
// layer 2 not (0.5); baseline: layer 2 heavy-tailed in 2 of 3 seeds, layer 1 an MP bulk.
Results run() {
  Results r;
  r.title = "atlas";
  r.baseline_arm = "baseline";
  r.measures = default_measures();
  Arm base, cw;
  base.name = "baseline";
  cw.name = "cw";
  for (int s = 0; s < 3; ++s) {
    SeedRun b, c;
    b.seed = c.seed = s;
    b.atlas = {mp_bulk(layer("1", 0.97, 9.0 + s, "", "MP bulk: no tail")),
               layer("2", 0.96, 2.0 + 0.1 * s, s < 2 ? "scale invariant" : "no fit")};
    c.atlas = {layer("1", 0.08 + 0.01 * s, 4.0, "rejected (goodness of fit)"),
               layer("2", 0.5, 5.0, "scale invariant")};
    if (s > 0) c.atlas[1].htsr_verdict = "rejected (alternative favoured)";  // 1 of 3 seeds
    base.seeds.push_back(b);
    cw.seeds.push_back(c);
  }
  base.atlas = base.seeds.front().atlas;
  cw.atlas = cw.seeds.front().atlas;
  r.arms = {base, cw};
  return r;
}

TEST(Atlas, CountsSeedsAndAppliesTheRule) {
  const auto atlas = atlas_of(run());
  ASSERT_EQ(atlas.size(), 2u);
  const AtlasArm& base = atlas[0];
  const AtlasArm& cw = atlas[1];
  ASSERT_EQ(cw.layers.size(), 2u);
  EXPECT_EQ(cw.layers[0].layer, "1");
  EXPECT_EQ(cw.layers[0].seeds, 3);
  EXPECT_TRUE(cw.layers[0].at_cw_point(AtlasRule{}));        // mean 0.09 <= 0.1
  EXPECT_FALSE(cw.layers[0].at_cw_point(AtlasRule{0.085}));  // but not <= 0.085
  EXPECT_FALSE(cw.layers[1].at_cw_point(AtlasRule{}));       // 0.5
  EXPECT_EQ(cw.layers[1].heavy_tailed, 1);
  EXPECT_FALSE(cw.layers[1].heavy_tailed_majority());  // 1 of 3
  EXPECT_EQ(base.layers[1].heavy_tailed, 2);
  EXPECT_TRUE(base.layers[1].heavy_tailed_majority());  // 2 of 3
  EXPECT_EQ(base.layers[0].mp_bulk, 3);
  EXPECT_FALSE(base.layers[0].at_cw_point(AtlasRule{}));
}

TEST(Atlas, SentencesSayWhichNotionsEachArmReaches) {
  const auto atlas = atlas_of(run());
  EXPECT_EQ(atlas[1].sentence,
            "cw: at the Curie-Weiss point in layer 1 (median |a·s² − 1| = 0.09 ± 0.01); no "
            "heavy-tailed weight spectrum (HTSR) in any layer.");
  EXPECT_EQ(atlas[0].sentence,
            "baseline: not at the Curie-Weiss point in any layer (median |a·s² − 1| ≥ 0.96); a "
            "heavy-tailed weight spectrum (HTSR) in layer 2 (α = 2.1 ± 0.1 in 2/3 seeds).");
}

TEST(Atlas, EdgeOfChaosFromTheMeasuredChi1) {
  Results r = run();
  for (auto& arm : r.arms) {
    for (auto& seed : arm.seeds) {
      seed.atlas[0].chi1 = 0.30;  // ordered
      seed.atlas[1].chi1 = arm.name == "cw" ? 1.04 : 0.5;
      seed.atlas[1].chi1_mean_field = 0.9;
    }
  }
  const auto atlas = atlas_of(r);
  EXPECT_TRUE(atlas[1].layers[1].at_edge_of_chaos(AtlasRule{}));  // |1.04 − 1| ≤ 0.05
  EXPECT_FALSE(atlas[1].layers[1].at_edge_of_chaos(AtlasRule{0.1, 0.03}));
  EXPECT_THAT(atlas[1].sentence, HasSubstr("; at the edge of chaos in layer 2 (χ₁ = 1.04 ± 0)."));
  EXPECT_THAT(atlas[0].sentence,
              HasSubstr("; not at the edge of chaos in any layer (measured χ₁ from 0.3 to 0.5: "
                        "ordered)."));
  const json j = atlas_json(atlas);
  EXPECT_EQ(j["arms"][1]["layers"][1]["at_edge_of_chaos"], true);
  EXPECT_NEAR(j["arms"][1]["layers"][1]["chi1_mean_field"].get<double>(), 0.9, 1e-15);
  EXPECT_THAT(summary_markdown(r), HasSubstr("| 1.04 ± 0 ✓ (0.9) |"));
}

TEST(Atlas, NetworkJacobianSummaryOverSeeds) {
  Results r = run();
  for (auto& arm : r.arms)
    for (std::size_t s = 0; s < arm.seeds.size(); ++s) {
      AtlasNetwork n;
      n.chi1_geometric_mean = 0.5 + 0.1 * static_cast<double>(s);  // 0.5, 0.6, 0.7
      n.jacobian_mean = 2.0;
      n.jacobian_max = 8.0;
      n.jacobian_min = 0.25;
      if (arm.name == "baseline" && s == 2) n.jacobian_mean.reset();  // one seed without
      arm.seeds[s].atlas_network = n;
    }
  const auto atlas = atlas_of(r);
  EXPECT_EQ(atlas[0].jacobian_mean.size(), 2u);
  EXPECT_EQ(atlas[1].chi1_geometric_mean.size(), 3u);
  const json net = atlas_json(atlas)["arms"][1]["network"];
  EXPECT_EQ(net["seeds"], 3);
  // The mean of 0.5, 0.6, 0.7 and its sd 0.1: three-term sums, error a few ulps.
  EXPECT_NEAR(net["chi1_geometric_mean_mean"].get<double>(), 0.6, 1e-15);
  EXPECT_NEAR(net["chi1_geometric_mean_sd"].get<double>(), 0.1, 1e-14);
  EXPECT_EQ(net["jacobian_max_mean"], 8.0);
  EXPECT_EQ(net["jacobian_min_mean"], 0.25);
  const std::string md = summary_markdown(r);
  EXPECT_THAT(md, HasSubstr("input-output Jacobian"));
  EXPECT_THAT(md, HasSubstr("| cw | 3 | 0.6 ± 0.1 | 2 ± 0 | 0.25 ± 0 | 8 ± 0 |"));
  // Without any network summary there is no such table.
  for (auto& arm : r.arms)
    for (auto& seed : arm.seeds) seed.atlas_network.reset();
  EXPECT_THAT(summary_markdown(r), Not(HasSubstr("input-output Jacobian")));
}

TEST(Atlas, JsonHoldsMeansAndCounts) {
  const json j = atlas_json(atlas_of(run()));
  EXPECT_EQ(j["rule"]["cw_tolerance"], 0.1);
  const json& l1 = j["arms"][1]["layers"][0];
  EXPECT_EQ(j["arms"][1]["arm"], "cw");
  // mean of 0.08, 0.09, 0.10 and its sd 0.01: sums of three terms, error a few ulps.
  EXPECT_NEAR(l1["cw_distance_mean"].get<double>(), 0.09, 1e-15);
  EXPECT_NEAR(l1["cw_distance_sd"].get<double>(), 0.01, 1e-14);
  EXPECT_EQ(l1["at_cw_point"], true);
  const json& b2 = j["arms"][0]["layers"][1];
  EXPECT_EQ(b2["heavy_tailed_seeds"], 2);
  EXPECT_EQ(b2["heavy_tailed"], true);
  EXPECT_NEAR(b2["htsr_alpha_mean"].get<double>(), 2.1, 1e-14);
}

TEST(Atlas, AbsentWithoutAtlasEntries) {
  Results r = run();
  for (auto& a : r.arms) {
    a.atlas.clear();
    for (auto& s : a.seeds) s.atlas.clear();
  }
  EXPECT_TRUE(atlas_of(r).empty());
  EXPECT_FALSE(summary_json(r).contains("atlas"));
  EXPECT_THAT(summary_markdown(r), Not(HasSubstr("## Atlas")));
}

TEST(Atlas, ResultsJsonRoundTrip) {
  const json doc = {{"schema", kResultsSchema},
                    {"baseline_arm", "baseline"},
                    {"arms",
                     {{{"name", "baseline"},
                       {"seeds",
                        {{{"seed", 0},
                          {"atlas",
                           {{{"layer", 1},
                             {"cw_distance_median", 0.25},
                             {"htsr",
                              {{"alpha", 3.5},
                               {"mp_bulk", true},
                               {"label", "MP bulk: no tail"},
                               {"verdict", nullptr}}},
                             {"signal", {{"chi1", 0.7}, {"chi1_mean_field", nullptr}}}},
                            {{"layer", 2},
                             {"cw_distance_median", nullptr},
                             {"htsr", {{"error", "fewer than 10 eigenvalues"}}}}}}}}}}}}};
  const Results r = parse_results(doc, fs::temp_directory_path());
  ASSERT_EQ(r.arms[0].atlas.size(), 2u);
  EXPECT_EQ(r.arms[0].atlas[0].layer, "1");
  EXPECT_EQ(*r.arms[0].atlas[0].cw_distance, 0.25);
  EXPECT_EQ(*r.arms[0].atlas[0].htsr_alpha, 3.5);
  EXPECT_EQ(r.arms[0].atlas[0].htsr_verdict, "");
  EXPECT_TRUE(r.arms[0].atlas[0].htsr_mp_bulk);
  EXPECT_FALSE(r.arms[0].atlas[1].htsr_mp_bulk);
  EXPECT_EQ(*r.arms[0].atlas[0].chi1, 0.7);
  EXPECT_FALSE(r.arms[0].atlas[0].chi1_mean_field);
  EXPECT_FALSE(r.arms[0].atlas[1].cw_distance);
  EXPECT_FALSE(r.arms[0].atlas[1].htsr_alpha);
  EXPECT_EQ(r.arms[0].atlas[1].htsr_error, "fewer than 10 eigenvalues");

  EXPECT_FALSE(r.arms[0].seeds[0].atlas_network);
  json with_network = doc;
  with_network["arms"][0]["seeds"][0]["atlas_network"] = {
      {"chi1_geometric_mean", 0.9},
      {"phase", "ordered"},
      {"jacobian",
       {{"samples", 256}, {"rank", 10}, {"mean", 1.5}, {"max", 4.0}, {"min", nullptr}}}};
  const Results rn = parse_results(with_network, fs::temp_directory_path());
  ASSERT_TRUE(rn.arms[0].seeds[0].atlas_network);
  EXPECT_EQ(*rn.arms[0].seeds[0].atlas_network->chi1_geometric_mean, 0.9);
  EXPECT_EQ(*rn.arms[0].seeds[0].atlas_network->jacobian_mean, 1.5);
  EXPECT_FALSE(rn.arms[0].seeds[0].atlas_network->jacobian_min);
  with_network["arms"][0]["seeds"][0]["atlas_network"]["jacobian"] = 3;
  EXPECT_THROW(parse_results(with_network, fs::temp_directory_path()), DataError);

  json bad = doc;
  bad["arms"][0]["seeds"][0]["atlas"][1]["layer"] = 1;
  EXPECT_THROW(parse_results(bad, fs::temp_directory_path()), DataError);  // repeated layer
  bad["arms"][0]["seeds"][0]["atlas"] = "x";
  EXPECT_THROW(parse_results(bad, fs::temp_directory_path()), DataError);
}

TEST(Atlas, ReportLeadsWithTheAtlasSectionAndFigure) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  const fs::path dir = fs::temp_directory_path() / ("critnet_atlas_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const ReportFiles files = build_report(run(), dir);
  std::stringstream html;
  html << std::ifstream(files.html).rdbuf();
  EXPECT_THAT(html.str(), HasSubstr("id=\"atlas\""));
  EXPECT_THAT(html.str(), HasSubstr("cw: at the Curie-Weiss point in layer 1"));
  EXPECT_TRUE(fs::exists(dir / "figures" / "atlas.svg"));
  EXPECT_TRUE(fs::exists(dir / "figures" / "atlas.cw.csv"));
  const CsvTable t = read_csv(dir / "figures" / "atlas.cw.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_NEAR(t.rows[0][t.column("cw_distance")], 0.09, 1e-15);
  std::stringstream md;
  md << std::ifstream(files.summary_md).rdbuf();
  EXPECT_THAT(md.str(), HasSubstr("## Atlas"));
  EXPECT_THAT(md.str(), HasSubstr("| cw | 1 | 0.09 ± 0.01 ✓ | 4 ± 0 |"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace critnet::report
