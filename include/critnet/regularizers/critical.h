#pragma once
/// Critical regularisation (paper section 2.5, 3.1; docs/methods.md, "The critical penalty";
/// docs/methods.md).
///
/// For a weight V [out, in] the coupling matrix is w = Vᵀ V ([in, in], gram side "in", the
/// default) or V Vᵀ ([out, out], side "out"), a = β / N (the conventions of
/// critnet/core/coupling.h), and the penalty is R(V) = ‖P‖²_F for the preset's constraint
/// matrix P. The loss gets λ · Σ_layers R(V_l).
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "critnet/core/coupling.h"

namespace critnet::reg {

/// Which constraint P the penalty squares.
enum class Preset {
  kNone,       ///< no penalty
  kPaper,      ///< P = I + a·w + 2a²·w²   (eq. 30; the default)
  kPaperEq33,  ///< P_ij = δ_ij (1 + a·w_ij) + 2a²·(w²)_ij   (eq. 33, literal)
  kCw,         ///< P = I - a·w   (constant coupling / Curie-Weiss)
  kPoly,       ///< P = Σ_k c_k (a·w)^k, k ≤ 4
  kL1,         ///< Σ |V_ij|
  kL2,         ///< Σ V_ij²
};

/// Parses "none" | "paper" | "paper-eq33" | "cw" | "poly" | "l1" | "l2"; throws
/// critnet::InvalidArgument otherwise.
Preset parse_preset(const std::string& name);
std::string to_string(Preset preset);
/// Parses the poly preset's coefficients "c0,c1,...,cK" (1 to 5 finite numbers, comma
/// separated, spaces allowed); throws critnet::InvalidArgument naming the bad entry.
std::vector<double> parse_coefficients(const std::string& text);

/// Options of the critical penalty R(V) of one weight: what it computes, not when or how
/// strongly a trainer applies it (strength λ, layers and interval are the trainer's schedule,
/// train::PenaltySchedule in critnet/train/penalty_schedule.h). penalty(),
/// penalty_add_gradient() and penalty_naive() call validate(): bad values throw
/// critnet::InvalidArgument naming the value.
struct PenaltyOptions {
  TORCH_ARG(Preset, preset) = Preset::kNone;
  /// Inverse temperature β (finite, any sign); a = β / N.
  TORCH_ARG(double, beta) = 1.0;
  TORCH_ARG(GramSide, gram_side) = GramSide::kIn;
  TORCH_ARG(NConvention, n_convention) = NConvention::kFanIn;
  /// Coefficients c_0..c_K (1 ≤ K+1 ≤ 5) of the kPoly preset; must be empty for the others.
  TORCH_ARG(std::vector<double>, coefficients) = {};
  /// Number of Rademacher probes of the stochastic (Hutchinson) estimator; 0 = exact.
  /// With probes > 0, penalty() returns an unbiased estimate of R and its backward an unbiased
  /// estimate of ∇R from the same probes (not the gradient of the value estimate; see
  /// docs/methods.md; l1 and l2 are always exact). Uses torch's global generator.
  TORCH_ARG(int64_t, probes) = 0;

 public:  // TORCH_ARG leaves the section private
  void validate() const;
};

/// The polynomial p with P = p(a·w) of the presets kPaper ({1, 1, 2}), kCw ({1, -1}) and
/// kPoly (the user's coefficients), lowest degree first; empty for the others.
std::vector<double> polynomial_coefficients(const PenaltyOptions& options);

/// A warning to show the user, or nullopt. Currently: kPaper with β > 0, whose penalty can
/// never reach zero (1 + x + 2x² ≥ 1 for x = a·s² ≥ 0, so R ≥ N_side) and only shrinks the
/// weights (docs/methods.md, "The critical penalty"). The penalty still runs as asked.
std::optional<std::string> warning(const PenaltyOptions& options);

/// a = β / N for a weight of shape [out, in] under the options' N convention
/// (N = in, out or 1: critnet::coupling_scale). Throws critnet::InvalidArgument for a weight
/// that is not a 2-D floating-point matrix.
double coupling_scale(const torch::Tensor& weight, const PenaltyOptions& options);

/// A layer weight as the matrix [out, in] the penalty and the couplings take: a 2-D weight as
/// is, a convolution weight [out, in, k_1, ..., k_d] as [out, in·k_1·…·k_d] (a view when
/// contiguous), so N = in·k_1·…·k_d is the fan-in. Throws critnet::InvalidArgument for an
/// undefined weight or one with fewer than 2 dimensions.
torch::Tensor weight_matrix(const torch::Tensor& weight);

/// R(V): the penalty of one weight matrix [out, in] as a differentiable scalar tensor (not
/// multiplied by λ). Exact (probes = 0): computed on the smaller Gram matrix with an analytic
/// gradient, computed together with the value when V requires grad (one custom autograd
/// node; no double backward): O(min(in,out)²·max(in,out)) time, O(min(in,out)²) memory.
/// With probes = m > 0: the Hutchinson estimate (1/m) Σ_j ‖P z_j‖² (+ the exact constant of
/// the zero eigenvalues) and an unbiased gradient estimate from the same probes, by
/// matrix-thin-matrix products, O(deg·m·in·out) time (2·deg passes over V for the polynomial
/// presets).
/// kNone gives a zero scalar.
torch::Tensor penalty(const torch::Tensor& weight, const PenaltyOptions& options);

/// R(V) (a scalar tensor, not multiplied by λ, never requiring grad) and, in place,
/// grad += scale · ∇R(V), without autograd: the fast trainer's path. `grad` must have V's
/// shape, dtype and device (throws critnet::InvalidArgument otherwise). The exact and
/// stochastic polynomial presets end with one product that accumulates straight into `grad`
/// (no gradient temporary); the others add theirs. Same values and gradients as penalty().
torch::Tensor penalty_add_gradient(const torch::Tensor& weight, const PenaltyOptions& options,
                                   torch::Tensor& grad, double scale);

/// The literal formula with autograd through the full Gram matrix of the chosen side; the
/// reference for tests and benchmarks.
torch::Tensor penalty_naive(const torch::Tensor& weight, const PenaltyOptions& options);

}  // namespace critnet::reg
