#include "critnet/probe/outputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <numeric>
#include <sstream>

#include "critnet/core/coupling.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"

namespace critnet::probe {
namespace {

Distribution make_distribution(const std::string& measure, bool discrete,
                               const std::vector<double>& values, int64_t subset = -1) {
  Distribution d;
  d.measure = measure;
  d.subset = subset;
  d.discrete = discrete;
  d.total = static_cast<int64_t>(values.size());
  for (double v : values) {
    if (v > 0.0 && std::isfinite(v)) d.values.push_back(v);
  }
  d.dropped = d.total - static_cast<int64_t>(d.values.size());
  return d;
}

std::vector<double> to_double(const std::vector<int64_t>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// A NaN or infinity is not valid JSON: write null.
nlohmann::json number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json();
}

nlohmann::json decay_json(const DecayFit& f) {
  return {{"ok", f.ok},
          {"num_points", f.num_points},
          {"power_law",
           {{"amplitude", number(f.power_amplitude)},
            {"eta", number(f.eta)},
            {"rss", number(f.power_rss)},
            {"r2", number(f.power_r2)}}},
          {"exponential",
           {{"amplitude", number(f.exp_amplitude)},
            {"xi", number(f.xi)},
            {"rss", number(f.exp_rss)},
            {"r2", number(f.exp_r2)}}},
          {"better", f.better},
          {"rss_ratio", number(f.rss_ratio)},
          {"delta_aic", number(f.delta_aic)},
          {"note", "descriptive least squares on ln G(d); not a hypothesis test"}};
}

nlohmann::json two_point_json(const TwoPointFunction& tp) {
  return {{"order", tp.order},
          {"separation", tp.separation},
          {"pairs", tp.pairs},
          {"mean_c", tp.mean_c},
          {"mean_r", tp.mean_r},
          {"mean_abs_r", tp.mean_abs_r},
          {"fit_c", decay_json(tp.fit_c)},
          {"fit_r", decay_json(tp.fit_r)}};
}

nlohmann::json pattern_json(const std::vector<int64_t>& counts, int64_t samples, bool cap_hit) {
  double entropy = 0.0;
  int64_t counted = 0;
  for (int64_t c : counts) counted += c;
  for (int64_t c : counts) {
    const double p = static_cast<double>(c) / static_cast<double>(counted);
    entropy -= p * std::log2(p);
  }
  return {{"distinct", counts.size()},
          {"samples_counted", counted},
          {"samples", samples},
          {"max_count", counts.empty() ? 0 : counts.front()},
          {"singletons", std::count(counts.begin(), counts.end(), int64_t{1})},
          {"entropy_bits", counted > 0 ? entropy : 0.0},
          {"cap_hit", cap_hit}};
}

// The CSVs are built in memory and written atomically: whole or absent (core/io.h).
std::ostringstream open_csv(const std::string& dir, const std::string& name,
                            const std::string& header, std::vector<std::string>& names) {
  std::ostringstream out;
  out << header << '\n';
  names.push_back(name);
  return out;
}

void close_csv(std::ostringstream& out, const std::string& dir, const std::string& name) {
  io::write_file_atomic(std::filesystem::path(dir) / name, out.str());
}

// Indices of `values` sorted by value descending, ties by index.
template <typename T>
std::vector<int64_t> descending(const std::vector<T>& values) {
  std::vector<int64_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](int64_t a, int64_t b) { return values[a] > values[b]; });
  return idx;
}

}  // namespace

std::vector<Distribution> layer_distributions(const LayerResult& r) {
  std::vector<Distribution> out;
  out.push_back(make_distribution("activation_frequency", true, to_double(r.activation_counts)));
  out.push_back(make_distribution("pattern_counts", true, to_double(r.pattern_counts)));
  for (size_t k = 0; k < r.subset_pattern_counts.size(); ++k) {
    out.push_back(make_distribution("subset_pattern_counts", true,
                                    to_double(r.subset_pattern_counts[k]),
                                    static_cast<int64_t>(k)));
  }
  out.push_back(make_distribution("sample_mean", false, r.sample_means));
  out.push_back(make_distribution("node_mean", false, r.node_means));
  out.push_back(make_distribution("in_degree_abs", false, r.in_degree_abs));
  out.push_back(make_distribution("in_degree_signed", false, r.in_degree_signed));
  out.push_back(make_distribution("out_degree_abs", false, r.out_degree_abs));
  out.push_back(make_distribution("out_degree_signed", false, r.out_degree_signed));
  std::vector<double> s2;
  for (double s : r.spectrum.singular_values) s2.push_back(s * s);
  out.push_back(make_distribution("eigenvalues", false, s2));
  return out;
}

Distribution pooled_activation_frequency(const ProbeResult& result) {
  std::vector<double> all;
  for (const auto& layer : result.layers) {
    all.insert(all.end(), layer.activation_counts.begin(), layer.activation_counts.end());
  }
  return make_distribution("activation_frequency_pooled", true, all);
}

nlohmann::json describe_values(const std::vector<double>& v) {
  if (v.empty()) return {{"n", 0}};
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {{"n", v.size()},
          {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())},
          {"mean", mean},
          {"sd", std::sqrt(ss / n)}};
}

nlohmann::json options_json(const ProbeOptions& o) {
  return {{"threshold", o.threshold()},
          {"subset_size", o.subset_size()},
          {"num_subsets", o.num_subsets()},
          {"seed", o.seed()},
          {"max_patterns", o.max_patterns()},
          {"beta", o.beta()},
          {"gram_side", to_string(o.gram_side())},
          {"n_convention", to_string(o.n_convention())},
          {"cw_tolerance", o.cw_tolerance()},
          {"fit_max_separation", o.fit_max_separation()}};
}

nlohmann::json layer_summary(const LayerResult& r) {
  nlohmann::json j;
  j["layer"] = r.layer + 1;
  if (!r.name.empty()) j["name"] = r.name;
  j["width"] = r.width;
  j["num_samples"] = r.num_samples;
  const auto dead = std::count(r.activation_counts.begin(), r.activation_counts.end(), int64_t{0});
  const auto always =
      std::count(r.activation_counts.begin(), r.activation_counts.end(), r.num_samples);
  j["activation_frequency"] = {{"threshold", r.threshold},
                               {"never_active", dead},
                               {"always_active", always},
                               {"counts", describe_values(to_double(r.activation_counts))}};
  nlohmann::json patterns = pattern_json(r.pattern_counts, r.num_samples, r.pattern_cap_hit);
  patterns["dropped_samples"] = r.patterns_dropped_samples;
  j["pattern_counts"] = patterns;
  nlohmann::json subsets = nlohmann::json::array();
  for (size_t k = 0; k < r.subset_units.size(); ++k) {
    nlohmann::json s = pattern_json(r.subset_pattern_counts[k], r.num_samples, r.subset_cap_hit[k]);
    s["units"] = r.subset_units[k];
    subsets.push_back(s);
  }
  j["subset_pattern_counts"] = subsets;
  j["sample_mean"] = describe_values(r.sample_means);
  j["node_mean"] = describe_values(r.node_means);
  j["in_degree_abs"] = describe_values(r.in_degree_abs);
  j["in_degree_signed"] = describe_values(r.in_degree_signed);
  j["out_degree_abs"] = describe_values(r.out_degree_abs);
  j["out_degree_signed"] = describe_values(r.out_degree_signed);
  j["two_point"] = {{"constant_units", r.constant_units},
                    {"seriation", r.seriation},
                    {"seriation_method",
                     "spectral: units sorted by the Fiedler vector of the Laplacian of |corr|"},
                    {"natural", two_point_json(r.natural)},
                    {"seriated", two_point_json(r.seriated)}};
  const Spectrum& sp = r.spectrum;
  j["spectrum"] = {{"weight_shape", {sp.rows, sp.cols}},
                   {"a", sp.a},
                   {"n", sp.n},
                   {"gram_side", sp.gram_side},
                   {"singular_values", sp.singular_values},
                   {"eigenvalues", sp.eigenvalues},
                   {"num_zero_modes", sp.num_zero_modes},
                   {"rank_tolerance", sp.rank_tolerance},
                   {"num_numerical_zero_modes", sp.num_numerical_zero_modes},
                   {"cw_distance_min", sp.cw_distance_min},
                   {"cw_distance_median", sp.cw_distance_median},
                   {"cw_fraction_within", sp.cw_fraction_within},
                   {"cw_tolerance", sp.cw_tolerance},
                   {"stable_rank", sp.stable_rank}};
  return j;
}

std::vector<std::string> write_csvs(const ProbeResult& result, const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& r : result.layers) {
    const std::string prefix = fmt::format("layer{}_", r.layer + 1);
    {
      const std::string name = prefix + "activation_frequency.csv";
      auto out = open_csv(dir, name, "rank,count,unit", names);
      const auto idx = descending(r.activation_counts);
      for (size_t i = 0; i < idx.size(); ++i) {
        out << fmt::format("{},{},{}\n", i + 1, r.activation_counts[idx[i]], idx[i]);
      }
      close_csv(out, dir, name);
    }
    {
      const std::string name = prefix + "pattern_counts.csv";
      auto out = open_csv(dir, name, "rank,count", names);
      for (size_t i = 0; i < r.pattern_counts.size(); ++i) {
        out << fmt::format("{},{}\n", i + 1, r.pattern_counts[i]);
      }
      close_csv(out, dir, name);
    }
    {
      const std::string name = prefix + "subset_pattern_counts.csv";
      auto out = open_csv(dir, name, "subset,rank,count", names);
      for (size_t k = 0; k < r.subset_pattern_counts.size(); ++k) {
        const auto& c = r.subset_pattern_counts[k];
        for (size_t i = 0; i < c.size(); ++i) out << fmt::format("{},{},{}\n", k, i + 1, c[i]);
      }
      close_csv(out, dir, name);
    }
    for (const auto& [measure, values, id] :
         {std::tuple<std::string, const std::vector<double>*, std::string>{
              "sample_mean", &r.sample_means, "sample"},
          {"node_mean", &r.node_means, "unit"}}) {
      const std::string name = prefix + measure + ".csv";
      auto out = open_csv(dir, name, "rank,value," + id, names);
      const auto idx = descending(*values);
      for (size_t i = 0; i < idx.size(); ++i) {
        out << fmt::format("{},{},{}\n", i + 1, (*values)[idx[i]], idx[i]);
      }
      close_csv(out, dir, name);
    }
    {
      const std::string name = prefix + "degree.csv";
      auto out = open_csv(dir, name, "unit,in_abs,in_signed,out_abs,out_signed", names);
      for (int64_t i = 0; i < r.width; ++i) {
        out << fmt::format("{},{},{},{},{}\n", i, r.in_degree_abs[i], r.in_degree_signed[i],
                           r.out_degree_abs[i], r.out_degree_signed[i]);
      }
      close_csv(out, dir, name);
    }
    {
      const std::string name = prefix + "two_point.csv";
      auto out = open_csv(dir, name, "order,separation,pairs,mean_c,mean_r,mean_abs_r", names);
      for (const TwoPointFunction* tp : {&r.natural, &r.seriated}) {
        for (size_t i = 0; i < tp->separation.size(); ++i) {
          out << fmt::format("{},{},{},{},{},{}\n", tp->order, tp->separation[i], tp->pairs[i],
                             tp->mean_c[i], tp->mean_r[i], tp->mean_abs_r[i]);
        }
      }
      close_csv(out, dir, name);
    }
    {
      const std::string name = prefix + "spectrum.csv";
      auto out = open_csv(dir, name, "index,singular_value,eigenvalue,cw_distance", names);
      const Spectrum& sp = r.spectrum;
      for (size_t i = 0; i < sp.singular_values.size(); ++i) {
        const double s = sp.singular_values[i];
        const double lambda = sp.a * s * s;
        out << fmt::format("{},{},{},{}\n", i + 1, s, lambda, std::abs(lambda - 1.0));
      }
      close_csv(out, dir, name);
    }
  }
  {
    const std::string name = "activation_frequency_pooled.csv";
    auto out = open_csv(dir, name, "rank,count,layer,unit", names);
    std::vector<std::tuple<int64_t, int64_t, int64_t>> all;  // count, layer, unit
    for (const auto& r : result.layers) {
      for (int64_t i = 0; i < r.width; ++i)
        all.emplace_back(r.activation_counts[i], r.layer + 1, i);
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    for (size_t i = 0; i < all.size(); ++i) {
      out << fmt::format("{},{},{},{}\n", i + 1, std::get<0>(all[i]), std::get<1>(all[i]),
                         std::get<2>(all[i]));
    }
    close_csv(out, dir, name);
  }
  return names;
}

}  // namespace critnet::probe
