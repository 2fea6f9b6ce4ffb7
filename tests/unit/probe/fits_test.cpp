// The probe's CSN wrapper: fits recorded, refusals recorded (not thrown), JSON fields.
#include "critnet/probe/fits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace critnet::probe {
namespace {

TEST(ProbeFits, FitsAContinuousParetoSampleAndRecordsRefusals) {
  Distribution d;
  d.measure = "node_mean";
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < 2000; ++i) d.values.push_back(std::pow(1.0 - u(gen), -1.0 / 1.5));  // α = 2.5
  d.total = 2003;
  d.dropped = 3;
  analysis::FitOptions o;
  o.bootstrap = 0;
  const FittedDistribution f = fit_distribution(d, o);
  ASSERT_TRUE(f.ok) << f.error;
  EXPECT_FALSE(f.fit.discrete);
  EXPECT_NEAR(f.fit.alpha, 2.5, 0.15);
  const nlohmann::json j = to_json(f);
  EXPECT_EQ(j["measure"], "node_mean");
  EXPECT_EQ(j["dropped"], 3);
  EXPECT_TRUE(j.contains("fit"));
  EXPECT_TRUE(j.contains("log_histogram"));
  EXPECT_EQ(comparison_verdict(f.fit).substr(0, 3), "exp");

  Distribution same;
  same.measure = "pattern_counts";
  same.discrete = true;
  same.values.assign(50, 1.0);
  const FittedDistribution g = fit_distribution(same, o);
  EXPECT_FALSE(g.ok);
  EXPECT_FALSE(g.error.empty());
  EXPECT_TRUE(to_json(g).contains("error"));
}

}  // namespace
}  // namespace critnet::probe
