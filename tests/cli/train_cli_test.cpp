// `critnet train` end to end: exit codes, one-line errors, outputs of a tiny run.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

using critnet::test_support::read_file;

using critnet::test_support::CliResult;

class TrainCli : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static CliResult run(const std::string& args) {
    return critnet::test_support::run_critnet_shell(args);
  }

  static int count_lines(const std::string& text) {
    int n = 0;
    for (char c : text) n += c == '\n';
    return n;
  }

  critnet::test_support::TempDir tmp_{"train_cli"};
  const fs::path dir_ = tmp_.path();
};

constexpr const char* kTiny =
    "train --data synthetic:12 --synthetic-train 200 --synthetic-test 50 --hidden 8 "
    "--batch-size 50 --threads 1 --device cpu ";

// A generic OpenBLAS kernel the user chose (or could not avoid) is said once on stderr, and the
// run's config.json records the kernels (docs/cli.md, "OpenBLAS kernels").
TEST_F(TrainCli, WarnsOnceAboutAGenericOpenBlasKernel) {
  critnet::test_support::CliOptions env;
  env.env = {"OPENBLAS_CORETYPE=Prescott"};
  const CliResult r = critnet::test_support::run_critnet_shell(
      std::string(kTiny) + "--epochs 1 --no-checkpoint --out " + path("run"), env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string config = read_file(path("run/config.json"));
  EXPECT_NE(config.find("\"openblas_coretype_env\": \"Prescott\""), std::string::npos) << config;
  const bool generic = config.find("\"openblas_generic\": true") != std::string::npos;
  size_t warnings = 0;
  for (size_t at = r.err.find("OpenBLAS runs its Prescott kernels"); at != std::string::npos;
       at = r.err.find("OpenBLAS runs its Prescott kernels", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, generic ? 1U : 0U) << r.err;
}

TEST_F(TrainCli, TinySyntheticRunWritesItsOutputs) {
  const CliResult r = run(std::string(kTiny) + "--epochs 2 --out " + path("run"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 2) << r.out;  // one JSON line per epoch
  EXPECT_NE(r.out.find("\"test_accuracy\""), std::string::npos);
  EXPECT_EQ(count_lines(read_file(path("run/metrics.jsonl"))), 2);
  EXPECT_TRUE(fs::exists(path("run/config.json")));
  EXPECT_TRUE(fs::exists(path("run/checkpoint/state.json")));
  EXPECT_NE(read_file(path("run/config.json")).find("\"synthetic:12\""), std::string::npos);

  // Resume to a third epoch; changing the model on resume is refused.
  const CliResult more = run("train --resume " + path("run") + " --epochs 3");
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(count_lines(more.out), 1);
  EXPECT_EQ(count_lines(read_file(path("run/metrics.jsonl"))), 3);
  const CliResult refused = run("train --resume " + path("run") + " --epochs 4 --lr 0.1");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err,
            "critnet: error: option --lr cannot be changed when resuming (the checkpoint's options "
            "are used; only --out, --no-checkpoint, --no-eval, --eval-batch-size, --max-steps, "
            "--epochs, --device, --autograd, --cuda-graph, --threads may be given)\n");
}

TEST_F(TrainCli, ConfigFileAndOverrides) {
  std::ofstream(path("c.json")) << R"({"data": {"source": "synthetic:6", "synthetic_train": 64,
      "synthetic_test": 16}, "model": {"hidden": [4]}, "epochs": 5, "device": "cpu", "threads": 1})";
  const CliResult r = run("train --config " + path("c.json") + " --epochs 1 --out " + path("run"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 1);
  EXPECT_NE(read_file(path("run/config.json")).find("\"synthetic:6\""), std::string::npos);

  std::ofstream(path("bad.json")) << R"({"epoch": 5})";
  const CliResult bad = run("train --config " + path("bad.json"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "critnet: error: unknown config option 'epoch'\n");
}

TEST_F(TrainCli, BadDataFileExitsThreeWithOneLine) {
  fs::create_directories(path("idx"));
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    std::ofstream(path(std::string("idx/") + name)) << "garbage!";
  }
  const CliResult r = run("train --data mnist --data-dir " + path("idx") + " --out " + path("run"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "critnet: error: " + path("idx/train-images-idx3-ubyte") +
                       ": wrong magic number 0x67617262 (expected 0x00000803, an IDX file of "
                       "unsigned bytes with 3 dimensions)\n");
  EXPECT_EQ(r.out, "");

  const CliResult missing = run("train --data cifar10 --data-dir " + path("nowhere"));
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(missing.err,
            "critnet: error: " + path("nowhere") + ": data directory does not exist\n");
}

TEST_F(TrainCli, BadOptionsExitTwo) {
  // Values critnet checks: exactly one line naming the value.
  const std::pair<const char*, const char*> checked[] = {
      {"train --batch-size 0",
       "critnet: error: --batch-size: must be an integer in [1, 16777216], got '0'\n"},
      {"train --activation sigmoid",
       "critnet: error: unknown activation 'sigmoid' (expected relu, elu, tanh or linear)\n"},
      {"train --hidden 10,x",
       "critnet: error: --hidden: item 'x' must be an integer in [1, 1048576], got '10,x'\n"},
      {"train --data imagenet",
       "critnet: error: unknown data source 'imagenet' (expected fashion-mnist, mnist, cifar10 or "
       "synthetic:D)\n"},
  };
  for (const auto& [args, message] : checked) {
    const CliResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.err, message) << args;
  }
  // Unparsable values and unknown flags: one line too.
  for (const char* args :
       {"train --lr abc", "train --frobnicate", "train --reg magic", "train --cuda-graph maybe"}) {
    const CliResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << args << ": " << r.err;
  }
}

// CUDA asked for where there is none: one line, exit 2, before any output is written.
TEST_F(TrainCli, CudaAbsentIsAUsageError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has CUDA";
  for (const char* extra : {"", " --cuda-graph on", " --cuda-graph off"}) {
    const CliResult r =
        run(std::string("train --device cuda --data synthetic:6 --out ") + path("run") + extra);
    EXPECT_EQ(r.exit_code, 2) << extra;
    EXPECT_EQ(r.err,
              "critnet: error: device 'cuda' asked for, but no CUDA device is available (use "
              "--device cpu or auto)\n")
        << extra;
    EXPECT_FALSE(fs::exists(path("run"))) << extra;
  }
}

TEST_F(TrainCli, HelpDocumentsEveryOption) {
  const CliResult r = run("train --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag :
       {"--data",   "--data-dir",   "--hidden",       "--activation",   "--init",
        "--lr",     "--beta1",      "--beta2",        "--weight-decay", "--batch-size",
        "--epochs", "--max-steps",  "--seed",         "--device",       "--threads",
        "--reg",    "--beta",       "--strength",     "--gram-side",    "--n-convention",
        "--coeffs", "--reg-layers", "--reg-interval", "--out",          "--resume",
        "--config", "--cuda-graph"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
