// Couplings of the Gaussian model (paper eq. 13) and the classification of section 2.5.
#include "critnet/rg/couplings.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "critnet/core/error.h"
#include "critnet/core/stats.h"

namespace critnet::rg {

int64_t unit_count(const torch::Tensor& weight, NConvention convention) {
  CRITNET_CHECK(weight.defined() && weight.dim() == 2,
                "weight must be a 2-d tensor [out, in], got ", weight.defined() ? weight.dim() : -1,
                " dimensions");
  return ::critnet::unit_count(weight.size(0), weight.size(1), convention);
}

void CouplingOptions::validate() const {
  CRITNET_CHECK(std::isfinite(beta()), "beta must be finite, got ", beta());
  CRITNET_CHECK(std::isfinite(field()), "field h must be finite, got ", field());
}

double coupling_scale(const torch::Tensor& weight, const CouplingOptions& options) {
  options.validate();
  const int64_t n = unit_count(weight, options.n_convention());
  CRITNET_CHECK(n > 0, "the unit count N must be > 0, got ", n);
  return ::critnet::coupling_scale(options.beta(), weight.size(0), weight.size(1),
                                   options.n_convention());
}

Couplings couplings(const torch::Tensor& weight, const CouplingOptions& options) {
  CRITNET_CHECK(weight.defined() && weight.dim() == 2,
                "weight must be a 2-d tensor [out, in], got ", weight.defined() ? weight.dim() : -1,
                " dimensions");
  CRITNET_CHECK(weight.numel() > 0, "weight must not be empty, got shape [", weight.size(0), ", ",
                weight.size(1), "]");
  options.validate();
  torch::NoGradGuard no_grad;
  const torch::Tensor v = weight.detach().to(torch::kCPU, torch::kFloat64);
  CRITNET_CHECK_AS(NumericalError, torch::isfinite(v).all().item<bool>(),
                   "weight has non-finite entries");

  Couplings c;
  c.beta = options.beta();
  c.a = coupling_scale(v, options);
  c.n = unit_count(v, options.n_convention());
  c.g = c.a;
  // w = Aᵀ A on the chosen side.
  const torch::Tensor a_mat = options.gram_side() == GramSide::kIn ? v : v.t();
  const int64_t rows = a_mat.size(0), cols = a_mat.size(1);
  c.dimension = cols;
  const int64_t k = std::min(rows, cols);
  c.structural_zeros = cols - k;
  const double ubh = c.a * c.beta * options.field();
  const torch::Tensor ones_cols = torch::ones({cols}, torch::kFloat64);
  const torch::Tensor a_one = torch::mv(a_mat, ones_cols);  // A 1 [rows]
  c.u_sites = ubh * torch::mv(a_mat.t(), a_one);            // a β h Aᵀ A 1 [cols]

  torch::Tensor lam_k, u_k;
  if (cols <= rows) {
    auto [evals, evecs] = torch::linalg::eigh(torch::mm(a_mat.t(), a_mat), "L");
    lam_k = evals.clamp_min(0.0);  // w is PSD; clamp the round-off
    u_k = torch::mv(evecs.t(), c.u_sites);
  } else {
    // Shared spectrum through A Aᵀ; e_i = Aᵀ f_i / s_i, so ũ_i = a β h s_i (f_i · A 1).
    auto [evals, evecs] = torch::linalg::eigh(torch::mm(a_mat, a_mat.t()), "L");
    lam_k = evals.clamp_min(0.0);
    u_k = ubh * lam_k.sqrt() * torch::mv(evecs.t(), a_one);
  }
  const auto zeros = torch::zeros({c.structural_zeros}, torch::kFloat64);
  c.lambda = torch::cat({zeros, lam_k});
  c.u_modes = torch::cat({zeros, u_k});
  c.x = c.a * c.lambda;
  c.r = c.x * (1.0 - c.x);
  c.r_tolerance = massless_tolerance(k, c.x.abs().max().item<double>());
  return c;
}

CouplingMatrices coupling_matrices(const torch::Tensor& w, double beta, double n, double field) {
  CRITNET_CHECK(w.defined() && w.dim() == 2 && w.size(0) == w.size(1),
                "w must be a square 2-d tensor");
  CRITNET_CHECK(n > 0 && std::isfinite(n), "N must be > 0, got ", n);
  CRITNET_CHECK(std::isfinite(beta), "beta must be finite, got ", beta);
  const torch::Tensor wd = w.to(torch::kFloat64);
  const double a = beta / n;
  CouplingMatrices m;
  m.r = a * (wd - a * torch::mm(wd, wd));
  m.g = a * torch::eye(w.size(0), torch::kFloat64);
  m.u = a * beta * field * wd.sum(1);
  return m;
}

double massless_tolerance(int64_t k, double x_max) {
  constexpr double kUlps = 16.0;
  const double scale = std::max(1.0, std::abs(x_max));
  const double dx =
      static_cast<double>(std::max<int64_t>(k, 1)) * std::numeric_limits<double>::epsilon() * scale;
  return kUlps * dx * (1.0 + 2.0 * scale);
}

torch::Tensor correlation_length(const torch::Tensor& r, double g, double r_tolerance) {
  CRITNET_CHECK(r_tolerance >= 0 && std::isfinite(r_tolerance),
                "r_tolerance must be finite and >= 0, got ", r_tolerance);
  const torch::Tensor rd = r.to(torch::kFloat64);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  if (!(g > 0.0)) return torch::full_like(rd, nan);
  torch::Tensor xi = torch::full_like(rd, nan);
  xi = torch::where(rd > r_tolerance, (g / rd).sqrt(), xi);
  xi = torch::where(rd.abs() <= r_tolerance, torch::full_like(rd, inf), xi);
  return xi;
}

std::string to_string(ModeClass c) {
  switch (c) {
    case ModeClass::kZero:
      return "zero";
    case ModeClass::kDisordered:
      return "disordered";
    case ModeClass::kNearCritical:
      return "near-critical";
    case ModeClass::kCritical:
      return "critical";
    case ModeClass::kOrdered:
      return "ordered";
    case ModeClass::kFrozen:
      return "frozen";
    case ModeClass::kNegative:
      return "negative";
  }
  return "?";
}

std::string to_string(Phase p) {
  switch (p) {
    case Phase::kTrivialHighT:
      return "trivial-high-T";
    case Phase::kTrivialLowT:
      return "trivial-low-T";
    case Phase::kCwCritical:
      return "cw-critical";
    case Phase::kNearCritical:
      return "near-critical";
    case Phase::kGeneric:
      return "generic";
  }
  return "?";
}

void ClassifyOptions::validate() const {
  CRITNET_CHECK(tol_trivial_ > 0 && tol_trivial_ < 1, "tol_trivial must be in (0, 1), got ",
                tol_trivial_);
  CRITNET_CHECK(tol_critical_ > 0 && tol_critical_ <= tol_near_,
                "tol_critical must be in (0, tol_near], got ", tol_critical_, " with tol_near ",
                tol_near_);
  CRITNET_CHECK(tol_near_ > 0 && tol_near_ < 1, "tol_near must be in (0, 1), got ", tol_near_);
}

ModeClass classify_mode(double x, const ClassifyOptions& o) {
  CRITNET_CHECK(std::isfinite(x), "mode x = a*lambda must be finite, got ", x);
  const double d = std::abs(x - 1.0);
  if (std::abs(x) <= o.tol_trivial()) return ModeClass::kZero;
  if (x < 0) return ModeClass::kNegative;
  if (d <= o.tol_critical()) return ModeClass::kCritical;
  if (d <= o.tol_near()) return ModeClass::kNearCritical;
  if (x < 1.0) return ModeClass::kDisordered;
  if (x >= 1.0 / o.tol_trivial()) return ModeClass::kFrozen;
  return ModeClass::kOrdered;
}

Phase classify(const torch::Tensor& x, const ClassifyOptions& o) {
  o.validate();
  const torch::Tensor xd = x.to(torch::kCPU, torch::kFloat64).contiguous().reshape({-1});
  CRITNET_CHECK(xd.numel() > 0, "classify needs at least one mode");
  int64_t zero = 0, crit = 0, near = 0, frozen = 0, other = 0;
  const double* p = xd.data_ptr<double>();
  for (int64_t i = 0; i < xd.numel(); ++i) {
    switch (classify_mode(p[i], o)) {
      case ModeClass::kZero:
        ++zero;
        break;
      case ModeClass::kCritical:
        ++crit;
        break;
      case ModeClass::kNearCritical:
        ++near;
        break;
      case ModeClass::kFrozen:
        ++frozen;
        break;
      default:
        ++other;
    }
  }
  if (other == 0 && near == 0 && crit == 0 && frozen == 0) return Phase::kTrivialHighT;
  if (other == 0 && near == 0 && frozen == 0) return Phase::kCwCritical;
  if (other == 0 && frozen == 0) return Phase::kNearCritical;
  if (other == 0 && near == 0 && crit == 0) return Phase::kTrivialLowT;
  return Phase::kGeneric;
}

namespace {
// A tensor's values as float64, in memory order.
std::vector<double> values_of(const torch::Tensor& t) {
  if (!t.defined()) return {};
  const torch::Tensor c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

LayerAnalysis analyse_layer(const torch::Tensor& weight, const CouplingOptions& options,
                            const ClassifyOptions& classify_options) {
  classify_options.validate();
  LayerAnalysis out;
  out.shape = {weight.size(0), weight.size(1)};
  out.couplings = couplings(weight, options);
  const Couplings& c = out.couplings;
  out.xi = correlation_length(c.r, c.g, c.r_tolerance);
  out.class_counts.assign(7, 0);
  const torch::Tensor x = c.x.contiguous();
  const double* px = x.data_ptr<double>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const ModeClass m = classify_mode(px[i], classify_options);
    out.mode_class.push_back(m);
    ++out.class_counts[static_cast<int>(m)];
  }
  out.phase = classify(x, classify_options);
  out.x_max = x.max().item<double>();
  out.critical_temperature = c.lambda.max().item<double>() / static_cast<double>(c.n);
  const torch::Tensor dist = (x - 1.0).abs();
  out.distance_min = dist.min().item<double>();
  out.distance_median = median(values_of(dist.slice(0, c.structural_zeros)));
  return out;
}

namespace {

nlohmann::json finite_or_string(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

nlohmann::json array_of(const torch::Tensor& t) {
  nlohmann::json a = nlohmann::json::array();
  for (double v : values_of(t)) a.push_back(finite_or_string(v));
  return a;
}

// The median of the finite values (core/stats.h), and the counts of inf and NaN.
struct XiSummary {
  double median = std::numeric_limits<double>::quiet_NaN();
  int64_t inf = 0, nan = 0;
};

XiSummary summarise_xi(const torch::Tensor& xi) {
  XiSummary s;
  std::vector<double> finite;
  for (double v : values_of(xi)) {
    if (std::isnan(v))
      ++s.nan;
    else if (std::isinf(v))
      ++s.inf;
    else
      finite.push_back(v);
  }
  if (!finite.empty()) {
    s.median = median(finite);
  }
  return s;
}

}  // namespace

nlohmann::json to_json(const LayerAnalysis& an) {
  const Couplings& c = an.couplings;
  const torch::Tensor shared_x = c.x.slice(0, c.structural_zeros);
  const XiSummary xs = summarise_xi(an.xi.slice(0, c.structural_zeros));
  nlohmann::json counts = nlohmann::json::object();
  for (std::size_t k = 0; k < an.class_counts.size(); ++k)
    counts[to_string(static_cast<ModeClass>(k))] = an.class_counts[k];
  std::vector<std::string> classes;
  for (auto m : an.mode_class) classes.push_back(to_string(m));
  return {{"shape", an.shape},
          {"beta", c.beta},
          {"temperature", finite_or_string(1.0 / c.beta)},
          {"n", c.n},
          {"a", c.a},
          {"g", c.g},
          {"dimension", c.dimension},
          {"structural_zeros", c.structural_zeros},
          {"phase", to_string(an.phase)},
          {"x_min", shared_x.numel() ? finite_or_string(shared_x.min().item<double>()) : nullptr},
          {"x_median", shared_x.numel() ? finite_or_string(median(values_of(shared_x))) : nullptr},
          {"x_max", finite_or_string(an.x_max)},
          {"distance_min", finite_or_string(an.distance_min)},
          {"distance_median", finite_or_string(an.distance_median)},
          {"critical_temperature", finite_or_string(an.critical_temperature)},
          {"mode_counts", counts},
          {"xi_median_finite", finite_or_string(xs.median)},
          {"xi_inf", xs.inf},
          {"xi_nan", xs.nan},
          {"r_tolerance", finite_or_string(c.r_tolerance)},
          {"lambda", array_of(c.lambda)},
          {"x", array_of(c.x)},
          {"r", array_of(c.r)},
          {"u_modes", array_of(c.u_modes)},
          {"u_sites", array_of(c.u_sites)},
          {"xi", array_of(an.xi)},
          {"mode_class", classes}};
}

}  // namespace critnet::rg
