// `critnet edge` through the CLI binary: a point's JSON keys and phase, the critical line,
// the phase diagram's files, and bad input (exit 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "critnet/report/figure.h"
#include "support/cli.h"
#include "support/temp_dir.h"

using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

TEST(EdgeCli, PointAsTextAndJson) {
  CliResult r = run_critnet(
      {"edge", "--activation", "tanh", "--sigma-w2", "2.5", "--sigma-b2", "0.05", "--depth", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tanh at σ_w² = 2.5, σ_b² = 0.05: chaotic"));
  EXPECT_THAT(r.out, HasSubstr("depth 5: the Jacobian's squared singular values"));
  r = run_critnet({"edge", "--activation", "tanh", "--sigma-w2", "2.5", "--sigma-b2", "0.05",
                   "--depth", "5", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"q_star", "c_star", "chi1", "xi_q", "xi_c", "phase", "mu2_over_mu1_sq",
                        "jacobian_mean", "jacobian_variance", "jacobian_variance_orthogonal"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["phase"], "chaotic");
  EXPECT_GT(j["chi1"].get<double>(), 1.0);
  EXPECT_LT(j["c_star"].get<double>(), 1.0);
  // χ₁^5, from the document's own χ₁ (one rounding per product).
  EXPECT_NEAR(j["jacobian_mean"].get<double>(), std::pow(j["chi1"].get<double>(), 5),
              1e-14 * j["jacobian_mean"].get<double>());
}

TEST(EdgeCli, CriticalLineAndPhaseDiagram) {
  TempDir tmp("edge");
  CliResult r = run_critnet(
      {"edge", "--activation", "erf", "--critical-line", "--sigma-b2", "0,0.05", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["critical_line"].size(), 2u);
  EXPECT_EQ(j["activation"], "erf");
  // π/4 to the quadrature's accuracy (docs/theory.md: 1e-12).
  EXPECT_NEAR(j["critical_line"][0]["sigma_w2"].get<double>(), M_PI / 4, 1e-12);
  EXPECT_GT(j["critical_line"][1]["sigma_w2"].get<double>(), M_PI / 4);
  if (!critnet::report::gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  // ReLU's chaotic cells have a diverging q*, so its diagram is quick to compute.
  r = run_critnet({"edge", "--activation", "relu", "--critical-line", "--sigma-b2", "0,0.1",
                   "--plot", tmp.file("plot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f :
       {"edge_relu.svg", "edge_relu.gp", "edge_relu.grid.csv", "edge_relu.line.csv"})
    EXPECT_TRUE(std::filesystem::exists(tmp.path() / "plot" / f)) << f;
}

TEST(EdgeCli, BadInput) {
  CliResult r = run_critnet({"edge", "--sigma-w2", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--sigma-w2"));
  r = run_critnet({"edge", "--sigma-w2", "1", "--sigma-b2", "-0.1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_critnet({"edge", "--sigma-w2", "1", "--activation", "gelu"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--activation"));
  r = run_critnet({"edge", "--sigma-w2", "1", "--critical-line"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exclude each other"));
  r = run_critnet({"edge"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--sigma-w2 is required"));
  r = run_critnet({"edge", "--sigma-w2", "1", "--sigma-b2", "0,0.1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_critnet({"edge", "--critical-line", "--sigma-b2", "0,-1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}
