// The probe's outputs (probe/outputs.h): distributions (positive values only), summaries and CSV
// files.
#include "critnet/probe/outputs.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "critnet/core/error.h"
#include "support/temp_dir.h"

namespace critnet::probe {
namespace {

ProbeResult small_result() {
  torch::manual_seed(7);
  nn::Mlp net(nn::MlpOptions(5, 3).hidden_sizes({9, 7}));
  Probe probe(net, ProbeOptions().num_subsets(2).subset_size(3));
  torch::manual_seed(1);
  probe.observe(torch::randn({40, 5}));
  return probe.finish();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST(ProbeReport, DistributionsKeepPositiveValuesOnly) {
  LayerResult r;
  r.activation_counts = {0, 3, 5, 0};
  r.pattern_counts = {4, 2, 1};
  r.subset_pattern_counts = {{5, 2}};
  r.sample_means = {0.0, 0.5, 1.5};
  r.node_means = {0.1, 0.2, 0.0, 0.3};
  r.in_degree_abs = r.out_degree_abs = {1, 2, 3, 4};
  r.in_degree_signed = r.out_degree_signed = {-1, 2, -3, 4};
  r.spectrum.singular_values = {2.0, 1.0};
  const auto ds = layer_distributions(r);
  ASSERT_EQ(ds.size(), 10U);
  EXPECT_EQ(ds[0].measure, "activation_frequency");
  EXPECT_TRUE(ds[0].discrete);
  EXPECT_EQ(ds[0].values, (std::vector<double>{3, 5}));
  EXPECT_EQ(ds[0].dropped, 2);
  EXPECT_EQ(ds[2].measure, "subset_pattern_counts");
  EXPECT_EQ(ds[2].subset, 0);
  EXPECT_EQ(ds[3].measure, "sample_mean");
  EXPECT_FALSE(ds[3].discrete);
  EXPECT_EQ(ds[3].dropped, 1);
  EXPECT_EQ(ds[6].measure, "in_degree_signed");
  EXPECT_EQ(ds[6].values, (std::vector<double>{2, 4}));
  EXPECT_EQ(ds[9].measure, "eigenvalues");
  EXPECT_EQ(ds[9].values, (std::vector<double>{4.0, 1.0}));
}

TEST(ProbeReport, SummaryAndCsvFiles) {
  const ProbeResult result = small_result();
  const nlohmann::json s = layer_summary(result.layers[0]);
  EXPECT_EQ(s["layer"], 1);
  EXPECT_EQ(s["width"], 9);
  EXPECT_EQ(s["pattern_counts"]["samples_counted"], 40);
  EXPECT_EQ(s["subset_pattern_counts"].size(), 2U);
  EXPECT_TRUE(s["two_point"]["natural"].contains("fit_r"));
  EXPECT_NO_THROW(nlohmann::json::parse(s.dump()));  // NaN written as null, valid JSON

  const critnet::test_support::TempDir tmp("probe_report");
  const auto& dir = tmp.path();
  const auto names = write_csvs(result, dir.string());
  EXPECT_EQ(names.size(), 2U * 8U + 1U);
  const auto freq = read_lines((dir / "layer1_activation_frequency.csv").string());
  ASSERT_EQ(freq.size(), 10U);
  EXPECT_EQ(freq[0], "rank,count,unit");
  EXPECT_EQ(read_lines((dir / "layer2_degree.csv").string())[0],
            "unit,in_abs,in_signed,out_abs,out_signed");
  EXPECT_EQ(read_lines((dir / "layer2_two_point.csv").string())[0],
            "order,separation,pairs,mean_c,mean_r,mean_abs_r");
  EXPECT_EQ(read_lines((dir / "layer1_spectrum.csv").string()).size(), 1U + 5U);
  EXPECT_EQ(read_lines((dir / "layer1_sample_mean.csv").string()).size(), 41U);
  EXPECT_EQ(read_lines((dir / "activation_frequency_pooled.csv").string()).size(), 1U + 16U);
  std::filesystem::remove_all(dir);
  try {
    write_csvs(result, "/nonexistent/critnet");
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("/nonexistent/critnet/", 0), 0u) << what;
    EXPECT_NE(what.find(": cannot write (No such file or directory)"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace critnet::probe
