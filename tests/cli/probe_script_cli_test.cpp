// `critnet probe --model FILE.pt`: a TorchScript CNN saved by Python (Debian's python3-torch,
// the same 1.13 as libtorch-dev) is probed at named submodules; conv units are channels.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;
using critnet::test_support::shell_quote;

// A CNN on 3×4×4 inputs: a Sequential of two convolutions (ReLU after each) and a Linear head
// behind a flatten and a ReLU module `act` that is called once.
constexpr const char* kMakeModel = R"(
import sys, torch
torch.manual_seed(0)
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(6, 5, 3, padding=1), torch.nn.ReLU())
        self.fc1 = torch.nn.Linear(5 * 4 * 4, 12)
        self.act = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(12, 10)
    def forward(self, x):
        x = self.features(x)
        return self.fc2(self.act(self.fc1(torch.flatten(x, 1))))
torch.jit.save(torch.jit.script(Net()), sys.argv[1])
)";

class ProbeScriptCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<critnet::test_support::TempDir>("probe_script_cli");
    const fs::path script = tmp_->path() / "make_model.py";
    std::ofstream(script) << kMakeModel;
    model_ = (tmp_->path() / "cnn.pt").string();
    const std::string cmd =
        "/usr/bin/python3 " + shell_quote(script.string()) + " " + shell_quote(model_);
    made_ = std::system(cmd.c_str()) == 0 && fs::exists(model_);
  }
  static void TearDownTestSuite() { tmp_.reset(); }

  static CliResult probe(std::vector<std::string> extra) {
    std::vector<std::string> args = {"probe",
                                     "--model",
                                     model_,
                                     "--data",
                                     "synthetic:48",
                                     "--limit",
                                     "120",
                                     "--input-shape",
                                     "3,4,4",
                                     "--bootstrap",
                                     "5",
                                     "--threads",
                                     "1",
                                     "--subset-size",
                                     "4"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_critnet(args);
  }
  static std::string out(const std::string& name) { return (tmp_->path() / name).string(); }

  static std::unique_ptr<critnet::test_support::TempDir> tmp_;
  static std::string model_;
  static bool made_;
};
std::unique_ptr<critnet::test_support::TempDir> ProbeScriptCli::tmp_;
std::string ProbeScriptCli::model_;
bool ProbeScriptCli::made_ = false;

TEST_F(ProbeScriptCli, ProbesEveryActivationModuleByDefault) {
  ASSERT_TRUE(made_) << "/usr/bin/python3 with torch could not save the TorchScript model "
                        "(scripts/setup.sh installs python3-torch)";
  const CliResult r = probe({"--out", out("default")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j =
      nlohmann::json::parse(critnet::test_support::read_file(out("default") + "/probe.json"));
  EXPECT_EQ(j["model"], model_);
  EXPECT_FALSE(j.contains("epoch"));
  ASSERT_EQ(j["layers"].size(), 3U);
  // Conv units are channels: 6 and 5 of them; the Linear layer has 12 units.
  EXPECT_EQ(j["layers"][0]["name"], "features.1");
  EXPECT_EQ(j["layers"][0]["width"], 6);
  EXPECT_EQ(j["layers"][1]["name"], "features.3");
  EXPECT_EQ(j["layers"][1]["width"], 5);
  EXPECT_EQ(j["layers"][2]["name"], "act");
  EXPECT_EQ(j["layers"][2]["width"], 12);
  EXPECT_EQ(j["num_samples"], 120);
  EXPECT_NE(r.out.find("layer 2 'features.3' (5 units"), std::string::npos) << r.out;
  // The edge of chaos through autograd on the weight layers in call order: conv values per
  // sample are channels × pixels; every activation is a ReLU, so the mean-field χ₁ is known.
  const auto& signal = j["signal"];
  EXPECT_EQ(signal["chi1_estimator"], "hutchinson");
  EXPECT_EQ(signal["activation"], "relu");
  ASSERT_EQ(signal["layers"].size(), 4U);
  const std::vector<std::string> names = {"features.0", "features.2", "fc1", "fc2"};
  const std::vector<int> widths = {6 * 16, 5 * 16, 12, 10};
  for (std::size_t l = 0; l < 4; ++l) {
    EXPECT_EQ(signal["layers"][l]["name"], names[l]);
    EXPECT_EQ(signal["layers"][l]["width"], widths[l]);
    EXPECT_GT(signal["layers"][l]["chi1"].get<double>(), 0.0);
    EXPECT_TRUE(signal["layers"][l]["chi1_mean_field"].is_number());
  }
  EXPECT_EQ(signal["layers"][0]["fan_in"], 3 * 9);
  EXPECT_EQ(signal["jacobian"]["rank"], 10);
  EXPECT_EQ(signal["jacobian"]["samples"], 120);
  // Each probed layer carries the row of the weight layer that feeds it.
  EXPECT_EQ(j["layers"][0]["signal"]["name"], "features.0");
  EXPECT_EQ(j["layers"][2]["signal"]["name"], "fc1");
}

TEST_F(ProbeScriptCli, ObservesTheNamedLayersOnly) {
  ASSERT_TRUE(made_);
  // A conv layer before its activation (its own weight is the incoming one).
  const CliResult r = probe({"--layers", "features.2,act", "--out", out("named")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j =
      nlohmann::json::parse(critnet::test_support::read_file(out("named") + "/probe.json"));
  ASSERT_EQ(j["layers"].size(), 2U);
  EXPECT_EQ(j["layers"][0]["name"], "features.2");
  EXPECT_EQ(j["layers"][0]["width"], 5);
  EXPECT_EQ(j["layers"][0]["spectrum"]["weight_shape"], nlohmann::json({5, 54}));
}

TEST_F(ProbeScriptCli, BadModelsAndLayersAreClearErrors) {
  ASSERT_TRUE(made_);
  CliResult r = probe({"--layers", "features.9", "--out", out("bad1")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("layer 'features.9': the model has no submodule of that name"),
            std::string::npos)
      << r.err;
  r = probe({"--layers", "fc2", "--out", out("bad2")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no Linear or Conv weight after it"), std::string::npos) << r.err;
  r = run_critnet({"probe", "--model", model_, "--data", "synthetic:48", "--input-shape", "3,4,5",
                   "--out", out("bad3")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("input shape"), std::string::npos) << r.err;
  const std::string not_a_model = out("not_a_model.pt");
  std::ofstream(not_a_model) << "not a zip archive";
  r = run_critnet(
      {"probe", "--model", not_a_model, "--data", "synthetic:48", "--out", out("bad4")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("not a TorchScript module"), std::string::npos) << r.err;
  // The forward itself fails (12 channels into a 3-channel convolution): exit 3 with the cause,
  // not LibTorch's "The following operation failed in the TorchScript interpreter" alone.
  r = run_critnet({"probe", "--model", model_, "--data", "synthetic:48", "--input-shape", "12,2,2",
                   "--limit", "20", "--out", out("bad6")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(model_ + ": forward failed on a batch of shape [20, 12, 2, 2]: "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("to have 3 channels, but got 12 channels"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("The following operation failed"), std::string::npos) << r.err;
  r = run_critnet({"probe", "--model", model_, "--out", out("bad5")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;
}

}  // namespace
