#pragma once
// The table of validation_test.cpp and validation_slow_test.cpp: every numeric option of every
// command with values it must refuse (exit 2, one line naming the option and the value).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.h"
#include "support/temp_dir.h"

namespace critnet::test_support::validation {

using ::testing::HasSubstr;

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
inline std::vector<std::pair<std::string, std::string>> baseline(const std::string& command,
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

inline std::vector<Case> cases() {
  return {
      {"info", "--threads", kThreads},
      {"report", "--gof-p", kProbability},
      {"report", "--lr-p", kProbability},
      {"report", "--min-tail", {"0", "-1", "nan", kOverflow}},
      {"report", "--min-decades", {"-1", "nan", "inf", "21"}},
      {"fit", "--xmin", kPositive},
      {"fit", "--xmax", kPositive},
      {"fit", "--bootstrap", kInt},
      {"fit", "--seed", kSeed},
      {"fit", "--threads", kThreads},
      {"fit", "--max-candidates", kInt},
      {"fit", "--scan-min-tail", {"4", "-1", "nan", kOverflow}},
      {"fit", "--min-tail", {"0", "-1", "nan", kOverflow}},
      {"fit", "--min-decades", {"-1", "nan", "inf", "21"}},
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
      {"probe", "--min-tail", {"0", "-1", "nan", kOverflow}},
      {"probe", "--min-decades", {"-1", "nan", "inf", "21"}},
      {"probe", "--max-candidates", kInt},
      {"probe", "--max-patterns", kIntFrom1},
      {"probe", "--beta", kNonZero},
      {"probe", "--cw-tolerance", kPositive},
      {"probe", "--threads", kThreads},
      {"reproduce", "--hidden", {"0", "-1", "4,nan", ""}},
      {"reproduce", "--beta", {"nan", "inf", "0", "-4"}},
      {"reproduce", "--strength", kPositive},
      {"reproduce", "--epochs", kIntFrom1},
      {"reproduce", "--seeds", {"0", "-1", "101", "nan"}},
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
      {"reproduce", "--min-tail", {"0", "-1", "nan", kOverflow}},
      {"reproduce", "--min-decades", {"-1", "nan", "inf", "21"}},
      {"reproduce", "--max-candidates", kInt},
      {"reproduce", "--min-tail-fraction", {"nan", "inf", "-0.1", "1"}},
      {"reproduce", "--lr", kPositive},
      {"reproduce", "--test-limit", kInt},
      {"reproduce", "--subset-size", {"0", "65", "-1", "nan"}},
      {"reproduce", "--synthetic-train", kIntFrom1},
      {"reproduce", "--synthetic-test", kIntFrom1},
      {"reproduce", "--seed", kSeed},
      {"reproduce", "--threads", kThreads},
  };
}

// Exit 2 and exactly one line on stderr that names the option and quotes the value.
inline void expect_refused(const CliResult& r, const std::string& what, const std::string& option,
                           const std::string& value) {
  EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("critnet: error: ", 0), 0u) << what << "\n" << r.err;
  EXPECT_THAT(r.err, HasSubstr(option)) << what;
  EXPECT_THAT(r.err, HasSubstr("'" + value + "'")) << what;
}

// Runs `critnet COMMAND [baseline] OPTION VALUE` for each case (only its first value when
// `first_only`), four at a time, and checks each refusal.
inline void expect_all_refused(bool first_only) {
  const TempDir tmp("validation");
  struct Run {
    std::string what, option, value;
    std::vector<std::string> args;
  };
  std::vector<Run> runs;
  for (const Case& c : cases()) {
    for (const std::string& value : c.values) {
      Run run{c.command + " " + c.option + " '" + value + "'", c.option, value, {c.command}};
      for (const auto& [option, arg] : baseline(c.command, tmp.path().string())) {
        if (option == c.option) continue;
        if (!option.empty()) run.args.push_back(option);
        run.args.push_back(arg);
      }
      run.args.push_back(c.option);
      run.args.push_back(value);
      runs.push_back(run);
      if (first_only) break;
    }
  }
  constexpr size_t kParallel = 4;  // most of each run is loading LibTorch
  for (size_t i = 0; i < runs.size(); i += kParallel) {
    std::vector<std::future<CliResult>> results;
    for (size_t k = i; k < std::min(runs.size(), i + kParallel); ++k) {
      results.push_back(std::async(std::launch::async, [&runs, k] {
        return run_critnet(runs[k].args, CliOptions{{}, false, {}, 60});
      }));
    }
    for (size_t k = 0; k < results.size(); ++k) {
      const Run& run = runs[i + k];
      expect_refused(results[k].get(), run.what, run.option, run.value);
    }
  }
}

}  // namespace critnet::test_support::validation
