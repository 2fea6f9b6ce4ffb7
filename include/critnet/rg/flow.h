#pragma once
/// The RG flow of the couplings, mode by mode (paper eq. 21-26; docs/theory.md).
///
/// In w's eigenbasis eq. 26 reads, for each eigenvalue λ and a = β / N,
///   dλ/dτ = 2 λ (1 - a λ) / (1 - 2 a λ).
/// It is eq. 23's dr/dτ = 2 r read through r = a λ (1 - a λ) (eq. 13): with x = a λ the flow
/// is universal, dx/dτ = 2 x (1 - x) / (1 - 2x), and r(τ) = r(0) e^{2τ}. Solving
/// x (1 - x) = r(0) e^{2τ} on the branch of x(0) gives the closed form
///   x(τ) = (1 ∓ sqrt(1 - 4 r(0) e^{2τ})) / 2     (− for x(0) < 1/2, + for x(0) > 1/2),
/// real until 4 r(0) e^{2τ} = 1, i.e. up to the pole x = 1/2 (λ = 1/(2a)) reached at
///   τ* = -ln(4 x(0) (1 - x(0))) / 2   (only for 0 < x(0) < 1; later τ: NaN).
/// Fixed points: λ = 0 and λ = 1/a (the CW critical point), both with stability exponent
/// d(dλ/dτ)/dλ = 2 (IR-unstable, relevant with y = 2, i.e. ν = 1/2; in the UV direction,
/// τ → -∞, x(0) < 1/2 flows into 0 and x(0) > 1/2 into 1).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace critnet::rg {

/// dλ/dτ = 2λ(1 - aλ)/(1 - 2aλ); ±inf at the pole. a = 0 gives 2λ.
double flow_rate(double lambda, double a);
/// d(dλ/dτ)/dλ = 2 (1 - 2x + 2x²) / (1 - 2x)² with x = aλ (2 at both fixed points).
double flow_rate_derivative(double lambda, double a);

struct FixedPoint {
  std::string name;  ///< "trivial" (λ = 0) or "cw-critical" (λ = 1/a)
  double lambda;
  double exponent;  ///< d(dλ/dτ)/dλ at the fixed point: > 0 means IR-unstable
};
/// The fixed points of the flow at this a: {0} for a = 0, {0, 1/a} otherwise.
std::vector<FixedPoint> fixed_points(double a);
/// λ of the pole, 1/(2a) (+inf for a = 0).
double pole(double a);
/// τ > 0 at which the flow from λ0 reaches the pole; +inf when it never does (x0 ∉ (0, 1)
/// or x0 = 0, 1), 0 when λ0 is at the pole.
double pole_time(double lambda0, double a);
/// λ(τ) from λ(0) = λ0 in closed form (any sign of τ). NaN past the pole (τ > τ*), and for
/// τ ≠ 0 when λ0 sits at the pole.
double flow_closed_form(double lambda0, double a, double tau);

/// Options of the adaptive Runge-Kutta (Dormand-Prince 5(4)) integration.
struct FlowOptions {
  double rtol = 1e-10;
  double atol = 1e-12;
  double initial_step = 1e-3;
  int64_t max_steps = 1000000;
  /// The integration stops at the pole once |1 - 2aλ| ≤ pole_tolerance.
  double pole_tolerance = 1e-6;
};

struct FlowSolution {
  std::vector<double> tau;     ///< the requested τ values
  std::vector<double> lambda;  ///< λ at each τ; NaN past the pole
  bool hit_pole = false;       ///< the flow ran into λ = 1/(2a)
  double tau_reached = 0.0;    ///< last τ integrated (≈ τ* when hit_pole)
  int64_t steps = 0;           ///< accepted steps
  int64_t rejected = 0;        ///< rejected steps
};

/// Integrates the flow from λ(0) = λ0 to each τ in taus (one sign, sorted by |τ|,
/// e.g. 0, 0.1, 0.2, ...). Throws InvalidArgument for unsorted or mixed-sign taus, non-finite
/// inputs or bad options; NumericalError when max_steps is exceeded.
FlowSolution integrate_flow(double lambda0, double a, const std::vector<double>& taus,
                            const FlowOptions& options = {});

/// A flow study (`critnet rg-flow`, `critnet.rg.flow`): each λ0 integrated by RK45 over
/// τ = tau_max·i/steps, i = 0 … steps, beside the closed form.
struct FlowStudyOptions {
  std::vector<double> lambdas;  ///< the λ0, at least one, each finite
  double a = 1.0;               ///< a = β/N, finite
  double tau_max = 1.0;         ///< finite and not 0 (< 0: towards the UV)
  int64_t steps = 100;          ///< output points after τ = 0, 1 … kMaxFlowSteps
  FlowOptions solver;           ///< rtol in (0, 1)
  /// InvalidArgument naming the first bad value.
  void validate() const;
  /// The output τ values, 0 first.
  std::vector<double> taus() const;
};

/// One λ0's flow.
struct FlowTrajectory {
  double lambda0 = 0.0;
  FlowSolution rk45;
  std::vector<double> closed;  ///< flow_closed_form at each τ
  double pole_time = 0.0;      ///< τ* (+inf when the flow never reaches the pole)
  /// max over the points where both are finite of |rk45 − closed| / max(1, |closed|).
  double max_difference = 0.0;
};

struct FlowStudy {
  double a = 0.0;
  double pole = 0.0;  ///< 1/(2a)
  std::vector<FixedPoint> fixed_points;
  std::vector<double> taus;
  std::vector<FlowTrajectory> trajectories;  ///< in the order of the λ0
  /// {"a", "pole", "fixed_points": [{"name", "lambda", "exponent"}], "tau": [...],
  /// "trajectories": [{"lambda0", "x0", "pole_time", "hit_pole", "tau_reached", "steps",
  /// "rejected", "max_difference", "lambda_rk45": [...], "lambda_closed": [...]}]}; non-finite
  /// numbers are null.
  nlohmann::json to_json() const;
};

/// Validates and integrates every λ0. NumericalError when RK45 needs more than max_steps.
FlowStudy flow_study(const FlowStudyOptions& options);

}  // namespace critnet::rg
