#include "critnet/rg/edge.h"

#include <fmt/core.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>

#include "critnet/core/error.h"

namespace critnet::rg {
namespace {

// Gauss-Legendre nodes per unit panel: 16 nodes integrate a polynomial of degree 31 exactly.
constexpr std::size_t kNodes = 16;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSeluLambda = 1.0507009873554805;
constexpr double kSeluAlpha = 1.6732632423543772;
// Where q* = 0 or q* diverges, the expectations are their limits q → 0⁺ and q → ∞, taken here.
constexpr double kTinyQ = 1e-30;
constexpr double kHugeQ = 1e16;
// Above this the length map is taken to diverge.
constexpr double kMaxQ = 1e15;
constexpr double kMaxSigma = 1e4;

const gsl_integration_glfixed_table* table() {
  static const std::unique_ptr<gsl_integration_glfixed_table,
                               void (*)(gsl_integration_glfixed_table*)>
      t(gsl_integration_glfixed_table_alloc(kNodes), gsl_integration_glfixed_table_free);
  return t.get();
}

// ∫_a^b f(z) e^{−z²/2} dz / √(2π) by Gauss-Legendre on panels of width at most 1.
template <typename F>
double integrate(const F& f, double a, double b) {
  if (!(b > a)) return 0.0;
  const int panels = static_cast<int>(std::ceil(b - a));
  double sum = 0.0;
  for (int p = 0; p < panels; ++p) {
    const double lo = a + (b - a) * p / panels, hi = a + (b - a) * (p + 1) / panels;
    for (std::size_t i = 0; i < kNodes; ++i) {
      double x = 0, w = 0;
      gsl_integration_glfixed_point(lo, hi, i, &x, &w, table());
      sum += w * f(x) * std::exp(-0.5 * x * x);
    }
  }
  return sum * kInvSqrt2Pi;
}

// E_z[f(z)] split at the kinks inside the cut-off range.
template <typename F>
double expectation(const F& f, std::vector<double> kinks) {
  std::vector<double> cuts = {-kGaussianCutoff};
  std::sort(kinks.begin(), kinks.end());
  for (double k : kinks)
    if (k > -kGaussianCutoff && k < kGaussianCutoff) cuts.push_back(k);
  cuts.push_back(kGaussianCutoff);
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) sum += integrate(f, cuts[i], cuts[i + 1]);
  return sum;
}

// E[f(u₁) g(u₂)], u₁ = √q z₁, u₂ = √q (c z₁ + √(1 − c²) z₂): the inner integral over z₂ is
// split where u₂ = 0, the outer over z₁ where u₁ = 0.
template <typename F, typename G>
double expectation2(const F& f, const G& g, double q, double c) {
  const double sq = std::sqrt(q), s = std::sqrt(std::max(0.0, 1.0 - c * c));
  const auto inner = [&](double z1) {
    if (s == 0.0) return g(sq * c * z1);
    return expectation([&](double z2) { return g(sq * (c * z1 + s * z2)); }, {-c * z1 / s});
  };
  return expectation([&](double z1) { return f(sq * z1) * inner(z1); }, {0.0});
}

double mean_sq_phi(Activation phi, double q) {
  const double sq = std::sqrt(q);
  return expectation([&](double z) { return std::pow(activation(phi, sq * z), 2); }, {0.0});
}

double mean_dphi_pow(Activation phi, double q, int power) {
  const double sq = std::sqrt(q);
  return expectation([&](double z) { return std::pow(activation_derivative(phi, sq * z), power); },
                     {0.0});
}

// Brent's method on f over [lo, hi] (f(lo), f(hi) of opposite signs), to an absolute `abs` or
// a relative `rel`.
template <typename F>
double brent(const F& f, double lo, double hi, double abs, double rel, const char* what) {
  struct Ctx {
    const F* f;
  } ctx{&f};
  gsl_function fn;
  fn.function = [](double x, void* p) { return (*static_cast<Ctx*>(p)->f)(x); };
  fn.params = &ctx;
  static std::once_flag off;
  std::call_once(off, [] { gsl_set_error_handler_off(); });
  std::unique_ptr<gsl_root_fsolver, void (*)(gsl_root_fsolver*)> solver(
      gsl_root_fsolver_alloc(gsl_root_fsolver_brent), gsl_root_fsolver_free);
  CRITNET_CHECK_AS(NumericalError, gsl_root_fsolver_set(solver.get(), &fn, lo, hi) == GSL_SUCCESS,
                   "cannot bracket ", what, " in [", lo, ", ", hi, "]");
  for (int i = 0; i < 200; ++i) {
    gsl_root_fsolver_iterate(solver.get());
    const double a = gsl_root_fsolver_x_lower(solver.get());
    const double b = gsl_root_fsolver_x_upper(solver.get());
    if (gsl_root_test_interval(a, b, abs, rel) == GSL_SUCCESS)
      return gsl_root_fsolver_root(solver.get());
  }
  throw NumericalError(fmt::format("{}: Brent's method did not converge", what));
}

// The stable fixed point of the length map; empty when q^l diverges.
std::optional<double> fixed_q(Activation phi, double w2, double b2) {
  const auto length = [&](double q) { return w2 * mean_sq_phi(phi, q) + b2; };
  if (b2 == 0.0 && activation(phi, 0.0) == 0.0) {
    // q = 0 is a fixed point; it is the stable one when the map's slope there is at most 1.
    if (length(kTinyQ) / kTinyQ <= 1.0 + 1e-12) return 0.0;
  }
  // The first q where L(q) − q turns negative (L crosses the diagonal from above: stable).
  const auto g = [&](double q) { return length(q) - q; };
  double lo = b2 > 0.0 ? b2 : 1e-12;
  if (g(lo) < 0.0) lo = kTinyQ;
  for (double hi = std::max(2.0 * lo, 1e-8); hi <= kMaxQ; lo = hi, hi *= 2.0) {
    if (g(hi) < 0.0) return brent(g, lo, hi, 0.0, 1e-14, "the length map's fixed point q*");
  }
  return std::nullopt;
}

// The stable fixed point c* < 1 of the correlation map in the chaotic phase (1 when it is
// numerically indistinguishable from 1).
double fixed_c(Activation phi, double w2, double b2, double q) {
  const auto f = [&](double x) { return activation(phi, x); };
  const auto g = [&](double c) { return (w2 * expectation2(f, f, q, c) + b2) / q - c; };
  for (double d = 1e-3; d >= 1e-10; d /= 10.0) {
    if (g(1.0 - d) < 0.0) {
      // c^l ≥ −1 (Cauchy-Schwarz), so just above −1 the map is above the diagonal.
      return brent(g, -1.0 + 1e-6, 1.0 - d, 1e-14, 1e-13, "the correlation map's fixed point c*");
    }
  }
  return 1.0;
}

// The q the expectations at q* are taken at: q* itself, or its limit q → 0⁺ (q* = 0) or
// q → ∞ (a diverging length map).
double expectation_q(const std::optional<double>& q_star) {
  return !q_star ? kHugeQ : *q_star == 0.0 ? kTinyQ : *q_star;
}

std::optional<double> depth_scale(double slope) {
  if (!(slope < 1.0)) return std::nullopt;
  if (slope <= 0.0) return 0.0;
  return -1.0 / std::log(slope);
}

nlohmann::json opt(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string to_string(Activation phi) {
  switch (phi) {
    case Activation::kLinear:
      return "linear";
    case Activation::kRelu:
      return "relu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kErf:
      return "erf";
    case Activation::kElu:
      return "elu";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kSelu:
      return "selu";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  for (Activation a : {Activation::kLinear, Activation::kRelu, Activation::kTanh, Activation::kErf,
                       Activation::kElu, Activation::kSigmoid, Activation::kSelu})
    if (to_string(a) == name) return a;
  throw InvalidArgument(fmt::format(
      "unknown activation '{}' (choose from linear, relu, tanh, erf, elu, sigmoid, selu)", name));
}

double gaussian_expectation(const std::function<double(double)>& f,
                            const std::vector<double>& kinks) {
  return expectation(f, kinks);
}

double activation(Activation phi, double x) {
  switch (phi) {
    case Activation::kLinear:
      return x;
    case Activation::kRelu:
      return x > 0.0 ? x : 0.0;
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kErf:
      return std::erf(x);
    case Activation::kElu:
      return x > 0.0 ? x : std::expm1(x);
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Activation::kSelu:
      return x > 0.0 ? kSeluLambda * x : kSeluLambda * kSeluAlpha * std::expm1(x);
  }
  return 0.0;
}

double activation_derivative(Activation phi, double x) {
  switch (phi) {
    case Activation::kLinear:
      return 1.0;
    case Activation::kRelu:
      return x > 0.0 ? 1.0 : 0.0;
    case Activation::kTanh: {
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
    case Activation::kErf:
      return 2.0 / std::sqrt(M_PI) * std::exp(-x * x);
    case Activation::kElu:
      return x > 0.0 ? 1.0 : std::exp(x);
    case Activation::kSigmoid: {
      const double s = 1.0 / (1.0 + std::exp(-x));
      return s * (1.0 - s);
    }
    case Activation::kSelu:
      return x > 0.0 ? kSeluLambda : kSeluLambda * kSeluAlpha * std::exp(x);
  }
  return 0.0;
}

torch::Tensor activation(Activation phi, const torch::Tensor& x) {
  switch (phi) {
    case Activation::kLinear:
      return x;
    case Activation::kRelu:
      return torch::relu(x);
    case Activation::kTanh:
      return torch::tanh(x);
    case Activation::kErf:
      return torch::erf(x);
    case Activation::kElu:
      return torch::where(x > 0, x, torch::expm1(x));
    case Activation::kSigmoid:
      return torch::sigmoid(x);
    case Activation::kSelu:
      return torch::where(x > 0, kSeluLambda * x, kSeluLambda * kSeluAlpha * torch::expm1(x));
  }
  return x;
}

torch::Tensor activation_derivative(Activation phi, const torch::Tensor& x) {
  switch (phi) {
    case Activation::kLinear:
      return torch::ones_like(x);
    case Activation::kRelu:
      return (x > 0).to(x.scalar_type());
    case Activation::kTanh: {
      const torch::Tensor t = torch::tanh(x);
      return 1 - t * t;
    }
    case Activation::kErf:
      return (2.0 / std::sqrt(M_PI)) * torch::exp(-x * x);
    case Activation::kElu:
      return torch::where(x > 0, torch::ones_like(x), torch::exp(x));
    case Activation::kSigmoid: {
      const torch::Tensor s = torch::sigmoid(x);
      return s * (1 - s);
    }
    case Activation::kSelu:
      return torch::where(x > 0, torch::full_like(x, kSeluLambda),
                          kSeluLambda * kSeluAlpha * torch::exp(x));
  }
  return x;
}

std::string phase(double chi1, double tolerance) {
  return chi1 < 1.0 - tolerance ? "ordered" : chi1 > 1.0 + tolerance ? "chaotic" : "critical";
}

void EdgeOptions::validate() const {
  CRITNET_CHECK(std::isfinite(sigma_w2) && sigma_w2 > 0 && sigma_w2 <= kMaxSigma,
                "sigma_w2 must be in (0, ", kMaxSigma, "], got ", sigma_w2);
  CRITNET_CHECK(std::isfinite(sigma_b2) && sigma_b2 >= 0 && sigma_b2 <= kMaxSigma,
                "sigma_b2 must be in [0, ", kMaxSigma, "], got ", sigma_b2);
  CRITNET_CHECK(depth >= 0 && depth <= 1000000, "depth must be in 0..1000000, got ", depth);
  CRITNET_CHECK(
      std::isfinite(critical_tolerance) && critical_tolerance > 0 && critical_tolerance < 1,
      "critical tolerance must be in (0, 1), got ", critical_tolerance);
}

EdgeResult edge(const EdgeOptions& o) {
  o.validate();
  EdgeResult r;
  r.options = o;
  const Activation phi = o.activation;
  const double w2 = o.sigma_w2, b2 = o.sigma_b2;
  r.q_star = fixed_q(phi, w2, b2);
  const double q = expectation_q(r.q_star);
  r.mu1 = mean_dphi_pow(phi, q, 2);
  r.mu2 = mean_dphi_pow(phi, q, 4);
  r.chi1 = w2 * r.mu1;
  r.mu2_over_mu1_sq = r.mu2 / (r.mu1 * r.mu1);
  r.phase = phase(r.chi1, o.critical_tolerance);
  if (r.q_star) {
    // ∂q^l/∂q^{l−1} = σ_w² d/dq E[φ(√q z)²] = σ_w² E[φ(√q z)² (z² − 1)] / (2q) (Gaussian
    // integration by parts; no φ'' needed); at q* = 0 its limit, the slope L(q)/q at 0.
    const double sq = std::sqrt(q);
    const double slope =
        *r.q_star == 0.0
            ? w2 * mean_sq_phi(phi, kTinyQ) / kTinyQ
            : w2 *
                  expectation(
                      [&](double z) { return std::pow(activation(phi, sq * z), 2) * (z * z - 1); },
                      {0.0}) /
                  (2.0 * q);
    r.xi_q = depth_scale(slope);
    if (r.phase == "chaotic" && *r.q_star > 0.0) {
      r.c_star = fixed_c(phi, w2, b2, q);
      const auto d = [&](double x) { return activation_derivative(phi, x); };
      r.xi_c = depth_scale(w2 * expectation2(d, d, q, *r.c_star));
    } else {
      r.c_star = 1.0;
      if (r.phase != "critical") r.xi_c = depth_scale(r.chi1);
    }
  }
  if (o.depth > 0) {
    const double L = o.depth;
    r.jacobian_mean = std::pow(r.chi1, L);
    const double spread = std::pow(r.chi1, 2 * L) * L;
    r.jacobian_variance = spread * r.mu2_over_mu1_sq;                   // s₁ = −1 (Gaussian)
    r.jacobian_variance_orthogonal = spread * (r.mu2_over_mu1_sq - 1);  // s₁ = 0
  }
  return r;
}

double chi1(Activation phi, double sigma_w2, double sigma_b2) {
  return sigma_w2 * mean_dphi_pow(phi, expectation_q(fixed_q(phi, sigma_w2, sigma_b2)), 2);
}

nlohmann::json EdgeResult::to_json() const {
  nlohmann::json j = {{"activation", to_string(options.activation)},
                      {"sigma_w2", options.sigma_w2},
                      {"sigma_b2", options.sigma_b2},
                      {"q_star", opt(q_star)},
                      {"c_star", opt(c_star)},
                      {"chi1", chi1},
                      {"xi_q", opt(xi_q)},
                      {"xi_c", opt(xi_c)},
                      {"phase", phase},
                      {"mu1", mu1},
                      {"mu2", mu2},
                      {"mu2_over_mu1_sq", mu2_over_mu1_sq},
                      {"critical_tolerance", options.critical_tolerance}};
  if (options.depth > 0) {
    j["depth"] = options.depth;
    j["jacobian_mean"] = opt(jacobian_mean);
    j["jacobian_variance"] = opt(jacobian_variance);
    j["jacobian_variance_orthogonal"] = opt(jacobian_variance_orthogonal);
  }
  return j;
}

nlohmann::json critical_line_json(Activation phi, const std::vector<CriticalPoint>& line) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : line) points.push_back({{"sigma_b2", p.sigma_b2}, {"sigma_w2", p.sigma_w2}});
  return {{"activation", to_string(phi)}, {"critical_line", points}};
}

std::vector<CriticalPoint> critical_line(Activation phi, const std::vector<double>& sigma_b2) {
  std::vector<CriticalPoint> out;
  for (double b2 : sigma_b2) {
    CRITNET_CHECK(std::isfinite(b2) && b2 >= 0 && b2 <= kMaxSigma, "sigma_b2 must be in [0, ",
                  kMaxSigma, "], got ", b2);
    if (b2 == 0.0 && activation(phi, 0.0) == 0.0) {
      // q* = 0 is stable up to where the length map's slope at 0, σ_w²·E[φ'(0⁺)²], reaches 1,
      // and there χ₁ = 1. (Above it χ₁ − 1 grows only quadratically in the excess of σ_w²,
      // which would leave a root finder √u ≈ 1e-8 off.)
      out.push_back({b2, 1.0 / mean_dphi_pow(phi, kTinyQ, 2)});
      continue;
    }
    const auto g = [&](double w2) { return chi1(phi, w2, b2) - 1.0; };
    double lo = 1e-3;
    CRITNET_CHECK_AS(NumericalError, g(lo) < 0.0, "χ₁ > 1 already at σ_w² = ", lo,
                     " for σ_b² = ", b2);
    bool found = false;
    for (double hi = lo * 1.25; hi <= kMaxSigma * 1.0000001; lo = hi, hi *= 1.25) {
      if (g(hi) >= 0.0) {
        out.push_back({b2, g(hi) == 0.0 ? hi : brent(g, lo, hi, 0.0, 1e-12, "the critical σ_w²")});
        found = true;
        break;
      }
    }
    CRITNET_CHECK_AS(NumericalError, found, "χ₁ stays below 1 for σ_w² up to ", kMaxSigma,
                     " at σ_b² = ", b2, " (", to_string(phi), ")");
  }
  return out;
}

}  // namespace critnet::rg
