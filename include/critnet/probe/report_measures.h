#pragma once
/// The report's view of a probe: per hidden layer one results.json entry (docs/report-schema.md)
/// for each measure of the catalogue (report/measures.h), with its figure data as a CSV in the
/// report schema's columns and its CSN fit:
///   activation_frequency  rank plot of the counts c_i (fit: "activation_frequency"; also
///                         "pooled" over the layers)
///   activation_pattern    rank plot of the pattern counts of random subset 0
///   average_activation    rank plot of m_l(s) (fit: "sample_mean")
///   weighted_degree       CCDF of Σ_j |V_{l+1}[j,i]| (fit: "out_degree_abs"), + a log-binned
///                         density in weighted_degree_density_lL.csv
///   two_point             binned r(d) in the seriated order with the decay fits as curves
///   spectrum              CCDF of the non-zero a·s² (fit of s², x_min scaled by a), + density
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "critnet/probe/fits.h"
#include "critnet/probe/probe.h"

namespace critnet::probe {

/// The fits of a probe: per layer those of layer_distributions (empty when not fitted), and
/// the pooled activation frequencies (ok = false with an error when not fitted).
struct ProbeFits {
  std::vector<std::vector<FittedDistribution>> layers;
  FittedDistribution pooled;
};

/// The results.json entries of `result` ("measure", "layer", "csv", "fit" or "fit_error",
/// "curves"). With a non-empty `measures_dir` (which must exist) the figure CSVs are written
/// there, named <measure>_l<L>.csv, and "csv" is `csv_prefix` + that name; otherwise the entries
/// have no "csv". Throws critnet::Error when a file cannot be written.
nlohmann::json report_measures(const ProbeResult& result, const ProbeFits& fits,
                               const std::filesystem::path& measures_dir,
                               const std::string& csv_prefix);

}  // namespace critnet::probe
