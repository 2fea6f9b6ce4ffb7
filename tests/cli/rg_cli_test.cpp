// CLI tests of `critnet rg`, `rg-flow`, `gaussian` and `meanfield`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "critnet/nn/mlp.h"
#include "support/cli.h"
#include "support/temp_dir.h"

using ::testing::HasSubstr;

namespace {

using critnet::test_support::CliResult;

CliResult run(const std::string& args) {
  return critnet::test_support::run_critnet_shell(args);
}

}  // namespace

// The check: at d = 3, r = 0 the |x|^-1 law over at least a decade.
TEST(RgCli, GaussianPowerLawThreeDimensions) {
  const CliResult r = run("gaussian --dim 3 --r 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["fit"]["decades"].get<double>(), 1.0);
  EXPECT_NEAR(j["fit"]["eta"].get<double>(), 1.0, 0.02);
  EXPECT_EQ(j["x"].size(), 129u);  // default L = 256
  EXPECT_THAT(r.err, HasSubstr("eta = "));
}

// The check: at r = 0.01 (g = 1) an exponential with ξ within 5% of sqrt(g/r) = 10.
TEST(RgCli, GaussianExponentialThreeDimensions) {
  const CliResult r = run("gaussian --dim 3 --r 0.01 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["fit"]["xi"].get<double>(), 10.0, 0.5);
  EXPECT_NEAR(j["fit"]["relative_error_vs_continuum"].get<double>(), 0.0, 0.05);
}

TEST(RgCli, GaussianCsvOneDimensionHasClosedForm) {
  const CliResult r = run("gaussian --dim 1 --size 32 --r 0.5 --g 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "x,G,G_subtracted,G_closed_form");
  int rows = 0;
  while (std::getline(in, line)) {
    double x, g, gs, gc;
    char c;
    std::istringstream row(line);
    row >> x >> c >> g >> c >> gs >> c >> gc;
    // The FFT sum over L = 32 modes of S ≤ 1/r = 2 is within about 5·L·u·max S ≈ 4e-14 of the
    // closed form (tests/unit/rg/gaussian_test.cpp derives the bound); 1e-12 is looser.
    EXPECT_NEAR(g, gc, 1e-12);
    ++rows;
  }
  EXPECT_EQ(rows, 17);
}

TEST(RgCli, GaussianRejectsBadDimension) {
  const CliResult r = run("gaussian --dim 4");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--dim: must be an integer in [1, 3], got '4'"));
}

TEST(RgCli, FlowCsvMatchesClosedForm) {
  const CliResult r = run("rg-flow --lambda 0.2,3 --a 0.5 --tau-max 0.5 --steps 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "lambda0,tau,lambda_rk45,lambda_closed,x,r");
  int rows = 0;
  while (std::getline(in, line)) {
    double l0, tau, rk, cf;
    char c;
    std::istringstream row(line);
    row >> l0 >> c >> tau >> c >> rk >> c >> cf;
    EXPECT_NEAR(rk, cf, 1e-8 * std::max(1.0, std::abs(cf)));
    ++rows;
  }
  EXPECT_EQ(rows, 12);
  EXPECT_THAT(r.err, HasSubstr("cw-critical lambda = 2"));
}

TEST(RgCli, MeanFieldCurieWeiss) {
  const CliResult r = run("meanfield --coupling 2 --size 50 --steps 4 --t-min 0.5 --t-max 1.7");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("T_c = lambda_max(w)/N = 2"));
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "layer,T,T_over_Tc,m,chi,m_top,chi_top,iterations,converged,residual");
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string c; std::getline(row, c, ',');) cells.push_back(c);
    ASSERT_EQ(cells.size(), 10u);
    EXPECT_EQ(cells[8], "1") << line;  // converged
    const double t = std::stod(cells[1]), m = std::stod(cells[3]), chi = std::stod(cells[4]);
    if (t > 2.0) {
      EXPECT_NEAR(m, 0.0, 1e-8);
      EXPECT_NEAR(chi * (t - 2.0), 1.0, 1e-6);                  // Curie-Weiss law
      EXPECT_NEAR(std::stod(cells[6]) * (t - 2.0), 1.0, 1e-6);  // chi_top: the same here
    } else {
      EXPECT_GT(m, 0.1);
    }
    ++rows;
  }
  EXPECT_EQ(rows, 4);
  const CliResult bad = run("meanfield --coupling 2");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("coupling and size go together"));
}

// A checkpoint written by torch::save(Mlp): the first layer's weight rescaled to orthogonal
// rows so that at beta = N its shared modes sit exactly at a*lambda = 1.
TEST(RgCli, RgOnModelFile) {
  torch::manual_seed(4);
  critnet::nn::Mlp net(critnet::nn::MlpOptions(12, 3).hidden_sizes({8, 5}));
  {
    torch::NoGradGuard g;
    auto q = std::get<0>(torch::linalg::qr(torch::randn({12, 8}), "reduced"));  // [12, 8]
    net->weight(0).copy_(q.t());  // [8, 12] with orthonormal rows: V Vᵀ = I
  }
  const critnet::test_support::TempDir tmp("rg_cli");
  const std::string path = tmp.file("model.pt");
  torch::save(net, path);
  const CliResult r = run("rg " + path + " --beta 12 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["layers"].size(), 3u);
  const auto& l0 = j["layers"][0];
  EXPECT_EQ(l0["phase"], "cw-critical");
  EXPECT_EQ(l0["structural_zeros"], 4);
  EXPECT_NEAR(l0["distance_min"].get<double>(), 0.0, 1e-5);
  EXPECT_EQ(l0["mode_counts"]["critical"], 8);
  EXPECT_TRUE(j["layers"][2]["output_layer"].get<bool>());
  const CliResult table = run("rg " + path + " --layer 1");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("5x8"));
  const CliResult mf = run("meanfield " + path + " --steps 4");
  ASSERT_EQ(mf.exit_code, 0) << mf.err;
  EXPECT_THAT(mf.err, HasSubstr("T_c = lambda_max(w)/N"));
  const CliResult missing = run("rg " + tmp.file("nope.pt"));
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("cannot open checkpoint"));
  const CliResult bad_layer = run("rg " + path + " --layer 7");
  EXPECT_EQ(bad_layer.exit_code, 2);
  EXPECT_THAT(bad_layer.err, HasSubstr("--layer 7 out of range"));
  const CliResult bad_side = run("rg " + path + " --gram-side sideways");
  EXPECT_EQ(bad_side.exit_code, 2);
  EXPECT_THAT(bad_side.err, HasSubstr("unknown gram side 'sideways'"));
}

// A run directory written by `critnet train` goes through train::load_model.
TEST(RgCli, RgOnRunDirectory) {
  const critnet::test_support::TempDir tmp("rg_cli");
  const std::string dir = tmp.file("run");
  const CliResult t =
      run("train --data synthetic:12 --synthetic-train 128 --synthetic-test 32 "
          "--hidden 8,5 --epochs 1 --out " +
          dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const CliResult r = run("rg " + dir + " --json --beta 30");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["layers"][0]["shape"], (std::vector<int64_t>{8, 12}));
  EXPECT_DOUBLE_EQ(j["layers"][0]["a"].get<double>(), 30.0 / 12.0);
  const CliResult mf = run("meanfield " + dir + " --steps 4 --layer 1");
  ASSERT_EQ(mf.exit_code, 0) << mf.err;
  EXPECT_THAT(mf.out, HasSubstr("\n1,"));
}
