// Every numeric option of every command refuses NaN, infinities, out-of-range values, overflow
// and junk before any work: exit 2 and one line on stderr that names the option and the value
// (docs/cli.md, "Option values"). Also: non-regular input files (FIFOs, directories) are exit 3
// without hanging, --threads is capped, lists refuse duplicates. None of these runs trains:
// each fails at validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.h"
#include "support/temp_dir.h"

using ::testing::HasSubstr;

namespace {

using critnet::test_support::CliOptions;
using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;
using critnet::test_support::TempDir;

using Values = std::vector<std::string>;
const std::string kOverflow = "99999999999999999999";  // > 2^64
// Bad for every integer option (none takes a negative value).
const Values kInt = {"-1", "nan", "inf", "1.5", "abc", "", kOverflow};
const Values kIntFrom1 = {"0", "-1", "nan", "inf", "1.5", kOverflow};
// Bad for every real option.
const Values kReal = {"nan", "inf", "-inf", "1e999", "abc", ""};
const Values kNonNegative = {"nan", "inf", "-1", "-1e-9", "1e999"};
const Values kPositive = {"nan", "inf", "0", "-1", "1e999"};
const Values kProbability = {"nan", "inf", "-0.5", "1.5"};
const Values kOpenUnit = {"nan", "inf", "0", "1", "-1"};
const Values kSeed = {"-1", "nan", "1.5", "18446744073709551616"};
const Values kThreads = {"-1", "nan", "1025", "100000", kOverflow};
const Values kNonZero = {"nan", "inf", "0", "1e999"};

struct Case {
  std::string command;
  std::string option;
  Values values;
};

// Arguments that make each command otherwise runnable and quick, so that an exit 2 comes from
// the value under test (a missing file would be exit 3). An option under test is left out.
std::vector<std::pair<std::string, std::string>> baseline(const std::string& command,
                                                          const std::string& dir) {
  if (command == "fit") return {{"", dir + "/missing.txt"}};
  if (command == "report") return {{"", dir}};
  if (command == "rg" || command == "probe") return {{"", dir + "/missing.pt"}};
  if (command == "rg-flow") return {{"--lambda", "0.5"}};
  if (command == "meanfield") return {{"--coupling", "2"}, {"--size", "10"}};
  if (command == "train" || command == "reproduce") {
    return {{"--data", "synthetic:4"}, {"--synthetic-train", "40"}, {"--synthetic-test", "20"},
            {"--epochs", "1"},         {"--hidden", "4"},           {"--out", dir + "/run"}};
  }
  return {};
}

std::vector<Case> cases() {
  return {
      {"info", "--threads", kThreads},
      {"report", "--gof-p", kProbability},
      {"report", "--lr-p", kProbability},
      {"fit", "--xmin", kPositive},
      {"fit", "--xmax", kPositive},
      {"fit", "--bootstrap", kInt},
      {"fit", "--seed", kSeed},
      {"fit", "--threads", kThreads},
      {"fit", "--max-candidates", kInt},
      {"fit", "--min-tail", {"4", "-1", "nan", kOverflow}},
      {"fit", "--significance", kOpenUnit},
      {"rg", "--beta", kNonZero},
      {"rg", "--field", kReal},
      {"rg", "--layer", {"-1", "nan", kOverflow}},
      {"rg", "--tol-trivial", kOpenUnit},
      {"rg", "--tol-critical", kOpenUnit},
      {"rg", "--tol-near", kOpenUnit},
      {"rg-flow", "--lambda", {"nan", "inf", "", "1e999"}},
      {"rg-flow", "--a", kReal},
      {"rg-flow", "--tau-max", kNonZero},
      {"rg-flow", "--steps", {"0", "-1", "nan", "2000000000", kOverflow}},
      {"rg-flow", "--rtol", kOpenUnit},
      {"gaussian", "--dim", {"0", "4", "-1", "nan"}},
      {"gaussian", "--size", {"0", "-1", "1", "nan", kOverflow}},
      {"gaussian", "--r", kNonNegative},
      {"gaussian", "--g", kPositive},
      {"gaussian", "--fit-min", kPositive},
      {"gaussian", "--fit-max", kPositive},
      {"meanfield", "--coupling", kPositive},
      {"meanfield", "--size", {"0", "-1", "nan", "100000", kOverflow}},
      {"meanfield", "--layer", {"-1", "nan"}},
      {"meanfield", "--t-min", kPositive},
      {"meanfield", "--t-max", kPositive},
      {"meanfield", "--steps", {"1", "-1", "nan", kOverflow}},
      {"meanfield", "--field", kReal},
      {"meanfield", "--damping", {"nan", "0", "1.5", "-1"}},
      {"meanfield", "--tolerance", kPositive},
      {"meanfield", "--max-iterations", kIntFrom1},
      {"train", "--eval-batch-size", {"0", "-1", "99999999999", kOverflow}},
      {"train", "--synthetic-train", kIntFrom1},
      {"train", "--synthetic-test", kIntFrom1},
      {"train", "--train-limit", kInt},
      {"train", "--test-limit", kInt},
      {"train", "--hidden", {"0", "-1", "100000000", "4,nan", "", "4,,4"}},
      {"train", "--lr", kPositive},
      {"train", "--beta1", {"nan", "1", "-0.1", "inf"}},
      {"train", "--beta2", {"nan", "1", "-0.1", "inf"}},
      {"train", "--eps", kPositive},
      {"train", "--weight-decay", kNonNegative},
      {"train", "--batch-size", {"0", "-1", "99999999999", kOverflow, "nan"}},
      {"train", "--epochs", kIntFrom1},
      {"train", "--max-steps", kInt},
      {"train", "--seed", kSeed},
      {"train", "--threads", kThreads},
      {"train", "--beta", kReal},
      {"train", "--strength", kNonNegative},
      {"train", "--coeffs", {"1,nan", "inf", "1,,2"}},
      {"train", "--reg-layers", {"0,0", "-1", "nan", kOverflow}},
      {"train", "--reg-interval", kIntFrom1},
      {"train", "--probes", kInt},
      {"probe", "--limit", kInt},
      {"probe", "--batch-size", {"0", "-1", "99999999999", "nan"}},
      {"probe", "--threshold", kReal},
      {"probe", "--subset-size", {"0", "65", "-1", "nan"}},
      {"probe", "--subsets", kInt},
      {"probe", "--seed", kSeed},
      {"probe", "--bootstrap", kInt},
      {"probe", "--max-candidates", kInt},
      {"probe", "--max-patterns", kIntFrom1},
      {"probe", "--beta", kNonZero},
      {"probe", "--cw-tolerance", kPositive},
      {"probe", "--threads", kThreads},
      {"reproduce", "--hidden", {"0", "-1", "4,nan", ""}},
      {"reproduce", "--beta", {"nan", "inf", "0", "-4"}},
      {"reproduce", "--strength", kPositive},
      {"reproduce", "--epochs", kIntFrom1},
      {"reproduce", "--max-steps", kInt},
      {"reproduce", "--train-limit", kInt},
      {"reproduce", "--batch-size", {"0", "-1", "99999999999"}},
      {"reproduce", "--sweep", {"nan", "0", "-1", "0.5,inf"}},
      {"reproduce", "--sweep-epochs", kIntFrom1},
      {"reproduce", "--sweep-train-limit", kInt},
      {"reproduce", "--sweep-max-steps", kInt},
      {"reproduce", "--sweep-tolerance", kProbability},
      {"reproduce", "--probe-limit", kInt},
      {"reproduce", "--bootstrap", kInt},
      {"reproduce", "--max-candidates", kInt},
      {"reproduce", "--min-tail-fraction", {"nan", "inf", "-0.1", "1"}},
      {"reproduce", "--synthetic-train", kIntFrom1},
      {"reproduce", "--synthetic-test", kIntFrom1},
      {"reproduce", "--seed", kSeed},
      {"reproduce", "--threads", kThreads},
  };
}

// Exit 2 and exactly one line on stderr that names the option and quotes the value.
void expect_refused(const CliResult& r, const std::string& what, const std::string& option,
                    const std::string& value) {
  EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("critnet: error: ", 0), 0u) << what << "\n" << r.err;
  EXPECT_THAT(r.err, HasSubstr(option)) << what;
  EXPECT_THAT(r.err, HasSubstr("'" + value + "'")) << what;
}

TEST(ValidationCli, EveryNumericOptionRefusesBadValues) {
  const TempDir tmp("validation");
  for (const Case& c : cases()) {
    for (const std::string& value : c.values) {
      std::vector<std::string> args{c.command};
      for (const auto& [option, arg] : baseline(c.command, tmp.path().string())) {
        if (option == c.option) continue;
        if (!option.empty()) args.push_back(option);
        args.push_back(arg);
      }
      args.push_back(c.option);
      args.push_back(value);
      const CliResult r = run_critnet(args, CliOptions{{}, false, {}, 60});
      expect_refused(r, c.command + " " + c.option + " '" + value + "'", c.option, value);
    }
  }
}

CliResult run(const std::vector<std::string>& args) {
  return run_critnet(args, CliOptions{{}, false, {}, 60});
}

TEST(ValidationCli, DuplicateLayersAreRefused) {
  const TempDir tmp("validation");
  CliResult r = run({"train", "--data", "synthetic:4", "--reg", "paper", "--strength", "0.1",
                     "--reg-layers", "0,0", "--out", tmp.file("run")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--reg-layers: 0 appears twice, got '0,0'"));
  r = run({"rg", tmp.file("missing.pt"), "--layer", "1,1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--layer: 1 appears twice"));
  r = run({"meanfield", tmp.file("missing.pt"), "--layer", "0,2,0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--layer: 0 appears twice"));
}

TEST(ValidationCli, ThreadsAreCapped) {
  const TempDir tmp("validation");
  for (const std::string& command : {"info", "train", "fit", "probe", "reproduce"}) {
    std::vector<std::string> args{command, "--threads", "100000"};
    if (command == "fit" || command == "probe") args.push_back(tmp.file("missing"));
    const CliResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("--threads: must be an integer in [0, 1024], got '100000'"));
  }
}

TEST(ValidationCli, OverflowIsRefusedNotClamped) {
  const CliResult r = run({"train", "--epochs", "99999999999999999999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--epochs: must be an integer >= 1, got '99999999999999999999'"));
}

TEST(ValidationCli, ReproduceRefusesNonPositiveBetaBeforeTraining) {
  const TempDir tmp("validation");
  for (const std::string& beta : {"-4", "0"}) {
    const CliResult r =
        run({"reproduce", "--data", "synthetic:4", "--beta", beta, "--out", tmp.file("run")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--beta: must be a finite number > 0, got '" + beta + "'"));
    EXPECT_FALSE(std::filesystem::exists(tmp.file("run"))) << "work started for beta " << beta;
  }
}

TEST(ValidationCli, GaussianFitRangePastTheLatticeIsRefused) {
  const CliResult r = run({"gaussian", "--dim", "1", "--size", "64", "--fit-max", "1e9"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--fit-max 1000000000 is past the end of the profile (x <= L/2 = "
                               "32 for L = 64)"));
}

TEST(ValidationCli, MeanFieldRefusesNonPositiveCoupling) {
  const CliResult r = run({"meanfield", "--coupling", "-1", "--size", "10"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--coupling: must be a finite number > 0, got '-1'"));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// A FIFO where a data file or a config file should be: refused by a stat() before any open(),
// which would wait for a writer forever.
TEST(ValidationCli, FifoInputsAreRefusedWithoutHanging) {
  const TempDir tmp("validation");
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "config.json"}) {
    ASSERT_EQ(::mkfifo(tmp.file(name).c_str(), 0600), 0) << name;
  }
  CliResult r = run({"train", "--data", "mnist", "--data-dir", tmp.path().string(), "--epochs", "1",
                     "--out", tmp.file("run")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(tmp.file("train-images-idx3-ubyte") + ": is a FIFO (named pipe)"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run({"train", "--config", tmp.file("config.json"), "--out", tmp.file("run2")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(tmp.file("config.json") + ": is a FIFO (named pipe), expected a "
                                                         "config file"));
}

TEST(ValidationCli, ConfigDirectoryIsABadInput) {
  const TempDir tmp("validation");
  const CliResult r = run({"train", "--config", tmp.path().string(), "--out", tmp.file("run")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(tmp.path().string() + ": is a directory, expected a config file"));
}

}  // namespace
