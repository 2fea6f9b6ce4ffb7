#pragma once
/// How a trainer applies the critical penalty: which penalty (reg::PenaltyOptions), how
/// strongly (λ), to which Linear layers and how often. The loss of a step that applies it gets
/// (k·λ) · Σ_{penalised l} R(V_l), applied every k = interval steps (the lazy penalty;
/// docs/methods.md); the other steps get none.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "critnet/regularizers/critical.h"

namespace critnet::train {

struct PenaltySchedule {
  PenaltySchedule() = default;
  /// The common case: `penalty` at strength λ on the default layers, every step.
  PenaltySchedule(reg::PenaltyOptions penalty, double strength)
      : penalty_(std::move(penalty)), strength_(strength) {}

  /// The penalty R itself (preset kNone = no penalty).
  TORCH_ARG(reg::PenaltyOptions, penalty) = {};
  /// Strength λ ≥ 0 of the penalty in the loss.
  TORCH_ARG(double, strength) = 0.0;
  /// Indices of the Linear layers penalised, each >= 0 and at most once; empty = every layer
  /// but the output layer. (Checked against the model by penalised_layers().)
  TORCH_ARG(std::vector<int64_t>, layers) = {};
  /// Lazy interval k ≥ 1: the penalty is applied every k steps with strength k·λ.
  TORCH_ARG(int64_t, interval) = 1;

 public:  // TORCH_ARG leaves the section private
  /// Validates the penalty and the schedule; throws critnet::InvalidArgument naming the value.
  void validate() const;
  /// Whether any step applies a penalty: a preset other than kNone and λ ≠ 0.
  bool enabled() const { return penalty_.preset() != reg::Preset::kNone && strength_ != 0.0; }
  /// Whether the step with 0-based index `step` (counted over the whole run) applies it:
  /// enabled and step % k == 0.
  bool applies_at(int64_t step) const { return enabled() && step % interval_ == 0; }
  /// The penalty's weight in the loss of a step that applies it: k·λ.
  double weight() const { return static_cast<double>(interval_) * strength_; }
};

/// The Linear layers the schedule penalises in a net with `num_linears` layers: its layers, or
/// every layer but the output layer when empty. Throws critnet::InvalidArgument for an index out
/// of range, and when the default leaves nothing to penalise (a net of one Linear layer).
std::vector<int64_t> penalised_layers(const PenaltySchedule& schedule, int64_t num_linears);

}  // namespace critnet::train
