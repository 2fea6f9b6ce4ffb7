#include "critnet/report/results.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "critnet/core/error.h"
#include "support/temp_dir.h"
#include "synthetic_run.h"

namespace critnet::report {
namespace {

using critnet::test_support::TempDir;
using nlohmann::json;
using ::testing::HasSubstr;

std::string parse_error(const json& doc, const std::filesystem::path& dir) {
  try {
    parse_results(doc, dir);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Results, ParsesTheSyntheticRun) {
  TempDir tmp;
  const json doc = testing::make_synthetic_run(tmp.path());
  const Results r = load_results(tmp.path());
  EXPECT_EQ(r.baseline_arm, "baseline");
  ASSERT_EQ(r.arms.size(), 2u);
  EXPECT_EQ(r.arms[1].name, "critical");
  EXPECT_DOUBLE_EQ(*r.arms[1].test_accuracy, 0.8312);
  EXPECT_TRUE(std::filesystem::exists(r.arms[0].training_curve));
  const MeasureResult& m = r.arms[1].results[0];
  EXPECT_EQ(m.measure, "activation_frequency");
  EXPECT_EQ(m.layer, "1");
  ASSERT_TRUE(m.fit);
  EXPECT_NEAR(m.fit->alpha, doc["arms"][1]["results"][0]["fit"]["alpha"].get<double>(), 0);
  EXPECT_EQ(m.fit->comparisons.size(), 2u);
  EXPECT_EQ(m.fit->comparisons[1].alternative, "lognormal");
  const MeasureResult& two = r.arms[0].results.back();
  EXPECT_EQ(two.layer, "pooled");
  EXPECT_FALSE(two.fit);
  EXPECT_EQ(two.curves.size(), 2u);
  EXPECT_EQ(two.curves[1].model, FitCurve::Model::kExponential);
  EXPECT_EQ(two.curves[1].exponent, 6.0);
  EXPECT_EQ(r.measure("weighted_degree").kind, PlotKind::kCcdf);
}

// Schema 2: every arm lists its seeds; the arm's own fields are the first seed's.
TEST(Results, ReadsSeedsOfSchema2) {
  TempDir tmp;
  const json v1 = testing::make_synthetic_run(tmp.path(), 1);
  json doc = v1;
  doc["schema"] = "critnet.results/2";
  for (auto& arm : doc["arms"]) {
    json seed = arm;
    seed.erase("name");
    json seeds = json::array();
    for (int s = 0; s < 3; ++s) {
      seed["seed"] = 10 + s;
      seed["test_accuracy"] = 0.5 + 0.1 * s;
      seeds.push_back(seed);
    }
    arm = {{"name", arm["name"]}, {"seeds", seeds}};
  }
  const Results r = parse_results(doc, tmp.path());
  ASSERT_EQ(r.arms[1].seeds.size(), 3u);
  EXPECT_EQ(r.arms[1].seeds[2].seed, 12);
  EXPECT_DOUBLE_EQ(*r.arms[1].test_accuracy, 0.5);
  EXPECT_EQ(r.arms[1].results.size(), r.arms[1].seeds[0].results.size());
  EXPECT_EQ(r.arms[1].seed_results().size(), 3u);
  EXPECT_EQ(r.arms[1].seed_accuracies().size(), 3u);
  // Schema 1 reads as one seed.
  const Results one = parse_results(v1, tmp.path());
  EXPECT_TRUE(one.arms[1].seeds.empty());
  EXPECT_EQ(one.arms[1].seed_results().size(), 1u);
  // A schema-2 arm without seeds is an error naming the field.
  doc["arms"][0].erase("seeds");
  EXPECT_THROW(parse_results(doc, tmp.path()), DataError);
}

TEST(Results, ADegenerateFitIsReadAsNoFit) {
  // alpha_se null (NaN in the fit) and KS 0: what the Hurwitz-zeta underflow wrote.
  const json fit = json::parse(R"({
    "model": "discrete_power_law", "xmin": 9741, "alpha": 81.89, "alpha_se": null,
    "n": 175, "n_tail": 10, "ks": 0.0, "p": 1.0, "comparisons": []})");
  TempDir tmp;
  json doc = testing::make_synthetic_run(tmp.path(), 1);
  doc["arms"][0]["results"][0]["fit"] = fit;
  const Results r = parse_results(doc, tmp.path());
  const MeasureResult& m = r.arms[0].results[0];
  EXPECT_FALSE(m.fit);
  EXPECT_THAT(m.fit_error, HasSubstr("invalid fit"));
}

TEST(Results, ReadsTheAnalysisLibrarysFitJson) {
  // The shape critnet::analysis::to_json(FitResult) writes (branch `analysis`).
  const json fit = json::parse(R"({
    "model": "continuous_power_law", "xmin": 3.5, "xmin_fixed": false, "alpha": 2.4,
    "alpha_se": 0.05, "n": 1000, "n_tail": 420, "ks": 0.021, "ks_convention": "csn",
    "candidates": 900, "bootstrap": 200, "bootstrap_failed": 0, "p": null, "seed": 7,
    "vuong_sd": "population",
    "comparisons": [{"alternative": "lognormal", "parameters": {"mu": 0.1, "sigma": 1.2},
                     "R": -0.7, "normalised_R": -0.4, "p": 0.66, "nested": false,
                     "favoured": "neither"}]})");
  TempDir tmp;
  json doc = testing::make_synthetic_run(tmp.path(), 1);
  doc["arms"][0]["results"][0]["fit"] = fit;
  const Results r = parse_results(doc, tmp.path());
  const CsnFit& f = *r.arms[0].results[0].fit;
  EXPECT_EQ(f.x_min, 3.5);
  EXPECT_EQ(*f.n, 1000);
  EXPECT_TRUE(std::isnan(f.p_value));  // bootstrap not run
  EXPECT_EQ(f.comparisons[0].R, -0.7);
  EXPECT_EQ(f.comparisons[0].p, 0.66);
}

TEST(Results, ErrorsNameTheField) {
  TempDir tmp;
  json doc = testing::make_synthetic_run(tmp.path(), 1);
  json bad = doc;
  bad["arms"][1]["results"][0]["fit"].erase("alpha");
  EXPECT_EQ(parse_error(bad, tmp.path()), "results: missing field arms[1].results[0].fit.alpha");
  bad = doc;
  bad["arms"][0]["results"][1]["fit"]["n_tail"] = 2.5;
  EXPECT_THAT(parse_error(bad, tmp.path()),
              HasSubstr("arms[0].results[1].fit.n_tail must be a non-negative integer"));
  bad = doc;
  bad["arms"][0]["test_accuracy"] = "high";
  EXPECT_THAT(parse_error(bad, tmp.path()),
              HasSubstr("arms[0].test_accuracy must be a number, got \"high\""));
  bad = doc;
  bad["arms"][0]["results"][0]["measure"] = "magic";
  EXPECT_THAT(parse_error(bad, tmp.path()), HasSubstr("unknown measure 'magic'"));
  bad = doc;
  bad["schema"] = "critnet.results/0";
  EXPECT_THAT(parse_error(bad, tmp.path()), HasSubstr("schema is 'critnet.results/0'"));
  bad = doc;
  bad["arms"][1]["name"] = "baseline";
  EXPECT_THAT(parse_error(bad, tmp.path()), HasSubstr("arms[1].name must be non-empty and unique"));
  bad = doc;
  bad["baseline_arm"] = "control";
  EXPECT_THAT(parse_error(bad, tmp.path()), HasSubstr("baseline_arm 'control' is not one of"));
  bad = doc;
  bad["arms"][0]["results"].push_back(bad["arms"][0]["results"][0]);
  EXPECT_THAT(parse_error(bad, tmp.path()), HasSubstr("repeats measure 'activation_frequency'"));
}

TEST(Results, MissingCsvIsNamed) {
  TempDir tmp;
  json doc = testing::make_synthetic_run(tmp.path(), 1);
  std::filesystem::remove(tmp.path() / "probe" / "weighted_degree_critical_l1.csv");
  EXPECT_THAT(parse_error(doc, tmp.path()), HasSubstr("arms[1].results[1].csv names "));
  EXPECT_THAT(parse_error(doc, tmp.path()),
              HasSubstr("weighted_degree_critical_l1.csv, which does not exist"));
}

TEST(Results, MissingResultsJsonSaysToReproduce) {
  TempDir tmp;
  try {
    load_results(tmp.path());
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("results.json (no such file; run `critnet reproduce` first)"));
  }
  std::ofstream(tmp.path() / "results.json") << "{ not json";
  try {
    load_results(tmp.path());
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("results.json: not valid JSON"));
  }
}

TEST(Results, MeasuresCanBeOverriddenAndAdded) {
  TempDir tmp;
  json doc = testing::make_synthetic_run(tmp.path(), 1);
  doc["measures"] = json::array(
      {{{"id", "activation_frequency"}, {"y_label", "count c_i"}},
       {{"id", "eigen"}, {"kind", "ccdf"}, {"x", "x"}, {"y", "ccdf"}, {"scale", "logx"}}});
  const Results r = parse_results(doc, tmp.path());
  EXPECT_EQ(r.measure("activation_frequency").y_label, "count c_i");
  EXPECT_EQ(r.measure("activation_frequency").x_label, "rank");
  EXPECT_EQ(r.measure("eigen").kind, PlotKind::kCcdf);
  EXPECT_EQ(r.measure("eigen").scale, Scale::kLogX);
  doc["measures"] = json::array({{{"id", "new"}, {"kind", "xy"}}});
  EXPECT_EQ(parse_error(doc, tmp.path()), "results: missing field measures[0].x");
  doc["measures"] = json::array({{{"id", "two_point"}, {"scale", "semilog"}}});
  EXPECT_THAT(parse_error(doc, tmp.path()), HasSubstr("measures[0].scale must be one of"));
}

TEST(Results, FitRoundTripsThroughJson) {
  CsnFit f;
  f.x_min = 2;
  f.alpha = 2.5;
  f.alpha_se = 0.1;
  f.n = 1000;
  f.n_tail = 300;
  f.ks = 0.02;
  f.p_value = 0.4;
  f.comparisons = {{"lognormal", -0.3, 0.7, "neither"}};
  json j = to_json(f);
  EXPECT_EQ(j["n"], 1000);
  EXPECT_EQ(j["comparisons"][0]["alternative"], "lognormal");
  EXPECT_EQ(j["comparisons"][0]["R"], -0.3);
  EXPECT_EQ(j["p"], 0.4);
  EXPECT_EQ(j["xmin"], 2.0);
  f.p_value = std::nan("");
  j = to_json(f);
  EXPECT_TRUE(j["p"].is_null());  // JSON has no NaN
}

}  // namespace
}  // namespace critnet::report
