// atlas/htsr.h: the HTSR columns of a planted spectrum against values computed from the
// planted eigenvalues, the KS / x_min convention on a hand-checked sample, the
// Marchenko-Pastur test of a random layer, a planted power-law tail, the pooled spectrum of a
// convolution, and the rows of bad layers.
#include "critnet/atlas/htsr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "critnet/core/error.h"
#include "support/error_bounds.h"
#include "support/error_of.h"

namespace critnet::atlas {
namespace {

using test_support::eigenvalue_bound;
using test_support::error_of;
using test_support::gamma_n;
using test_support::unit_roundoff;
using ::testing::HasSubstr;

// W = U diag(s) Vᵀ [out, in] in float64, U and V with orthonormal columns (QR of Gaussians).
torch::Tensor planted(int64_t out, int64_t in, const std::vector<double>& s) {
  torch::manual_seed(5);
  const auto k = static_cast<int64_t>(s.size());
  const auto u = std::get<0>(torch::linalg_qr(torch::randn({out, k}, torch::kFloat64)));
  const auto v = std::get<0>(torch::linalg_qr(torch::randn({in, k}, torch::kFloat64)));
  return u.matmul(torch::diag(torch::tensor(s, torch::kFloat64))).matmul(v.t());
}

// The HTSR convention by hand on x = {1, 2, 4}: x_min = 1 gives α = 1 + 3/(3 ln 2) = 1 + 1/ln 2,
// so F(2) = 1 − e⁻¹ and F(4) = 1 − e⁻², D = max(0, |1/3 − F(2)|, |2/3 − F(4)|) = 1 − e⁻¹ − 1/3;
// x_min = 2 gives α = 1 + 2/ln 2 and D = (1 − e⁻²) − 1/2, larger; the largest value is never a
// candidate.
TEST(HtsrFit, FollowsTheOneSidedKsConventionOnAHandCheckedSample) {
  const HtsrFit f = htsr_fit({1.0, 2.0, 4.0});
  const double u = unit_roundoff(torch::kFloat64);
  EXPECT_EQ(f.xmin, 1.0);
  EXPECT_EQ(f.n_tail, 3);
  EXPECT_NEAR(f.alpha, 1.0 + 1.0 / std::log(2.0), gamma_n(8, u) * 4);
  EXPECT_NEAR(f.D, 1.0 - std::exp(-1.0) - 1.0 / 3.0, gamma_n(16, u) * 8);
  EXPECT_THAT(error_of([] { htsr_fit({2.0, 1.0}); }), HasSubstr("ascending positive"));
  EXPECT_THAT(error_of([] { htsr_fit({3.0, 3.0}); }), HasSubstr("at least two distinct"));
}

// 20 eigenvalues 10^(i/8) and 5 singular values of 1e-4 (λ = 1e-8, below the floor): every
// column against the same formula on the planted λ, within the perturbation the Gram product
// and the eigensolver allow (each λ within tol of the planted one).
TEST(Htsr, ColumnsOfAPlantedSpectrum) {
  std::vector<double> s, lambda;
  for (int i = 0; i < 20; ++i) {
    lambda.push_back(std::pow(10.0, i / 8.0));
    s.push_back(std::sqrt(lambda.back()));
  }
  for (int i = 0; i < 5; ++i) s.push_back(1e-4);
  const torch::Tensor w = planted(40, 25, s);
  HtsrOptions o;
  o.bootstrap = 0;
  const HtsrRow r = analyse_layer("fc", "Linear", w, o);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const double u = unit_roundoff(torch::kFloat64);
  const double fro_w2 = w.square().sum().item<double>();
  const double tol = eigenvalue_bound(25, fro_w2, u) + gamma_n(40, u) * fro_w2;
  EXPECT_EQ(r.N, 40);
  EXPECT_EQ(r.M, 25);
  EXPECT_EQ(r.rf, 1);
  EXPECT_EQ(r.num_evals, 20);
  EXPECT_EQ(r.matrix_rank, 25);  // 1e-4 > ε·s_max·40
  const double norm = std::accumulate(lambda.begin(), lambda.end(), 0.0);
  EXPECT_NEAR(r.lambda_max, lambda.back(), tol);
  EXPECT_NEAR(r.norm, norm, 20 * tol);
  EXPECT_NEAR(r.log_norm, std::log10(norm), 20 * tol / norm);
  EXPECT_NEAR(r.stable_rank, norm / lambda.back(), 2 * 20 * tol / lambda.back() * r.stable_rank);
  double h = 0;
  for (double l : lambda) h -= l / norm * std::log(l / norm);
  // |δp| ≤ 2·20·tol/norm per term, |d(p ln p)/dp| ≤ |ln p_min| + 1.
  const double dp = 2 * 20 * tol / norm;
  EXPECT_NEAR(r.entropy, h / std::log(20.0),
              20 * dp * (std::abs(std::log(lambda.front() / norm)) + 1) / std::log(20.0));
  // The fit on the planted λ, and the columns that follow from α.
  const HtsrFit f = htsr_fit(lambda);
  EXPECT_EQ(r.fit.n_tail, f.n_tail);
  EXPECT_NEAR(r.fit.xmin, f.xmin, tol);
  const double s_log = [&] {
    double t = 0;
    for (auto i = lambda.size() - f.n_tail; i < lambda.size(); ++i)
      t += std::log(lambda[i] / f.xmin);
    return t;
  }();
  // δ(Σ ln(x/x_min)) ≤ 2·n·tol/x_min, and α − 1 = n/Σ.
  const double d_alpha = f.n_tail * (2.0 * f.n_tail * tol / f.xmin) / (s_log * s_log);
  EXPECT_NEAR(r.fit.alpha, f.alpha, d_alpha);
  EXPECT_NEAR(r.sigma, (r.fit.alpha - 1) / std::sqrt(r.fit.n_tail), 4 * u * r.sigma);
  EXPECT_NEAR(r.alpha_weighted, r.fit.alpha * std::log10(r.lambda_max), 4 * u * r.alpha_weighted);
  double power_sum = 0;
  for (double l : lambda) power_sum += std::pow(l, r.fit.alpha);
  EXPECT_NEAR(r.log_alpha_norm, std::log10(power_sum),
              r.fit.alpha * 20 * tol / lambda.front() / std::log(10.0) + 64 * u);
  EXPECT_NEAR(r.mp_softrank, r.mp.lambda_plus / r.lambda_max, 4 * u * r.mp_softrank);
  EXPECT_EQ(r.label, "untested (no bootstrap)");
  const auto j = r.to_json();
  for (const char* key : {"N",
                          "M",
                          "rf",
                          "num_evals",
                          "alpha",
                          "xmin",
                          "D",
                          "sigma",
                          "num_pl_spikes",
                          "lambda_max",
                          "norm",
                          "log_norm",
                          "log_spectral_norm",
                          "alpha_weighted",
                          "log_alpha_norm",
                          "stable_rank",
                          "entropy",
                          "matrix_rank",
                          "mp_softrank",
                          "num_spikes",
                          "label",
                          "ww_label",
                          "p"})
    EXPECT_TRUE(j.contains(key)) << key;
}

// A random Gaussian layer is all Marchenko-Pastur bulk: no tail, whatever α the HTSR fit
// reports (WeightWatcher reports α ≈ 8-14 for such layers).
TEST(Htsr, ARandomLayerIsAnMpBulk) {
  torch::manual_seed(2);
  const torch::Tensor w = 0.05 * torch::randn({400, 200});
  HtsrOptions o;
  o.bootstrap = 20;
  const HtsrRow r = analyse_layer("random", "Linear", w, o);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.label, "MP bulk: no tail");
  EXPECT_FALSE(r.csn.has_value());
  EXPECT_NEAR(r.mp.sigma2, 0.0025, 0.0025 * 0.05);
  EXPECT_GT(r.mp_softrank, 0.9);
  EXPECT_LE(r.lambda_max, r.mp.tw_edge);
}

// Eigenvalues drawn from a Pareto law with α = 2.5 (λ = (1 − U)^(−1/1.5)) planted as the
// spectrum: not an MP bulk, the HTSR α near 2.5, and critnet's tests run on the tail.
TEST(Htsr, APlantedPowerLawTailIsTested) {
  torch::manual_seed(9);
  const torch::Tensor uniform = torch::rand({300}, torch::kFloat64);
  const torch::Tensor lam = (1.0 - uniform).pow(-1.0 / 1.5);
  std::vector<double> s(300);
  for (int i = 0; i < 300; ++i) s[i] = std::sqrt(lam[i].item<double>());
  HtsrOptions o;
  o.bootstrap = 50;
  o.threads = 1;
  const HtsrRow r = analyse_layer("tail", "Linear", planted(400, 300, s), o);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_NE(r.label, "MP bulk: no tail");
  EXPECT_NEAR(r.fit.alpha, 2.5, 0.5);
  ASSERT_TRUE(r.csn.has_value()) << r.csn_error;
  EXPECT_EQ(r.csn->fit.xmin, r.fit.xmin);  // the tail the HTSR fit chose
  EXPECT_FALSE(std::isnan(r.csn->fit.p));
  EXPECT_EQ(r.ww_label, "2 ≤ α ≤ 6: well trained (WeightWatcher heuristic)");
}

// A convolution's kh·kw slices pool into one spectrum: the union of each slice's eigenvalues.
TEST(Htsr, ConvolutionSlicesPoolIntoOneSpectrum) {
  torch::manual_seed(4);
  const torch::Tensor w = torch::randn({8, 4, 3, 3}, torch::kFloat64);
  const std::vector<double> pooled = layer_eigenvalues(w, 1e-5);
  std::vector<double> expected;
  double worst = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const torch::Tensor slice = w.select(3, j).select(2, i);
      const torch::Tensor ev = torch::linalg_eigvalsh(slice.t().matmul(slice));
      for (int64_t k = 0; k < ev.numel(); ++k) expected.push_back(ev[k].item<double>());
      worst = std::max(worst, slice.square().sum().item<double>());
    }
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(pooled.size(), expected.size());
  const double u = unit_roundoff(torch::kFloat64);
  const double tol = 2 * (eigenvalue_bound(8, worst, u) + gamma_n(8, u) * worst);
  for (std::size_t k = 0; k < pooled.size(); ++k) EXPECT_NEAR(pooled[k], expected[k], tol) << k;
  HtsrOptions o;
  o.bootstrap = 0;
  const HtsrRow r = analyse_layer("conv", "Conv2d", w.to(torch::kFloat32), o);
  EXPECT_EQ(r.rf, 9);
  EXPECT_EQ(r.N, 8);
  EXPECT_EQ(r.M, 4);
  EXPECT_EQ(r.num_evals, 36);
  EXPECT_TRUE(r.error.empty()) << r.error;
}

TEST(Htsr, BadLayersGiveRowsThatSayWhy) {
  HtsrOptions o;
  o.bootstrap = 0;
  const HtsrRow small = analyse_layer("small", "Linear", torch::randn({3, 4}), o);
  EXPECT_EQ(small.error, "3 eigenvalues above 1e-05 (at least 10 distinct needed)");
  EXPECT_EQ(small.to_json().at("error"), small.error);
  torch::Tensor bad = torch::randn({20, 30});
  bad[1][2] = std::nan("");
  EXPECT_EQ(analyse_layer("bad", "Linear", bad, o).error, "non-finite weights");
  EXPECT_THAT(error_of([&] { analyse_layers({}, o); }), HasSubstr("no Linear or Conv layer"));
  o.bootstrap = -1;
  EXPECT_THAT(error_of([&] { o.validate(); }), HasSubstr("bootstrap replicates must be in 0.."));
}

}  // namespace
}  // namespace critnet::atlas
