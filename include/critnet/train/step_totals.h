#pragma once
/// The sums of a run of optimiser steps (an epoch, or the steps since the device step last
/// reported): every step path fills one, the trainer turns it into EpochMetrics (their means)
/// and keeps an interrupted epoch's in its checkpoint.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace critnet::train {

struct StepTotals {
  int64_t steps = 0;
  int64_t samples = 0;
  int64_t penalty_steps = 0;
  double loss_sum = 0;       ///< Σ over steps of loss × batch size (data + penalty term)
  double data_loss_sum = 0;  ///< Σ over steps of data loss × batch size (summed cross-entropy)
  double reg_term_sum = 0;   ///< Σ over penalty steps of (k·λ)·Σ_l R(V_l) × batch size
  std::vector<double> penalty_sums;  ///< per penalised layer: Σ over penalty steps of R(V_l)

  /// Adds `other`'s counts and sums (penalty sums entry by entry, over the shorter list): the
  /// steps of a continued epoch after those before its checkpoint.
  StepTotals& operator+=(const StepTotals& other);

  /// state.json's "epoch_totals" of an interrupted epoch (doubles written exactly), and back;
  /// from_json throws DataError naming `file` when the object is malformed or its
  /// penalty_sums do not have `layers` entries.
  nlohmann::json to_json() const;
  static StepTotals from_json(const nlohmann::json& j, size_t layers, const std::string& file);
};

}  // namespace critnet::train
