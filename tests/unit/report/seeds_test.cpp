// Verdict rule 2 over seeds: the report counts the seeds of every arm ("2/3 seeds"), gives α
// as mean ± sd over seeds, and the claim holds in a case only when the treatment arm is scale
// invariant in a majority of seeds and the baseline in a minority.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/report/report.h"
#include "critnet/report/verdict.h"

namespace critnet::report {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A fit that passes every test (wide tail, p = 0.5) or fails goodness of fit (p = 0.01).
CsnFit fit(bool scale_invariant, double alpha) {
  CsnFit f;
  f.x_min = 1.0;
  f.alpha = alpha;
  f.alpha_se = 0.05;
  f.n = 2000;
  f.n_tail = 500;
  f.tail_max = 1000.0;
  f.ks = 0.03;
  f.p_value = scale_invariant ? 0.5 : 0.01;
  return f;
}

// Three layers of one measure; `pattern[layer][seed]` says whether that seed is scale invariant.
Arm arm(const std::string& name, const std::vector<std::vector<bool>>& pattern) {
  Arm a;
  a.name = name;
  for (int s = 0; s < 3; ++s) {
    SeedRun run;
    run.seed = s;
    run.test_accuracy = 0.80 + 0.01 * s;
    for (std::size_t l = 0; l < pattern.size(); ++l) {
      MeasureResult m;
      m.measure = "activation_frequency";
      m.layer = std::to_string(l + 1);
      m.csv = "unused.csv";
      m.fit = fit(pattern[l][s], 2.0 + 0.1 * s);
      run.results.push_back(m);
    }
    a.seeds.push_back(run);
  }
  a.test_accuracy = a.seeds.front().test_accuracy;
  a.results = a.seeds.front().results;
  return a;
}

Results three_seeds() {
  Results r;
  r.title = "three seeds";
  r.baseline_arm = "baseline";
  r.measures = default_measures();
  // layer 1: paper 2/3, baseline 1/3 -> the claim holds; layer 2: 3/3 and 2/3 -> both;
  // layer 3: 1/3 and 0/3 -> neither.
  r.arms.push_back(
      arm("baseline", {{true, false, false}, {true, true, false}, {false, false, false}}));
  r.arms.push_back(arm("paper", {{false, true, true}, {true, true, true}, {false, false, true}}));
  return r;
}

TEST(Seeds, CountsAndTheMajorityRule) {
  const json s = summary_json(three_seeds());
  ASSERT_EQ(s["cases"].size(), 3u);
  const json& c1 = s["cases"][0];
  EXPECT_EQ(c1["arms"]["paper"]["seeds"], 3);
  EXPECT_EQ(c1["arms"]["paper"]["scale_invariant_seeds"], 2);
  EXPECT_EQ(c1["arms"]["paper"]["scale_invariant"], true);  // a majority
  EXPECT_EQ(c1["arms"]["baseline"]["scale_invariant_seeds"], 1);
  EXPECT_EQ(c1["arms"]["baseline"]["scale_invariant"], false);
  EXPECT_EQ(c1["contrasts"]["paper"]["contrast"], "treatment_only");
  EXPECT_EQ(s["cases"][1]["contrasts"]["paper"]["contrast"], "both");
  EXPECT_EQ(s["cases"][2]["contrasts"]["paper"]["contrast"], "neither");
  // α: mean ± sd over the seeds (2.0, 2.1, 2.2).
  EXPECT_NEAR(c1["arms"]["paper"]["alpha_mean"].get<double>(), 2.1, 1e-12);
  EXPECT_NEAR(c1["arms"]["paper"]["alpha_sd"].get<double>(), 0.1, 1e-12);
  ASSERT_EQ(c1["arms"]["paper"]["per_seed"].size(), 3u);
  EXPECT_EQ(c1["arms"]["paper"]["per_seed"][0]["verdict"], "rejected (goodness of fit)");
  // The accuracy is the mean over seeds.
  EXPECT_NEAR(s["arms"][1]["test_accuracy"].get<double>(), 0.81, 1e-12);
  EXPECT_EQ(s["arms"][1]["seeds"], 3);
  const json& all = s["overall"]["paper"];
  EXPECT_EQ(all["treatment_only"], 1);
  EXPECT_EQ(all["both"], 1);
  EXPECT_EQ(all["neither"], 1);
  EXPECT_THAT(all["statement"].get<std::string>(),
              HasSubstr("paper is scale invariant in a majority of seeds where baseline is so "
                        "in a minority in 1 of 3"));
  EXPECT_THAT(all["statement"].get<std::string>(),
              HasSubstr("[paper: 2/3 seeds, baseline: 1/3 seeds]"));
  EXPECT_THAT(s["rule"]["seed_rule"].get<std::string>(), HasSubstr("majority"));
}

TEST(Seeds, MarkdownStatesCountsAndTheRule) {
  const std::string md = summary_markdown(three_seeds());
  EXPECT_THAT(md, HasSubstr("**2/3 seeds**"));
  EXPECT_THAT(md, HasSubstr("| 1/3 seeds |"));
  EXPECT_THAT(md, HasSubstr("α (mean ± sd)"));
  EXPECT_THAT(md, HasSubstr(seed_rule_text()));
  EXPECT_THAT(md, HasSubstr("81.00 ± 1.00 % (3 seeds)"));
}

TEST(Seeds, ContrastOverSeedCounts) {
  auto n = [](int seeds, int fitted, int yes) { return SeedCount{seeds, fitted, yes}; };
  EXPECT_EQ(contrast(n(3, 3, 0), n(3, 3, 3)), Contrast::kTreatmentOnly);
  EXPECT_EQ(contrast(n(3, 3, 1), n(3, 3, 2)), Contrast::kTreatmentOnly);
  EXPECT_EQ(contrast(n(3, 3, 2), n(3, 3, 2)), Contrast::kBoth);
  EXPECT_EQ(contrast(n(3, 3, 1), n(3, 3, 1)), Contrast::kNeither);
  EXPECT_EQ(contrast(n(3, 3, 3), n(3, 3, 0)), Contrast::kBaselineOnly);
  // A tie (k = n/2) is neither a majority nor a minority: the claim does not hold.
  EXPECT_EQ(contrast(n(2, 2, 1), n(2, 2, 2)), Contrast::kBoth);
  EXPECT_EQ(contrast(n(2, 2, 0), n(2, 2, 1)), Contrast::kNeither);
  // Fits missing in half the seeds or more: incomplete; in every seed of both arms: untested.
  EXPECT_EQ(contrast(n(3, 1, 0), n(3, 3, 3)), Contrast::kIncomplete);
  EXPECT_EQ(contrast(n(3, 0, 0), n(3, 0, 0)), Contrast::kUntested);
  // The counts of per-seed verdicts.
  const SeedCount c =
      count_seeds({assess(fit(true, 2.0)), assess(fit(false, 2.0)), assess(std::nullopt)});
  EXPECT_EQ(c.seeds, 3);
  EXPECT_EQ(c.fitted, 2);
  EXPECT_EQ(c.scale_invariant, 1);
  EXPECT_FALSE(c.majority());
  EXPECT_TRUE(c.minority());
}

}  // namespace
}  // namespace critnet::report
