#pragma once
/// The in-place activation of the hand-written steps (fast_step.cpp, device_step.cpp).
#include <torch/torch.h>

#include "critnet/nn/mlp.h"

namespace critnet::train::detail {

/// z ← f(z) in place for the net's hidden activation.
inline void activate_(nn::Activation act, torch::Tensor& z) {
  switch (act) {
    case nn::Activation::kRelu:
      z.relu_();
      break;
    case nn::Activation::kTanh:
      z.tanh_();
      break;
    case nn::Activation::kElu:
      torch::elu_(z);
      break;
    case nn::Activation::kLinear:
      break;
  }
}

}  // namespace critnet::train::detail
