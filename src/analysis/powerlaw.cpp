// Power-law fit by maximum likelihood with x_min by minimum KS distance.
// Reference: Clauset, Shalizi & Newman, SIAM Review 51, 661-703 (2009) (CSN):
//   continuous MLE  alpha = 1 + n / sum_i ln(x_i / x_min)                      (CSN eq. 3.1)
//   its error       sigma = (alpha - 1) / sqrt(n)                              (CSN eq. 3.2)
//   discrete MLE    maximises L = -n ln zeta(alpha, x_min) - alpha sum ln x_i  (CSN eq. 3.5);
//                   stationary point: -zeta'(alpha, x_min)/zeta(alpha, x_min) = mean ln x
//   its error       sigma = 1 / sqrt(n [zeta''/zeta - (zeta'/zeta)^2])         (Fisher
//                   information, CSN eq. 3.6 without the large-x_min approximation)
//   x_min           argmin over candidates of the KS distance D                (CSN eq. 3.9)
// zeta(alpha, x_min) underflows for large alpha ln x_min (> ~745); all discrete quantities use
// the scaled zeta x_min^alpha zeta(alpha, .) or its logarithm (analysis/detail/hurwitz.h).
// Candidates whose MLE runs off to its bound or whose alpha/KS is not finite are skipped.
#include "critnet/analysis/powerlaw.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "analysis/detail/hurwitz.h"
#include "analysis/detail/scan.h"
#include "critnet/core/error.h"
#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"

namespace critnet::analysis {
namespace detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMaxAlpha = 200.0;  // beyond this a "power law" is a point mass

// Continuous KS distance of the tail x[start..N) against 1 - (x/x_min)^(1-alpha), CSN
// per-point convention; gives up (returns a partial value > bound) as soon as the distance exceeds
// `bound`.
double continuous_ks(const SortedData& d, std::size_t start, double xmin, double alpha,
                     double bound) {
  const std::size_t total = d.x.size();
  const double n = static_cast<double>(total - start);
  const double a1 = alpha - 1;
  const double lxm = std::log(xmin);
  double ks = 0;
  // A coarse pass first: most candidates lose to the best so far on a few points.
  const std::size_t m = total - start;
  if (m > 256 && bound < std::numeric_limits<double>::infinity()) {
    const std::size_t stride = m / 64;
    for (std::size_t j = start; j < total; j += stride) {
      const double f = -std::expm1(-a1 * (d.log_x[j] - lxm));
      const double e = static_cast<double>(j - start) / n;
      ks = std::max(ks, std::fabs(f - e));
    }
    if (ks > bound) return ks;
  }
  for (std::size_t j = start; j < total; ++j) {
    const double f = -std::expm1(-a1 * (d.log_x[j] - lxm));
    const double e = static_cast<double>(j - start) / n;
    const double dist = std::fabs(f - e);
    if (dist > ks) {
      ks = dist;
      if (ks > bound) return ks;
    }
  }
  return ks;
}

// Discrete KS distance: sup over integers x in [x_min, max] of |F_n(x) - P(X <= x)|, evaluated
// at each unique value u_j and at u_{j+1} - 1 (where the fitted CDF is largest before the
// empirical one jumps). `first_unique` indexes SortedData::starts at the first tail value.
double discrete_ks(const SortedData& d, std::size_t first_unique, double xmin, double alpha,
                   double bound) {
  const std::size_t total = d.x.size();
  const std::size_t start = d.starts[first_unique];
  const double n = static_cast<double>(total - start);
  // All zeta values are scaled by x_min^alpha (zeta(alpha, x_min) itself underflows for large
  // x_min and alpha): z0 = x_min^alpha zeta(alpha, x_min) >= 1, terms (u/x_min)^-alpha <= 1.
  const double lxm = std::log(xmin);
  const auto scaled_zeta = [&](double q) {
    return std::exp(log_hurwitz_zeta_scaled(alpha, q) - alpha * (std::log(q) - lxm));
  };
  const auto scaled_term = [&](double u) { return std::exp(-alpha * (std::log(u) - lxm)); };
  const double z0 = std::exp(log_hurwitz_zeta_scaled(alpha, xmin));
  if (!std::isfinite(z0)) return std::numeric_limits<double>::quiet_NaN();
  double h = z0;  // zeta(alpha, u_j): mass at or above the current unique value, scaled
  double ks = 0;
  const double u0 = d.x[start];
  if (u0 > xmin) {  // a fixed x_min below the smallest tail value: F_n = 0 on [x_min, u0)
    h = scaled_zeta(u0);
    ks = 1.0 - h / z0;
  }
  const std::size_t nu = d.starts.size();
  for (std::size_t k = first_unique; k < nu; ++k) {
    const double u = d.x[d.starts[k]];
    const std::size_t next = k + 1 < nu ? d.starts[k + 1] : total;
    const double fn = static_cast<double>(next - start) / n;  // F_n(u)
    const double h_after = h - scaled_term(u);                // zeta(alpha, u + 1)
    ks = std::max(ks, std::fabs(fn - (1.0 - h_after / z0)));
    if (k + 1 < nu) {
      const double v = d.x[d.starts[k + 1]];
      double h_next;
      if (v - u <= 16) {
        h_next = h_after;
        for (double t = u + 1; t < v; t += 1) h_next -= scaled_term(t);
      } else {
        h_next = scaled_zeta(v);
      }
      if (v - u > 1) ks = std::max(ks, std::fabs(fn - (1.0 - h_next / z0)));  // at x = v - 1
      h = h_next;
    }
    if (!std::isfinite(ks)) return std::numeric_limits<double>::quiet_NaN();
    if (ks > bound) return ks;
  }
  return ks;
}

// A candidate fit is valid when alpha is a finite MLE inside (1, kMaxAlpha) and the KS
// distance is finite (NaN marks an MLE that ran off to its bound or a non-finite quantity).
bool valid(const TailFit& t) {
  return std::isfinite(t.alpha) && t.alpha > 1 && t.alpha < kMaxAlpha && std::isfinite(t.ks);
}

std::string failure_reason(const TailFit& t) {
  if (!std::isfinite(t.alpha))
    return "the exponent's MLE is not finite (it runs off to its bound alpha = " +
           std::to_string(static_cast<int>(kMaxAlpha)) +
           ": the tail is a point mass at x_min, not a power law)";
  if (!(t.alpha > 1 && t.alpha < kMaxAlpha))
    return "alpha = " + std::to_string(t.alpha) + " is outside (1, " +
           std::to_string(static_cast<int>(kMaxAlpha)) + ")";
  return "the KS distance is not finite";
}

std::size_t count_unique_from(const SortedData& d, std::size_t start) {
  return static_cast<std::size_t>(d.starts.end() -
                                  std::lower_bound(d.starts.begin(), d.starts.end(), start));
}

}  // namespace

SortedData prepare(std::vector<double> data) {
  SortedData d;
  std::sort(data.begin(), data.end());
  d.x = std::move(data);
  const std::size_t total = d.x.size();
  d.log_x.resize(total);
  d.suffix_log.assign(total + 1, 0.0);
  for (std::size_t i = 0; i < total; ++i) d.log_x[i] = std::log(d.x[i]);
  for (std::size_t i = total; i-- > 0;) d.suffix_log[i] = d.suffix_log[i + 1] + d.log_x[i];
  for (std::size_t i = 0; i < total; ++i)
    if (i == 0 || d.x[i] != d.x[i - 1]) d.starts.push_back(i);
  return d;
}

double discrete_alpha_mle(double mean_log, double xmin, double alpha_start) {
  // g(a) = E_a[ln X] - mean_log is decreasing in a, +inf at a -> 1, -> ln x_min as a -> inf.
  // Computed centred at ln x_min: g(a) = E_a[ln(X/x_min)] - (mean_log - ln x_min), with
  // E_a[ln(X/x_min)] = -Z'/Z of the scaled zeta (no underflow, no cancellation).
  const double target = mean_log - std::log(xmin);
  if (!(target > 0) || !std::isfinite(target)) return kNaN;  // all points at x_min
  const auto g_of = [&](double a, double* var) {
    const LogZetaJet z = log_hurwitz_zeta_jet(a, xmin);
    if (var) *var = z.log_var;
    return -z.centred_d1 - target;
  };
  // The root must lie below the bound: E[ln X] at kMaxAlpha still above the data's mean log
  // means the MLE is a point mass at x_min (alpha -> inf), not a power law.
  if (!(g_of(kMaxAlpha, nullptr) < 0)) return kNaN;
  double lo = 1.0, hi = kMaxAlpha;
  double a = std::clamp(std::isfinite(alpha_start) ? alpha_start : 2.0, 1.0 + 1e-6, kMaxAlpha - 1);
  for (int it = 0; it < 200; ++it) {
    double var = kNaN;
    const double g = g_of(a, &var);
    if (!std::isfinite(g) || !(var > 0)) return kNaN;
    if (g > 0)
      lo = a;
    else
      hi = a;
    double next = a + g / var;  // Newton: g' = -var
    if (!(next > lo && next < hi) || !std::isfinite(next)) next = 0.5 * (lo + hi);
    if (std::fabs(next - a) <= 1e-13 * a) return next;
    a = next;
    if (hi - lo <= 1e-14 * a) return a;
  }
  return a;
}

double discrete_log_variance(double alpha, double xmin) {
  return log_hurwitz_zeta_jet(alpha, xmin).log_var;
}

namespace {

// The MLE and KS distance of the tail d.x[start..] at x_min (the discrete MLE's Newton iteration
// starts at alpha_start; the KS sum stops early once it exceeds `bound`).
TailFit fit_at(const SortedData& d, const FitOptions& options, std::size_t start, double xmin,
               double bound, double alpha_start, std::size_t first_unique) {
  const std::size_t n_tail = d.x.size() - start;
  const double nd = static_cast<double>(n_tail);
  TailFit out;
  double alpha;
  if (options.discrete) {
    const double mean_log = d.suffix_log[start] / nd;
    alpha = discrete_alpha_mle(mean_log, xmin, alpha_start);
    out.ks = std::isfinite(alpha) ? discrete_ks(d, first_unique, xmin, alpha, bound) : kNaN;
  } else {
    alpha = 1.0 + nd / (d.suffix_log[start] - nd * std::log(xmin));
    out.ks = std::isfinite(alpha) && alpha > 1 ? continuous_ks(d, start, xmin, alpha, bound) : kNaN;
  }
  out.xmin = xmin;
  out.alpha = alpha;
  out.start = start;
  out.n_tail = n_tail;
  return out;
}

// The fit at the fixed options.xmin.
TailFit fit_fixed_xmin(const SortedData& d, const FitOptions& options, std::size_t min_tail) {
  const double xmin = options.xmin;
  CRITNET_CHECK(xmin > 0, "x_min must be > 0, got ", xmin);
  CRITNET_CHECK(!options.discrete || xmin == std::floor(xmin),
                "x_min of a discrete power law must be an integer, got ", xmin);
  const std::size_t start =
      static_cast<std::size_t>(std::lower_bound(d.x.begin(), d.x.end(), xmin) - d.x.begin());
  const std::size_t n_tail = d.x.size() - start;
  CRITNET_CHECK(n_tail >= min_tail, "a power-law fit needs at least ", min_tail,
                " points >= x_min, got ", n_tail, " (x_min = ", xmin, ")");
  CRITNET_CHECK(d.x.back() > xmin, "all ", n_tail, " points >= x_min = ", xmin,
                " equal x_min; the power-law exponent is not defined");
  const std::size_t first_unique = d.starts.size() - count_unique_from(d, start);
  const double a0 = 1.0 + n_tail / (d.suffix_log[start] - n_tail * std::log(xmin - 0.5));
  TailFit out =
      fit_at(d, options, start, xmin, std::numeric_limits<double>::infinity(), a0, first_unique);
  CRITNET_CHECK_AS(NumericalError, valid(out), "the power-law fit at x_min = ", xmin,
                   " failed: ", failure_reason(out), " (", n_tail, " tail points)");
  out.candidates = 1;
  return out;
}

// The x_min candidates (indices into d.starts): unique values <= xmax leaving >= min_tail points
// and >= 3 distinct values (poweRlaw's rule for one-parameter models: the two largest unique
// values are never tried), thinned evenly to options.max_candidates.
std::vector<std::size_t> xmin_candidates(const SortedData& d, const FitOptions& options,
                                         std::size_t min_tail) {
  const std::size_t total = d.x.size();
  std::vector<std::size_t> cand;
  const std::size_t nu = d.starts.size();
  for (std::size_t k = 0; k + 2 < nu; ++k) {
    const std::size_t start = d.starts[k];
    if (d.x[start] > options.xmax) break;
    if (total - start < min_tail) break;
    cand.push_back(k);
  }
  CRITNET_CHECK(!cand.empty(), "no x_min candidate: a power-law tail needs at least ", min_tail,
                " points and 3 distinct values at or above x_min (and x_min <= x_max = ",
                options.xmax, "); the data have ", total, " points, ", nu, " distinct");
  if (options.max_candidates > 0 && cand.size() > options.max_candidates) {
    std::vector<std::size_t> kept;
    const std::size_t m = std::max<std::size_t>(options.max_candidates, 2);
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t pos = static_cast<std::size_t>(
          std::llround(static_cast<double>(i) * (cand.size() - 1) / (m - 1)));
      if (kept.empty() || kept.back() != cand[pos]) kept.push_back(cand[pos]);
    }
    cand.swap(kept);
  }
  return cand;
}

}  // namespace

TailFit fit_tail(const SortedData& d, const FitOptions& options) {
  const std::size_t total = d.x.size();
  const std::size_t min_tail = std::max<std::size_t>(options.min_tail, 5);
  if (std::isfinite(options.xmin)) return fit_fixed_xmin(d, options, min_tail);
  const std::vector<std::size_t> cand = xmin_candidates(d, options, min_tail);

  // First a sparse pass over every stride-th candidate gives a bound on the minimum D; the
  // full pass then abandons a candidate as soon as its partial D exceeds the bound. Only
  // candidates whose D is strictly above the final minimum are abandoned, so the result is
  // that of the exhaustive scan (the smallest x_min among equal minima, as which.min).
  const auto fit_candidate = [&](std::size_t k, double bound, double& alpha_prev) {
    const std::size_t start = d.starts[k];
    const double xmin = d.x[start];
    double a0 = alpha_prev;
    if (options.discrete && !std::isfinite(a0)) {
      const double nd = static_cast<double>(total - start);
      a0 = 1.0 + nd / (d.suffix_log[start] - nd * std::log(xmin - 0.5));
    }
    const TailFit t = fit_at(d, options, start, xmin, bound, a0, k);
    if (std::isfinite(t.alpha)) alpha_prev = t.alpha;
    return t;
  };
  double bound = std::numeric_limits<double>::infinity();
  if (cand.size() > 128) {
    const std::size_t stride = cand.size() / 64;
    double alpha_prev = kNaN;
    for (std::size_t i = 0; i < cand.size(); i += stride) {
      const TailFit t = fit_candidate(cand[i], bound, alpha_prev);
      if (valid(t)) bound = std::min(bound, t.ks);
    }
  }
  // The bound is loosened by 1e-9 relative: the full pass refits each candidate from another
  // Newton start, so its D may differ from the sparse pass's in the last bits; without slack
  // the minimiser itself could be abandoned (and no candidate chosen at all).
  std::size_t invalid = 0;
  TailFit last_invalid;
  const auto full_pass = [&](double prune) {
    TailFit best;
    best.ks = std::numeric_limits<double>::infinity();
    double alpha_prev = kNaN;
    invalid = 0;
    for (std::size_t k : cand) {
      const double b = std::min(prune, best.ks);
      const TailFit t = fit_candidate(k, b, alpha_prev);
      if (!valid(t)) {  // the MLE ran off to its bound or a quantity is not finite: skipped
        ++invalid;
        last_invalid = t;
        continue;
      }
      if (t.ks < best.ks && t.ks <= b)
        best = t;  // strict: the smallest x_min wins ties (as which.min)
    }
    return best;
  };
  TailFit best = full_pass(bound * (1 + 1e-9));
  if (!std::isfinite(best.ks) && std::isfinite(bound))  // safety net: exhaustive rescan
    best = full_pass(std::numeric_limits<double>::infinity());
  CRITNET_CHECK_AS(NumericalError, std::isfinite(best.ks), "no x_min candidate gives a valid ",
                   options.discrete ? "discrete" : "continuous", " power-law fit: all ", invalid,
                   " of ", cand.size(), " candidates failed (last, x_min = ", last_invalid.xmin,
                   ": ", failure_reason(last_invalid), ")");
  best.candidates = cand.size();
  return best;
}

}  // namespace detail

void validate_data(const std::vector<double>& data, bool discrete) {
  CRITNET_CHECK(!data.empty(), "power-law data are empty");
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double v = data[i];
    CRITNET_CHECK(std::isfinite(v), "power-law data must be finite, got ", v, " at index ", i);
    CRITNET_CHECK(v > 0, "power-law data must be > 0, got ", v, " at index ", i);
    CRITNET_CHECK(!discrete || v == std::floor(v), "discrete power-law data must be integers, got ",
                  v, " at index ", i);
  }
  const auto [lo, hi] = std::minmax_element(data.begin(), data.end());
  CRITNET_CHECK(*lo != *hi, "power-law data are all equal (", *lo, "); there is nothing to fit");
}

void FitOptions::validate() const {
  CRITNET_CHECK(min_tail >= 5, "min_tail must be >= 5, got ", min_tail);
  CRITNET_CHECK(xmax > 0, "x_max must be > 0 (inf = no cap), got ", xmax);
  CRITNET_CHECK(std::isnan(xmin) || (std::isfinite(xmin) && xmin > 0),
                "a fixed x_min must be finite and > 0 (NaN = scan), got ", xmin);
  CRITNET_CHECK(bootstrap >= 0 && bootstrap <= kMaxBootstrap, "bootstrap replicates must be in 0..",
                kMaxBootstrap, ", got ", bootstrap);
  check_threads(threads);
  CRITNET_CHECK(significance > 0 && significance < 1, "significance must be in (0, 1), got ",
                significance);
}

FitResult fit_power_law(std::vector<double> data, const FitOptions& options) {
  options.validate();
  validate_data(data, options.discrete);
  const detail::SortedData d = detail::prepare(std::move(data));
  const detail::TailFit t = detail::fit_tail(d, options);
  FitResult r;
  r.discrete = options.discrete;
  r.xmin = t.xmin;
  r.alpha = t.alpha;
  r.n = d.x.size();
  r.n_tail = t.n_tail;
  r.tail_max = d.x.back();
  r.tail_decades = std::log10(r.tail_max / r.xmin);
  r.ks = t.ks;
  r.candidates = t.candidates;
  r.xmin_fixed = std::isfinite(options.xmin);
  r.seed = options.seed;
  const double nd = static_cast<double>(t.n_tail);
  r.alpha_se = options.discrete
                   ? 1.0 / std::sqrt(nd * detail::discrete_log_variance(t.alpha, t.xmin))
                   : (t.alpha - 1.0) / std::sqrt(nd);
  CRITNET_CHECK_AS(NumericalError, std::isfinite(r.alpha_se) && r.alpha_se > 0,
                   "the standard error of alpha is not finite (alpha = ", r.alpha,
                   ", x_min = ", r.xmin, ", n_tail = ", r.n_tail, ")");
  r.ks_convention =
      options.discrete
          ? "csn-integer: max over integers x in [x_min, max] of |F_n(x) - P(X <= x)|"
          : "csn-per-point: max over sorted tail points i of |F(x_(i)) - (i-1)/n|, ties kept";
  return r;
}

FitResult analyse(std::vector<double> data, const FitOptions& options) {
  FitResult r = fit_power_law(data, options);  // validates the options first
  if (options.bootstrap > 0) bootstrap_p_value(data, options, r);
  if (options.compare) r.comparisons = compare_alternatives(data, r, options.significance);
  return r;
}

double power_law_cdf(double x, double xmin, double alpha, bool discrete) {
  if (x < xmin) return 0.0;
  if (!discrete) return -std::expm1((1 - alpha) * std::log(x / xmin));
  return 1.0 - detail::hurwitz_zeta_ratio(alpha, std::floor(x) + 1, xmin);
}

double hurwitz_zeta(double s, double q) {
  CRITNET_CHECK(s > 1, "Hurwitz zeta needs s > 1, got ", s);
  CRITNET_CHECK(q > 0, "Hurwitz zeta needs q > 0, got ", q);
  return detail::hurwitz_zeta_value(s, q);
}

double log_hurwitz_zeta(double s, double q) {
  CRITNET_CHECK(s > 1, "Hurwitz zeta needs s > 1, got ", s);
  CRITNET_CHECK(q > 0, "Hurwitz zeta needs q > 0, got ", q);
  return detail::log_hurwitz_zeta(s, q);
}

nlohmann::json to_json(const FitResult& r) {
  const auto num = [](double v) -> nlohmann::json {
    if (std::isfinite(v)) return v;
    return nullptr;
  };
  nlohmann::json comps = nlohmann::json::array();
  for (const Comparison& c : r.comparisons) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [name, value] : c.parameters) params[name] = num(value);
    comps.push_back({{"alternative", c.alternative},
                     {"parameters", params},
                     {"R", num(c.log_likelihood_ratio)},
                     {"normalised_R", num(c.normalised_ratio)},
                     {"p", num(c.p)},
                     {"nested", c.nested},
                     {"favoured", c.favoured}});
  }
  return {{"model", r.discrete ? "discrete_power_law" : "continuous_power_law"},
          {"xmin", num(r.xmin)},
          {"xmin_fixed", r.xmin_fixed},
          {"alpha", num(r.alpha)},
          {"alpha_se", num(r.alpha_se)},
          {"n", r.n},
          {"n_tail", r.n_tail},
          {"tail_max", num(r.tail_max)},
          {"tail_decades", num(r.tail_decades)},
          {"alpha_ci_low", num(r.alpha_ci_low)},
          {"alpha_ci_high", num(r.alpha_ci_high)},
          {"alpha_ci_level", kAlphaCiLevel},
          {"ks", num(r.ks)},
          {"ks_convention", r.ks_convention},
          {"candidates", r.candidates},
          {"bootstrap", r.bootstrap},
          {"bootstrap_failed", r.bootstrap_failed},
          {"p", num(r.p)},
          {"seed", r.seed},
          {"vuong_sd", "population"},
          {"comparisons", comps}};
}

}  // namespace critnet::analysis
