#pragma once
/// The probe recipe: how a study probes and fits a trained network, the settings `critnet
/// probe`, `critnet reproduce`, a sweep grid's "probe" and Python's critnet.probe share, each
/// with its one default (docs/cli.md). The callers add what is theirs (the split, the seed of
/// the subsets, threads, the output directory).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "critnet/probe/workflow.h"

namespace critnet::probe {

struct ProbeRecipe {
  /// Samples of the split streamed through the network (0 = all).
  int64_t limit = 10000;
  /// Semi-parametric bootstrap replicates per Clauset-Shalizi-Newman fit (0 = no p-value).
  int bootstrap = 200;
  /// x_min candidates per fit, spread evenly over the unique values (0 = every one).
  int64_t max_candidates = 1000;
  /// Units per random subset (the activation pattern counts), 1..64.
  int64_t subset_size = 10;
  /// Each fit's x_min scan only considers tails holding at least this fraction of the fitted
  /// values (and at least 5 points): a "power law" over the top few points of a bounded
  /// distribution says nothing about scale invariance. 0 = CSN's plain scan; < 1.
  double min_tail_fraction = 0.1;

  /// Throws critnet::InvalidArgument "<prefix><key>: must be ..., got ..." for the first bad
  /// value (prefix e.g. "probe." in a grid).
  void validate(const std::string& prefix = "") const;
  /// Sets these settings in `options` (limit, probe.subset_size, fit.bootstrap,
  /// fit.max_candidates, min_tail_fraction); the rest is left as it is.
  void apply(ProbeCheckpointOptions& options) const;
};

/// {"limit", "bootstrap", "max_candidates", "subset_size", "min_tail_fraction"}.
void to_json(nlohmann::json& j, const ProbeRecipe& recipe);
/// The keys of to_json that `j` has (the others keep their defaults); InvalidArgument naming
/// `prefix` + the key for an unknown key or a value of the wrong type. Not validated.
ProbeRecipe probe_recipe_from_json(const nlohmann::json& j, const std::string& prefix = "");

}  // namespace critnet::probe
