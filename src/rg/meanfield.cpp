// The mean-field consistency equation V = tanh(β(wV/N + h)) (paper eq. 6): damped fixed-point
// iteration, linear-response susceptibility, T_c = λ_max(w)/N.
#include "critnet/rg/meanfield.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <limits>

#include "critnet/core/error.h"
#include "critnet/core/limits.h"
#include "critnet/rg/couplings.h"

namespace critnet::rg {
namespace {

torch::Tensor check_coupling(const torch::Tensor& w, double n, double beta) {
  CRITNET_CHECK(w.defined() && w.dim() == 2 && w.size(0) == w.size(1) && w.size(0) > 0,
                "w must be a non-empty square 2-d tensor");
  CRITNET_CHECK(std::isfinite(n) && n > 0, "N must be > 0, got ", n);
  CRITNET_CHECK(std::isfinite(beta) && beta > 0, "beta must be > 0, got ", beta);
  return w.detach().to(torch::kCPU, torch::kFloat64);
}

}  // namespace

void MeanFieldOptions::validate() const {
  CRITNET_CHECK(damping_ > 0 && damping_ <= 1, "damping must be in (0, 1], got ", damping_);
  CRITNET_CHECK(tolerance_ > 0, "tolerance must be > 0, got ", tolerance_);
  CRITNET_CHECK(max_iterations_ > 0, "max_iterations must be > 0, got ", max_iterations_);
}

MeanFieldSolution solve_mean_field(const torch::Tensor& w, double n, double beta, double field,
                                   const MeanFieldOptions& options, const torch::Tensor& v0) {
  options.validate();
  torch::NoGradGuard no_grad;
  const torch::Tensor wd = check_coupling(w, n, beta);
  CRITNET_CHECK(std::isfinite(field), "field h must be finite, got ", field);
  const int64_t size = wd.size(0);
  torch::Tensor v = v0.defined() ? v0.detach().to(torch::kCPU, torch::kFloat64).clone()
                                 : torch::ones({size}, torch::kFloat64);
  CRITNET_CHECK(v.dim() == 1 && v.size(0) == size, "v0 must have shape [", size, "]");
  const torch::Tensor ws = wd * (beta / n);
  const double bh = beta * field;
  MeanFieldSolution sol;
  const double damp = options.damping();
  for (int64_t it = 0; it < options.max_iterations(); ++it) {
    const torch::Tensor target = torch::tanh(torch::mv(ws, v) + bh);
    sol.residual = (target - v).abs().max().item<double>();
    sol.iterations = it;
    if (!std::isfinite(sol.residual)) break;
    if (sol.residual <= options.tolerance()) {
      sol.converged = true;
      break;
    }
    v = (1.0 - damp) * v + damp * target;
    sol.iterations = it + 1;
  }
  if (!sol.converged && sol.iterations == options.max_iterations()) {
    sol.residual = (torch::tanh(torch::mv(ws, v) + bh) - v).abs().max().item<double>();
    sol.converged = sol.residual <= options.tolerance();
  }
  sol.v = v;
  sol.magnetisation = v.mean().item<double>();
  return sol;
}

double susceptibility(const torch::Tensor& w, double n, double beta,
                      const MeanFieldSolution& solution) {
  torch::NoGradGuard no_grad;
  const torch::Tensor wd = check_coupling(w, n, beta);
  const int64_t size = wd.size(0);
  const torch::Tensor d = 1.0 - solution.v.to(torch::kFloat64).pow(2);
  const torch::Tensor m = torch::eye(size, torch::kFloat64) - (beta / n) * d.unsqueeze(1) * wd;
  const torch::Tensor rhs = (beta * d).unsqueeze(1);
  torch::Tensor dv;
  try {
    dv = torch::linalg::solve(m, rhs, /*left=*/true);
  } catch (const c10::Error&) {
    return std::numeric_limits<double>::infinity();
  }
  const double chi = dv.mean().item<double>();
  return std::isfinite(chi) ? chi : std::numeric_limits<double>::infinity();
}

double susceptibility_along(const torch::Tensor& w, double n, double beta,
                            const MeanFieldSolution& solution, const torch::Tensor& direction) {
  torch::NoGradGuard no_grad;
  const torch::Tensor wd = check_coupling(w, n, beta);
  const int64_t size = wd.size(0);
  const torch::Tensor e = direction.to(torch::kCPU, torch::kFloat64).reshape({-1});
  CRITNET_CHECK(e.size(0) == size, "direction must have shape [", size, "], got ", e.size(0));
  const torch::Tensor d = 1.0 - solution.v.to(torch::kFloat64).pow(2);
  const torch::Tensor m = torch::eye(size, torch::kFloat64) - (beta / n) * d.unsqueeze(1) * wd;
  const torch::Tensor rhs = (beta * d * e).unsqueeze(1);
  torch::Tensor dv;
  try {
    dv = torch::linalg::solve(m, rhs, /*left=*/true);
  } catch (const c10::Error&) {
    return std::numeric_limits<double>::infinity();
  }
  const double chi = torch::dot(e, dv.reshape({-1})).item<double>();
  return std::isfinite(chi) ? chi : std::numeric_limits<double>::infinity();
}

double susceptibility_finite_difference(const torch::Tensor& w, double n, double beta, double field,
                                        double dh, const MeanFieldOptions& options) {
  CRITNET_CHECK(std::isfinite(dh) && dh > 0, "dh must be > 0, got ", dh);
  const MeanFieldSolution base = solve_mean_field(w, n, beta, field, options);
  const MeanFieldSolution up = solve_mean_field(w, n, beta, field + dh, options, base.v);
  const MeanFieldSolution down = solve_mean_field(w, n, beta, field - dh, options, base.v);
  return (up.magnetisation - down.magnetisation) / (2.0 * dh);
}

double critical_temperature(const torch::Tensor& w, double n) {
  const torch::Tensor wd = check_coupling(w, n, 1.0);
  const double asym = (wd - wd.t()).abs().max().item<double>();
  const double scale = std::max(1.0, wd.abs().max().item<double>());
  CRITNET_CHECK(asym <= 1e-10 * scale, "w must be symmetric for T_c = lambda_max(w)/N, got ",
                "max |w - w^T| = ", asym);
  return torch::linalg::eigvalsh(wd, "L").max().item<double>() / n;
}

torch::Tensor curie_weiss_coupling(int64_t size, double coupling) {
  CRITNET_CHECK(size > 0, "size N must be > 0, got ", size);
  CRITNET_CHECK(std::isfinite(coupling), "coupling J must be finite, got ", coupling);
  return torch::full({size, size}, coupling, torch::kFloat64);
}

double curie_weiss_magnetisation(double temperature, double coupling, double field) {
  CRITNET_CHECK(temperature > 0 && std::isfinite(temperature), "temperature must be > 0, got ",
                temperature);
  CRITNET_CHECK(field >= 0, "field must be >= 0, got ", field);
  auto f = [&](double m) { return std::tanh((coupling * m + field) / temperature) - m; };
  // f(1) < 0; the largest root lies in (0, 1) unless h = 0 and T ≥ J (root 0).
  double lo = 1e-300, hi = 1.0;
  if (f(lo) <= 0.0) return 0.0;
  for (int it = 0; it < 200 && hi - lo > 1e-16; ++it) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) > 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::vector<SweepPoint> temperature_sweep(const torch::Tensor& w, double n, double field,
                                          const std::vector<double>& temperatures,
                                          const MeanFieldOptions& options) {
  std::vector<SweepPoint> out;
  critical_temperature(w, n);  // validates w (square, symmetric)
  auto [evals, evecs] = torch::linalg::eigh(w.detach().to(torch::kCPU, torch::kFloat64), "L");
  const torch::Tensor top = evecs.select(1, evecs.size(1) - 1).contiguous();
  for (double t : temperatures) {
    CRITNET_CHECK(std::isfinite(t) && t > 0, "temperatures must be > 0, got ", t);
    const MeanFieldSolution s = solve_mean_field(w, n, 1.0 / t, field, options);
    SweepPoint p;
    p.temperature = t;
    p.magnetisation = s.magnetisation;
    p.susceptibility = susceptibility(w, n, 1.0 / t, s);
    p.top_magnetisation =
        std::abs(torch::dot(top, s.v).item<double>()) / std::sqrt(static_cast<double>(s.v.size(0)));
    p.top_susceptibility = susceptibility_along(w, n, 1.0 / t, s, top);
    p.residual = s.residual;
    p.iterations = s.iterations;
    p.converged = s.converged;
    out.push_back(p);
  }
  return out;
}

std::vector<MeanFieldSystem> layer_systems(const std::vector<torch::Tensor>& weights,
                                           std::vector<int64_t> layers, GramSide side,
                                           NConvention convention) {
  if (layers.empty()) {
    for (std::size_t l = 0; l + 1 < weights.size(); ++l) layers.push_back(static_cast<int64_t>(l));
  }
  std::vector<MeanFieldSystem> out;
  for (int64_t l : layers) {
    CRITNET_CHECK(l >= 0 && l < static_cast<int64_t>(weights.size()), "layer ", l,
                  " out of range: the network has ", weights.size(), " Linear layers");
    const torch::Tensor& v = weights[static_cast<std::size_t>(l)];
    const torch::Tensor w = side == GramSide::kIn ? torch::mm(v.t(), v) : torch::mm(v, v.t());
    out.push_back({std::to_string(l), w, static_cast<double>(unit_count(v, convention))});
  }
  return out;
}

void TemperatureRange::validate() const {
  CRITNET_CHECK(t_min > 0 && t_max > t_min, "need 0 < t_min < t_max (units of T_c), got ", t_min,
                ", ", t_max);
  CRITNET_CHECK(steps >= 2, "steps must be >= 2, got ", steps);
  CRITNET_CHECK(steps <= kMaxMeanFieldSteps, "steps must be <= ", kMaxMeanFieldSteps, ", got ",
                steps);
}

void MeanFieldStudyOptions::validate(bool have_weights) const {
  CRITNET_CHECK(curie_weiss() != have_weights,
                "give either weights or coupling and size, not both or neither");
  if (curie_weiss()) {
    CRITNET_CHECK(coupling && size, "coupling and size go together");
    CRITNET_CHECK(std::isfinite(*coupling) && *coupling > 0,
                  "coupling J must be > 0 (J <= 0 has no ordered phase), got ", *coupling);
    CRITNET_CHECK(*size >= 1 && *size <= kMaxMeanFieldSize, "size: must be in 1..",
                  kMaxMeanFieldSize, ", got ", *size);
    CRITNET_CHECK(layers.empty(), "layers: only with weights");
  }
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      CRITNET_CHECK(layers[i] != layers[k], "layers: ", layers[i], " appears twice");
  range.validate();
  CRITNET_CHECK(std::isfinite(field), "field h must be finite, got ", field);
  solver.validate();
}

std::vector<MeanFieldSystem> meanfield_systems(const MeanFieldStudyOptions& options,
                                               const std::vector<torch::Tensor>& weights) {
  options.validate(!weights.empty());
  if (options.curie_weiss())
    return {{"cw", curie_weiss_coupling(*options.size, *options.coupling),
             static_cast<double>(*options.size)}};
  std::vector<torch::Tensor> w;
  for (const auto& t : weights) w.push_back(t.detach().to(torch::kCPU, torch::kFloat64));
  return layer_systems(w, options.layers, options.side, options.convention);
}

int64_t MeanFieldCurve::not_converged() const {
  int64_t count = 0;
  for (const SweepPoint& p : points) count += p.converged ? 0 : 1;
  return count;
}

nlohmann::json MeanFieldCurve::to_json() const {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json rows = nlohmann::json::array();
  for (const SweepPoint& p : points) {
    rows.push_back({{"temperature", p.temperature},
                    {"t_over_tc", p.temperature / critical_temperature},
                    {"magnetisation", number(p.magnetisation)},
                    {"susceptibility", number(p.susceptibility)},
                    {"top_magnetisation", number(p.top_magnetisation)},
                    {"top_susceptibility", number(p.top_susceptibility)},
                    {"residual", number(p.residual)},
                    {"iterations", p.iterations},
                    {"converged", p.converged}});
  }
  return {{"name", name},   {"n", n},
          {"size", size},   {"critical_temperature", critical_temperature},
          {"field", field}, {"points", rows}};
}

MeanFieldCurve meanfield_curve(const MeanFieldSystem& system, const TemperatureRange& range,
                               double field, const MeanFieldOptions& options) {
  range.validate();
  const double tc = critical_temperature(system.w, system.n);
  // λ_max within round-off of 0 (an all-zero layer) is no T_c.
  const double noise = 1e-12 * static_cast<double>(system.w.size(0)) *
                       system.w.abs().max().item<double>() / system.n;
  CRITNET_CHECK_AS(NumericalError, tc > noise, "layer ", system.name,
                   ": T_c = lambda_max(w)/N must be > 0 (beyond round-off), got ", tc);
  std::vector<double> temperatures;
  for (int64_t i = 0; i < range.steps; ++i) {
    temperatures.push_back(tc *
                           (range.t_min + (range.t_max - range.t_min) * static_cast<double>(i) /
                                              static_cast<double>(range.steps - 1)));
  }
  MeanFieldCurve curve;
  curve.name = system.name;
  curve.n = system.n;
  curve.size = system.w.size(0);
  curve.critical_temperature = tc;
  curve.field = field;
  curve.points = temperature_sweep(system.w, system.n, field, temperatures, options);
  return curve;
}

}  // namespace critnet::rg
