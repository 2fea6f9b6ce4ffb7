// Every numeric option of every command refuses NaN, infinities, out-of-range values, overflow
// and junk before any work: exit 2 and one line on stderr that names the option and the value
// (docs/cli.md, "Option values"). Also: non-regular input files (FIFOs, directories) are exit 3
// without hanging, --threads is capped, lists refuse duplicates. None of these runs trains:
// each fails at validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.h"
#include "support/temp_dir.h"
#include "validation_cases.h"

using critnet::test_support::CliOptions;
using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

// One value per option (the first of its list): every option is wired to its validator.
// validation_slow_test.cpp runs every value of the table.
TEST(ValidationCli, EveryNumericOptionRefusesABadValue) {
  critnet::test_support::validation::expect_all_refused(true);
}

namespace {

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
  EXPECT_THAT(r.err, HasSubstr("fit_max 1000000000 is past the end of the profile (x <= L/2 = "
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
