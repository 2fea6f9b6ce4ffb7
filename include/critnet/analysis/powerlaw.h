#pragma once
/// Power-law fits the Clauset-Shalizi-Newman way.
///
/// Reference: A. Clauset, C. R. Shalizi, M. E. J. Newman, "Power-law distributions in
/// empirical data", SIAM Review 51(4), 661-703 (2009), cited below as CSN with equation
/// numbers. Vuong's test: Q. H. Vuong, Econometrica 57, 307-333 (1989).
///
/// The method, for data x_1..x_N (continuous: real x > 0; discrete: integers x >= 1):
///   1. For a candidate x_min, the tail is {x_i >= x_min}, n = its size. The power law
///      p(x) = (alpha-1)/x_min (x/x_min)^-alpha (continuous) or x^-alpha / zeta(alpha, x_min)
///      (discrete, Hurwitz zeta) is fitted by maximum likelihood (CSN eq. 3.1 closed form;
///      eq. 3.5 maximised numerically for discrete data).
///   2. x_min minimises the Kolmogorov-Smirnov distance D between the tail's empirical CDF
///      and the fitted CDF (CSN sec. 3.3) over the candidates (all unique values by default).
///   3. The goodness-of-fit p-value is the fraction of semi-parametric bootstrap replicates
///      (CSN sec. 4.1) whose D, after refitting x_min and alpha, is >= the observed D.
///   4. Likelihood-ratio tests (CSN sec. 5.1, appendix C) against alternatives fitted by
///      maximum likelihood on the same tail, with Vuong's normalised statistic.
///
/// Conventions that peers differ on, fixed here and reported in the output:
///   - KS distance, continuous data: D = max_i |F(x_(i)) - (i-1)/n| over every sorted tail
///     point i = 1..n, ties kept (CSN's plfit.m and poweRlaw 0.70.6).
///   - KS distance, discrete data: D = max over integers x in [x_min, max x] of
///     |F_n(x) - P(X <= x)| (CSN's plfit.m discrete branch and poweRlaw); computed exactly at
///     the unique values and at the integer just below each unique value.
///   - Vuong's sigma is the population standard deviation (divide by n), as CSN.
///   - x_max only bounds the x_min search; fit and KS always use the whole tail (poweRlaw
///     also truncates the KS distance at its xmax, whose default 1e5 critnet does not copy).
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace critnet::analysis {

/// Options of a power-law analysis. Defaults follow CSN.
struct FitOptions {
  /// Fit the discrete power law (data must be integers >= 1) instead of the continuous one.
  bool discrete = false;
  /// Fixed x_min; NaN (default) scans the candidates for the minimum KS distance.
  double xmin = std::numeric_limits<double>::quiet_NaN();
  /// Largest x_min candidate tried (default +inf: no cap). Fit and KS still use all data.
  double xmax = std::numeric_limits<double>::infinity();
  /// At most this many x_min candidates, spread evenly over the sorted unique values
  /// (0 = all unique values, the default). A bound for very large data sets.
  std::size_t max_candidates = 0;
  /// A candidate x_min must leave at least this many points in the tail (>= 5).
  std::size_t min_tail = 5;
  /// Semi-parametric bootstrap replicates for the goodness-of-fit p-value (0 = none).
  int bootstrap = 0;
  /// Seed of the bootstrap; replicate r uses its own stream derived from (seed, r), so the
  /// result does not depend on the number of threads.
  std::uint64_t seed = 42;
  /// Worker threads for the bootstrap (0 = all hardware threads).
  int threads = 0;
  /// Run the likelihood-ratio tests against the alternatives.
  bool compare = true;
  /// A comparison with p below this names a favoured model; otherwise "neither" (CSN: 0.1).
  double significance = 0.1;
  /// Called on the calling thread as bootstrap replicates finish (done of total), for a
  /// progress line; empty: none.
  std::function<void(int64_t done, int64_t total)> on_replicate;

  /// Throws critnet::InvalidArgument naming the first bad value (min_tail >= 5, x_max > 0, a
  /// fixed x_min finite and > 0, bootstrap and threads within critnet/core/limits.h's bounds,
  /// significance in (0, 1)). fit_power_law() and analyse() call it.
  void validate() const;
};

/// One likelihood-ratio comparison of the power law with an alternative on the same tail.
struct Comparison {
  /// "exponential" (geometric for discrete data), "lognormal", "stretched_exponential",
  /// "truncated_power_law".
  std::string alternative;
  /// The alternative's MLE parameters by name (e.g. {"lambda", 0.3}).
  std::vector<std::pair<std::string, double>> parameters;
  /// Log-likelihood ratio R = sum_i [ln p_pl(x_i) - ln p_alt(x_i)] (> 0 favours the power law).
  double log_likelihood_ratio = 0;
  /// Vuong's normalised statistic R / (sqrt(n) sigma) with sigma the population sd of the
  /// pointwise differences (NaN for the nested truncated power law).
  double normalised_ratio = 0;
  /// Two-sided p-value: erfc(|R| / sqrt(2 n sigma^2)) (CSN eq. C.6); for the nested
  /// truncated power law 0.5 * P(chi^2_1 > 2|R|) (boundary chi-square/2 rule).
  double p = 1;
  /// Whether the alternative nests the power law.
  bool nested = false;
  /// "power_law", the alternative's name, or "neither" (p >= significance).
  std::string favoured;
};

/// Level of FitResult's alpha confidence interval.
inline constexpr double kAlphaCiLevel = 0.95;

/// The result of analyse().
struct FitResult {
  bool discrete = false;
  double xmin = 0;         ///< lower bound of the power-law tail
  double alpha = 0;        ///< exponent
  double alpha_se = 0;     ///< standard error of alpha
  std::size_t n = 0;       ///< all data points
  std::size_t n_tail = 0;  ///< points >= xmin
  double tail_max = 0;     ///< the largest value (the tail's upper end)
  /// Width of the tail in decades, log10(tail_max / xmin): how far the fitted law reaches.
  double tail_decades = 0;
  double ks = 0;               ///< KS distance of the fit
  bool xmin_fixed = false;     ///< xmin given by the user, not scanned
  std::size_t candidates = 0;  ///< x_min candidates scanned
  std::string ks_convention;   ///< which KS definition was used (see the file comment)
  double p = std::numeric_limits<double>::quiet_NaN();  ///< bootstrap p (NaN: not run)
  int bootstrap = 0;                                    ///< replicates asked
  int bootstrap_failed = 0;  ///< replicates that could not be fitted (left out of p)
  /// Percentile confidence interval of alpha from the bootstrap replicates' refitted alpha
  /// (level kAlphaCiLevel; NaN without a bootstrap or with fewer than 2 valid replicates).
  double alpha_ci_low = std::numeric_limits<double>::quiet_NaN();
  double alpha_ci_high = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t seed = 0;
  std::vector<Comparison> comparisons;
};

/// Checks the data (finite, > 0, not all equal; integers if discrete) and throws
/// critnet::InvalidArgument naming the first bad value.
void validate_data(const std::vector<double>& data, bool discrete);

/// The power-law fit alone (x_min scan or fixed x_min, alpha, se, KS): no bootstrap, no
/// comparisons. A candidate x_min whose MLE runs off to its bound (alpha >= 200: the tail is
/// a point mass at x_min) or whose alpha or KS distance is not finite is skipped in the scan;
/// when no candidate (or the fixed x_min) gives a valid fit, or the standard error is not
/// finite, it throws critnet::NumericalError with the reason. A returned result always has
/// finite alpha in (1, 200), alpha_se > 0 and KS distance.
FitResult fit_power_law(std::vector<double> data, const FitOptions& options);

/// The full CSN analysis: fit, bootstrap p-value (options.bootstrap > 0), comparisons.
FitResult analyse(std::vector<double> data, const FitOptions& options = {});

/// Semi-parametric bootstrap p-value (CSN sec. 4.1) of a fit made by fit_power_law on the
/// same data and options; fills p, bootstrap, bootstrap_failed of `fit`, and the alpha
/// confidence interval from the same replicates (each replicate refits x_min and alpha, so the
/// interval carries the uncertainty of both; percentiles interpolated linearly, R's type 7).
void bootstrap_p_value(const std::vector<double>& data, const FitOptions& options, FitResult& fit);

/// Likelihood-ratio tests of the fitted power law (x_min, alpha of `fit`) against the
/// alternatives on the tail of `data`. Thread-safe; on first use it switches GSL's global
/// error handler off (GSL's default aborts the process), reading GSL status codes instead.
std::vector<Comparison> compare_alternatives(const std::vector<double>& data, const FitResult& fit,
                                             double significance = 0.1);

/// Power-law CDF P(X <= x) for x >= x_min (continuous or discrete; the discrete one from
/// ratios of Hurwitz zeta values in log space, so it does not underflow).
double power_law_cdf(double x, double xmin, double alpha, bool discrete);

/// Hurwitz zeta function zeta(s, q) = sum_{k>=0} (q+k)^-s, s > 1, q > 0. Underflows to 0
/// when s ln q > ~745 (e.g. s = 81, q = 9741); the fits use log_hurwitz_zeta.
double hurwitz_zeta(double s, double q);

/// ln zeta(s, q), s > 1, q > 0, computed with q^-s pulled out (ln zeta = -s ln q +
/// ln sum_k (1 + k/q)^-s), so it is finite and accurate (~1e-14 relative in zeta) where
/// zeta(s, q) itself underflows.
double log_hurwitz_zeta(double s, double q);

/// JSON of a result: every field above, comparisons as an array of objects.
nlohmann::json to_json(const FitResult& result);

}  // namespace critnet::analysis
