#pragma once
/// Critical regularisation (paper section 2.5, 3.1; SPEC.md section 2).
///
/// For a weight V [out, in] the coupling matrix is w = Vᵀ V ([in, in], gram side "in", the
/// default) or V Vᵀ ([out, out], side "out"), a = β / N, and the penalty is R(V) = ‖P‖²_F for
/// the preset's constraint matrix P. The loss gets λ · Σ_layers R(V_l).
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

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
enum class GramSide { kIn, kOut };
enum class NConvention { kFanIn, kFanOut, kOne };

Preset parse_preset(const std::string& name);
std::string to_string(Preset preset);
GramSide parse_gram_side(const std::string& name);
std::string to_string(GramSide side);
NConvention parse_n_convention(const std::string& name);
std::string to_string(NConvention convention);

/// Options of the critical penalty. Validated by validate(); bad values throw
/// critnet::InvalidArgument naming the value.
struct RegularizerOptions {
  TORCH_ARG(Preset, preset) = Preset::kNone;
  /// Inverse temperature β; a = β / N.
  TORCH_ARG(double, beta) = 1.0;
  /// Strength λ of the penalty in the loss.
  TORCH_ARG(double, strength) = 0.0;
  TORCH_ARG(GramSide, gram_side) = GramSide::kIn;
  TORCH_ARG(NConvention, n_convention) = NConvention::kFanIn;
  /// Coefficients c_0..c_K (K ≤ 4) of the kPoly preset.
  TORCH_ARG(std::vector<double>, coefficients) = {};
  /// Indices of the Linear layers penalised; empty = every layer but the output layer.
  TORCH_ARG(std::vector<int64_t>, layers) = {};
  /// Lazy interval k ≥ 1: the penalty is applied every k steps with strength k·λ.
  TORCH_ARG(int64_t, interval) = 1;

  void validate() const;
  bool enabled() const { return preset_ != Preset::kNone && strength_ != 0.0; }
};

/// a = β / N for a weight of shape [out, in] under the options' N convention.
double coupling_scale(const torch::Tensor& weight, const RegularizerOptions& options);

/// R(V): the penalty of one weight matrix [out, in] as a differentiable scalar tensor (not
/// multiplied by λ). Computed on the smaller Gram matrix with an analytic gradient:
/// O(min(in,out)²·max(in,out)) time, O(min(in,out)²) memory.
torch::Tensor penalty(const torch::Tensor& weight, const RegularizerOptions& options);

/// The literal formula with autograd through the full Gram matrix of the chosen side; the
/// reference for tests and benchmarks.
torch::Tensor penalty_naive(const torch::Tensor& weight, const RegularizerOptions& options);

}  // namespace critnet::reg
