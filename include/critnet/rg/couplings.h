#pragma once
/// Couplings of the Gaussian model (paper eq. 12-13) from a weight matrix, the per-mode
/// correlation length and the classification of section 2.5 (docs/theory.md).
///
/// For a layer weight V [out, in] the coupling matrix is w = Vᵀ V ([in, in], gram side "in",
/// the default) or V Vᵀ ([out, out]), a = β / N with N from the N convention (fan-in by
/// default): the conventions of include/critnet/core/coupling.h, shared with the critical
/// regulariser.
/// Eq. 13 then reads
///   r = a (w - a w²),   g = a I,   u = a β h (w 1),
/// so in w's eigenbasis (eigenvalue λ_i, x_i = a λ_i) r_i = x_i (1 - x_i) and
/// ũ_i = a β h λ_i (e_i · 1). Everything is computed on the smaller Gram matrix: the larger
/// side's extra eigenvalues are structural zeros (λ = 0, r = 0, ũ = 0).
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/core/coupling.h"

namespace critnet::rg {

/// How a weight becomes (w, a, h).
struct CouplingOptions {
  /// Inverse temperature β; a = β / N. Any finite value (β < 0 is allowed: an antiferro-
  /// magnetic reading, every x = aλ ≤ 0).
  TORCH_ARG(double, beta) = 1.0;
  /// External field h of eq. 6 (enters only u).
  TORCH_ARG(double, field) = 0.0;
  TORCH_ARG(GramSide, gram_side) = GramSide::kIn;
  TORCH_ARG(NConvention, n_convention) = NConvention::kFanIn;

 public:  // TORCH_ARG leaves the section private
  /// Throws critnet::InvalidArgument for a non-finite β or field.
  void validate() const;
};

/// N of a weight [out, in] under the convention: in, out or 1 (critnet::unit_count). Throws
/// InvalidArgument for a weight that is not 2-d.
int64_t unit_count(const torch::Tensor& weight, NConvention convention);
/// a = β / N (critnet::coupling_scale). Throws InvalidArgument for bad options (validate()), a
/// weight that is not 2-d, or N = 0.
double coupling_scale(const torch::Tensor& weight, const CouplingOptions& options);

/// The couplings of eq. 13 in w's eigenbasis. Modes are ordered by ascending eigenvalue; the
/// structural zeros of the larger Gram side come first (λ = 0).
struct Couplings {
  double beta = 1.0;
  double a = 0.0;
  int64_t n = 0;                 ///< N of a = β / N
  int64_t dimension = 0;         ///< size of w (in or out)
  int64_t structural_zeros = 0;  ///< dimension - min(in, out)
  torch::Tensor lambda;          ///< [dimension] eigenvalues λ_i of w (= squared singular values)
  torch::Tensor x;               ///< [dimension] a λ_i
  torch::Tensor r;               ///< [dimension] r_i = a λ_i (1 - a λ_i)
  double g = 0.0;                ///< g = a (g is a multiple of the identity)
  torch::Tensor u_modes;         ///< [dimension] ũ_i = e_iᵀ u = a β h λ_i (e_i · 1)
  torch::Tensor u_sites;         ///< [dimension] u = a β h (w 1), site basis
  /// Round-off band of r: |r_i| ≤ r_tolerance is r_i = 0 to working precision (see
  /// massless_tolerance). Every "exactly critical" decision (ξ = ∞) uses it, never r == 0.
  double r_tolerance = 0.0;
};

/// The band within which r_i = x_i (1 - x_i) cannot be told from 0 after the eigen-solver:
/// the eigenvalues of a k×k Gram matrix are accurate to about k·ε·λ_max (forming AᵀA and a
/// backward-stable eigh), so x to δx = k·ε·max(1, x_max), and r = x(1 - x) to
/// δr = δx·(1 + 2·max(1, x_max)). The band is 16 such δr (16 ulps of headroom for BLAS
/// kernels that sum in another order or use FMA).
double massless_tolerance(int64_t k, double x_max);

/// Couplings of a layer weight [out, in] (any dtype; computed in float64 on the smaller Gram
/// matrix). Throws InvalidArgument for a non-2-d or empty weight or a non-finite β or h.
Couplings couplings(const torch::Tensor& weight, const CouplingOptions& options);

/// The matrices of eq. 13 for a given symmetric coupling matrix w [N, N] and a = β / n:
/// r = a (w - a w²) [N, N], g = a I [N, N], u = a β h w 1 [N].
struct CouplingMatrices {
  torch::Tensor r, g, u;
};
CouplingMatrices coupling_matrices(const torch::Tensor& w, double beta, double n, double field);

/// Per-mode correlation length ξ = sqrt(g / r), elementwise over r (float64):
///   g > 0 and |r| ≤ r_tolerance: +inf (massless mode: the critical surface, and the decoupled
///     λ = 0 modes; r_tolerance is the round-off band, Couplings::r_tolerance);
///   g > 0 and r > r_tolerance: sqrt(g / r);
///   otherwise NaN (r < -r_tolerance or g ≤ 0: the Gaussian model is unstable, no decay).
/// Throws InvalidArgument for a negative or non-finite r_tolerance.
torch::Tensor correlation_length(const torch::Tensor& r, double g, double r_tolerance = 0.0);

/// Where one mode x = a λ sits relative to the fixed points of the flow (0 and 1).
enum class ModeClass {
  kZero,          ///< |x| ≤ tol_trivial: the trivial fixed point λ = 0 (T ≫ λ/N)
  kDisordered,    ///< tol_trivial < x < 1 - tol_near: flows to the pole at x = 1/2
  kNearCritical,  ///< tol_critical < |x - 1| ≤ tol_near
  kCritical,      ///< |x - 1| ≤ tol_critical: the CW critical fixed point λ = 1/a
  kOrdered,       ///< 1 + tol_near < x < 1 / tol_trivial: runs off to x → ∞ (r → -∞)
  kFrozen,        ///< x ≥ 1 / tol_trivial: T ≪ λ/N, the T → 0 end
  kNegative,      ///< x < -tol_trivial (β < 0 or a non-PSD w)
};
/// The whole matrix, after section 2.5.
enum class Phase {
  kTrivialHighT,  ///< every mode kZero: w = 0 (or β = 0), T → ∞
  kTrivialLowT,   ///< every mode kZero or kFrozen, at least one kFrozen: T → 0
  kCwCritical,    ///< every mode kZero or kCritical, at least one kCritical: a·w is a
                  ///< projector, a fixed point of the flow (aw = I is eq. 28; the constant
                  ///< coupling J 11ᵀ at T = J is the rank-1 projector)
  kNearCritical,  ///< every mode kZero, kCritical or kNearCritical, at least one kNearCritical
  kGeneric,       ///< anything else
};
std::string to_string(ModeClass c);
std::string to_string(Phase p);

/// Tolerances of the classification (all > 0, tol_critical ≤ tol_near < 1, tol_trivial < 1).
struct ClassifyOptions {
  TORCH_ARG(double, tol_trivial) = 1e-2;
  TORCH_ARG(double, tol_critical) = 1e-2;
  TORCH_ARG(double, tol_near) = 0.1;
  /// Throws critnet::InvalidArgument naming the bad value.
 public:
  void validate() const;
};
ModeClass classify_mode(double x, const ClassifyOptions& options = {});
/// Phase of a matrix from its modes x = a λ ([k] tensor, any order).
Phase classify(const torch::Tensor& x, const ClassifyOptions& options = {});

/// Everything `critnet rg` reports for one layer.
struct LayerAnalysis {
  std::vector<int64_t> shape;  ///< [out, in]
  Couplings couplings;
  torch::Tensor xi;                   ///< [dimension] ξ_i = sqrt(g / r_i)
  std::vector<ModeClass> mode_class;  ///< per mode
  std::vector<int64_t> class_counts;  ///< indexed by ModeClass
  Phase phase = Phase::kGeneric;
  double x_max = 0.0;               ///< a λ_max
  double critical_temperature = 0;  ///< mean-field T_c = λ_max / N (eq. 6)
  double distance_min = 0.0;        ///< min_i |x_i - 1| over all modes
  double distance_median = 0.0;     ///< median |x_i - 1| over the min(in, out) shared modes
};
LayerAnalysis analyse_layer(const torch::Tensor& weight, const CouplingOptions& options,
                            const ClassifyOptions& classify_options = {});

/// One layer's document, the one schema of `critnet rg --json` (each of its "layers", with
/// "layer" and "output_layer" added) and of Python's critnet.rg.analyse_layer: shape, beta,
/// temperature (1/β), n, a, g, dimension, structural_zeros, phase, x_min, x_median (over the
/// min(in, out) shared modes), x_max, distance_min, distance_median, critical_temperature,
/// mode_counts {class: count}, xi_median_finite, xi_inf, xi_nan (over the shared modes),
/// r_tolerance, and per mode (ascending λ) lambda, x, r, u_modes, u_sites, xi and mode_class.
/// JSON has no inf or NaN: such values are the strings "inf", "-inf", "nan".
nlohmann::json to_json(const LayerAnalysis& analysis);

}  // namespace critnet::rg
