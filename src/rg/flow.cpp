// The mode-by-mode RG flow dλ/dτ = 2λ(1 - aλ)/(1 - 2aλ) (paper eq. 26): closed form and an
// adaptive Dormand-Prince 5(4) integrator (Hairer, Nørsett & Wanner, Solving ODEs I, II.5).
#include "critnet/rg/flow.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "critnet/core/error.h"

namespace critnet::rg {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

double flow_rate(double lambda, double a) {
  const double x = a * lambda;
  const double den = 1.0 - 2.0 * x;
  if (den == 0.0) return lambda > 0 ? kInf : -kInf;
  return 2.0 * lambda * (1.0 - x) / den;
}

double flow_rate_derivative(double lambda, double a) {
  const double x = a * lambda;
  const double den = 1.0 - 2.0 * x;
  return 2.0 * (1.0 - 2.0 * x + 2.0 * x * x) / (den * den);
}

std::vector<FixedPoint> fixed_points(double a) {
  CRITNET_CHECK(std::isfinite(a), "a must be finite, got ", a);
  std::vector<FixedPoint> out{{"trivial", 0.0, flow_rate_derivative(0.0, a)}};
  if (a != 0.0) out.push_back({"cw-critical", 1.0 / a, flow_rate_derivative(1.0 / a, a)});
  return out;
}

double pole(double a) {
  return a == 0.0 ? kInf : 1.0 / (2.0 * a);
}

double pole_time(double lambda0, double a) {
  const double x0 = a * lambda0;
  if (x0 == 0.5) return 0.0;
  if (!(x0 > 0.0 && x0 < 1.0)) return kInf;
  return -0.5 * std::log(4.0 * x0 * (1.0 - x0));
}

double flow_closed_form(double lambda0, double a, double tau) {
  CRITNET_CHECK(std::isfinite(lambda0) && std::isfinite(a) && std::isfinite(tau),
                "flow_closed_form needs finite lambda0, a, tau; got ", lambda0, ", ", a, ", ", tau);
  if (a == 0.0) return lambda0 * std::exp(2.0 * tau);
  const double x0 = a * lambda0;
  if (x0 == 0.5) return tau == 0.0 ? lambda0 : kNaN;
  const double s = x0 * (1.0 - x0) * std::exp(2.0 * tau);  // r(τ)
  const double disc = 1.0 - 4.0 * s;
  if (disc < 0.0) return kNaN;                         // past the pole
  const double q = 2.0 * s / (1.0 + std::sqrt(disc));  // stable form of (1 - sqrt(disc)) / 2
  const double x = x0 < 0.5 ? q : 1.0 - q;
  return x / a;
}

namespace {

// The direction of the flow's τ values (+1, −1, or 0 when all are 0); InvalidArgument unless
// they are finite, of one sign and sorted by |τ|.
double check_taus(const std::vector<double>& taus) {
  double dir = 0.0;
  for (size_t i = 0; i < taus.size(); ++i) {
    CRITNET_CHECK(std::isfinite(taus[i]), "tau values must be finite, got ", taus[i]);
    if (taus[i] != 0.0) {
      const double s = taus[i] > 0 ? 1.0 : -1.0;
      CRITNET_CHECK(dir == 0.0 || dir == s, "tau values must all have one sign, got ", taus[i]);
      dir = s;
    }
    if (i > 0) {
      CRITNET_CHECK(std::abs(taus[i]) >= std::abs(taus[i - 1]),
                    "tau values must be sorted by |tau|, got ", taus[i - 1], " then ", taus[i]);
    }
  }
  return dir;
}

}  // namespace

FlowSolution integrate_flow(double lambda0, double a, const std::vector<double>& taus,
                            const FlowOptions& o) {
  CRITNET_CHECK(std::isfinite(lambda0) && std::isfinite(a),
                "integrate_flow needs finite lambda0 and a; got ", lambda0, ", ", a);
  CRITNET_CHECK(
      o.rtol > 0 && o.atol > 0 && o.initial_step > 0 && o.max_steps > 0 && o.pole_tolerance > 0,
      "flow options must be positive (rtol ", o.rtol, ", atol ", o.atol, ", initial_step ",
      o.initial_step, ", max_steps ", o.max_steps, ", pole_tolerance ", o.pole_tolerance, ")");
  const double dir = check_taus(taus);
  FlowSolution sol;
  sol.tau = taus;
  sol.lambda.assign(taus.size(), kNaN);
  auto f = [a](double y) { return flow_rate(y, a); };
  auto at_pole = [&](double y) {
    return a != 0.0 && std::abs(1.0 - 2.0 * a * y) <= o.pole_tolerance;
  };

  // Dormand-Prince 5(4) tableau.
  constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
  constexpr double a21 = 1.0 / 5;
  constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
  constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                   a54 = -212.0 / 729;
  constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                   a65 = -5103.0 / 18656;
  constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                   b6 = 11.0 / 84;
  constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                   e6 = 22.0 / 525, e7 = -1.0 / 40;
  (void)c2, (void)c3, (void)c4, (void)c5;  // autonomous ODE: the stage times are not needed

  double t = 0.0, y = lambda0;
  double h = o.initial_step * (dir == 0.0 ? 1.0 : dir);
  if (at_pole(y)) sol.hit_pole = true;
  for (size_t i = 0; i < taus.size() && !sol.hit_pole; ++i) {
    const double target = taus[i];
    while (t != target && !sol.hit_pole) {
      if (sol.steps + sol.rejected >= o.max_steps) {
        throw NumericalError(detail::concat("flow integration exceeded ", o.max_steps,
                                            " steps at tau = ", t, ", lambda = ", y));
      }
      const double remaining = target - t;
      bool last = false;
      if (std::abs(h) >= std::abs(remaining)) {
        h = remaining;
        last = true;
      }
      const double k1 = f(y);
      const double k2 = f(y + h * a21 * k1);
      const double k3 = f(y + h * (a31 * k1 + a32 * k2));
      const double k4 = f(y + h * (a41 * k1 + a42 * k2 + a43 * k3));
      const double k5 = f(y + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4));
      const double k6 = f(y + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5));
      const double y_new = y + h * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
      const double k7 = f(y_new);
      const double err = std::abs(h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7));
      const double scale = o.atol + o.rtol * std::max(std::abs(y), std::abs(y_new));
      const double ratio = err / scale;
      // A step that jumps across the pole (the sign of 1 - 2aλ flips) is never accepted.
      const bool crossed = a != 0.0 && ((1.0 - 2.0 * a * y) * (1.0 - 2.0 * a * y_new) <= 0.0);
      if (std::isfinite(y_new) && std::isfinite(ratio) && ratio <= 1.0 && !crossed) {
        t = last ? target : t + h;
        y = y_new;
        ++sol.steps;
        if (at_pole(y)) {
          sol.hit_pole = true;
          break;
        }
        const double grow = ratio == 0.0 ? 5.0 : std::min(5.0, 0.9 * std::pow(ratio, -0.2));
        if (!last) h *= grow;
      } else {
        ++sol.rejected;
        const double shrink =
            (std::isfinite(ratio) && !crossed) ? std::max(0.1, 0.9 * std::pow(ratio, -0.2)) : 0.25;
        h *= shrink;
        if (std::abs(h) < 1e-15 * std::max(1.0, std::abs(t))) {
          // Step size underflow: only the pole makes the solution this stiff.
          CRITNET_CHECK_AS(NumericalError, a != 0.0 && std::abs(1.0 - 2.0 * a * y) < 1e-2,
                           "flow integration step size underflow at tau = ", t, ", lambda = ", y);
          sol.hit_pole = true;
        }
      }
    }
    if (!sol.hit_pole || t == target) sol.lambda[i] = y;
  }
  for (size_t i = 0; i < taus.size(); ++i) {
    if (taus[i] == 0.0) sol.lambda[i] = lambda0;
  }
  sol.tau_reached = t;
  return sol;
}

}  // namespace critnet::rg
