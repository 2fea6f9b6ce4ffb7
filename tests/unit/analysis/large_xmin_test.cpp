// Regression tests for the discrete power-law fit where the Hurwitz zeta underflows
// (zeta(s, q) < 1e-308 when s ln q > ~709, e.g. s = 81, q = 9741): the log-space zeta, the fit,
// its standard error, KS distance, comparisons and bootstrap on activation counts of a layer
// over 10,000 samples (many counts near 10000), and invalid fits reported as failures.
#include <gmock/gmock.h>
#include <gsl/gsl_sf_zeta.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <vector>

// The detail header is private to the library (src/ is not on the tests' include path).
#include "../../../src/analysis/detail/hurwitz.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"

namespace ca = critnet::analysis;
namespace cd = critnet::analysis::detail;
using ::testing::HasSubstr;

namespace {

// Activation counts of one hidden layer over 10,000 samples (175 units); the discrete fit of
// these gave x_min = 9741, alpha = 81.89 +- nan, KS = 0 before the log-space zeta.
const std::vector<double> kActivationCounts = {
    10000, 9997, 9942, 9925, 9825, 9779, 9756, 9753, 9743, 9741, 9706, 9685, 9652, 9618, 9578, 9567,
    9566,  9548, 9525, 9519, 9434, 9358, 9354, 9353, 9321, 9312, 9274, 9138, 9112, 9089, 9086, 9053,
    9041,  8964, 8933, 8905, 8871, 8853, 8836, 8814, 8802, 8791, 8784, 8742, 8726, 8711, 8705, 8697,
    8690,  8644, 8550, 8526, 8512, 8503, 8487, 8455, 8445, 8426, 8424, 8404, 8386, 8335, 8327, 8299,
    8263,  8231, 8223, 8214, 8206, 8178, 8159, 8154, 8089, 8079, 8077, 8015, 8001, 7968, 7945, 7938,
    7937,  7931, 7927, 7894, 7877, 7871, 7787, 7774, 7766, 7757, 7756, 7751, 7716, 7708, 7669, 7633,
    7622,  7619, 7605, 7513, 7426, 7411, 7392, 7379, 7355, 7295, 7250, 7245, 7243, 7211, 7202, 7181,
    7177,  7176, 7168, 7166, 7144, 7139, 7138, 7067, 7042, 6991, 6847, 6837, 6819, 6789, 6738, 6683,
    6661,  6628, 6628, 6609, 6592, 6573, 6485, 6456, 6428, 6423, 6418, 6397, 6242, 6198, 6197, 6133,
    5950,  5945, 5932, 5901, 5697, 5691, 5643, 5598, 5513, 5436, 5372, 5367, 5278, 5248, 5127, 5114,
    4792,  4687, 4434, 4403, 4124, 3859, 3384, 2289, 1931, 1579, 1448, 865,  313,  35,   8};

// Reference: direct long-double sums over k < N plus the Euler-Maclaurin remainder from
// a = q + N (first two terms; N so large that the next term is below 1e-20 relative).
// Returns ln zeta, E[ln(X/q)] and Var[ln X] for X ~ k^-s on {q, q+1, ...}.
struct Reference {
  long double log_zeta, mean_centred, var;
};
Reference reference(double s_in, double q_in, long n = 200000) {
  const long double s = s_in, q = q_in;
  long double z = 0, m1 = 0, m2 = 0;  // scaled by q^s
  for (long k = 0; k < n; ++k) {
    const long double r = std::log1p(static_cast<long double>(k) / q);
    const long double t = std::exp(-s * r);
    z += t;
    m1 += r * t;
    m2 += r * r * t;
    if (t < 1e-30L * z) break;
  }
  // remainder (only matters for small s): a^(1-s)/(s-1) + a^-s/2, scaled by q^s
  const long double a = q + n;
  const long double ra = std::log(a / q);
  const long double rem = std::exp(-s * ra) * (a / (s - 1) + 0.5L);
  if (rem > 1e-25L * z) {
    z += rem;
    m1 += ra * rem + std::exp(-s * ra) * a / ((s - 1) * (s - 1));
    m2 += 0;  // small-s cases are checked for the value only
  }
  return {std::log(z) - s * std::log(q), m1 / z, m2 / z - (m1 / z) * (m1 / z)};
}

TEST(LogHurwitzZeta, AgreesWithGslWhereGslDoesNotUnderflow) {
  int checked = 0;
  for (double s : {1.1, 1.5, 2.0, 3.7, 10.0, 25.0, 50.0, 81.89, 150.0}) {
    for (double q : {1.0, 2.0, 3.0, 17.5, 100.0, 1000.0, 9741.0}) {
      if (s * std::log(q) > 650) continue;  // GSL underflows (or loses accuracy) there
      const double g = gsl_sf_hzeta(s, q);
      ASSERT_GT(g, 0);
      const double lz = ca::log_hurwitz_zeta(s, q);
      EXPECT_NEAR(std::expm1(lz - std::log(g)), 0.0, 1e-12) << "s = " << s << ", q = " << q;
      EXPECT_NEAR(cd::hurwitz_zeta_value(s, q) / g, 1.0, 1e-12) << s << " " << q;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(LogHurwitzZeta, AgreesWithLongDoubleSumsWhereZetaUnderflows) {
  for (double s : {81.89, 100.0, 150.0, 199.0}) {
    for (double q : {9741.0, 3e4, 1e5}) {
      ASSERT_GT(s * std::log(q), 700) << "zeta(s, q) must underflow in double here";
      const Reference ref = reference(s, q);
      const double lz = ca::log_hurwitz_zeta(s, q);
      EXPECT_TRUE(std::isfinite(lz));
      // 1e-12 relative in zeta = 1e-12 absolute in ln zeta
      EXPECT_NEAR(lz, static_cast<double>(ref.log_zeta), 1e-12) << s << " " << q;
      const cd::LogZetaJet j = cd::log_hurwitz_zeta_jet(s, q);
      EXPECT_NEAR(j.log_value, static_cast<double>(ref.log_zeta), 1e-12);
      EXPECT_NEAR(-j.centred_d1 / static_cast<double>(ref.mean_centred), 1.0, 1e-11);
      EXPECT_NEAR(j.log_var / static_cast<double>(ref.var), 1.0, 1e-10) << s << " " << q;
      EXPECT_NEAR(j.ratio1, -(std::log(q) + static_cast<double>(ref.mean_centred)), 1e-12);
    }
  }
  // The ratio zeta(s, q) / zeta(s, q0) = P(X >= q), X ~ discrete power law on [q0, inf).
  const Reference r0 = reference(81.89, 9741), r1 = reference(81.89, 9800);
  EXPECT_NEAR(cd::hurwitz_zeta_ratio(81.89, 9800, 9741) /
                  static_cast<double>(std::exp(r1.log_zeta - r0.log_zeta)),
              1.0, 1e-12);
}

TEST(LogHurwitzZeta, DerivativesAgreeWithLongDoubleSumsForSmallQ) {
  for (double s : {10.0, 81.89, 199.0}) {
    for (double q : {1.0, 3.0, 40.0}) {
      const Reference ref = reference(s, q, 4000000);
      const cd::LogZetaJet j = cd::log_hurwitz_zeta_jet(s, q);
      EXPECT_NEAR(j.log_value, static_cast<double>(ref.log_zeta), 1e-12) << s << " " << q;
      EXPECT_NEAR(j.log_var / static_cast<double>(ref.var), 1.0, 1e-10) << s << " " << q;
    }
  }
}

TEST(LogHurwitzZeta, RejectsBadArguments) {
  EXPECT_THAT([] { ca::log_hurwitz_zeta(1.0, 2.0); },
              ::testing::ThrowsMessage<critnet::InvalidArgument>(HasSubstr("needs s > 1")));
  EXPECT_THAT([] { ca::log_hurwitz_zeta(2.0, 0.0); },
              ::testing::ThrowsMessage<critnet::InvalidArgument>(HasSubstr("needs q > 0")));
}

// Log-likelihood of the discrete power law on the tail, with the long-double reference zeta.
double reference_log_likelihood(const std::vector<double>& x, double xmin, double alpha) {
  long double sl = 0;
  long n = 0;
  for (double v : x)
    if (v >= xmin) {
      sl += std::log(static_cast<long double>(v));
      ++n;
    }
  return static_cast<double>(-n * reference(alpha, xmin).log_zeta - alpha * sl);
}

// KS distance (CSN integer convention) by brute force over every integer in [x_min, max].
double reference_discrete_ks(const std::vector<double>& data, double xmin, double alpha) {
  std::vector<double> tail;
  for (double v : data)
    if (v >= xmin) tail.push_back(v);
  std::sort(tail.begin(), tail.end());
  const long double lz0 = reference(alpha, xmin).log_zeta;
  long double cdf = 0;
  double ks = 0;
  std::size_t i = 0;
  for (double x = xmin; x <= tail.back(); x += 1) {
    cdf += std::exp(-alpha * std::log(static_cast<long double>(x)) - lz0);
    while (i < tail.size() && tail[i] <= x) ++i;
    const double fn = static_cast<double>(i) / static_cast<double>(tail.size());
    ks = std::max(ks, std::fabs(fn - static_cast<double>(cdf)));
  }
  return ks;
}

void expect_valid_discrete_fit(const ca::FitResult& r, const std::vector<double>& data) {
  EXPECT_TRUE(std::isfinite(r.alpha));
  EXPECT_GT(r.alpha, 1.0);
  EXPECT_LT(r.alpha, 200.0);
  EXPECT_TRUE(std::isfinite(r.alpha_se));
  EXPECT_GT(r.alpha_se, 0.0);
  EXPECT_GT(r.ks, 0.0);
  EXPECT_LT(r.ks, 1.0);
  EXPECT_GE(r.n_tail, 5u);
  // alpha is the MLE: the reference log-likelihood is lower on both sides.
  const double l0 = reference_log_likelihood(data, r.xmin, r.alpha);
  const double h = 1e-4 * r.alpha;
  EXPECT_LT(reference_log_likelihood(data, r.xmin, r.alpha - h), l0);
  EXPECT_LT(reference_log_likelihood(data, r.xmin, r.alpha + h), l0);
  // se = 1/sqrt(n Var[ln X]) with the reference variance
  const double var = static_cast<double>(reference(r.alpha, r.xmin).var);
  EXPECT_NEAR(r.alpha_se * std::sqrt(static_cast<double>(r.n_tail) * var), 1.0, 1e-8);
  EXPECT_NEAR(r.ks, reference_discrete_ks(data, r.xmin, r.alpha), 1e-9);
  for (const auto& c : r.comparisons) {
    EXPECT_TRUE(std::isfinite(c.log_likelihood_ratio)) << c.alternative;
    EXPECT_TRUE(std::isfinite(c.p)) << c.alternative;
    EXPECT_GE(c.p, 0.0);
    EXPECT_LE(c.p, 1.0);
    if (!c.nested) {
      EXPECT_TRUE(std::isfinite(c.normalised_ratio)) << c.alternative;
    }
    for (const auto& [name, v] : c.parameters) EXPECT_TRUE(std::isfinite(v)) << name;
  }
}

TEST(DiscreteFitLargeXmin, ActivationCountsGiveAFiniteFit) {
  ca::FitOptions o;
  o.discrete = true;
  const ca::FitResult r = ca::analyse(kActivationCounts, o);
  expect_valid_discrete_fit(r, kActivationCounts);
  EXPECT_EQ(r.comparisons.size(), 4u);
  const auto j = ca::to_json(r);
  EXPECT_TRUE(j["alpha"].is_number());
  EXPECT_TRUE(j["alpha_se"].is_number());
  EXPECT_TRUE(j["ks"].is_number());
}

TEST(DiscreteFitLargeXmin, MinTailEighteenKeepsATailForTheComparisons) {
  ca::FitOptions o;
  o.discrete = true;
  o.min_tail = 18;
  const ca::FitResult r = ca::analyse(kActivationCounts, o);
  EXPECT_GE(r.n_tail, 18u);
  EXPECT_GT(r.xmin, 0.0);
  expect_valid_discrete_fit(r, kActivationCounts);
}

TEST(DiscreteFitLargeXmin, FixedLargeXminGivesAFiniteFit) {
  ca::FitOptions o;
  o.discrete = true;
  o.xmin = 9741;
  const ca::FitResult r = ca::analyse(kActivationCounts, o);
  EXPECT_EQ(r.n_tail, 10u);
  expect_valid_discrete_fit(r, kActivationCounts);
  // the CDF at large x_min and alpha: F(x_min) = P(X = x_min) > 0, F rises to 1
  const double f0 = ca::power_law_cdf(9741, 9741, r.alpha, true);
  EXPECT_GT(f0, 0.0);
  EXPECT_LT(f0, 1.0);
  EXPECT_NEAR(ca::power_law_cdf(1e6, 9741, r.alpha, true), 1.0, 1e-12);
}

TEST(DiscreteFitLargeXmin, BootstrapRunsOnTheActivationCounts) {
  ca::FitOptions o;
  o.discrete = true;
  o.bootstrap = 20;
  o.threads = 2;
  o.compare = false;
  const ca::FitResult r = ca::analyse(kActivationCounts, o);
  EXPECT_TRUE(std::isfinite(r.p));
  EXPECT_GE(r.p, 0.0);
  EXPECT_LE(r.p, 1.0);
  EXPECT_LT(r.bootstrap_failed, 20);
}

TEST(DiscreteFitLargeXmin, MleBeyondTheBoundIsAFailureNotAFit) {
  // 50 points at x_min = 100000 and one at 100001: alpha -> infinity (a point mass).
  std::vector<double> x(50, 100000.0);
  x.push_back(100001.0);
  x.push_back(7.0);
  ca::FitOptions o;
  o.discrete = true;
  o.xmin = 100000;
  EXPECT_THAT([&] { ca::fit_power_law(x, o); }, ::testing::ThrowsMessage<critnet::NumericalError>(
                                                    HasSubstr("runs off to its bound")));
}

TEST(DiscreteFitLargeXmin, NoValidCandidateIsAFailureNotAFit) {
  std::vector<double> x;
  for (double v : {100000.0, 100001.0, 100002.0})
    for (int i = 0; i < 60; ++i) x.push_back(v);
  x.push_back(100003.0);
  x.push_back(100004.0);
  ca::FitOptions o;
  o.discrete = true;
  EXPECT_THAT([&] { ca::analyse(x, o); },
              ::testing::ThrowsMessage<critnet::NumericalError>(
                  HasSubstr("no x_min candidate gives a valid discrete power-law fit")));
}

}  // namespace
