// Likelihood-ratio tests of a power-law tail against alternative distributions.
// References: Clauset, Shalizi & Newman, SIAM Review 51, 661-703 (2009) (CSN), sec. 5.1 and
// appendix C; Q. H. Vuong, Econometrica 57, 307-333 (1989).
//   R = sum_i l_i,  l_i = ln p_pl(x_i) - ln p_alt(x_i)                    (CSN eq. 5.1-5.3)
//   sigma^2 = (1/n) sum_i (l_i - mean l)^2   (population variance, as CSN; poweRlaw uses n-1)
//   p = erfc(|R| / sqrt(2 n sigma^2))                                      (CSN eq. C.6)
// Nested case (power law inside the truncated power law, lambda = 0 on the boundary):
//   p = 0.5 * P(chi^2_1 > 2|R|) = 0.5 erfc(sqrt(|R|))   (Self & Liang 1987 boundary rule)
// Alternatives, all normalised on [x_min, inf) and fitted by maximum likelihood on the tail
// (CSN Table 2.1):
//   exponential           continuous: lambda e^{-lambda (x - x_min)}, lambda = 1/(mean - x_min)
//                         discrete (geometric): (1-q) q^{x - x_min}, q = m/(1+m), m = mean - x_min
//   lognormal             continuous: density truncated at x_min;
//                         discrete: P(x-1/2 < Y < x+1/2) / P(Y > x_min - 1/2), Y lognormal
//   stretched_exponential continuous: beta lambda x^{beta-1} e^{-lambda (x^beta - x_min^beta)}
//                         discrete: S(x) - S(x+1), S(x) = e^{-lambda (x^beta - x_min^beta)}
//   truncated_power_law   continuous: x^{-alpha} e^{-lambda x} / Z, Z = integral over [x_min, inf)
//                         discrete: the same on integers, Z = sum over k >= x_min
// Two-parameter fits: GSL's Nelder-Mead simplex (nmsimplex2) from several starts, restarted
// at the optimum until it stops improving.
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>

#include "analysis/detail/hurwitz.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"

namespace critnet::analysis {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLogSqrt2Pi = 0.91893853320467274178;

using Objective = std::function<double(const double*)>;  // negative log-likelihood

struct Optimum {
  double x[2];
  double value;
};

double gsl_objective(const gsl_vector* v, void* params) {
  const auto& f = *static_cast<const Objective*>(params);
  const double p[2] = {gsl_vector_get(v, 0), gsl_vector_get(v, 1)};
  const double r = f(p);
  return std::isfinite(r) ? r : 1e300;
}

Optimum nelder_mead(const Objective& f, const double start[2], const double step[2]) {
  Optimum best{{start[0], start[1]}, f(start)};
  if (!std::isfinite(best.value)) best.value = kInf;
  for (int restart = 0; restart < 4; ++restart) {
    gsl_multimin_fminimizer* s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 2);
    gsl_vector* x = gsl_vector_alloc(2);
    gsl_vector* ss = gsl_vector_alloc(2);
    gsl_vector_set(x, 0, best.x[0]);
    gsl_vector_set(x, 1, best.x[1]);
    gsl_vector_set(ss, 0, step[0]);
    gsl_vector_set(ss, 1, step[1]);
    gsl_multimin_function fn{&gsl_objective, 2, const_cast<Objective*>(&f)};
    gsl_multimin_fminimizer_set(s, &fn, x, ss);
    for (int it = 0; it < 2000; ++it) {
      if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS) break;
      if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-9) == GSL_SUCCESS) break;
    }
    const double value = s->fval;
    const double x0 = gsl_vector_get(s->x, 0), x1 = gsl_vector_get(s->x, 1);
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(ss);
    const bool improved = value < best.value - 1e-10 * (1 + std::fabs(best.value));
    if (value < best.value) best = {{x0, x1}, value};
    if (!improved) break;
  }
  return best;
}

// ln(1 - Phi(z)) and ln Phi(z), stable in both tails.
double log_upper_normal(double z) {
  return std::log(0.5) + gsl_sf_log_erfc(z / M_SQRT2);
}
double log_lower_normal(double z) {
  return log_upper_normal(-z);
}
// ln(Phi(b) - Phi(a)) for a < b.
double log_normal_interval(double a, double b) {
  if (a > 0) {
    const double la = log_upper_normal(a), lb = log_upper_normal(b);
    return la + std::log1p(-std::exp(lb - la));
  }
  const double la = log_lower_normal(a), lb = log_lower_normal(b);
  return lb + std::log1p(-std::exp(la - lb));
}

// ln of the generalised exponential integral E_a(b) = int_1^inf t^-a e^{-bt} dt, b > 0:
// E_a(b) = b^(a-1) Gamma(1-a, b).
// For a >= 10 (where Gamma(1-a, b) overflows for small b) or when GSL fails, the continued
// fraction E_a(b) = e^-b / (b + a - 1 a/(b + a + 2 - 2(a+1)/(b + a + 4 - ...))) (modified
// Lentz; Numerical Recipes 6.3), which converges fast there, in log form.
double log_expint_cf(double a, double b) {
  constexpr double kTiny = 1e-300;
  double bb = b + a;
  double c = 1.0 / kTiny;
  double d = 1.0 / bb;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (a - 1.0 + i);
    bb += 2.0;
    d = 1.0 / (an * d + bb);
    c = bb + an / c;
    const double del = c * d;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-15) return -b + std::log(h);
  }
  return kInf;
}

double log_expint(double a, double b) {
  if (a >= 10) {
    const double r = log_expint_cf(a, b);
    if (std::isfinite(r)) return r;
  }
  gsl_sf_result r;
  if (gsl_sf_gamma_inc_e(1.0 - a, b, &r) != GSL_SUCCESS || !(r.val > 0))
    return b > 0 ? log_expint_cf(a, b) : kInf;
  return (a - 1.0) * std::log(b) + std::log(r.val);
}

// ln sum_{k >= x_min} k^-alpha e^{-lambda k}: direct sum, then an Euler-Maclaurin tail
// (integral + f/2 - f'/12) from K on.
// All terms are scaled by x_min^alpha e^{lambda x_min} (the unscaled ones underflow for
// large x_min and alpha); the scale is added back to the log at the end.
double log_discrete_tpl_norm(double alpha, double lambda, double xmin) {
  const double lxm = std::log(xmin);
  const double offset = -alpha * lxm - lambda * xmin;  // ln of the scale
  const auto scaled = [&](double k) {
    return std::exp(-alpha * (std::log(k) - lxm) - lambda * (k - xmin));
  };
  double sum = 0;
  double k = xmin;
  const double kmax = xmin + 2000;
  for (; k < kmax; k += 1) {
    const double t = scaled(k);
    sum += t;
    if (t < 1e-17 * sum) {
      // remainder: sum_{j>k} j^-alpha e^{-lambda j} <= k^-alpha e^{-lambda k} times
      // min(k/(alpha-1), 1/(1 - e^-lambda)) (integral bound; geometric bound)
      const double rest = t * std::min(alpha > 1 ? k / (alpha - 1.0) : kInf,
                                       lambda > 0 ? 1.0 / -std::expm1(-lambda) : kInf);
      if (rest < 1e-17 * sum) return offset + std::log(sum);
    }
  }
  const double f = scaled(k);
  const double fp = f * (-alpha / k - lambda);
  const double li = (1.0 - alpha) * std::log(k) + log_expint(alpha, lambda * k) - offset;
  if (!std::isfinite(li)) return kInf;
  return offset + std::log(sum + std::exp(li) + 0.5 * f - fp / 12.0);
}

struct Tail {
  std::vector<double> x;           // the tail, sorted
  std::vector<double> u;           // its unique values
  std::vector<double> lu;          // ln u
  std::vector<double> w;           // multiplicity of each unique value
  std::vector<std::size_t> index;  // x[i] == u[index[i]]
  double xmin;
  bool discrete;
  double mean;
  double mean_log;
};

// Negative log-likelihood of the tail from log p at the unique values.
double neg_log_likelihood(const Tail& t, const std::vector<double>& ll_unique) {
  double s = 0;
  for (std::size_t k = 0; k < t.u.size(); ++k) s -= t.w[k] * ll_unique[k];
  return std::isfinite(s) ? s : kInf;
}

// Pointwise log p at every tail point.
std::vector<double> expand(const Tail& t, const std::vector<double>& ll_unique) {
  std::vector<double> ll(t.x.size());
  for (std::size_t i = 0; i < t.x.size(); ++i) ll[i] = ll_unique[t.index[i]];
  return ll;
}

Comparison finish(const std::string& name, std::vector<std::pair<std::string, double>> params,
                  const std::vector<double>& ll_pl, const std::vector<double>& ll_alt, bool nested,
                  double significance) {
  const std::size_t n = ll_pl.size();
  std::vector<double> diff(n);
  for (std::size_t i = 0; i < n; ++i) diff[i] = ll_pl[i] - ll_alt[i];
  const double r = std::accumulate(diff.begin(), diff.end(), 0.0);
  const double mean = r / static_cast<double>(n);
  double var = 0;
  for (double v : diff) var += (v - mean) * (v - mean);
  var /= static_cast<double>(n);  // population variance, as CSN
  Comparison c;
  c.alternative = name;
  c.parameters = std::move(params);
  c.log_likelihood_ratio = r;
  c.nested = nested;
  if (nested) {
    c.normalised_ratio = std::numeric_limits<double>::quiet_NaN();
    c.p = 0.5 * std::erfc(std::sqrt(std::fabs(r)));
  } else {
    const double sd = std::sqrt(var);
    c.normalised_ratio = sd > 0 ? r / (std::sqrt(static_cast<double>(n)) * sd) : 0.0;
    c.p = sd > 0 ? std::erfc(std::fabs(r) / std::sqrt(2.0 * n * var)) : 1.0;
  }
  if (c.p < significance)
    c.favoured = r > 0 ? "power_law" : name;
  else
    c.favoured = "neither";
  return c;
}

std::vector<double> power_law_ll(const Tail& t, double alpha) {
  std::vector<double> ll(t.x.size());
  if (t.discrete) {
    const double lz = detail::log_hurwitz_zeta(alpha, t.xmin);
    for (std::size_t i = 0; i < t.x.size(); ++i) ll[i] = -alpha * std::log(t.x[i]) - lz;
  } else {
    const double c = std::log(alpha - 1) - std::log(t.xmin);
    for (std::size_t i = 0; i < t.x.size(); ++i) ll[i] = c - alpha * std::log(t.x[i] / t.xmin);
  }
  return ll;
}

// ---- exponential / geometric (closed form) ----
Comparison exponential(const Tail& t, const std::vector<double>& ll_pl, double sig) {
  std::vector<double> ll(t.x.size());
  const double m = t.mean - t.xmin;
  double lambda;
  if (t.discrete) {
    const double q = m / (1.0 + m);
    lambda = -std::log(q);
    for (std::size_t i = 0; i < t.x.size(); ++i)
      ll[i] = std::log1p(-q) + (t.x[i] - t.xmin) * std::log(q);
  } else {
    lambda = 1.0 / m;
    for (std::size_t i = 0; i < t.x.size(); ++i)
      ll[i] = std::log(lambda) - lambda * (t.x[i] - t.xmin);
  }
  return finish("exponential", {{"lambda", lambda}}, ll_pl, ll, false, sig);
}

// ---- lognormal truncated at x_min ----
std::vector<double> lognormal_ll(const Tail& t, double mu, double sigma) {
  std::vector<double> ll(t.u.size());
  if (t.discrete) {
    const double norm = log_upper_normal((std::log(t.xmin - 0.5) - mu) / sigma);
    for (std::size_t i = 0; i < t.u.size(); ++i) {
      const double a = (std::log(t.u[i] - 0.5) - mu) / sigma;
      const double b = (std::log(t.u[i] + 0.5) - mu) / sigma;
      ll[i] = log_normal_interval(a, b) - norm;
    }
  } else {
    const double norm = log_upper_normal((std::log(t.xmin) - mu) / sigma);
    const double c = std::log(sigma) + kLogSqrt2Pi + norm;
    const double inv = 1.0 / sigma;
    for (std::size_t i = 0; i < t.u.size(); ++i) {
      const double z = (t.lu[i] - mu) * inv;
      ll[i] = -t.lu[i] - 0.5 * z * z - c;
    }
  }
  return ll;
}

Comparison lognormal(const Tail& t, const std::vector<double>& ll_pl, double sig) {
  double var = 0;
  for (double v : t.x) var += (std::log(v) - t.mean_log) * (std::log(v) - t.mean_log);
  const double sd = std::max(std::sqrt(var / t.x.size()), 1e-3);
  const Objective f = [&](const double* p) {
    if (std::fabs(p[1]) > 50) return kInf;
    return neg_log_likelihood(t, lognormal_ll(t, p[0], std::exp(p[1])));
  };
  Optimum best{{0, 0}, kInf};
  const double lxm = std::log(t.xmin);
  const double starts[3][2] = {
      {t.mean_log, std::log(sd)}, {lxm, std::log(2 * sd)}, {lxm - 5 * sd, std::log(3 * sd)}};
  for (const auto& s : starts) {
    const double step[2] = {sd, 0.5};
    const Optimum o = nelder_mead(f, s, step);
    if (o.value < best.value) best = o;
  }
  const double mu = best.x[0], sigma = std::exp(best.x[1]);
  return finish("lognormal", {{"mu", mu}, {"sigma", sigma}}, ll_pl,
                expand(t, lognormal_ll(t, mu, sigma)), false, sig);
}

// ---- stretched exponential (Weibull) truncated at x_min; c = lambda x_min^beta ----
std::vector<double> weibull_ll(const Tail& t, double c, double beta) {
  std::vector<double> ll(t.u.size());
  const double lxm = std::log(t.xmin);
  if (t.discrete) {
    for (std::size_t i = 0; i < t.u.size(); ++i) {
      const double s0 = c * std::expm1(beta * (t.lu[i] - lxm));
      const double s1 = c * std::expm1(beta * (std::log(t.u[i] + 1.0) - lxm));
      ll[i] = -s0 + std::log(-std::expm1(-(s1 - s0)));
    }
  } else {
    const double k = std::log(beta) + std::log(c) - beta * lxm;
    for (std::size_t i = 0; i < t.u.size(); ++i) {
      const double lx = t.lu[i];
      ll[i] = k + (beta - 1.0) * lx - c * std::expm1(beta * (lx - lxm));
    }
  }
  return ll;
}

Comparison stretched_exponential(const Tail& t, const std::vector<double>& ll_pl, double sig) {
  const Objective f = [&](const double* p) {
    if (std::fabs(p[0]) > 200 || p[1] < -40 || p[1] > 5) return kInf;
    return neg_log_likelihood(t, weibull_ll(t, std::exp(p[0]), std::exp(p[1])));
  };
  // beta = 1 is the exponential: c = x_min / (mean - x_min) there.
  const double c_exp = t.xmin / std::max(t.mean - t.xmin, 1e-12 * t.xmin);
  Optimum best{{0, 0}, kInf};
  const double starts[3][2] = {
      {std::log(c_exp), 0.0}, {std::log(c_exp), std::log(0.3)}, {std::log(1.0), std::log(0.1)}};
  for (const auto& s : starts) {
    const double step[2] = {1.0, 0.5};
    const Optimum o = nelder_mead(f, s, step);
    if (o.value < best.value) best = o;
  }
  const double c = std::exp(best.x[0]), beta = std::exp(best.x[1]);
  const double lambda = c / std::pow(t.xmin, beta);
  return finish("stretched_exponential", {{"lambda", lambda}, {"beta", beta}}, ll_pl,
                expand(t, weibull_ll(t, c, beta)), false, sig);
}

// ---- truncated power law (power law with exponential cutoff); b = lambda x_min ----
std::vector<double> tpl_ll(const Tail& t, double alpha, double lambda) {
  std::vector<double> ll(t.u.size());
  double log_norm;
  if (t.discrete)
    log_norm = log_discrete_tpl_norm(alpha, lambda, t.xmin);
  else
    log_norm = (1.0 - alpha) * std::log(t.xmin) + log_expint(alpha, lambda * t.xmin);
  for (std::size_t i = 0; i < t.u.size(); ++i)
    ll[i] = -alpha * t.lu[i] - lambda * t.u[i] - log_norm;
  return ll;
}

Comparison truncated_power_law(const Tail& t, double alpha_pl, const std::vector<double>& ll_pl,
                               double sig) {
  const Objective f = [&](const double* p) {
    const double b = std::exp(p[1]);
    if (b < 1e-12 || b > 1e6) return kInf;
    return neg_log_likelihood(t, tpl_ll(t, p[0], b / t.xmin));
  };
  Optimum best{{0, 0}, kInf};
  const double scale = t.xmin / std::max(t.mean - t.xmin, 1e-12 * t.xmin);
  const double starts[4][2] = {{alpha_pl, std::log(1e-6)},
                               {alpha_pl, std::log(1e-3)},
                               {std::max(alpha_pl - 0.5, 0.5), std::log(0.1 * scale)},
                               {1.0, std::log(scale)}};
  for (const auto& s : starts) {
    const double step[2] = {0.2, 1.0};
    const Optimum o = nelder_mead(f, s, step);
    if (o.value < best.value) best = o;
  }
  double pl_nll = 0;
  for (double v : ll_pl) pl_nll -= v;
  if (!(best.value < pl_nll)) {
    // The power law is the lambda -> 0 limit: the optimum is on the boundary.
    return finish("truncated_power_law", {{"alpha", alpha_pl}, {"lambda", 0.0}}, ll_pl, ll_pl, true,
                  sig);
  }
  const double alpha = best.x[0], lambda = std::exp(best.x[1]) / t.xmin;
  return finish("truncated_power_law", {{"alpha", alpha}, {"lambda", lambda}}, ll_pl,
                expand(t, tpl_ll(t, alpha, lambda)), true, sig);
}

}  // namespace

std::vector<Comparison> compare_alternatives(const std::vector<double>& data, const FitResult& fit,
                                             double significance) {
  CRITNET_CHECK(fit.n_tail >= 5, "comparisons need a fitted tail of at least 5 points, got ",
                fit.n_tail);
  CRITNET_CHECK_AS(NumericalError, std::isfinite(fit.alpha) && fit.alpha > 1,
                   "comparisons need a valid power-law fit, got alpha = ", fit.alpha);
  // GSL's default handler aborts the process on a range error (e.g. an incomplete gamma that
  // underflows far from the optimum); the fits here read the _e status instead. The handler is
  // global and not thread-safe to swap back and forth, so it is switched off once, for good.
  static std::once_flag gsl_handler_off;
  std::call_once(gsl_handler_off, [] { gsl_set_error_handler_off(); });
  Tail t;
  t.xmin = fit.xmin;
  t.discrete = fit.discrete;
  for (double v : data)
    if (v >= fit.xmin) t.x.push_back(v);
  std::sort(t.x.begin(), t.x.end());
  t.index.resize(t.x.size());
  for (std::size_t i = 0; i < t.x.size(); ++i) {
    if (i == 0 || t.x[i] != t.x[i - 1]) {
      t.u.push_back(t.x[i]);
      t.lu.push_back(std::log(t.x[i]));
      t.w.push_back(0.0);
    }
    t.w.back() += 1.0;
    t.index[i] = t.u.size() - 1;
  }
  const double n = static_cast<double>(t.x.size());
  t.mean = std::accumulate(t.x.begin(), t.x.end(), 0.0) / n;
  t.mean_log = 0;
  for (double v : t.x) t.mean_log += std::log(v) / n;
  const std::vector<double> ll_pl = power_law_ll(t, fit.alpha);
  std::vector<Comparison> out;
  out.push_back(exponential(t, ll_pl, significance));
  out.push_back(lognormal(t, ll_pl, significance));
  out.push_back(stretched_exponential(t, ll_pl, significance));
  out.push_back(truncated_power_law(t, fit.alpha, ll_pl, significance));
  return out;
}

}  // namespace critnet::analysis
