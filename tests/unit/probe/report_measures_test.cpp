// The report's view of a probe: one entry per catalogue measure and layer, the figure CSVs in
// the catalogue's columns (parse_results reads them), the fits of the probe's distributions.
#include "critnet/probe/report_measures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "critnet/report/measures.h"
#include "support/temp_dir.h"

namespace critnet::probe {
namespace {

ProbeResult small_result() {
  torch::manual_seed(7);
  nn::Mlp net(nn::MlpOptions(5, 3).hidden_sizes({9, 7}));
  Probe probe(net, ProbeOptions().num_subsets(1).subset_size(3).beta(4.0));
  torch::manual_seed(1);
  probe.observe(torch::randn({60, 5}));
  return probe.finish();
}

ProbeFits fit_everything(const ProbeResult& result) {
  analysis::FitOptions fo;
  fo.threads = 1;
  ProbeFits fits;
  for (const auto& layer : result.layers) {
    fits.layers.emplace_back();
    for (const auto& d : layer_distributions(layer))
      fits.layers.back().push_back(fit_distribution(d, fo));
  }
  fits.pooled = fit_distribution(pooled_activation_frequency(result), fo);
  return fits;
}

std::string header(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(ReportMeasures, EntriesParseAndCsvsHaveTheCataloguesColumns) {
  const test_support::TempDir tmp("report_measures");
  const ProbeResult result = small_result();
  const ProbeFits fits = fit_everything(result);
  std::filesystem::create_directories(tmp.path() / "measures");
  const nlohmann::json entries =
      report_measures(result, fits, tmp.path() / "measures", "measures/");
  // 6 measures per layer, 2 layers, + pooled activation frequency.
  ASSERT_EQ(entries.size(), 13U);
  const nlohmann::json doc = {
      {"schema", report::kResultsSchema},
      {"measures", report::measures_json(report::measure_catalogue())},
      {"arms", {{{"name", "a"}, {"seeds", {{{"seed", 0}, {"results", entries}}}}}}}};
  const report::Results r = report::parse_results(doc, tmp.path());
  for (const auto& m : r.arms[0].results) {
    const report::MeasureSpec& spec = r.measure(m.measure);
    const std::string h = header(m.csv);
    EXPECT_NE(h.find(spec.x_column), std::string::npos) << m.csv << ": " << h;
    EXPECT_NE(h.find(spec.y_column), std::string::npos) << m.csv << ": " << h;
  }
  // The spectrum's fit is the probe's fit of s², its x_min scaled by a.
  const nlohmann::json& spectrum = entries[4];
  ASSERT_EQ(spectrum["measure"], "spectrum");
  const FittedDistribution& eig = fits.layers[0].back();
  ASSERT_EQ(eig.distribution.measure, "eigenvalues");
  ASSERT_TRUE(eig.ok);
  const double a = result.layers[0].spectrum.a;
  EXPECT_NEAR(spectrum["fit"]["xmin"].get<double>(), eig.fit.xmin * a, 1e-12 * eig.fit.xmin * a);
  // Its tail_max too: the verdict's width tail_max / x_min is the fit's own tail_decades (a bug
  // once scaled x_min only, which widened every spectrum tail by log10(1/a) decades).
  EXPECT_NEAR(spectrum["fit"]["tail_max"].get<double>(), eig.fit.tail_max * a,
              1e-12 * eig.fit.tail_max * a);
  EXPECT_NEAR(
      std::log10(spectrum["fit"]["tail_max"].get<double>() / spectrum["fit"]["xmin"].get<double>()),
      eig.fit.tail_decades, 1e-9);
  EXPECT_NE(a, 1.0);  // else the scaling is not tested
  EXPECT_EQ(spectrum["fit"]["alpha"].get<double>(), eig.fit.alpha);
  EXPECT_EQ(entries.back()["layer"], "pooled");
}

TEST(ReportMeasures, WithoutFitsOrDirectory) {
  const ProbeResult result = small_result();
  const nlohmann::json entries = report_measures(result, ProbeFits{}, {}, "measures/");
  ASSERT_EQ(entries.size(), 13U);
  for (const auto& e : entries) {
    EXPECT_FALSE(e.contains("csv")) << e.dump();
    EXPECT_FALSE(e.contains("fit")) << e.dump();
    EXPECT_TRUE(e.contains("fit_error")) << e.dump();
  }
  EXPECT_EQ(entries[0]["fit_error"], "not fitted");
}

}  // namespace
}  // namespace critnet::probe
