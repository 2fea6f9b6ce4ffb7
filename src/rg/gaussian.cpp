// The Gaussian two-point function on a periodic lattice by FFT (paper eq. 62-65) and the fits
// of its decay (exponential with a fixed power prefactor; power law plus offset; logarithm).
#include "critnet/rg/gaussian.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "critnet/core/error.h"

namespace critnet::rg {
namespace {

struct Selected {
  std::vector<double> x, y;
};

Selected select(const std::vector<double>& x, const std::vector<double>& y, double x_min,
                double x_max, size_t min_points) {
  CRITNET_CHECK(x.size() == y.size(), "x and y must have one length, got ", x.size(), " and ",
                y.size());
  CRITNET_CHECK(x_min > 0 && x_max > x_min, "fit range must satisfy 0 < x_min < x_max, got [",
                x_min, ", ", x_max, "]");
  Selected s;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] >= x_min && x[i] <= x_max) {
      CRITNET_CHECK_AS(NumericalError, std::isfinite(y[i]), "non-finite value ", y[i],
                       " at x = ", x[i]);
      s.x.push_back(x[i]);
      s.y.push_back(y[i]);
    }
  }
  CRITNET_CHECK(s.x.size() >= min_points, "fit range [", x_min, ", ", x_max, "] holds ", s.x.size(),
                " points, need at least ", min_points);
  return s;
}

// Least squares y ≈ A f + C; returns the sum of squared residuals.
double linear_fit(const std::vector<double>& f, const std::vector<double>& y, double* amp,
                  double* off) {
  const double n = static_cast<double>(f.size());
  double sf = 0, sy = 0, sff = 0, sfy = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    sf += f[i];
    sy += y[i];
    sff += f[i] * f[i];
    sfy += f[i] * y[i];
  }
  const double den = n * sff - sf * sf;
  const double a = den != 0.0 ? (n * sfy - sf * sy) / den : 0.0;
  const double c = (sy - a * sf) / n;
  double sse = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    const double e = y[i] - a * f[i] - c;
    sse += e * e;
  }
  *amp = a;
  *off = c;
  return sse;
}

}  // namespace

void GaussianOptions::validate_axis() const {
  CRITNET_CHECK(dim_ >= 1 && dim_ <= 3, "dim must be 1, 2 or 3, got ", dim_);
  CRITNET_CHECK(size_ >= 2, "size L must be >= 2, got ", size_);
  CRITNET_CHECK(std::pow(static_cast<double>(size_), static_cast<double>(dim_)) <= 1073741824.0,
                "L^d must be <= 2^30 sites, got L = ", size_, ", d = ", dim_);
  CRITNET_CHECK(std::isfinite(r_) && r_ >= 0,
                "r must be >= 0 (the Gaussian model is unstable for r < 0), got ", r_);
  CRITNET_CHECK(std::isfinite(g_) && g_ > 0, "g must be > 0, got ", g_);
}

void GaussianOptions::validate() const {
  validate_axis();
  CRITNET_CHECK(std::pow(static_cast<double>(size_), static_cast<double>(dim_)) <= 16777216.0,
                "L^d must be <= 2^24 sites for the whole lattice, got L = ", size_, ", d = ", dim_);
}

torch::Tensor two_point_lattice(const GaussianOptions& o) {
  o.validate();
  torch::NoGradGuard no_grad;
  const int64_t L = o.size(), d = o.dim();
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  // q̂²_μ = 2(1 - cos(2πn/L)) = 4 sin²(πn/L); the last axis holds the onesided half (rfft).
  const torch::Tensor n_full = torch::arange(L, opts);
  const torch::Tensor n_half = torch::arange(L / 2 + 1, opts);
  auto qhat2 = [&](const torch::Tensor& n) { return 4.0 * torch::sin(kPi * n / L).pow(2); };
  torch::Tensor q2 = qhat2(n_half);
  for (int64_t mu = 1; mu < d; ++mu) {
    std::vector<int64_t> shape(static_cast<size_t>(mu) + 1, 1);
    shape[0] = L;
    q2 = q2.unsqueeze(0) + qhat2(n_full).reshape(shape);
  }
  torch::Tensor spectrum = 1.0 / (o.r() + o.g() * q2);
  if (o.r() == 0.0) spectrum.view({-1})[0] = 0.0;  // remove the zero mode
  std::vector<int64_t> s(static_cast<size_t>(d), L), dims(static_cast<size_t>(d));
  for (int64_t mu = 0; mu < d; ++mu) dims[static_cast<size_t>(mu)] = mu;
  const torch::Tensor complex_spec = torch::complex(spectrum, torch::zeros_like(spectrum));
  return torch::fft::irfftn(complex_spec, at::IntArrayRef(s), at::IntArrayRef(dims));
}

torch::Tensor two_point_axis_values(const GaussianOptions& o) {
  o.validate_axis();
  torch::NoGradGuard no_grad;
  const int64_t L = o.size(), d = o.dim();
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto qhat2 = [&](const torch::Tensor& n) { return 4.0 * torch::sin(kPi * n / L).pow(2); };
  const torch::Tensor q1 = qhat2(torch::arange(L / 2 + 1, opts));  // onesided along the axis
  // m = Σ_{μ ≥ 2} q̂²_μ over the transverse momenta, flattened [L^{d-1}]; m[0] = 0.
  torch::Tensor m = torch::zeros({1}, opts);
  for (int64_t mu = 1; mu < d; ++mu) {
    m = (m.unsqueeze(1) + qhat2(torch::arange(L, opts)).unsqueeze(0)).reshape({-1});
  }
  // S(q_1) = (1/L^{d-1}) Σ_⊥ 1/(r + g(q̂_1² + m)), in chunks of q_1 to bound memory.
  torch::Tensor s = torch::empty({L / 2 + 1}, opts);
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 22) / m.numel());
  for (int64_t start = 0; start < L / 2 + 1; start += chunk) {
    const int64_t end = std::min(L / 2 + 1, start + chunk);
    torch::Tensor inv = 1.0 / (o.r() + o.g() * (q1.slice(0, start, end).unsqueeze(1) + m));
    if (o.r() == 0.0 && start == 0) inv[0][0] = 0.0;  // remove the zero mode
    s.slice(0, start, end).copy_(inv.mean(1));
  }
  // G(x, 0, ..) = (1/L) Σ_{q_1} e^{i q_1 x} S(q_1): an inverse real FFT of the onesided S.
  return torch::fft::irfft(torch::complex(s, torch::zeros_like(s)), L);
}

TwoPointProfile two_point_axis(const GaussianOptions& o) {
  const torch::Tensor axis = two_point_axis_values(o).contiguous();
  const int64_t L = o.size();
  const double volume = std::pow(static_cast<double>(L), static_cast<double>(o.dim()));
  TwoPointProfile p;
  p.zero_mode_removed = o.r() == 0.0;
  const double* a = axis.data_ptr<double>();
  for (int64_t x = 0; x <= L / 2; ++x) {
    const double xd = static_cast<double>(x);
    p.x.push_back(xd);
    p.value.push_back(a[x]);
    p.subtracted.push_back(p.zero_mode_removed ? a[x] - xd * xd / (2.0 * o.dim() * o.g() * volume)
                                               : a[x]);
  }
  return p;
}

double two_point_1d(double x, int64_t size, double r, double g) {
  GaussianOptions().dim(1).size(size).r(r).g(g).validate_axis();
  const double L = static_cast<double>(size);
  CRITNET_CHECK(x >= 0 && x < L, "x must be in [0, L), got ", x);
  if (r == 0.0) return ((L * L - 1.0) / 12.0 - x * (L - x) / 2.0) / (g * L);
  const double mu = std::acosh(1.0 + r / (2.0 * g));
  // cosh(μ(L/2 - x)) / sinh(μL/2) written with exponentials to stay finite for large μL.
  const double num = std::exp(-mu * x) + std::exp(-mu * (L - x));
  const double den = 1.0 - std::exp(-mu * L);
  return num / den / (2.0 * g * std::sinh(mu));
}

double continuum_correlation_length(double r, double g) {
  CRITNET_CHECK(g > 0 && r >= 0, "need g > 0 and r >= 0, got g = ", g, ", r = ", r);
  return r == 0.0 ? std::numeric_limits<double>::infinity() : std::sqrt(g / r);
}

double lattice_correlation_length(double r, double g) {
  CRITNET_CHECK(g > 0 && r >= 0, "need g > 0 and r >= 0, got g = ", g, ", r = ", r);
  return r == 0.0 ? std::numeric_limits<double>::infinity() : 1.0 / std::acosh(1.0 + r / (2.0 * g));
}

ExponentialFit fit_exponential(const std::vector<double>& x, const std::vector<double>& y,
                               double x_min, double x_max, double prefactor_power) {
  const Selected s = select(x, y, x_min, x_max, 3);
  std::vector<double> ly(s.x.size());
  for (size_t i = 0; i < s.x.size(); ++i) {
    CRITNET_CHECK_AS(NumericalError, s.y[i] > 0, "exponential fit needs y > 0, got ", s.y[i],
                     " at x = ", s.x[i]);
    ly[i] = std::log(s.y[i]) + prefactor_power * std::log(s.x[i]);
  }
  double slope = 0, intercept = 0;
  const double sse = linear_fit(s.x, ly, &slope, &intercept);
  ExponentialFit fit;
  fit.xi = slope < 0 ? -1.0 / slope : std::numeric_limits<double>::infinity();
  fit.amplitude = std::exp(intercept);
  fit.prefactor_power = prefactor_power;
  fit.x_min = x_min;
  fit.x_max = x_max;
  fit.points = static_cast<int64_t>(s.x.size());
  fit.rms_log_residual = std::sqrt(sse / static_cast<double>(s.x.size()));
  return fit;
}

PowerLawFit fit_power_law(const std::vector<double>& x, const std::vector<double>& y, double x_min,
                          double x_max) {
  const Selected s = select(x, y, x_min, x_max, 4);
  std::vector<double> f(s.x.size());
  auto sse_at = [&](double eta, double* amp, double* off) {
    for (size_t i = 0; i < s.x.size(); ++i) f[i] = std::pow(s.x[i], -eta);
    return linear_fit(f, s.y, amp, off);
  };
  double amp = 0, off = 0;
  // Coarse scan (η = 0 is degenerate with the offset: skip it), then golden section.
  double best = -4.0, best_sse = std::numeric_limits<double>::infinity();
  for (double eta = -4.0; eta <= 6.0 + 1e-12; eta += 0.01) {
    if (std::abs(eta) < 1e-9) continue;
    const double e = sse_at(eta, &amp, &off);
    if (e < best_sse) {
      best_sse = e;
      best = eta;
    }
  }
  double lo = best - 0.01, hi = best + 0.01;
  const double phi = 0.5 * (std::sqrt(5.0) - 1.0);
  double c = hi - phi * (hi - lo), d = lo + phi * (hi - lo);
  double fc = sse_at(c, &amp, &off), fd = sse_at(d, &amp, &off);
  for (int it = 0; it < 80; ++it) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - phi * (hi - lo);
      fc = sse_at(c, &amp, &off);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + phi * (hi - lo);
      fd = sse_at(d, &amp, &off);
    }
  }
  PowerLawFit fit;
  fit.eta = 0.5 * (lo + hi);
  sse_at(fit.eta, &fit.amplitude, &fit.offset);
  fit.x_min = x_min;
  fit.x_max = x_max;
  fit.points = static_cast<int64_t>(s.x.size());
  for (size_t i = 0; i < s.x.size(); ++i) {
    const double pw = fit.amplitude * std::pow(s.x[i], -fit.eta);
    fit.max_rel_residual =
        std::max(fit.max_rel_residual, std::abs(s.y[i] - pw - fit.offset) / std::abs(pw));
  }
  return fit;
}

LogFit fit_log(const std::vector<double>& x, const std::vector<double>& y, double x_min,
               double x_max) {
  const Selected s = select(x, y, x_min, x_max, 3);
  std::vector<double> f(s.x.size());
  for (size_t i = 0; i < s.x.size(); ++i) f[i] = -std::log(s.x[i]);
  LogFit fit;
  linear_fit(f, s.y, &fit.slope, &fit.offset);
  fit.x_min = x_min;
  fit.x_max = x_max;
  fit.points = static_cast<int64_t>(s.x.size());
  for (size_t i = 0; i < s.x.size(); ++i) {
    const double main = fit.slope * f[i];
    fit.max_rel_residual =
        std::max(fit.max_rel_residual, std::abs(s.y[i] - main - fit.offset) / std::abs(main));
  }
  return fit;
}

}  // namespace critnet::rg
