#pragma once
/// Options of the probe (docs/methods.md, "Probes").
#include <torch/torch.h>

#include <cstdint>

#include "critnet/core/coupling.h"

namespace critnet::probe {

/// Options of a Probe. validate() throws critnet::InvalidArgument naming the bad value.
struct ProbeOptions {
  /// Throws critnet::InvalidArgument naming the first bad value.
  void validate() const;

  /// θ: unit i is "active" on sample s when x_i(s) > θ (activation frequency, patterns).
  TORCH_ARG(double, threshold) = 0.0;
  /// k: units per random subset for the subset pattern counts, 1..64 (clamped to the layer
  /// width when the layer is narrower). The neuroscience literature uses k = 10..20.
  TORCH_ARG(int64_t, subset_size) = 10;
  /// R: random k-unit subsets per layer (0 = none).
  TORCH_ARG(int64_t, num_subsets) = 10;
  /// Seed of the subset draws (layer l uses a stream derived from seed and l).
  TORCH_ARG(uint64_t, seed) = 0;
  /// Cap on the distinct patterns each pattern counter stores (whole layer and each subset).
  TORCH_ARG(int64_t, max_patterns) = 1000000;
  /// a = β / N for the spectrum of a·w (critnet/core/coupling.h, as in the critical regulariser).
  TORCH_ARG(double, beta) = 1.0;
  /// Gram side of w: kIn (w = Vᵀ V, [in, in]) or kOut (V Vᵀ, [out, out]). Only the number of
  /// zero eigenvalues depends on it.
  TORCH_ARG(GramSide, gram_side) = GramSide::kIn;
  /// N of a = β / N: fan-in (in), fan-out (out) or one.
  TORCH_ARG(NConvention, n_convention) = NConvention::kFanIn;
  /// Tolerance of "at the CW point": |a·s² - 1| ≤ cw_tolerance.
  TORCH_ARG(double, cw_tolerance) = 0.1;
  /// The decay fits of the two-point function use separations 1 ≤ d ≤
  /// fit_max_separation · (number of non-constant units), with positive mean. In (0, 1].
  TORCH_ARG(double, fit_max_separation) = 0.5;
};

}  // namespace critnet::probe
