#pragma once
/// The critical penalty's value and analytic gradient without autograd, for hand-written
/// training steps (train/device_step.h). Same kernels as reg::penalty() (critical.h): exact on
/// the smaller Gram matrix, or the Hutchinson estimate with probes > 0; tensor operations
/// only, so they run on any device, never read a value back to the host, and can be captured
/// in a CUDA graph.
#include <torch/torch.h>

#include "critnet/regularizers/critical.h"

namespace critnet::reg {

/// R(V) and ∇_V R of one weight [out, in].
struct PenaltyAndGradient {
  torch::Tensor value;     ///< scalar, V's dtype and device
  torch::Tensor gradient;  ///< [out, in]
};

/// R(V) (not multiplied by λ) and its gradient, with grad mode off; V is read, never
/// modified. kNone gives zeros. Throws InvalidArgument for a weight that is not a 2-D
/// floating-point tensor. With probes > 0 the probes come from torch's default generator of
/// V's device.
PenaltyAndGradient penalty_and_gradient(const torch::Tensor& weight,
                                        const RegularizerOptions& options);

}  // namespace critnet::reg
