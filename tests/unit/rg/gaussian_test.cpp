#include "critnet/rg/gaussian.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"
#include "support/error_bounds.h"
#include "support/error_of.h"

using critnet::rg::GaussianOptions;
using ::testing::HasSubstr;

namespace {
constexpr double kPi = 3.14159265358979323846;
using critnet::test_support::gamma_n;
using critnet::test_support::unit_roundoff;
const double kU = unit_roundoff(torch::kFloat64);

// (r - g Δ) G with the lattice Laplacian, by rolls along every axis.
torch::Tensor apply_operator(const torch::Tensor& field, double r, double g) {
  torch::Tensor out = r * field;
  for (int64_t mu = 0; mu < field.dim(); ++mu) {
    out = out + g * (2 * field - field.roll(1, mu) - field.roll(-1, mu));
  }
  return out;
}

// Roundings along one term's path through an inverse FFT of length L: any mixed-radix FFT
// (pocketfft's radix 2-5, 7, 11 and generic passes) regroups the DFT sum, so each term goes
// through at most L - 1 additions and L complex twiddle products (4 roundings each, the
// twiddle's own error included).
int64_t fft_roundings(int64_t L) {
  return 5 * L;
}

// The exact spectrum S(q) = 1/(r + g q̂²) over the whole lattice (zero mode removed at r = 0),
// in float64: (1/L^d) Σ_q |S(q)| bounds every |G(x)| term by term.
double spectrum_mean(int64_t d, int64_t L, double r, double g) {
  const auto n = torch::arange(L, torch::kFloat64);
  torch::Tensor q2 = torch::zeros({1}, torch::kFloat64);
  for (int64_t mu = 0; mu < d; ++mu) {
    q2 = (q2.unsqueeze(1) + 4.0 * torch::sin(kPi * n / L).pow(2).unsqueeze(0)).reshape({-1});
  }
  torch::Tensor s = 1.0 / (r + g * q2);
  if (r == 0.0) s[0] = 0.0;
  return s.abs().mean().item<double>();
}
}  // namespace

// The FFT field solves (r - gΔ) G = δ (r > 0) and -gΔ G = δ - 1/L^d (r = 0), within the
// error bound of the FFT and of the spectrum (float64).
TEST(RgGaussian, FieldSolvesLatticeEquation) {
  const double g = 1.3;
  for (int64_t d : {1, 2, 3}) {
    for (double r : {0.0, 0.37}) {
      const int64_t L = d == 3 ? 12 : 17;
      const auto o = GaussianOptions().dim(d).size(L).r(r).g(g);
      const auto field = critnet::rg::two_point_lattice(o);
      ASSERT_EQ(field.dim(), d);
      auto expected = torch::zeros_like(field);
      expected.view({-1})[0] = 1.0;
      if (r == 0.0) expected = expected - 1.0 / std::pow(static_cast<double>(L), d);
      // The FFT's error in G, amplified by the operator (norm ≤ r + 4dg); each S(q) carries a
      // relative error of 2d + 8 roundings (sin, square, sums, product, division), which the
      // operator maps back to at most that, summed over the modes; the operator's own
      // 3d + 1 roundings.
      const double s_mean = spectrum_mean(d, L, r, g);
      const double op = r + 4 * d * g;
      const double e_field = gamma_n(d * fft_roundings(L) + 1, kU) * s_mean;
      const double bound = op * e_field + gamma_n(2 * d + 8, kU) +
                           gamma_n(3 * d + 1, kU) * op * field.abs().max().item<double>();
      EXPECT_LT((apply_operator(field, r, g) - expected).abs().max().item<double>(), bound)
          << "d " << d << " r " << r;
      // No zero mode: the sum of L^d values each within e_field of exact ones summing to 0.
      const double sites = std::pow(static_cast<double>(L), d);
      if (r == 0.0)
        EXPECT_LT(std::abs(field.sum().item<double>()),
                  sites * e_field +
                      gamma_n(static_cast<int64_t>(sites), kU) * field.abs().sum().item<double>());
    }
  }
}

// The axis profile (transverse mean + 1-d inverse FFT) equals the whole-lattice FFT, within
// the sum of both error bounds.
TEST(RgGaussian, AxisProfileMatchesWholeLattice) {
  const int64_t L = 24;
  for (int64_t d : {1, 2, 3}) {
    for (double r : {0.0, 0.3}) {
      const auto o = GaussianOptions().dim(d).size(L).r(r).g(0.9);
      torch::Tensor axis = critnet::rg::two_point_lattice(o);
      while (axis.dim() > 1) axis = axis.select(axis.dim() - 1, 0);
      // Whole lattice: d FFT passes. Axis: a mean of L^{d-1} positive terms, then one pass.
      // Both: the spectrum's 2d + 8 roundings and the normalisation.
      const int64_t transverse = static_cast<int64_t>(std::pow(static_cast<double>(L), d - 1));
      const double bound = (gamma_n(d * fft_roundings(L) + 2 * d + 10, kU) +
                            gamma_n(fft_roundings(L) + transverse + 2 * d + 10, kU)) *
                           spectrum_mean(d, L, r, 0.9);
      EXPECT_LT((critnet::rg::two_point_axis_values(o) - axis).abs().max().item<double>(), bound)
          << "d " << d << " r " << r;
    }
  }
}

// d = 1: FFT vs the exact closed forms (cosh image sum; zero-mode-removed parabola), 1e-12.
TEST(RgGaussian, OneDimensionalClosedForm) {
  for (int64_t L : {16, 33, 200}) {
    for (double r : {0.0, 0.01, 0.5, 3.0}) {
      const auto p = critnet::rg::two_point_axis(GaussianOptions().dim(1).size(L).r(r).g(0.7));
      for (size_t i = 0; i < p.x.size(); ++i) {
        const double c = critnet::rg::two_point_1d(p.x[i], L, r, 0.7);
        EXPECT_NEAR(p.value[i], c, 1e-12 * std::max(1.0, std::abs(c)))
            << "L " << L << " r " << r << " x " << p.x[i];
      }
    }
  }
  // r = 0: the subtracted profile is exactly -x/(2g) + C (eq. 65 at d = 1).
  const auto p = critnet::rg::two_point_axis(GaussianOptions().dim(1).size(64).r(0).g(0.7));
  for (size_t i = 1; i < p.x.size(); ++i) {
    EXPECT_NEAR(p.subtracted[i] - p.subtracted[i - 1], -1.0 / (2 * 0.7), 1e-12);
  }
}

TEST(RgGaussian, LatticeAndContinuumLengths) {
  EXPECT_DOUBLE_EQ(critnet::rg::continuum_correlation_length(0.01, 1.0), 10.0);
  // 1/acosh(1.005) = 10.0041637 (cosh μ = 1 + r/2g).
  EXPECT_NEAR(critnet::rg::lattice_correlation_length(0.01, 1.0), 10.0041637, 1e-6);
  EXPECT_TRUE(std::isinf(critnet::rg::lattice_correlation_length(0.0, 1.0)));
}

// eq. 64, d = 3, r = 0.01, g = 1 (ξ = 10), L = 128: the Ornstein-Zernike fit
// A x^-1 e^{-x/ξ} over x ∈ [3, 32] gives ξ within 1% of sqrt(g/r); without the 1/x
// prefactor the fit is biased low by more than 20%.
TEST(RgGaussian, ExponentialDecayThreeDimensions) {
  const auto p = critnet::rg::two_point_axis(GaussianOptions().dim(3).size(128).r(0.01).g(1.0));
  const auto fit = critnet::rg::fit_exponential(p.x, p.value, 3, 32, 1.0);
  EXPECT_NEAR(fit.xi, 10.0, 0.1);
  EXPECT_NEAR(fit.amplitude, 1.0 / (4 * kPi), 0.02 / (4 * kPi));
  const auto plain = critnet::rg::fit_exponential(p.x, p.value, 3, 32, 0.0);
  EXPECT_LT(plain.xi, 8.0);
}

// d = 2, r = 0.04, g = 1 (ξ = 5), L = 128: fit x^-1/2 e^{-x/ξ} over [5, 30]: within 3%.
TEST(RgGaussian, ExponentialDecayTwoDimensions) {
  const auto p = critnet::rg::two_point_axis(GaussianOptions().dim(2).size(128).r(0.04).g(1.0));
  const auto fit = critnet::rg::fit_exponential(p.x, p.value, 5, 30, 0.5);
  EXPECT_NEAR(fit.xi, 5.0, 0.15);
}

// eq. 65, d = 3, r = 0, g = 2, L = 256: G - x²/(6gL³) = A x^-η + C over x ∈ [6, 60]
// (one decade): η within 0.02 of 1 (measured 1.0097), A within 3% of 1/(4πg) (measured +2.2%:
// the lattice correction 1 + O(1/x²) along an axis).
TEST(RgGaussian, PowerLawThreeDimensions) {
  const double g = 2.0;
  const auto p = critnet::rg::two_point_axis(GaussianOptions().dim(3).size(256).r(0).g(g));
  const auto fit = critnet::rg::fit_power_law(p.x, p.subtracted, 6, 60);
  EXPECT_NEAR(fit.eta, 1.0, 0.02);
  EXPECT_NEAR(fit.amplitude, 1.0 / (4 * kPi * g), 0.03 / (4 * kPi * g));
  EXPECT_LT(fit.max_rel_residual, 0.005);
}

// eq. 65, d = 2, r = 0, g = 1, L = 256: G - x²/(4gL²) = -B ln x + C over [3, 64]: B within
// 1% of 1/(2πg).
TEST(RgGaussian, LogarithmTwoDimensions) {
  const auto p = critnet::rg::two_point_axis(GaussianOptions().dim(2).size(256).r(0).g(1.0));
  const auto fit = critnet::rg::fit_log(p.x, p.subtracted, 3, 64);
  EXPECT_NEAR(fit.slope, 1.0 / (2 * kPi), 0.01 / (2 * kPi));
}

// The fits recover their parameters from exact synthetic data (1e-9).
TEST(RgGaussian, FitsRecoverSyntheticParameters) {
  std::vector<double> x, ye, yp, yl;
  for (int i = 1; i <= 60; ++i) {
    x.push_back(i);
    ye.push_back(2.5 * std::pow(i, -1.0) * std::exp(-i / 7.0));
    yp.push_back(0.3 * std::pow(i, -1.7) - 0.01);
    yl.push_back(-0.4 * std::log(i) + 2.0);
  }
  EXPECT_NEAR(critnet::rg::fit_exponential(x, ye, 2, 50, 1.0).xi, 7.0, 1e-9);
  const auto pl = critnet::rg::fit_power_law(x, yp, 2, 50);
  EXPECT_NEAR(pl.eta, 1.7, 1e-7);
  EXPECT_NEAR(pl.amplitude, 0.3, 1e-6);
  EXPECT_NEAR(pl.offset, -0.01, 1e-8);
  EXPECT_NEAR(critnet::rg::fit_log(x, yl, 2, 50).slope, 0.4, 1e-12);
}

TEST(RgGaussian, RejectsBadOptions) {
  auto err = [](const GaussianOptions& o) {
    try {
      o.validate();
    } catch (const critnet::InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(err(GaussianOptions().dim(4)), HasSubstr("dim must be 1, 2 or 3"));
  EXPECT_THAT(err(GaussianOptions().size(1)), HasSubstr("size L must be >= 2"));
  EXPECT_THAT(err(GaussianOptions().r(-0.1)), HasSubstr("r must be >= 0"));
  EXPECT_THAT(err(GaussianOptions().g(0)), HasSubstr("g must be > 0"));
  EXPECT_THAT(err(GaussianOptions().dim(3).size(1000)), HasSubstr("L^d must be <= 2^24"));
  std::vector<double> x{1, 2, 3}, y{1, 1, 1};
  EXPECT_THROW(critnet::rg::fit_exponential(x, y, 5, 10, 0), critnet::InvalidArgument);
  try {
    critnet::rg::fit_power_law(x, y, 1, 3);
  } catch (const critnet::InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("need at least 4"));
  }
}

// `critnet gaussian`'s study in the library: which fit each case gets, the default fit range
// and the document's keys.
TEST(RgGaussianStudy, FitsTheLawOfEachCase) {
  critnet::rg::GaussianStudyOptions o;
  o.dim = 1;
  o.size = 256;
  const auto massless = critnet::rg::gaussian_study(o);
  EXPECT_DOUBLE_EQ(massless.x_min, 6.0);  // the default range: 6 .. min(60, L/4)
  EXPECT_DOUBLE_EQ(massless.x_max, 60.0);
  ASSERT_TRUE(massless.power_law.has_value());
  EXPECT_FALSE(massless.ornstein_zernike.has_value());
  EXPECT_FALSE(massless.log_fit.has_value());
  EXPECT_EQ(massless.closed_form.size(), massless.profile.x.size());
  const nlohmann::json doc = massless.to_json();
  EXPECT_EQ(doc["fit"]["amplitude_expected"], -0.5);  // -1/(2g), g = 1: exact
  EXPECT_EQ(doc["G_closed_form"].size(), massless.profile.x.size());
  EXPECT_THAT(massless.summary(), HasSubstr("(expected -1/(2g) = -0.5)"));

  o.dim = 2;
  o.size = 128;
  EXPECT_TRUE(critnet::rg::gaussian_study(o).log_fit.has_value());
  o.r = 0.1;
  const auto massive = critnet::rg::gaussian_study(o);
  ASSERT_TRUE(massive.ornstein_zernike.has_value());
  EXPECT_FALSE(massive.power_law.has_value());
  EXPECT_TRUE(massive.closed_form.empty());
  EXPECT_DOUBLE_EQ(massive.ornstein_zernike->prefactor_power, 0.5);
  EXPECT_FALSE(massive.to_json().contains("G_closed_form"));

  o.fit_max = 1e9;
  EXPECT_THAT(critnet::test_support::error_of([&] { critnet::rg::gaussian_study(o); }),
              HasSubstr("fit_max 1000000000 is past the end of the profile"));
  // The options are checked d first: a bad d is named, not the default L^d it would make.
  critnet::rg::GaussianStudyOptions bad_dim;
  bad_dim.dim = 4;
  EXPECT_EQ(critnet::test_support::error_of([&] { critnet::rg::gaussian_study(bad_dim); }),
            "dim must be 1, 2 or 3, got 4");
  // 0 is the default range's end; a negative or NaN one is refused, not replaced by it.
  o.fit_max = 0.0;
  o.fit_min = -1.0;
  EXPECT_THAT(critnet::test_support::error_of([&] { critnet::rg::gaussian_study(o); }),
              HasSubstr("fit_min and fit_max must be > 0 (0 = the default), got -1 and 0"));
  o.fit_min = 0.0;
  o.fit_max = std::nan("");
  EXPECT_THAT(critnet::test_support::error_of([&] { critnet::rg::gaussian_study(o); }),
              HasSubstr("fit_min and fit_max must be > 0 (0 = the default), got 0 and nan"));
}
