// `critnet probe` end to end: train a tiny synthetic run with the CLI, probe it, parse the outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

using critnet::test_support::read_file;

using critnet::test_support::CliResult;
using critnet::test_support::run_critnet_shell;

class ProbeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<critnet::test_support::TempDir>("probe_cli");
    dir_ = tmp_->path();
    const CliResult r =
        run("train --data synthetic:12 --synthetic-train 300 --synthetic-test 120 --hidden 16,8 "
            "--batch-size 50 --epochs 1 --threads 1 --device cpu --out " +
            path("run"));
    trained_ = r.exit_code == 0;
    train_err_ = r.err;
  }
  static void TearDownTestSuite() { tmp_.reset(); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static CliResult run(const std::string& args) { return run_critnet_shell(args); }

  static std::unique_ptr<critnet::test_support::TempDir> tmp_;
  static fs::path dir_;
  static bool trained_;
  static std::string train_err_;
};
std::unique_ptr<critnet::test_support::TempDir> ProbeCli::tmp_;
fs::path ProbeCli::dir_;
bool ProbeCli::trained_ = false;
std::string ProbeCli::train_err_;

TEST_F(ProbeCli, WritesJsonAndCsvForEveryLayer) {
  ASSERT_TRUE(trained_) << train_err_;
  const CliResult r = run("probe " + path("run") +
                          " --split test --limit 100 --batch-size 32 --subsets 3 --subset-size 4 "
                          "--bootstrap 5 --threads 1 --out " +
                          path("probe"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(path("probe/probe.json")));
  EXPECT_EQ(j["num_samples"], 100);
  EXPECT_EQ(j["split"], "test");
  ASSERT_EQ(j["layers"].size(), 2U);
  EXPECT_EQ(j["layers"][0]["width"], 16);
  EXPECT_EQ(j["layers"][1]["width"], 8);
  // Every distribution has a fit or an error: activation frequency, patterns, 3 subsets,
  // 2 means, 4 degrees, eigenvalues.
  for (const auto& layer : j["layers"]) {
    ASSERT_EQ(layer["fits"].size(), 12U);
    for (const auto& f : layer["fits"]) EXPECT_TRUE(f.contains("fit") || f.contains("error"));
    EXPECT_TRUE(layer["two_point"]["seriated"].contains("fit_r"));
    EXPECT_TRUE(layer["spectrum"].contains("stable_rank"));
  }
  EXPECT_TRUE(j["pooled"].contains("activation_frequency"));
  for (const char* name : {"layer1_activation_frequency.csv", "layer2_pattern_counts.csv",
                           "layer1_subset_pattern_counts.csv", "layer2_sample_mean.csv",
                           "layer1_node_mean.csv", "layer2_degree.csv", "layer1_two_point.csv",
                           "layer2_spectrum.csv", "activation_frequency_pooled.csv"}) {
    EXPECT_TRUE(fs::exists(path(std::string("probe/") + name))) << name;
  }
  EXPECT_EQ(read_file(path("probe/layer1_activation_frequency.csv")).substr(0, 16),
            "rank,count,unit\n");
  EXPECT_NE(r.out.find("layer 1 (16 units"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("activation_frequency"), std::string::npos);
  EXPECT_NE(r.out.find("two-point r(d)"), std::string::npos);
}

TEST_F(ProbeCli, TrainSplitWithoutFits) {
  ASSERT_TRUE(trained_) << train_err_;
  const CliResult r =
      run("probe " + path("run") + " --split train --limit 50 --no-fits --threads 1 " + "--out " +
          path("probe_train"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(read_file(path("probe_train/probe.json")));
  EXPECT_EQ(j["num_samples"], 50);
  EXPECT_TRUE(j["layers"][0]["fits"].empty());
}

TEST_F(ProbeCli, BadArgumentsAndMissingCheckpoint) {
  ASSERT_TRUE(trained_) << train_err_;
  CliResult r = run("probe " + path("run") + " --split valid --out " + path("x"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--split must be train or test, got 'valid'"), std::string::npos) << r.err;
  r = run("probe " + path("run") + " --subset-size 65 --out " + path("x"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--subset-size: must be an integer in [1, 64], got '65'"), std::string::npos)
      << r.err;
  r = run("probe " + path("run") + " --data synthetic:7 --out " + path("x"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("has 7 inputs but the model"), std::string::npos) << r.err;
  r = run("probe " + path("nothing_here") + " --out " + path("x"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

}  // namespace
