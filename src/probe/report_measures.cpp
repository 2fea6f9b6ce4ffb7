#include "critnet/probe/report_measures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "critnet/analysis/distributions.h"
#include "critnet/report/csv.h"

namespace critnet::probe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Rank data: values sorted descending against 1..n.
void write_rank_csv(const fs::path& path, std::vector<double> values) {
  std::sort(values.begin(), values.end(), std::greater<double>());
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = static_cast<double>(i + 1);
  report::write_csv(path, {"rank", "value"}, {ranks, values});
}

// Log-binned density of positive values (normalised over all of them).
void write_density_csv(const fs::path& path, const std::vector<double>& values) {
  std::vector<double> x, d;
  if (!values.empty()) {
    const analysis::LogHistogram h = analysis::log_binned_histogram(values, 10);
    for (std::size_t i = 0; i < h.centers.size(); ++i) {
      if (h.counts[i] <= 0) continue;
      x.push_back(h.centers[i]);
      d.push_back(h.density[i]);
    }
  }
  report::write_csv(path, {"x", "density"}, {x, d});
}

// CCDF P(X >= x) of positive values at each distinct value.
void write_ccdf_csv(const fs::path& path, const std::vector<double>& values) {
  analysis::Curve c;
  if (!values.empty()) c = analysis::ccdf(values);
  report::write_csv(path, {"x", "ccdf"}, {c.x, c.y});
}

// The two-point function r(d) averaged (weighted by the number of pairs) over bins of the
// separation: every d up to 10, then 20 bins per decade. The raw r(d) is in the probe's
// layer{L}_two_point.csv; the fits use it.
void write_binned_two_point(const fs::path& path, const TwoPointFunction& tp) {
  std::vector<double> x, y;
  std::size_t i = 0;
  const std::size_t n = tp.separation.size();
  while (i < n) {
    const double d0 = static_cast<double>(tp.separation[i]);
    const double upper = d0 <= 10 ? d0 : d0 * std::pow(10.0, 1.0 / 20.0);
    double sw = 0, swx = 0, swy = 0;
    std::size_t k = i;
    for (; k < n && (k == i || static_cast<double>(tp.separation[k]) < upper); ++k) {
      const double w = static_cast<double>(tp.pairs[k]);
      if (!std::isfinite(tp.mean_r[k]) || w <= 0) continue;
      sw += w;
      swx += w * static_cast<double>(tp.separation[k]);
      swy += w * tp.mean_r[k];
    }
    if (sw > 0) {
      x.push_back(swx / sw);
      y.push_back(swy / sw);
    }
    i = k;
  }
  report::write_csv(path, {"distance", "correlation"}, {x, y});
}

// The fit part of an entry; `scale` multiplies x_min when the plotted values are scale·values.
void add_fit(json& e, const FittedDistribution* f, double scale) {
  if (!f) {
    e["fit_error"] = "not fitted";
    return;
  }
  if (!f->ok) {
    e["fit_error"] = f->error;
    return;
  }
  json fit = analysis::to_json(f->fit);
  if (scale != 1.0) {
    // Both ends of the tail in the figure's units, so tail_max / x_min (the verdict's tail
    // width) is the fit's own tail_decades.
    fit["xmin"] = f->fit.xmin * scale;
    fit["tail_max"] = f->fit.tail_max * scale;
    fit["xmin_note"] = fmt::format(
        "x_min and tail_max of the fit of the eigenvalues s² of w, times |a| = {:g} (α, KS, p, "
        "the tail's width in decades and the likelihood ratios do not depend on the scale)",
        scale);
  }
  e["fit"] = fit;
}

const FittedDistribution* find_fit(const std::vector<FittedDistribution>& fits,
                                   const std::string& measure, int64_t subset) {
  for (const auto& f : fits)
    if (f.distribution.measure == measure && f.distribution.subset == subset) return &f;
  return nullptr;
}

// Where the entries' CSVs go: nowhere when `dir` is empty.
struct CsvSink {
  fs::path dir;
  std::string prefix;
  // Writes `name` with `write` and records it in `e` (a no-op without a directory).
  void put(json& e, const std::string& name, const std::function<void(const fs::path&)>& write) {
    if (dir.empty()) return;
    write(dir / name);
    e["csv"] = prefix + name;
  }
};

json two_point_entry(const LayerResult& layer, double max_separation, CsvSink& sink) {
  const TwoPointFunction& tp = layer.seriated;
  json e = {{"measure", "two_point"}, {"layer", layer.layer + 1}};
  sink.put(e, fmt::format("two_point_l{}.csv", layer.layer + 1),
           [&](const fs::path& p) { write_binned_two_point(p, tp); });
  const DecayFit& f = tp.fit_r;
  if (!f.ok) {
    e["fit_error"] = "too few positive points for the decay fits";
    return e;
  }
  const int64_t m = static_cast<int64_t>(tp.separation.size()) + 1;
  const double x_to = std::max(2.0, std::floor(max_separation * static_cast<double>(m)));
  e["fit_error"] = fmt::format(
      "no CSN test (least-squares decay fits, descriptive): {} fits better, RSS ratio {:.3g}",
      f.better, f.rss_ratio);
  e["curves"] = json::array({{{"model", "power_law"},
                              {"c", f.power_amplitude},
                              {"exponent", f.eta},
                              {"x_from", 1},
                              {"x_to", x_to},
                              {"label", fmt::format("η = {:.3g} (R² {:.2f})", f.eta, f.power_r2)}},
                             {{"model", "exponential"},
                              {"c", f.exp_amplitude},
                              {"xi", f.xi},
                              {"x_from", 1},
                              {"x_to", x_to},
                              {"label", fmt::format("ξ = {:.3g} (R² {:.2f})", f.xi, f.exp_r2)}}});
  return e;
}

// The entries of one layer with a CSN fit, in the catalogue's order.
void add_layer_entries(json& out, const LayerResult& layer,
                       const std::vector<FittedDistribution>& fits, CsvSink& sink) {
  const int64_t L = layer.layer + 1;
  auto entry = [&](const std::string& id, const std::string& measure, int64_t subset, double scale,
                   const std::function<void(const fs::path&)>& write) {
    json e = {{"measure", id}, {"layer", L}};
    sink.put(e, fmt::format("{}_l{}.csv", id, L), write);
    add_fit(e, find_fit(fits, measure, subset), scale);
    out.push_back(e);
  };
  const std::vector<Distribution> ds = layer_distributions(layer);
  auto values = [&](const std::string& measure, int64_t subset) {
    for (const auto& d : ds)
      if (d.measure == measure && d.subset == subset) return d.values;
    return std::vector<double>{};
  };
  const std::vector<double> counts(layer.activation_counts.begin(), layer.activation_counts.end());
  entry("activation_frequency", "activation_frequency", -1, 1.0,
        [&](const fs::path& p) { write_rank_csv(p, counts); });
  if (!layer.subset_pattern_counts.empty()) {
    entry("activation_pattern", "subset_pattern_counts", 0, 1.0,
          [&](const fs::path& p) { write_rank_csv(p, values("subset_pattern_counts", 0)); });
  }
  entry("average_activation", "sample_mean", -1, 1.0,
        [&](const fs::path& p) { write_rank_csv(p, layer.sample_means); });
  const std::vector<double> degree = values("out_degree_abs", -1);
  entry("weighted_degree", "out_degree_abs", -1, 1.0, [&](const fs::path& p) {
    write_ccdf_csv(p, degree);
    write_density_csv(p.parent_path() / fmt::format("weighted_degree_density_l{}.csv", L), degree);
  });
  // |a|·s²: with β < 0 (a < 0; the `paper` penalty's other sign) every a·s² is negative, and
  // the distribution of the magnitudes is the one with a tail.
  const double a = std::abs(layer.spectrum.a);
  std::vector<double> scaled = values("eigenvalues", -1);
  for (double& v : scaled) v *= a;
  entry("spectrum", "eigenvalues", -1, a, [&](const fs::path& p) {
    write_ccdf_csv(p, scaled);
    write_density_csv(p.parent_path() / fmt::format("spectrum_density_l{}.csv", L), scaled);
  });
}

}  // namespace

json report_measures(const ProbeResult& result, const ProbeFits& fits, const fs::path& measures_dir,
                     const std::string& csv_prefix) {
  CsvSink sink{measures_dir, csv_prefix};
  json out = json::array();
  const std::vector<FittedDistribution> none;
  for (const auto& layer : result.layers) {
    const auto l = static_cast<std::size_t>(layer.layer);
    add_layer_entries(out, layer, l < fits.layers.size() ? fits.layers[l] : none, sink);
    out.push_back(two_point_entry(layer, result.options.fit_max_separation(), sink));
  }
  json pooled = {{"measure", "activation_frequency"}, {"layer", "pooled"}};
  std::vector<double> counts;
  for (const auto& layer : result.layers)
    counts.insert(counts.end(), layer.activation_counts.begin(), layer.activation_counts.end());
  sink.put(pooled, "activation_frequency_pooled.csv",
           [&](const fs::path& p) { write_rank_csv(p, counts); });
  add_fit(pooled, fits.pooled.distribution.measure.empty() ? nullptr : &fits.pooled, 1.0);
  out.push_back(pooled);
  return out;
}

}  // namespace critnet::probe
