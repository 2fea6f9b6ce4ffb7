#include "critnet/train/penalty_schedule.h"

#include <cmath>

#include "critnet/core/error.h"

namespace critnet::train {

void PenaltySchedule::validate() const {
  penalty_.validate();
  CRITNET_CHECK(std::isfinite(strength_) && strength_ >= 0.0,
                "regulariser strength (lambda) must be finite and >= 0, got ", strength_);
  CRITNET_CHECK(interval_ >= 1, "regulariser interval must be >= 1, got ", interval_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    CRITNET_CHECK(layers_[i] >= 0, "regulariser layer indices must be >= 0, got ", layers_[i]);
    for (size_t k = 0; k < i; ++k)
      CRITNET_CHECK(layers_[i] != layers_[k], "regulariser layer ", layers_[i],
                    " is listed twice (each layer is penalised once)");
  }
}

std::vector<int64_t> penalised_layers(const PenaltySchedule& schedule, int64_t num_linears) {
  std::vector<int64_t> layers = schedule.layers();
  if (layers.empty()) {
    CRITNET_CHECK(num_linears > 1, "the penalty has no layer to act on: a net of ", num_linears,
                  " weight layer has only the output layer, which is penalised only when named "
                  "(layers [0], --reg-layers 0)");
    for (int64_t l = 0; l + 1 < num_linears; ++l) layers.push_back(l);
  }
  for (auto l : layers) {
    CRITNET_CHECK(l >= 0 && l < num_linears, "regularised layer index ", l,
                  " out of range: the net has weight layers 0..", num_linears - 1);
  }
  return layers;
}

}  // namespace critnet::train
