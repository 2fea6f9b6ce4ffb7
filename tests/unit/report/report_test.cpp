#include "critnet/report/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "critnet/core/error.h"
#include "file_checks.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "synthetic_run.h"

namespace critnet::report {
namespace {

namespace fs = std::filesystem;
using critnet::test_support::read_file;
using critnet::test_support::TempDir;
using nlohmann::json;
using ::testing::HasSubstr;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

TEST(Report, SummaryJsonComputesTheVerdicts) {
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 2);
  const json s = summary_json(load_results(tmp.path()));
  EXPECT_EQ(s["schema"], "critnet.summary/1");
  EXPECT_EQ(s["baseline_arm"], "baseline");
  ASSERT_EQ(s["cases"].size(), 5u);  // 2 measures x 2 layers + the pooled two-point function
  const json& c0 = s["cases"][0];
  EXPECT_EQ(c0["measure"], "activation_frequency");
  EXPECT_EQ(c0["layer"], "1");
  EXPECT_EQ(c0["arms"]["critical"]["verdict"], "scale invariant");
  EXPECT_EQ(c0["arms"]["critical"]["scale_invariant"], true);
  EXPECT_EQ(c0["arms"]["critical"]["best_alternative"]["alternative"], "lognormal");
  EXPECT_EQ(c0["arms"]["baseline"]["verdict"], "rejected (goodness of fit)");
  EXPECT_EQ(c0["contrasts"]["critical"]["contrast"], "treatment_only");
  // The baseline's weighted degree passes the GoF test but the exponential is favoured.
  const json& c2 = s["cases"][2];
  EXPECT_EQ(c2["measure"], "weighted_degree");
  EXPECT_EQ(c2["arms"]["baseline"]["verdict"], "rejected (alternative favoured)");
  EXPECT_EQ(s["cases"][4]["contrasts"]["critical"]["contrast"], "untested");
  const json& all = s["overall"]["critical"];
  EXPECT_EQ(all["cases"], 4);
  EXPECT_EQ(all["treatment_only"], 4);
  EXPECT_THAT(all["statement"].get<std::string>(),
              HasSubstr("critical is scale invariant where baseline is not in 4 of 4"));
}

TEST(Report, MarkdownHasTheSideBySideTable) {
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 1);
  const std::string md = summary_markdown(load_results(tmp.path()));
  EXPECT_THAT(md, HasSubstr("| layer | baseline α ± se | baseline x_min | baseline p |"));
  EXPECT_THAT(md, HasSubstr("critical best alternative | critical scale invariant | verdict |"));
  EXPECT_THAT(md, HasSubstr("scale invariant in critical only"));
  EXPECT_THAT(md, HasSubstr("| baseline | 85.97 % |"));
  EXPECT_THAT(md, HasSubstr("![Activation frequency ranks](figures/activation_frequency.png)"));
  EXPECT_THAT(md, HasSubstr("_Rule:_ A case is scale invariant when"));
}

TEST(Report, MarkdownLeadsWithTheAnswerAndTheMatrix) {
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 2);
  Results r = load_results(tmp.path());
  std::string md = summary_markdown(r);
  // The answer comes first: the question, the headline, the matrix; the rule below it.
  EXPECT_EQ(md.find("## Answer"), md.find("## "));
  EXPECT_THAT(md, HasSubstr("_Question:_ Does critical make the trained network scale invariant"));
  EXPECT_THAT(md, HasSubstr("**critical vs baseline: yes**, in 4 of 4 cases: Activation frequency "
                            "ranks, layers 1 and 2; Weighted degree distribution, layers 1 and 2 "
                            "(scale invariant in both in 0, in neither in 0, in baseline only "
                            "in 0)."));
  EXPECT_THAT(md, HasSubstr("| Activation frequency ranks | ✓ | ✓ |"));
  EXPECT_THAT(md, HasSubstr("✓ scale invariant in critical only · = in both"));
  EXPECT_LT(md.find("**critical vs baseline: yes**"), md.find("_Rule:_"));
  EXPECT_LT(md.find("_Rule:_"), md.find("## Accuracy"));
  // No case for the treatment: the headline says no, the matrix shows ✗.
  for (auto& arm : r.arms)
    if (arm.name == "critical")
      for (auto& m : arm.results)
        if (m.fit) m.fit->p_value = 0.0;
  md = summary_markdown(r);
  EXPECT_THAT(md, HasSubstr("**critical vs baseline: no**, in none of 4 cases (scale invariant in "
                            "both in 0, in neither in 4, in baseline only in 0)."));
  EXPECT_THAT(md, HasSubstr("| Activation frequency ranks | ✗ | ✗ |"));
}

// A report travels: its configuration names the run directory as ".", not by the absolute path
// of the machine that made it.
TEST(Report, ConfigurationNamesTheRunDirectoryRelatively) {
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 1);
  Results r = load_results(tmp.path());
  r.config["out_dir"] = "/machine/that/made/it/run";
  r.config["options"] = {{"out_dir", "/machine/that/made/it/run"}, {"seeds", 3}};
  const std::string md = summary_markdown(r);
  EXPECT_THAT(md, HasSubstr("\"out_dir\": \".\""));
  EXPECT_EQ(md.find("/machine/that/made/it"), std::string::npos);
  EXPECT_EQ(summary_json(r)["config"]["out_dir"], "/machine/that/made/it/run");  // the data
}

TEST(Report, FiguresHaveOnePanelPerArmAndTheFitsOverlaid) {
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 2);
  const auto figs = make_figures(load_results(tmp.path()), tmp.path() / "figures");
  ASSERT_EQ(figs.size(), 4u);
  EXPECT_EQ(figs[0].name, "activation_frequency");
  ASSERT_EQ(figs[0].panels.size(), 2u);
  EXPECT_EQ(figs[0].panels[1].title, "critical");
  ASSERT_EQ(figs[0].panels[1].series.size(), 2u);
  const Series& s = figs[0].panels[1].series[0];
  EXPECT_THAT(s.label, HasSubstr("layer 1: α = "));
  EXPECT_THAT(s.label, HasSubstr(", p = 0.42"));
  ASSERT_EQ(s.fits.size(), 1u);
  // Rank overlay: x(r) = x_min (r / n_tail)^(-1/(alpha-1)); at r = n_tail it is x_min.
  const FitCurve& f = s.fits[0];
  EXPECT_EQ(f.x_from, 1.0);
  EXPECT_NEAR(f.c * std::pow(f.x_to, -f.exponent), 5.0, 1e-9);
  EXPECT_TRUE(f.legend.empty());
  EXPECT_EQ(figs[2].name, "two_point");
  EXPECT_EQ(figs[2].panels[0].series[0].fits.size(), 2u);
  EXPECT_EQ(figs[3].name, "training");
  EXPECT_EQ(figs[3].panels.size(), 2u);  // train_loss | test_accuracy
}

TEST(Report, BuildsEverythingAndEveryFileParses) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  TempDir tmp;
  // CRITNET_REPORT_DEMO_DIR keeps a demo report to look at in a browser.
  const char* demo = std::getenv("CRITNET_REPORT_DEMO_DIR");
  const fs::path run = demo ? fs::path(demo) : tmp.path();
  testing::make_synthetic_run(run, 4);
  const ReportFiles files = build_report(run);
  ASSERT_EQ(files.figures.size(), 4u);
  const auto figs = make_figures(load_results(run), run / "figures");
  for (std::size_t i = 0; i < figs.size(); ++i) {
    const auto& f = files.figures[i];
    std::string why;
    EXPECT_EQ(testing::xml_root(read_file(f.svg.string()), &why), "svg") << f.svg << why;
    const auto png = testing::png_info(read_file(f.png.string()));
    EXPECT_TRUE(png.ok) << f.png;
    EXPECT_EQ(png.width, static_cast<unsigned>(figs[i].panel_width_px * figs[i].panels.size()));
    EXPECT_EQ(png.height, static_cast<unsigned>(figs[i].height_px));
    EXPECT_TRUE(fs::exists(f.script));
  }
  // The data behind each figure sits beside it.
  EXPECT_TRUE(fs::exists(run / "figures" / "activation_frequency.critical.1.csv"));
  EXPECT_TRUE(fs::exists(run / "figures" / "training.baseline.csv"));

  const std::string html = read_file(files.html.string());
  std::string why;
  EXPECT_EQ(testing::xml_root(html.substr(html.find("<html")), &why), "html") << why;
  EXPECT_EQ(count(html, "src=\"data:image/svg+xml;base64,"), files.figures.size());
  EXPECT_THAT(html, HasSubstr("<section class=\"verdict\" id=\"verdict\">"));
  EXPECT_THAT(html, HasSubstr("critical is scale invariant where baseline is not in 8 of 8"));
  // The answer leads: the headline and the matrix before the rule and the per-case table,
  // which sit in collapsed blocks.
  const auto headline = html.find("<span class=\"badge yes\">critical vs baseline: yes</span>");
  ASSERT_NE(headline, std::string::npos);
  EXPECT_LT(html.find("<h2>Answer</h2>"), headline);
  EXPECT_LT(headline, html.find("<table class=\"matrix\">"));
  EXPECT_LT(html.find("<table class=\"matrix\">"), html.find("<details><summary>The rule"));
  EXPECT_LT(html.find("<details><summary>The rule"),
            html.find("<details><summary>Every case, per arm and seed"));
  EXPECT_EQ(count(html, "<td class=\"cell yes\""), 8u);
  EXPECT_EQ(count(html, ">scale invariant in critical only</span>"), 8u);  // the overview
  EXPECT_EQ(count(html, ">critical only</span>"), 8u);                     // the fit tables
  EXPECT_THAT(html, HasSubstr("<h2 id=\"weighted_degree\">Weighted degree distribution</h2>"));
  const json s = json::parse(read_file(files.summary_json.string()));
  EXPECT_EQ(s["cases"].size(), 9u);
  EXPECT_THAT(read_file(files.summary_md.string()), HasSubstr("## Accuracy"));

  // Rebuilding is idempotent (the CSV copies already sit beside the figures).
  EXPECT_NO_THROW(build_report(run));
}

TEST(Report, MissingCsvIsADataErrorNamingIt) {
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 1);
  fs::remove(tmp.path() / "train" / "critical.csv");
  try {
    build_report(tmp.path());
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("arms[1].training_curve names"));
    EXPECT_THAT(e.what(), HasSubstr("critical.csv, which does not exist"));
  }
}

TEST(Report, RankCsvWithoutTheColumnIsNamed) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  TempDir tmp;
  testing::make_synthetic_run(tmp.path(), 1);
  write_csv(tmp.path() / "probe" / "activation_frequency_baseline_l1.csv", {"r", "v"}, {{1}, {2}});
  try {
    build_report(tmp.path());
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no column 'rank' (columns: r, v)"));
  }
}

}  // namespace
}  // namespace critnet::report

namespace critnet::report {
namespace {

TEST(Report, EveryTreatmentArmIsComparedWithTheBaseline) {
  TempDir tmp;
  nlohmann::json doc = testing::make_synthetic_run(tmp.path(), 1);
  nlohmann::json l2 = doc["arms"][0];  // a copy of the baseline
  l2["name"] = "l2";
  doc["arms"].push_back(l2);
  doc["baseline_arm"] = "baseline";
  const Results r = parse_results(doc, tmp.path());
  const nlohmann::json s = summary_json(r);
  EXPECT_EQ(s["cases"][0]["contrasts"]["critical"]["contrast"], "treatment_only");
  EXPECT_EQ(s["cases"][0]["contrasts"]["l2"]["contrast"], "neither");
  EXPECT_EQ(s["overall"]["l2"]["neither"], 2);
  EXPECT_EQ(s["overall"]["l2"]["treatment_only"], 0);
  EXPECT_THAT(s["overall"]["l2"]["statement"].get<std::string>(),
              ::testing::HasSubstr("l2 is scale invariant where baseline is not in 0 of 2"));
  const std::string md = summary_markdown(r);
  EXPECT_THAT(md, ::testing::HasSubstr("**l2 vs baseline:**"));
  EXPECT_THAT(md,
              ::testing::HasSubstr(
                  "critical: scale invariant in critical only; l2: scale invariant in neither"));
}

}  // namespace
}  // namespace critnet::report
