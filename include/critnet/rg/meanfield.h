#pragma once
/// The mean-field consistency equation (paper eq. 6; docs/theory.md):
///   V_i = tanh(β (Σ_k w_ik V_k / N + h)),   T = 1/β.
/// Solved by damped fixed-point iteration. The paramagnetic solution V = 0 (h = 0) loses
/// stability when β λ_max(w) / N = 1, so T_c = λ_max(w) / N; for the constant coupling
/// w_ik = J (Curie-Weiss, w = J 11ᵀ, λ_max = N J) T_c = J. Linear response gives the
/// susceptibility χ = dm/dh, m = (1/N) Σ_i V_i:
///   dV/dh = (I - β D w / N)^{-1} β D 1,   D = diag(1 - V_i²),
/// which above T_c at h = 0 (V = 0) is χ(T) = (1/N) Σ_i (e_i · 1)² / (T - λ_i / N) for a
/// symmetric w (Curie-Weiss: χ = 1 / (T - J)), diverging as T ↓ T_c.
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/core/coupling.h"

namespace critnet::rg {

struct MeanFieldOptions {
  /// V ← (1 - damping) V + damping tanh(...); damping ∈ (0, 1].
  TORCH_ARG(double, damping) = 0.5;
  /// Converged when max_i |V_i - tanh(β(w V / N + h))_i| ≤ tolerance.
  TORCH_ARG(double, tolerance) = 1e-10;
  TORCH_ARG(int64_t, max_iterations) = 100000;
  /// Throws critnet::InvalidArgument naming the bad value.
 public:
  void validate() const;
};

struct MeanFieldSolution {
  torch::Tensor v;           ///< [N] float64
  double magnetisation = 0;  ///< m = mean_i V_i
  double residual = 0;       ///< max_i |V_i - tanh(β(wV/N + h))_i| at exit
  int64_t iterations = 0;
  bool converged = false;
};

/// Solves eq. 6 for w [N, N] (float64 internally), divisor n (N of eq. 6), inverse temperature
/// β > 0 and field h, starting from v0 ([N]; undefined = all ones, the positive branch).
/// Never throws for non-convergence: the report says so (critical slowing down near T_c).
MeanFieldSolution solve_mean_field(const torch::Tensor& w, double n, double beta, double field,
                                   const MeanFieldOptions& options = {},
                                   const torch::Tensor& v0 = {});

/// χ = dm/dh at a solution by linear response; +inf when I - β D w / N is singular.
double susceptibility(const torch::Tensor& w, double n, double beta,
                      const MeanFieldSolution& solution);
/// The same response to a field along a unit vector e ([N]): χ_e = eᵀ (I - β D w/N)⁻¹ β D e.
/// For e the top eigenvector of a symmetric w, above T_c at h = 0: χ_e = 1/(T - T_c) exactly,
/// whatever the overlap of e with the uniform vector (which the uniform χ needs).
double susceptibility_along(const torch::Tensor& w, double n, double beta,
                            const MeanFieldSolution& solution, const torch::Tensor& direction);
/// χ by the central difference (m(h + dh) - m(h - dh)) / (2 dh), each solved from `solution.v`.
double susceptibility_finite_difference(const torch::Tensor& w, double n, double beta, double field,
                                        double dh, const MeanFieldOptions& options = {});

/// T_c = λ_max(w) / n for a symmetric w (throws InvalidArgument if w is not symmetric).
double critical_temperature(const torch::Tensor& w, double n);

/// The constant-coupling (Curie-Weiss) matrix J 11ᵀ [N, N], float64.
torch::Tensor curie_weiss_coupling(int64_t size, double coupling);
/// The Curie-Weiss magnetisation: the largest root of m = tanh((J m + h) / T) (h ≥ 0), by
/// bisection to 1e-15. m = 0 for T ≥ J at h = 0.
double curie_weiss_magnetisation(double temperature, double coupling, double field);

struct SweepPoint {
  double temperature = 0;
  double magnetisation = 0;
  double susceptibility = 0;
  double top_magnetisation = 0;   ///< |e_max · V| / sqrt(N): the order parameter of the top mode
  double top_susceptibility = 0;  ///< susceptibility_along(e_max)
  double residual = 0;
  int64_t iterations = 0;
  bool converged = false;
};
/// Solves eq. 6 at each temperature (fresh start from all ones each time) with χ by linear
/// response, uniform and along the top eigenvector e_max of w (w symmetric).
std::vector<SweepPoint> temperature_sweep(const torch::Tensor& w, double n, double field,
                                          const std::vector<double>& temperatures,
                                          const MeanFieldOptions& options = {});

/// One system of a mean-field study (`critnet meanfield`): a name ("cw" or a layer's 0-based
/// index), the coupling w [N', N'] and the divisor N of eq. 6.
struct MeanFieldSystem {
  std::string name;
  torch::Tensor w;
  double n = 0;
};

/// The systems of a trained network: w = VᵀV (GramSide::kIn) or VVᵀ of each layer in `layers`
/// (0-based indices into `weights`, input side first; empty = every layer but the output
/// layer), N by the convention. InvalidArgument for an index out of range.
std::vector<MeanFieldSystem> layer_systems(const std::vector<torch::Tensor>& weights,
                                           std::vector<int64_t> layers, GramSide side,
                                           NConvention convention);

/// Temperatures in units of T_c: t_min + (t_max − t_min)·i/(steps − 1), i = 0 … steps − 1.
struct TemperatureRange {
  double t_min = 0.5;
  double t_max = 1.5;
  int64_t steps = 20;
  /// InvalidArgument unless 0 < t_min < t_max and 2 ≤ steps ≤ kMaxMeanFieldSteps.
  void validate() const;
};

/// The temperature sweep of one system.
struct MeanFieldCurve {
  std::string name;
  double n = 0;
  int64_t size = 0;                 ///< N' (w's order)
  double critical_temperature = 0;  ///< T_c = λ_max(w)/N
  double field = 0;
  std::vector<SweepPoint> points;  ///< one per temperature of the range, ascending
  /// Points whose iteration did not converge (critical slowing down near T_c).
  int64_t not_converged() const;
  /// {"name", "n", "size", "critical_temperature", "field", "points": [{"temperature",
  /// "t_over_tc", "magnetisation", "susceptibility", "top_magnetisation",
  /// "top_susceptibility", "residual", "iterations", "converged"}]}; non-finite numbers null.
  nlohmann::json to_json() const;
};

/// Solves eq. 6 over `range` (in units of the system's T_c) with field h. NumericalError when
/// T_c is not beyond round-off of 0 (an all-zero layer has no ordered phase).
MeanFieldCurve meanfield_curve(const MeanFieldSystem& system, const TemperatureRange& range,
                               double field, const MeanFieldOptions& options = {});

/// A mean-field study (`critnet meanfield`, `critnet.rg.meanfield`): the Curie-Weiss system
/// (coupling and size) or the layers of a network's weights, and the temperature sweep.
struct MeanFieldStudyOptions {
  std::optional<double> coupling;  ///< J > 0 of w = J·11ᵀ (T_c = J); with size
  std::optional<int64_t> size;     ///< N in 1..kMaxMeanFieldSize; with coupling
  /// Weights only: layer indices (0-based, each once; empty = every layer but the output one).
  std::vector<int64_t> layers;
  GramSide side = GramSide::kIn;
  NConvention convention = NConvention::kFanIn;
  TemperatureRange range;
  double field = 0.0;  ///< h
  MeanFieldOptions solver;

  bool curie_weiss() const { return coupling.has_value() || size.has_value(); }
  /// InvalidArgument naming the first bad value: weights (`have_weights`) or Curie-Weiss, not
  /// both or neither; J > 0 (J ≤ 0 has no ordered phase); the size's bounds; a layer twice;
  /// the range's and the solver's checks.
  void validate(bool have_weights) const;
};

/// The systems of a study: "cw" for Curie-Weiss, else layer_systems of `weights` ([out, in],
/// input side first; converted to float64). Validates first.
std::vector<MeanFieldSystem> meanfield_systems(const MeanFieldStudyOptions& options,
                                               const std::vector<torch::Tensor>& weights);

}  // namespace critnet::rg
