#pragma once
/// Turning a ProbeResult into files: the distributions that get a power-law fit, summary JSON
/// and the CSV files (named as in docs/cli.md, `critnet probe`).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/probe/probe.h"

namespace critnet::probe {

/// One distribution of a layer that is tested for a power law (CSN).
struct Distribution {
  /// Measure name: "activation_frequency", "pattern_counts", "subset_pattern_counts",
  /// "sample_mean", "node_mean", "in_degree_abs", "in_degree_signed", "out_degree_abs",
  /// "out_degree_signed", "eigenvalues".
  std::string measure;
  /// Index of the random subset for "subset_pattern_counts", else -1.
  int64_t subset = -1;
  /// Counts get the discrete fit; means, degrees and eigenvalues the continuous one.
  bool discrete = false;
  /// The strictly positive values (the power law's support): zero counts (units never active)
  /// and non-positive means / signed degrees / zero eigenvalues are left out and counted in
  /// `dropped`.
  std::vector<double> values;
  int64_t total = 0;
  int64_t dropped = 0;
};

/// The distributions of one layer, in the order listed above (subsets in index order).
/// "eigenvalues" are the non-zero eigenvalues s_i² of w (the power-law exponent of their
/// density does not depend on the scale a).
std::vector<Distribution> layer_distributions(const LayerResult& layer);

/// The activation frequencies of all layers pooled (docs/methods.md, "Probes": "per layer and
/// pooled").
Distribution pooled_activation_frequency(const ProbeResult& result);

/// Summary numbers of one layer's measures (no fits): counts, pattern statistics (distinct
/// patterns, plug-in entropy in bits, cap), mean/min/max of the means and degrees, the
/// two-point functions with their decay fits, the spectrum.
nlohmann::json layer_summary(const LayerResult& layer);

/// min, max, mean, standard deviation (population), n of a set of values.
nlohmann::json describe_values(const std::vector<double>& values);

/// The probe options as JSON.
nlohmann::json options_json(const ProbeOptions& options);

/// Writes the CSV files of every layer into `dir` (which must exist) and returns their names:
///   layer{L}_activation_frequency.csv   rank,count,unit
///   layer{L}_pattern_counts.csv         rank,count
///   layer{L}_subset_pattern_counts.csv  subset,rank,count
///   layer{L}_sample_mean.csv            rank,value,sample
///   layer{L}_node_mean.csv              rank,value,unit
///   layer{L}_degree.csv                 unit,in_abs,in_signed,out_abs,out_signed
///   layer{L}_two_point.csv              order,separation,pairs,mean_c,mean_r,mean_abs_r
///   layer{L}_spectrum.csv               index,singular_value,eigenvalue,cw_distance
///   activation_frequency_pooled.csv     rank,count,layer,unit
/// L is 1-based (layer1 = first hidden layer); ranks start at 1, values sorted descending.
/// Throws critnet::Error when a file cannot be written.
std::vector<std::string> write_csvs(const ProbeResult& result, const std::string& dir);

}  // namespace critnet::probe
