#pragma once
/// The criticality atlas of a run: per arm and layer, over seeds, which notions of criticality
/// the trained network reaches (docs/methods.md, "The criticality atlas"):
///   - the paper's Curie-Weiss point a·s² = 1: the layer's median |a·s² − 1| over its modes;
///   - heavy-tailed self-regularisation (HTSR): the power-law tail of the incoming weight's
///     spectrum, α as WeightWatcher fits it and verdict rule 2 on that tail;
///   - the edge of chaos: the layer's measured χ₁ (atlas/signal.h), 1 at the edge.
/// The report's Atlas section, summary.md and summary.json are written from it.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/report/results.h"
#include "critnet/report/verdict.h"

namespace critnet::report {

/// When a layer counts as reaching a notion.
struct AtlasRule {
  /// The Curie-Weiss point: the mean over seeds of the median |a·s² − 1| is at most this (half
  /// the layer's modes within this distance of a·s² = 1).
  double cw_tolerance = 0.1;
  /// The edge of chaos: the mean over seeds of the measured χ₁ is within this of 1.
  double chi1_tolerance = 0.05;
  /// The rule in a sentence.
  std::string describe() const;
};

/// One arm × layer over its seeds.
struct AtlasCell {
  std::string layer;
  int seeds = 0;                    ///< seeds with an atlas entry for the layer
  std::vector<double> cw_distance;  ///< per seed with a value
  std::vector<double> htsr_alpha;   ///< per seed with an HTSR α
  int heavy_tailed = 0;             ///< seeds whose HTSR tail passed verdict rule 2
  int mp_bulk = 0;                  ///< seeds whose spectrum is a Marchenko-Pastur bulk
  std::vector<double> chi1;         ///< per seed with a measured χ₁
  std::vector<double> chi1_mean_field;
  std::string htsr_label;  ///< the first seed's HTSR label

  /// The mean over seeds of the median |a·s² − 1| is within the rule's tolerance.
  bool at_cw_point(const AtlasRule& rule) const;
  /// The mean over seeds of the measured χ₁ is within the rule's tolerance of 1.
  bool at_edge_of_chaos(const AtlasRule& rule) const;
  /// The HTSR tail passed verdict rule 2 in a majority of seeds (k > n/2).
  bool heavy_tailed_majority() const { return SeedCount{seeds, seeds, heavy_tailed}.majority(); }
};

/// One arm: its layers (sorted) and the sentence that says which notions it reaches.
struct AtlasArm {
  std::string arm;
  std::vector<AtlasCell> layers;
  std::string sentence;
  /// Per seed with a value: the network's χ₁ (geometric mean over layers 2..L) and the mean,
  /// max and min of its input-output Jacobian's squared singular values.
  std::vector<double> chi1_geometric_mean, jacobian_mean, jacobian_max, jacobian_min;
};

/// The atlas of every arm with atlas entries (empty when no seed has any: documents written
/// before the atlas).
std::vector<AtlasArm> atlas_of(const Results& results, const AtlasRule& rule = {});

/// The atlas as summary.json's "atlas": {"rule": {cw_tolerance, chi1_tolerance, text}, "arms":
/// [{arm, sentence, layers: [{layer, seeds, cw_distance_mean, cw_distance_sd, at_cw_point,
/// htsr_alpha_mean, htsr_alpha_sd, heavy_tailed_seeds, mp_bulk_seeds, heavy_tailed,
/// htsr_label, chi1_mean, chi1_sd, chi1_mean_field, at_edge_of_chaos}], network: {seeds,
/// chi1_geometric_mean_mean, chi1_geometric_mean_sd, jacobian_mean_mean, jacobian_mean_sd,
/// jacobian_max_mean, jacobian_min_mean}}]}.
nlohmann::json atlas_json(const std::vector<AtlasArm>& atlas, const AtlasRule& rule = {});

}  // namespace critnet::report
