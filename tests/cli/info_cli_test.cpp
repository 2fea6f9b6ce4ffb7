// `critnet info`: the runtime facts, as text and as the JSON object every run's config.json
// records under "runtime".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.h"

namespace {

using critnet::test_support::CliOptions;
using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;

nlohmann::json info_json(const CliOptions& options = {}) {
  const CliResult r = run_critnet({"info", "--json", "--threads", "1"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(InfoCli, JsonNamesTheRuntime) {
  const nlohmann::json j = info_json();
  for (const char* key : {"critnet", "libtorch", "blas", "blas_path", "gemm", "threads",
                          "hardware_threads", "cuda_devices"}) {
    EXPECT_TRUE(j.contains(key)) << key << " missing from " << j.dump();
  }
  EXPECT_EQ(j.at("threads"), 1);
  EXPECT_NE(j.at("blas").get<std::string>(), "reference") << "tests need a real BLAS";
  const std::string gemm = j.at("gemm");
  EXPECT_TRUE(gemm == "onednn" || gemm == "aten") << gemm;
}

TEST(InfoCli, TheEnvironmentSwitchesOneDnnOff) {
  const bool onednn = info_json().at("gemm") == "onednn";
  CliOptions env;
  env.env = {"CRITNET_GEMM=aten"};
  EXPECT_EQ(info_json(env).at("gemm"), onednn ? "aten (CRITNET_GEMM=aten)" : "aten");
}

TEST(InfoCli, TextListsTheSameFacts) {
  const CliResult r = run_critnet({"info", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {"critnet ", "libtorch ", "blas ", "gemm ", "threads   1 of ", "cuda "})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing from\n" << r.out;
}

}  // namespace
