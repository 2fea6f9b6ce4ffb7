#pragma once
/// The edge of chaos of signal propagation in a deep random network, in mean field (Poole et
/// al. 2016; Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, "Deep information
/// propagation"; Pennington, Schoenholz & Ganguli 2017/2018). Weights W_ij ~ N(0, σ_w²/N),
/// biases ~ N(0, σ_b²), pre-activations h^l = W^l φ(h^{l−1}) + b^l, z ~ N(0, 1):
///
///   length map       q^l = σ_w² E_z[φ(√q^{l−1} z)²] + σ_b²,     its stable fixed point q*;
///   correlation map  c^l = (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q*,    u₁ = √q* z₁,
///                    u₂ = √q* (c z₁ + √(1 − c²) z₂),             its stable fixed point c*;
///   χ₁ = σ_w² E[φ'(√q* z)²]: ordered (χ₁ < 1, c* = 1), critical (χ₁ = 1), chaotic (χ₁ > 1, c* <
///   1); depth scales     ξ_q = −1 / ln(∂q^l/∂q^{l−1} at q*),
///                    ξ_c = −1 / ln(σ_w² E[φ'(u₁)φ'(u₂)] at c*)   (= −1/ln χ₁ when c* = 1);
///   the input-output Jacobian of depth L (free probability, Pennington et al. 2018): the mean
///   of its squared singular values χ₁^L, their variance χ₁^{2L}·L·(μ₂/μ₁² − 1 − s₁) with
///   μ_k = E[φ'(√q* z)^{2k}] and s₁ = −1 for Gaussian, 0 for orthogonal weights.
///
/// Gaussian expectations: composite Gauss-Legendre rules (GSL's fixed tables) over unit panels
/// of [−kGaussianCutoff, kGaussianCutoff], split where φ or φ' has a kink (at 0, and for the
/// second variable where u₂ = 0), so every piece is smooth; docs/theory.md states the error.
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace critnet::rg {

/// The activations of the maps: φ(x) = x, max(0, x), tanh x, erf x, eLU (α = 1: e^x − 1 for
/// x < 0), the logistic sigmoid 1/(1 + e^−x), and SELU (Klambauer et al. 2017: λ·x for x > 0,
/// λα(e^x − 1) else, λ = 1.0507009873554805, α = 1.6732632423543772).
enum class Activation { kLinear, kRelu, kTanh, kErf, kElu, kSigmoid, kSelu };

/// "linear", "relu", "tanh", "erf", "elu", "sigmoid", "selu".
std::string to_string(Activation phi);
/// The inverse of to_string; throws critnet::InvalidArgument naming the choices.
Activation parse_activation(const std::string& name);

/// Gaussian expectations integrate over |z| ≤ this (the mass beyond is 2Φ(−12) ≈ 3.6·10⁻³³).
inline constexpr double kGaussianCutoff = 12.0;

/// E_z[f(z)], z ~ N(0, 1), for f smooth on each side of each point in `kinks` (composite
/// Gauss-Legendre over unit panels, split at the kinks).
double gaussian_expectation(const std::function<double(double)>& f,
                            const std::vector<double>& kinks = {0.0});

/// φ, φ' of an activation, on a number and elementwise on a tensor (the one definition of
/// each activation that the theory and the measurements share).
double activation(Activation phi, double x);
double activation_derivative(Activation phi, double x);
torch::Tensor activation(Activation phi, const torch::Tensor& x);
torch::Tensor activation_derivative(Activation phi, const torch::Tensor& x);

/// "ordered" (χ₁ < 1 − tolerance), "critical" or "chaotic" (χ₁ > 1 + tolerance).
std::string phase(double chi1, double tolerance);

/// One point of the (σ_w², σ_b²) plane.
struct EdgeOptions {
  Activation activation = Activation::kTanh;
  double sigma_w2 = 1.0;  ///< > 0
  double sigma_b2 = 0.0;  ///< ≥ 0
  /// With a depth L ≥ 1, the Jacobian's predicted moments; 0 = none.
  int depth = 0;
  /// |χ₁ − 1| at most this is "critical".
  double critical_tolerance = 1e-8;
  /// Throws critnet::InvalidArgument naming the bad value.
  void validate() const;
};

/// The maps' fixed points and what follows from them. Values that do not exist are empty:
/// q* when the length map diverges (q^l → ∞: linear, ReLU, eLU, SELU with a large σ_w²; χ₁ is
/// then its limit q → ∞), ξ_c at the critical point (infinite), c* and the depth scales when
/// q* diverges.
struct EdgeResult {
  EdgeOptions options;
  std::optional<double> q_star;
  std::optional<double> c_star;
  double chi1 = 0;
  std::optional<double> xi_q;
  std::optional<double> xi_c;
  std::string phase;  ///< "ordered", "critical", "chaotic"
  double mu1 = 0;     ///< E[φ'(√q* z)²]
  double mu2 = 0;     ///< E[φ'(√q* z)⁴]
  double mu2_over_mu1_sq = 0;
  /// With depth L: χ₁^L and the variance for Gaussian and for orthogonal weights.
  std::optional<double> jacobian_mean, jacobian_variance, jacobian_variance_orthogonal;

  /// {activation, sigma_w2, sigma_b2, q_star, c_star, chi1, xi_q, xi_c, phase, mu1, mu2,
  /// mu2_over_mu1_sq, critical_tolerance, and with a depth: depth, jacobian_mean,
  /// jacobian_variance, jacobian_variance_orthogonal}; an empty value is null.
  nlohmann::json to_json() const;
};

/// Computes the maps at one point. Throws critnet::InvalidArgument for bad options,
/// critnet::NumericalError when a fixed point cannot be found.
EdgeResult edge(const EdgeOptions& options);

/// χ₁ = σ_w² E[φ'(√q* z)²] alone (what a measured layer is compared with).
double chi1(Activation phi, double sigma_w2, double sigma_b2);

/// The critical line: per σ_b² ≥ 0, the σ_w² with χ₁ = 1 (to a relative 1e-12 by Brent's
/// method). Throws critnet::NumericalError when χ₁ = 1 is not reached for σ_w² in
/// (0, 10⁴] (e.g. the sigmoid, whose φ' ≤ 1/4, at a large σ_b²).
struct CriticalPoint {
  double sigma_b2 = 0;
  double sigma_w2 = 0;
};
std::vector<CriticalPoint> critical_line(Activation phi, const std::vector<double>& sigma_b2);
/// The line as `critnet edge --critical-line --json` and critnet.edge write it:
/// {"activation", "critical_line": [{"sigma_b2", "sigma_w2"}, ...]}.
nlohmann::json critical_line_json(Activation phi, const std::vector<CriticalPoint>& line);

}  // namespace critnet::rg
