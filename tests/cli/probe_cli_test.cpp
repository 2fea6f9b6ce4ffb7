// `critnet probe` end to end: train a tiny synthetic run with the CLI, probe it, parse the outputs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

class ProbeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("critnet_probe_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const Result r =
        run("train --data synthetic:12 --synthetic-train 300 --synthetic-test 120 --hidden 16,8 "
            "--batch-size 50 --epochs 1 --threads 1 --device cpu --out " +
            path("run"));
    trained_ = r.code == 0;
    train_err_ = r.err;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static std::string slurp(const std::string& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  static Result run(const std::string& args) {
    const std::string cmd = std::string(CRITNET_BINARY) + " " + args + " >" + path("stdout") +
                            " 2>" + path("stderr") + " </dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(path("stdout"));
    r.err = slurp(path("stderr"));
    return r;
  }

  static fs::path dir_;
  static bool trained_;
  static std::string train_err_;
};
fs::path ProbeCli::dir_;
bool ProbeCli::trained_ = false;
std::string ProbeCli::train_err_;

TEST_F(ProbeCli, WritesJsonAndCsvForEveryLayer) {
  ASSERT_TRUE(trained_) << train_err_;
  const Result r = run("probe " + path("run") +
                       " --split test --limit 100 --batch-size 32 --subsets 3 --subset-size 4 "
                       "--bootstrap 5 --threads 1 --out " +
                       path("probe"));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(path("probe/probe.json")));
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
  EXPECT_EQ(slurp(path("probe/layer1_activation_frequency.csv")).substr(0, 16),
            "rank,count,unit\n");
  EXPECT_NE(r.out.find("layer 1 (16 units"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("activation_frequency"), std::string::npos);
  EXPECT_NE(r.out.find("two-point r(d)"), std::string::npos);
}

TEST_F(ProbeCli, TrainSplitWithoutFits) {
  ASSERT_TRUE(trained_) << train_err_;
  const Result r = run("probe " + path("run") + " --split train --limit 50 --no-fits --threads 1 " +
                       "--out " + path("probe_train"));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(path("probe_train/probe.json")));
  EXPECT_EQ(j["num_samples"], 50);
  EXPECT_TRUE(j["layers"][0]["fits"].empty());
}

TEST_F(ProbeCli, BadArgumentsAndMissingCheckpoint) {
  ASSERT_TRUE(trained_) << train_err_;
  Result r = run("probe " + path("run") + " --split valid --out " + path("x"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--split must be train or test, got 'valid'"), std::string::npos) << r.err;
  r = run("probe " + path("run") + " --subset-size 65 --out " + path("x"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("subset size must be in [1, 64], got 65"), std::string::npos) << r.err;
  r = run("probe " + path("run") + " --data synthetic:7 --out " + path("x"));
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("has 7 inputs but the model"), std::string::npos) << r.err;
  r = run("probe " + path("nothing_here") + " --out " + path("x"));
  EXPECT_EQ(r.code, 3) << r.err;
}

}  // namespace
