#pragma once
/// Streaming probes of a trained network's hidden layers: every measure of docs/methods.md,
/// "Probes" (paper section 2.6, 3), collected batch by batch: through nn::Mlp::forward_observed for
/// critnet's MLP, or from the activations any caller observed (a TorchScript module's taps,
/// Python forward hooks) together with the weights around each observed layer.
///
/// Convolutional feature maps: a unit is a CHANNEL, and its value in a sample is the mean of
/// its feature map over the spatial positions (activations [batch, C, ...] become
/// [batch, C]). Its incoming weight [C, in, k...] is taken as [C, in·k] (the penalty's
/// convention), and the weight that reads it as one row per (output, position) pair.
///
/// Memory per hidden layer of width w: O(w²) float64 (sums and the co-moment matrix), plus
///  - one float64 per sample for the per-sample layer mean m_l(s) (kept so that its
///    distribution can be fitted exactly; 8 bytes × samples × layers), and
///  - the activation-pattern counters, one entry per DISTINCT binarised pattern, capped by
///    ProbeOptions::max_patterns (the cap is reported when hit).
/// Nothing stores the activations themselves.
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "critnet/nn/mlp.h"
#include "critnet/probe/layer_accumulator.h"
#include "critnet/probe/measures.h"
#include "critnet/probe/options.h"

namespace critnet::probe {

/// Everything measured on one hidden layer (index l, 0-based; the CLI prints l + 1).
struct LayerResult {
  int64_t layer = 0;
  /// The observed module's name ("" for critnet's MLP, whose layers are numbered).
  std::string name;
  int64_t width = 0;
  int64_t num_samples = 0;
  double threshold = 0.0;

  /// (1) c_i = #{s : x_i(s) > θ}, in unit order, [width].
  std::vector<int64_t> activation_counts;

  /// (2) Counts of the distinct binarised patterns of the whole layer, sorted descending.
  std::vector<int64_t> pattern_counts;
  /// True when max_patterns distinct patterns were reached; later new patterns were not counted.
  bool pattern_cap_hit = false;
  /// Samples whose (new) pattern was not recorded because the cap was hit.
  int64_t patterns_dropped_samples = 0;
  /// Units of each random k-subset (sorted ascending) and its pattern counts (descending).
  std::vector<std::vector<int64_t>> subset_units;
  std::vector<std::vector<int64_t>> subset_pattern_counts;
  std::vector<bool> subset_cap_hit;

  /// (3) m_l(s) = mean_i x_i(s), in sample order [num_samples]; per-unit mean over samples [width].
  std::vector<double> sample_means;
  std::vector<double> node_means;

  /// (4) Weighted degrees [width]: in_i = Σ_j V_l[i,j], out_i = Σ_j V_{l+1}[j,i]; abs and signed.
  std::vector<double> in_degree_abs, in_degree_signed, out_degree_abs, out_degree_signed;

  /// (5) Units whose activation has zero variance over the samples (dead or saturated units):
  /// excluded from the two-point function (their correlation coefficient is undefined).
  std::vector<int64_t> constant_units;
  /// Non-constant units in spectral-seriation order.
  std::vector<int64_t> seriation;
  /// Two-point function in the natural unit order and in the seriated order.
  TwoPointFunction natural, seriated;

  /// (6) Spectrum of a·w for this layer's incoming weight V_l.
  Spectrum spectrum;
  /// The incoming weight itself (detached, on the CPU), for the weight-only measures the fit
  /// stage adds (the HTSR row of atlas/htsr.h).
  torch::Tensor incoming;
};

/// The result of a probe run: one LayerResult per hidden layer.
struct ProbeResult {
  ProbeOptions options;
  int64_t num_samples = 0;
  std::vector<LayerResult> layers;
};

/// One observed layer of any model: its units are the outputs of `incoming` (a Linear weight
/// [width, in] or a Conv weight [width, in, k...]), read by `outgoing` (a weight whose input
/// dimension is width or, after a flatten, a multiple of it: [out, width·p] with the units
/// channel-major, or [out, width, k...]). The weights give the degrees and the spectrum.
struct ObservedLayer {
  std::string name;
  torch::Tensor incoming, outgoing;
  /// The module whose weight `incoming` is, when known (a TorchScript model's).
  std::string incoming_name;
};

/// Streams batches through a model and accumulates every measure. Usage:
///   Probe probe(model, options);
///   for (auto& batch : batches) probe.observe(batch);  // [batch, input_size]
///   ProbeResult result = probe.finish();
/// or, for any model, Probe(layers, options) and observe_activations() per batch.
class Probe {
 public:
  /// Validates the options; one LayerAccumulator per hidden layer, subsets seeded from
  /// options.seed() and the layer index.
  Probe(nn::Mlp model, ProbeOptions options);
  /// Any model: one accumulator per observed layer (at least one; the weights are checked).
  Probe(std::vector<ObservedLayer> layers, ProbeOptions options);

  /// Runs critnet's MLP on x [batch, input_size] (no grad) and feeds each hidden layer's
  /// post-activations to its accumulator. x may be on any device; accumulation is on the CPU
  /// in float64. Only for a Probe made from an nn::Mlp.
  void observe(const torch::Tensor& x);
  /// One batch of activations per observed layer, in order: [batch, width] or, for a
  /// convolution, [batch, width, spatial...] (averaged over the spatial positions).
  void observe_activations(const std::vector<torch::Tensor>& activations);

  int64_t num_samples() const { return num_samples_; }
  const std::vector<LayerAccumulator>& layers() const { return layers_; }

  /// Computes the final measures (two-point functions, seriation, spectra, degrees).
  /// Throws InvalidArgument when fewer than 2 samples were observed.
  ProbeResult finish() const;

 private:
  nn::Mlp model_{nullptr};
  std::vector<ObservedLayer> observed_;  // the weights, as [width, in] and [rows, width]
  ProbeOptions options_;
  std::vector<LayerAccumulator> layers_;
  int64_t num_samples_ = 0;
};

}  // namespace critnet::probe
