#pragma once
/// The edge of chaos measured on a trained network (docs/methods.md, "Signal propagation,
/// measured"): for a chain of Linear layers h^l = W^l φ(h^{l−1}) + b^l (h^0 = the input, no φ
/// before the first layer) and a batch of inputs,
///   - per layer, the measured χ₁ = E_x (1/N_l) ‖∂h^l/∂h^{l−1}‖²_F, the layer Jacobian being
///     W^l diag φ'(h^{l−1}) (W^1 for the first layer), so no mean-field assumption enters:
///     (1/N_l) Σ_j φ'(h_j^{l−1})² ‖W^l_{:,j}‖², with a bootstrap interval over the inputs;
///     σ_w² = N_{l−1}·Var(W^l), σ_b² = Var(b^l), q = E (h^l)² and the mean-field χ₁ at (σ_w²,
///     σ_b²) (rg/edge.h), whose gap from the measured one says how far trained weights are
///     from i.i.d. ones;
///   - the input-output Jacobian J = ∂h^L/∂x of the first `jacobian_samples` inputs, exactly
///     (products from the output down), and the statistics of its squared singular values
///     pooled over those inputs;
///   - the averaged partial Jacobian norms (Doshi, He & Gromov 2023) APJN(l) =
///     E‖∂h^l/∂h^1‖²_F / N_l, by Hutchinson's estimator (E_v ‖A v‖² = ‖A‖²_F, v ~ N(0, I)).
/// Forward passes in float32 (the network's precision), sums in float64.
///
/// Any other model (a TorchScript file, a torch.nn.Module from Python) is measured through its
/// weight layers (Linear, Conv): h^l is the output of the l-th weight layer a forward pass
/// calls, and autograd gives the same quantities, χ₁ = E_x (1/N_l) ‖∂h^l/∂h^{l−1}‖²_F (h^0 the
/// input, N_l the values of h^l per sample) by Hutchinson's estimator with `apjn_probes`
/// vectors per input. Whatever lies on the paths from h^{l−1} to h^l (activations, pooling,
/// normalisation) is part of layer l's Jacobian; a skip connection that bypasses layer l−1 is
/// not (it starts before h^{l−1}), while the APJN from h^1 takes every path. The model must
/// treat the samples of a batch independently (eval mode).
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/rg/edge.h"

namespace critnet::atlas {

struct SignalOptions {
  /// The activation between the layers: required for a chain, optional for a tapped model
  /// (without it there is no mean-field χ₁).
  std::optional<rg::Activation> activation = rg::Activation::kRelu;
  /// Inputs whose full Jacobian (and APJN) is computed; at most the batch.
  int64_t jacobian_samples = 256;
  /// Hutchinson vectors per input for the APJN and, on a tapped model, for χ₁.
  int64_t apjn_probes = 4;
  /// Bootstrap replicates of χ₁'s 95% interval over the inputs (0: none) and their seed.
  int64_t bootstrap = 200;
  std::uint64_t seed = 0;
  /// |χ₁ − 1| at most this is "critical" (measured χ₁ of a finite network fluctuates).
  double critical_tolerance = 0.05;
  /// Inputs per forward pass.
  int64_t batch_size = 500;
  /// Throws critnet::InvalidArgument naming the bad value.
  void validate() const;
};

/// One weight layer's row.
struct SignalLayer {
  int64_t layer = 0;  ///< 1-based, the first Linear being 1
  std::string name;   ///< the module's name on a tapped model; empty for a chain
  int64_t fan_in = 0, width = 0;
  double chi1 = 0, chi1_low = 0, chi1_high = 0;  ///< measured, and its bootstrap 95% interval
  double sigma_w2 = 0, sigma_b2 = 0, q = 0;
  double chi1_mean_field = 0;    ///< rg::chi1 at (σ_w², σ_b²); NaN when it cannot be computed
  std::string phase;             ///< of the measured χ₁
  double apjn = 0, apjn_se = 0;  ///< E‖∂h^l/∂h^1‖²_F / N_l and its standard error
};

struct JacobianSummary {
  int64_t samples = 0;  ///< inputs
  int64_t rank = 0;     ///< min(outputs, inputs): squared singular values per input
  double mean = 0, variance = 0, max = 0, min = 0;
};

struct SignalResult {
  std::vector<SignalLayer> layers;
  JacobianSummary jacobian;
  /// The geometric mean of the measured χ₁ of layers 2..L (those with φ' in their Jacobian),
  /// and the network's phase from it.
  double chi1_geometric_mean = 0;
  std::string phase;
  SignalOptions options;
  int64_t samples = 0;
  /// Hutchinson vectors per input behind each χ₁; 0: computed exactly (a chain).
  int64_t chi1_probes = 0;

  /// {"samples", "activation" (null when unknown), "critical_tolerance", "chi1_estimator"
  /// ("exact" or "hutchinson"), "chi1_probes", "chi1_geometric_mean", "phase",
  /// "layers": [row_json], "jacobian": {samples, rank, mean, variance, max, min},
  /// "apjn": [{layer, apjn, apjn_se}]}.
  nlohmann::json to_json() const;
  /// One layer's row: layer, name (tapped models only), fan_in, width, chi1, chi1_ci_low,
  /// chi1_ci_high, sigma_w2, sigma_b2, q, chi1_mean_field (null when unknown), phase, apjn,
  /// apjn_se.
  static nlohmann::json row_json(const SignalLayer& layer);
};

/// Measures the chain weights[l] [N_l, N_{l−1}] with biases[l] ([N_l] or undefined) on
/// `inputs` [n, N_0]. Throws critnet::InvalidArgument for bad options, mismatched shapes or
/// no layer; critnet::DataError for non-finite weights or inputs.
SignalResult measure_signal(const std::vector<torch::Tensor>& weights,
                            const std::vector<torch::Tensor>& biases, const torch::Tensor& inputs,
                            const SignalOptions& options = {});

/// A weight layer of a tapped model: its weight [out, in, k...] and bias ([out] or undefined).
struct WeightLayer {
  std::string name;
  torch::Tensor weight, bias;
};

/// The model's forward pass on a batch x, returning the outputs of `layers` (in the order
/// the forward calls them, each [batch, ...]) and then the model's output, with autograd
/// recording (it is called with grad mode on and x requiring grad).
using TappedForward = std::function<std::vector<torch::Tensor>(const torch::Tensor& x)>;

/// Measures any model through its weight layers (see the top of this file); the input-output
/// Jacobian is computed when the model has at most 256 outputs per sample. Throws
/// critnet::InvalidArgument for bad options, no layer or taps that do not match `layers`;
/// critnet::DataError for non-finite weights, inputs or outputs.
SignalResult measure_signal(const TappedForward& forward, const std::vector<WeightLayer>& layers,
                            const torch::Tensor& inputs, const SignalOptions& options = {});

}  // namespace critnet::atlas
