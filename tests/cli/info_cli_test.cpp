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
                          "hardware_threads", "cuda_devices", "kernels"}) {
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

// OpenBLAS's kernels (docs/cli.md, "OpenBLAS kernels"). A CPU with AVX2 or AVX-512 on which
// OpenBLAS is made to run its generic Prescott kernels, as it does by itself on a CPU model it
// does not know: info says so, names the core to set, and keeps the user's choice.
TEST(InfoCli, SaysWhenOpenBlasRunsAGenericKernel) {
  CliOptions env;
  env.env = {"OPENBLAS_CORETYPE=Prescott"};
  const nlohmann::json k = info_json(env).at("kernels");
  if (k.at("openblas_core") == "") GTEST_SKIP() << "LibTorch's BLAS is not OpenBLAS";
  EXPECT_EQ(k.at("openblas_core"), "Prescott") << k.dump();
  EXPECT_EQ(k.at("openblas_coretype_env"), "Prescott");
  const std::string isa = k.at("cpu_isa");
  if (isa != "avx2" && isa.rfind("avx512", 0) != 0) {
    EXPECT_FALSE(k.at("openblas_generic").get<bool>()) << "an SSE/AVX CPU: nothing better";
    return;
  }
  EXPECT_TRUE(k.at("openblas_generic").get<bool>()) << k.dump();
  const std::string best = k.at("openblas_best_core");
  EXPECT_TRUE(best == "Cooperlake" || best == "SkylakeX" || best == "Haswell") << best;
  const std::string warning = k.at("warning");
  EXPECT_NE(warning.find("Prescott"), std::string::npos) << warning;
  EXPECT_NE(warning.find("OPENBLAS_CORETYPE=" + best), std::string::npos) << warning;
  // The text says it too, and warns on stderr once.
  const CliResult text = run_critnet({"info", "--threads", "1"}, env);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("openblas  Prescott kernels (generic"), std::string::npos) << text.out;
  EXPECT_NE(text.err.find("WARNING: OpenBLAS runs its Prescott kernels"), std::string::npos)
      << text.err;
}

// Without OPENBLAS_CORETYPE, critnet runs OpenBLAS's best kernels on every CPU: where OpenBLAS
// recognises the CPU by itself, and where it does not, by starting again with the variable set.
TEST(InfoCli, RunsOpenBlasOnTheBestKernelsByItself) {
  CliOptions env;
  env.unset = {"OPENBLAS_CORETYPE", "CRITNET_OPENBLAS_CORETYPE", "CRITNET_OPENBLAS_REEXEC"};
  const nlohmann::json k = info_json(env).at("kernels");
  if (k.at("openblas_core") == "") GTEST_SKIP() << "LibTorch's BLAS is not OpenBLAS";
  EXPECT_FALSE(k.at("openblas_generic").get<bool>()) << k.dump();
  EXPECT_EQ(k.at("warning"), "");
  if (k.at("openblas_coretype_env") != "") {  // this CPU needed the restart
    EXPECT_EQ(k.at("openblas_coretype_env"), k.at("openblas_best_core"));
    EXPECT_EQ(k.at("openblas_core"), k.at("openblas_best_core"));
    const CliResult text = run_critnet({"info", "--threads", "1"}, env);
    EXPECT_NE(text.out.find(", set by critnet)"), std::string::npos) << text.out;
  }
  // CRITNET_OPENBLAS_CORETYPE=keep: OpenBLAS's own choice, and no restart.
  env.env = {"CRITNET_OPENBLAS_CORETYPE=keep"};
  const nlohmann::json kept = info_json(env).at("kernels");
  EXPECT_EQ(kept.at("openblas_coretype_env"), "");
}

TEST(InfoCli, TextListsTheSameFacts) {
  const CliResult r = run_critnet({"info", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* line :
       {"critnet ", "libtorch ", "blas ", "gemm ", "cpu ", "threads   1 of ", "cuda "})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing from\n" << r.out;
}

}  // namespace
