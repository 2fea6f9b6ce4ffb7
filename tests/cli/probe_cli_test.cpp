// `critnet probe` end to end: train a tiny synthetic run with the CLI, probe it, parse the outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "critnet/probe/workflow.h"
#include "critnet/report/measures.h"
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
  // The atlas's HTSR row of each layer's incoming weight (atlas/htsr.h): layer 1 reads
  // linears.0 [16, 12]; layer 2's [8, 16] has 8 eigenvalues, too few for a fit, and says so.
  const auto& h1 = j["layers"][0].at("htsr");
  EXPECT_EQ(h1.at("layer"), "linears.0");
  EXPECT_EQ(h1.at("N"), 16);
  EXPECT_EQ(h1.at("M"), 12);
  EXPECT_TRUE(h1.contains("alpha") && h1.contains("label") && h1.contains("mp_softrank")) << h1;
  EXPECT_NE(j["layers"][1].at("htsr").value("error", "").find("eigenvalues above"),
            std::string::npos)
      << j["layers"][1]["htsr"];
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
  EXPECT_TRUE(j["layers"][0].at("htsr").at("p").is_null());  // no fits: no bootstrap
}

// Every CSN fit of a probe.json (per layer and pooled), in order.
std::vector<nlohmann::json> all_fits(const nlohmann::json& j) {
  std::vector<nlohmann::json> out;
  for (const auto& layer : j["layers"])
    for (const auto& f : layer["fits"]) out.push_back(f);
  out.push_back(j["pooled"]["activation_frequency"]);
  return out;
}

// Two critnet processes on the same machine (the same kernels: both restart on the same
// OpenBLAS core), the same workflow on the same activations: the same computation, so the
// tolerances only absorb the JSON round trip; the p-value of 3 bootstraps is k/3 on both sides.
void expect_same_fit(const nlohmann::json& a, const nlohmann::json& b) {
  ASSERT_EQ(a.contains("fit"), b.contains("fit")) << a.dump() << "\n" << b.dump();
  EXPECT_EQ(a["measure"], b["measure"]);
  EXPECT_EQ(a["min_tail"], b["min_tail"]);
  if (!a.contains("fit")) return;
  const auto& fa = a["fit"];
  const auto& fb = b["fit"];
  EXPECT_EQ(fa["n_tail"], fb["n_tail"]) << a["measure"];
  for (const char* k : {"xmin", "alpha", "ks"}) {
    const double x = fa[k].get<double>(), y = fb[k].get<double>();
    EXPECT_NEAR(x, y, 1e-9 * std::max(1.0, std::abs(x))) << a["measure"] << " " << k;
  }
  EXPECT_EQ(fa["p"].is_null(), fb["p"].is_null());
  if (!fa["p"].is_null()) EXPECT_NEAR(fa["p"].get<double>(), fb["p"].get<double>(), 1e-12);
}

// `critnet probe` and `critnet reproduce` run one workflow: the same checkpoint probed with the
// same options gives the same document (one schema, the same fits), and reproduce's
// results.json describes its measures with the catalogue.
TEST_F(ProbeCli, ProbeAndReproduceWriteOneSchema) {
  const std::string common = " --bootstrap 3 --max-candidates 20 --beta 8 --threads 1 ";
  const CliResult rep =
      run("reproduce --data synthetic:12 --synthetic-train 300 --synthetic-test 120 --hidden "
          "16,8 --epochs 1 --batch-size 50 --probe-limit 100 --min-tail-fraction 0.2 --device cpu "
          "--no-png --seeds 1 --arms paper" +
          common + "--out " + path("rep"));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const std::string cell = "arms/cells/paper-b8-l0.001-e1-s0";  // the paper arm's seed 0
  const CliResult pr = run("probe " + path("rep/" + cell + "/train") +
                           " --limit 100 --subsets 1 --min-tail-fraction 0.2" + common + "--out " +
                           path("probe_same"));
  ASSERT_EQ(pr.exit_code, 0) << pr.err;
  const auto a = nlohmann::json::parse(read_file(path("rep/" + cell + "/probe/probe.json")));
  const auto b = nlohmann::json::parse(read_file(path("probe_same/probe.json")));
  EXPECT_EQ(a["schema"], critnet::probe::kProbeSchema);
  EXPECT_EQ(b["schema"], critnet::probe::kProbeSchema);
  std::vector<std::string> ka, kb;
  for (auto it = a.begin(); it != a.end(); ++it) ka.push_back(it.key());
  for (auto it = b.begin(); it != b.end(); ++it) kb.push_back(it.key());
  EXPECT_EQ(ka, kb);
  for (const auto* j : {&a, &b}) {
    ASSERT_TRUE((*j)["seconds"].is_object());
    for (const char* k : {"load", "stream", "fit", "write", "total"})
      EXPECT_TRUE((*j)["seconds"][k].is_number()) << k;
  }
  for (const char* k : {"options", "fit_options", "num_samples", "data", "csv_files", "epoch"})
    EXPECT_EQ(a[k], b[k]) << k;
  const auto fa = all_fits(a), fb = all_fits(b);
  ASSERT_EQ(fa.size(), fb.size());
  for (std::size_t i = 0; i < fa.size(); ++i) expect_same_fit(fa[i], fb[i]);
  ASSERT_EQ(a["results"].size(), b["results"].size());
  for (std::size_t i = 0; i < a["results"].size(); ++i) {
    EXPECT_EQ(a["results"][i]["measure"], b["results"][i]["measure"]);
    EXPECT_EQ(a["results"][i]["csv"], b["results"][i]["csv"]);
  }
  // results.json: the measures are the catalogue's, the entries the probe's (CSVs rebased).
  const auto res = nlohmann::json::parse(read_file(path("rep/results.json")));
  EXPECT_EQ(res["measures"], critnet::report::measures_json(critnet::report::measure_catalogue(
                                 {10, res["config"]["beta"].get<double>()})));
  const auto& entry = res["arms"][1]["seeds"][0]["results"][0];
  EXPECT_EQ(entry["csv"], cell + "/probe/" + a["results"][0]["csv"].get<std::string>());
  EXPECT_EQ(entry["fit"], a["results"][0]["fit"]);
}

// `paper` with β < 0 (the sign whose fixed point a·s² = −1/4 the penalty can reach): every
// a·s² is negative, so the spectrum's figures use |a|·s²; the probe and its fits work.
TEST(ProbeCliSign, NegativeBetaPaperRunIsProbed) {
  critnet::test_support::TempDir tmp("probe_negative_beta");
  const std::string run = (tmp.path() / "run").string(), out = (tmp.path() / "probe").string();
  const CliResult t = critnet::test_support::run_critnet({"train",
                                                          "--data",
                                                          "synthetic:10",
                                                          "--synthetic-train",
                                                          "600",
                                                          "--synthetic-test",
                                                          "200",
                                                          "--hidden",
                                                          "24,12",
                                                          "--epochs",
                                                          "1",
                                                          "--reg",
                                                          "paper",
                                                          "--beta",
                                                          "-10",
                                                          "--strength",
                                                          "1e-3",
                                                          "--threads",
                                                          "1",
                                                          "--out",
                                                          run});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const CliResult p = critnet::test_support::run_critnet(
      {"probe", run, "--bootstrap", "5", "--threads", "1", "--out", out});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const auto j = nlohmann::json::parse(read_file(out + "/probe.json"));
  const auto& sp = j["layers"][0]["spectrum"];
  EXPECT_LT(sp["a"].get<double>(), 0.0);
  // No mode reaches the Curie-Weiss point with a < 0: every |a·s² − 1| > 1.
  EXPECT_GT(sp["cw_distance_min"].get<double>(), 1.0);
  bool spectrum_entry = false;
  for (const auto& e : j["results"])
    if (e["measure"] == "spectrum" && e["layer"] == 1) {
      spectrum_entry = true;
      if (e.contains("fit") && e["fit"].contains("xmin"))
        EXPECT_GT(e["fit"]["xmin"].get<double>(), 0.0) << e.dump();  // in |a|·s² units
    }
  EXPECT_TRUE(spectrum_entry) << j["results"].dump();
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
