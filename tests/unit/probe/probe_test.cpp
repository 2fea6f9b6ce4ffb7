// The probe's streaming statistics against a brute-force computation that stores every
// activation (float64), on a small net; plus seriation, decay fits, spectra and memory.
#include "critnet/probe/probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "critnet/core/error.h"
#include "critnet/core/numerics.h"
#include "critnet/probe/outputs.h"
#include "support/error_bounds.h"

namespace critnet::probe {
namespace {

using test_support::eigenvalue_bound;
using test_support::gamma_n;
using test_support::sum_bound;
using test_support::unit_roundoff;

const double kU64 = unit_roundoff(torch::kFloat64);
const double kU32 = unit_roundoff(torch::kFloat32);

nn::Mlp small_net(nn::Activation activation = nn::Activation::kRelu) {
  torch::manual_seed(7);
  return nn::Mlp(nn::MlpOptions(5, 3).hidden_sizes({9, 7}).activation(activation));
}

// All hidden activations of the input, as float64 [n, width] per layer, from the float32
// forward run batch by batch: with the probe's batch size the probe and this see the same
// float32 activations (a float32 forward of another batch shape may take another kernel and
// round differently), so the comparisons below bound the float64 statistics alone.
std::vector<torch::Tensor> all_activations(nn::Mlp& net, const torch::Tensor& x, int64_t batch) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> parts;
  for (int64_t s = 0; s < x.size(0); s += batch) {
    net->forward_observed(x.slice(0, s, std::min(s + batch, x.size(0))),
                          [&](int64_t l, const torch::Tensor& h) {
                            if (static_cast<size_t>(l) >= parts.size()) parts.resize(l + 1);
                            parts[l].push_back(h.to(torch::kFloat64));
                          });
  }
  std::vector<torch::Tensor> out;
  for (const auto& p : parts) out.push_back(torch::cat(p));
  return out;
}
std::vector<torch::Tensor> all_activations(nn::Mlp& net, const torch::Tensor& x) {
  return all_activations(net, x, x.size(0));
}

ProbeResult run_probe(nn::Mlp& net, const torch::Tensor& x, const ProbeOptions& options,
                      int64_t batch) {
  Probe probe(net, options);
  for (int64_t s = 0; s < x.size(0); s += batch) {
    probe.observe(x.slice(0, s, std::min(s + batch, x.size(0))));
  }
  return probe.finish();
}

std::vector<int64_t> brute_pattern_counts(const torch::Tensor& h, const std::vector<int64_t>& units,
                                          double threshold) {
  std::map<std::string, int64_t> counts;
  const auto a = h.accessor<double, 2>();
  for (int64_t s = 0; s < h.size(0); ++s) {
    std::string key;
    for (int64_t u : units) key += a[s][u] > threshold ? '1' : '0';
    ++counts[key];
  }
  std::vector<int64_t> c;
  for (const auto& kv : counts) c.push_back(kv.second);
  std::sort(c.begin(), c.end(), std::greater<int64_t>());
  return c;
}

class ProbeBruteForce : public ::testing::Test {
 protected:
  static constexpr int64_t kBatch = 10;
  void SetUp() override {
    net = small_net();
    torch::manual_seed(11);
    x = torch::randn({97, 5});
    options.threshold(0.05).subset_size(4).num_subsets(3).seed(5).beta(2.5).cw_tolerance(0.3);
    result = run_probe(net, x, options, kBatch);  // 9 batches of 10 and one of 7
    acts = all_activations(net, x, kBatch);
  }
  nn::Mlp net{nullptr};
  torch::Tensor x;
  ProbeOptions options;
  ProbeResult result;
  std::vector<torch::Tensor> acts;
};

TEST_F(ProbeBruteForce, ActivationCountsAndPatterns) {
  ASSERT_EQ(result.layers.size(), 2U);
  EXPECT_EQ(result.num_samples, 97);
  for (size_t l = 0; l < 2; ++l) {
    const auto& r = result.layers[l];
    const torch::Tensor& h = acts[l];
    const auto a = h.accessor<double, 2>();
    for (int64_t i = 0; i < r.width; ++i) {
      int64_t c = 0;
      for (int64_t s = 0; s < h.size(0); ++s) c += a[s][i] > 0.05 ? 1 : 0;
      EXPECT_EQ(r.activation_counts[i], c) << "layer " << l << " unit " << i;
    }
    std::vector<int64_t> all(r.width);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(r.pattern_counts, brute_pattern_counts(h, all, 0.05));
    EXPECT_FALSE(r.pattern_cap_hit);
    ASSERT_EQ(r.subset_units.size(), 3U);
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(r.subset_units[k].size(), 4U);
      EXPECT_TRUE(std::is_sorted(r.subset_units[k].begin(), r.subset_units[k].end()));
      EXPECT_EQ(r.subset_pattern_counts[k], brute_pattern_counts(h, r.subset_units[k], 0.05));
    }
  }
}

TEST_F(ProbeBruteForce, MeansCovarianceAndTwoPointFunction) {
  // The covariance merged over batches of 13 (Chan's update), from the same activations.
  Probe probe(net, options);
  for (int64_t s = 0; s < 97; s += 13) {
    std::vector<torch::Tensor> batch;
    for (const torch::Tensor& h : acts)
      batch.push_back(h.slice(0, s, std::min<int64_t>(s + 13, 97)));
    probe.observe_activations(batch);
  }
  // Both sides compute in float64 from the same activations, in other orders: a result is
  // within γ_chain·(its terms' magnitudes) of the exact value on each side, where the chain
  // counts every rounding a term goes through (the sum over the n samples, and Chan's merge:
  // at most 8 per batch of 10 or 13).
  const int64_t n = x.size(0), chain = n + 8 * ((n + kBatch - 1) / kBatch) + 4;
  const double tol = 2.0 * gamma_n(chain, kU64);
  for (size_t l = 0; l < 2; ++l) {
    const auto& r = result.layers[l];
    const torch::Tensor& h = acts[l];
    const auto a = h.accessor<double, 2>();
    const int64_t w = h.size(1);
    std::vector<double> mean(w, 0.0), max_abs(w, 0.0);
    for (int64_t s = 0; s < n; ++s) {
      double sum = 0.0, sum_abs = 0.0;
      for (int64_t i = 0; i < w; ++i) {
        sum += a[s][i];
        sum_abs += std::abs(a[s][i]);
        mean[i] += a[s][i] / n;
        max_abs[i] = std::max(max_abs[i], std::abs(a[s][i]));
      }
      EXPECT_NEAR(r.sample_means[s], sum / w, 2.0 * sum_bound(w + 1, sum_abs / w, kU64));
    }
    for (int64_t i = 0; i < w; ++i) EXPECT_NEAR(r.node_means[i], mean[i], tol * max_abs[i]);
    // C_kl = <x_k x_l> - <x_k><x_l> directly; its terms are bounded by
    // scale_kl = <(|x_k| + |m_k|)(|x_l| + |m_l|)>.
    std::vector<std::vector<double>> c(w, std::vector<double>(w, 0.0)), scale = c;
    for (int64_t k = 0; k < w; ++k) {
      for (int64_t j = 0; j < w; ++j) {
        double sxy = 0.0, sabs = 0.0;
        for (int64_t s = 0; s < n; ++s) {
          sxy += a[s][k] * a[s][j];
          sabs += (std::abs(a[s][k]) + std::abs(mean[k])) * (std::abs(a[s][j]) + std::abs(mean[j]));
        }
        c[k][j] = sxy / n - mean[k] * mean[j];
        scale[k][j] = sabs / n;
      }
    }
    const torch::Tensor cov = probe.layers()[l].covariance();
    auto cov_tol = [&](int64_t k, int64_t j) { return tol * scale[k][j]; };
    for (int64_t k = 0; k < w; ++k) {
      for (int64_t j = 0; j < w; ++j)
        EXPECT_NEAR(cov[k][j].item<double>(), c[k][j], cov_tol(k, j)) << k << "," << j;
    }
    // Constant units and the two-point function in both orders.
    std::vector<int64_t> active, constant;
    for (int64_t i = 0; i < w; ++i) (c[i][i] > 1e-12 ? active : constant).push_back(i);
    EXPECT_EQ(r.constant_units, constant);
    std::vector<int64_t> sorted_seriation = r.seriation;
    std::sort(sorted_seriation.begin(), sorted_seriation.end());
    EXPECT_EQ(sorted_seriation, active);
    for (const TwoPointFunction* tp : {&r.natural, &r.seriated}) {
      const std::vector<int64_t>& order = tp == &r.natural ? active : r.seriation;
      const auto m = static_cast<int64_t>(order.size());
      ASSERT_EQ(static_cast<int64_t>(tp->separation.size()), m - 1);
      for (int64_t d = 1; d < m; ++d) {
        double sc = 0.0, sr = 0.0, sa = 0.0, tol_c = 0.0, tol_r = 0.0;
        int64_t pairs = 0;
        for (int64_t p = 0; p + d < m; ++p) {
          const int64_t k = order[p], j = order[p + d];
          const double norm = std::sqrt(c[k][k] * c[j][j]);
          const double rr = c[k][j] / norm;
          sc += c[k][j];
          sr += rr;
          sa += std::abs(rr);
          ++pairs;
          // r = c_kj / sqrt(c_kk c_jj): the covariances' errors carried through, and the
          // division, square root and product (4 roundings) on each side.
          tol_c += cov_tol(k, j) + 2.0 * gamma_n(pairs + 1, kU64) * std::abs(c[k][j]);
          tol_r += cov_tol(k, j) / norm +
                   std::abs(rr) * (cov_tol(k, k) / c[k][k] + cov_tol(j, j) / c[j][j]) +
                   2.0 * gamma_n(pairs + 5, kU64) * std::abs(rr);
        }
        EXPECT_EQ(tp->separation[d - 1], d);
        EXPECT_EQ(tp->pairs[d - 1], pairs);
        EXPECT_NEAR(tp->mean_c[d - 1], sc / pairs, tol_c / pairs);
        EXPECT_NEAR(tp->mean_r[d - 1], sr / pairs, tol_r / pairs);
        EXPECT_NEAR(tp->mean_abs_r[d - 1], sa / pairs, tol_r / pairs);
      }
    }
  }
}

TEST_F(ProbeBruteForce, DegreesAndSpectrum) {
  for (int64_t l = 0; l < 2; ++l) {
    const auto& r = result.layers[l];
    const torch::Tensor vin = net->weight(l).to(torch::kFloat64);
    const torch::Tensor vout = net->weight(l + 1).to(torch::kFloat64);
    for (int64_t i = 0; i < r.width; ++i) {
      double ia = 0, is = 0, oa = 0, os = 0;
      for (int64_t j = 0; j < vin.size(1); ++j) {
        ia += std::abs(vin[i][j].item<double>());
        is += vin[i][j].item<double>();
      }
      for (int64_t j = 0; j < vout.size(0); ++j) {
        oa += std::abs(vout[j][i].item<double>());
        os += vout[j][i].item<double>();
      }
      // float64 sums of float32 weights, in two orders.
      EXPECT_NEAR(r.in_degree_abs[i], ia, 2.0 * sum_bound(vin.size(1), ia, kU64));
      EXPECT_NEAR(r.in_degree_signed[i], is, 2.0 * sum_bound(vin.size(1), ia, kU64));
      EXPECT_NEAR(r.out_degree_abs[i], oa, 2.0 * sum_bound(vout.size(0), oa, kU64));
      EXPECT_NEAR(r.out_degree_signed[i], os, 2.0 * sum_bound(vout.size(0), oa, kU64));
    }
    // Eigenvalues of a·w, w = Vᵀ V [in, in], by a dense symmetric eigensolver. Both solvers
    // (the probe's SVD of V, this eigvalsh of the formed Gram) are backward stable: an
    // eigenvalue is off by at most p(n)·u·‖a·w‖ (Weyl; eigenvalue_bound), plus the error of
    // forming w (γ_rows·‖|V|ᵀ|V|‖_F); both norms are at most a·‖V‖_F².
    const Spectrum& sp = r.spectrum;
    const double a = 2.5 / static_cast<double>(vin.size(1));
    EXPECT_DOUBLE_EQ(sp.a, a);
    const int64_t order = vin.size(1);
    const double fro2 = vin.pow(2).sum().item<double>();
    const double eig_tol =
        2.0 * (eigenvalue_bound(order, a * fro2, kU64) + sum_bound(vin.size(0), a * fro2, kU64));
    const torch::Tensor ev = torch::linalg_eigvalsh(a * vin.t().mm(vin), "L").flip(0);
    ASSERT_EQ(static_cast<int64_t>(sp.eigenvalues.size()) + sp.num_zero_modes +
                  sp.num_numerical_zero_modes,
              vin.size(1));
    for (size_t i = 0; i < sp.eigenvalues.size(); ++i) {
      EXPECT_NEAR(sp.eigenvalues[i], ev[i].item<double>(), eig_tol);
    }
    std::vector<double> dist;
    for (int64_t i = 0; i < ev.numel(); ++i) dist.push_back(std::abs(ev[i].item<double>() - 1.0));
    std::sort(dist.begin(), dist.end());
    EXPECT_NEAR(sp.cw_distance_min, dist.front(), eig_tol + 2.0 * kU64);
    const size_t nd = dist.size();
    const double median = nd % 2 ? dist[nd / 2] : 0.5 * (dist[nd / 2 - 1] + dist[nd / 2]);
    EXPECT_NEAR(sp.cw_distance_median, median, eig_tol + 4.0 * kU64 * (1.0 + median));
    // Two eigen-solvers may put a mode on either side of the 0.3 edge: bracket the count by
    // the modes clearly inside and those not clearly outside.
    auto within = [&](double edge) {
      return std::count_if(dist.begin(), dist.end(), [&](double d) { return d <= edge; }) /
             double(nd);
    };
    EXPECT_GE(sp.cw_fraction_within, within(0.3 - eig_tol));
    EXPECT_LE(sp.cw_fraction_within, within(0.3 + eig_tol));
    const double spec2 = torch::linalg_eigvalsh(vin.t().mm(vin), "L").max().item<double>();
    // ‖V‖_F² / ‖V‖₂²: the largest eigenvalue's error (eig_tol / a) relative to it, the sums'.
    EXPECT_NEAR(sp.stable_rank, fro2 / spec2,
                fro2 / spec2 * (2.0 * eig_tol / a / spec2 + 2.0 * gamma_n(vin.numel() + 2, kU64)));
  }
}

TEST(ProbeSpectrum, GramSideAndConventions) {
  torch::manual_seed(3);
  const torch::Tensor v = torch::randn({4, 10}, torch::kFloat64);
  const Spectrum in = weight_spectrum(v, ProbeOptions().beta(10));
  EXPECT_EQ(in.num_zero_modes, 6);
  EXPECT_DOUBLE_EQ(in.a, 1.0);
  const Spectrum out = weight_spectrum(v, ProbeOptions()
                                              .beta(8)
                                              .gram_side(reg::GramSide::kOut)
                                              .n_convention(reg::NConvention::kFanOut));
  EXPECT_EQ(out.num_zero_modes, 0);
  EXPECT_DOUBLE_EQ(out.a, 2.0);
  const Spectrum one = weight_spectrum(v, ProbeOptions().n_convention(reg::NConvention::kOne));
  EXPECT_DOUBLE_EQ(one.a, 1.0);
  EXPECT_EQ(in.singular_values.size(), 4U);
}

// A float32 weight of rank 3 (singular values 3, 2, 1 and three exact zeros before rounding):
// storing it in float32 perturbs it by E with ‖E‖₂ ≤ ‖E‖_F ≤ u₃₂·‖V‖_F (u₃₂ = 2⁻²⁴), so by Weyl
// its three zero singular values become at most 2.2e-7, under numpy's rank tolerance
// ε₃₂·s_max·max(8, 6) ≈ 2.9e-6, and the three others stay above 1 − 2.2e-7. The spectrum
// counts the three as numerically zero modes, out of the values the CCDF and fits see.
TEST(ProbeSpectrum, SingularValuesUnderTheRankToleranceAreNumericallyZeroModes) {
  torch::manual_seed(5);
  const torch::Tensor u = std::get<0>(torch::linalg_qr(torch::randn({8, 6}, torch::kFloat64)));
  const torch::Tensor w = std::get<0>(torch::linalg_qr(torch::randn({6, 6}, torch::kFloat64)));
  const torch::Tensor s = torch::tensor({3.0, 2.0, 1.0, 0.0, 0.0, 0.0}, torch::kFloat64);
  const torch::Tensor v = u.mm(torch::diag(s)).mm(w.t()).to(torch::kFloat32);  // [8, 6]
  const Spectrum sp = weight_spectrum(v, ProbeOptions().beta(6));
  // A singular value's error: the float32 rounding (Weyl, u₃₂·‖V‖_F) plus the float64 SVD's
  // backward error (p(n)·u₆₄·‖V‖_F, p(n) = n² taken generously).
  const double u32 = std::ldexp(1.0, -24), fro = std::sqrt(14.0);
  const double err = u32 * fro + 36 * kU64 * fro;
  ASSERT_EQ(sp.singular_values.size(), 3u);
  EXPECT_EQ(sp.num_numerical_zero_modes, 3);
  EXPECT_EQ(sp.num_zero_modes, 0);  // the in side has 6 = min(8, 6) modes
  EXPECT_EQ(sp.eigenvalues.size(), 3u);
  EXPECT_NEAR(sp.singular_values[0], 3.0, err);
  EXPECT_NEAR(sp.rank_tolerance, dtype_epsilon(torch::kFloat32) * 3.0 * 8.0,
              dtype_epsilon(torch::kFloat32) * 8.0 * err);
  // Six modes: three numerically zero (distance 1) and a·s² = 9, 4, 1 (a = 6/6 = 1): distances
  // 8, 3, 0 (up to the singular values' error); the median is that of {0, 1, 1, 1, 3, 8}.
  EXPECT_NEAR(sp.cw_distance_min, 0.0, 2 * err + err * err + 2 * kU64);  // |s² − 1|
  EXPECT_DOUBLE_EQ(sp.cw_distance_median, 1.0);
  // The distribution the fits and the CCDF see holds the three values only.
  LayerResult layer;
  layer.spectrum = sp;
  for (const auto& d : layer_distributions(layer))
    if (d.measure == "eigenvalues") EXPECT_EQ(d.values.size(), 3u);
}

TEST(ProbeSeriation, RecoversAPermutedBandedOrder) {
  const int64_t m = 30;
  std::vector<int64_t> perm(m);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 gen(1);
  std::shuffle(perm.begin(), perm.end(), gen);
  // Unit perm[i] sits at position i of the hidden order; similarity exp(-|i - j| / 3).
  torch::Tensor s = torch::zeros({m, m}, torch::kFloat64);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < m; ++j) s[perm[i]][perm[j]] = std::exp(-std::abs(i - j) / 3.0);
  }
  std::vector<int64_t> order = spectral_seriation(s);
  std::vector<int64_t> reversed(perm.rbegin(), perm.rend());
  EXPECT_TRUE(order == perm || order == reversed);
}

TEST(ProbeSeriation, SmallAndBadInput) {
  EXPECT_EQ(spectral_seriation(torch::ones({2, 2})), (std::vector<int64_t>{0, 1}));
  try {
    spectral_seriation(torch::ones({2, 3}));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("similarity must be square"), std::string::npos);
  }
}

TEST(ProbeDecayFit, RecoversPowerLawAndExponential) {
  std::vector<int64_t> d;
  std::vector<double> power, expo;
  for (int64_t i = 1; i <= 40; ++i) {
    d.push_back(i);
    power.push_back(2.0 * std::pow(i, -1.5) * (1.0 + 0.01 * std::sin(i)));
    expo.push_back(3.0 * std::exp(-i / 4.0) * (1.0 + 0.01 * std::sin(i)));
  }
  const DecayFit p = fit_decay(d, power, 40);
  EXPECT_TRUE(p.ok);
  EXPECT_EQ(p.better, "power");
  EXPECT_NEAR(p.eta, 1.5, 0.01);
  EXPECT_NEAR(p.power_amplitude, 2.0, 0.05);
  EXPECT_GT(p.rss_ratio, 10.0);
  EXPECT_GT(p.delta_aic, 0.0);
  const DecayFit e = fit_decay(d, expo, 40);
  EXPECT_EQ(e.better, "exponential");
  EXPECT_NEAR(e.xi, 4.0, 0.05);
  EXPECT_LT(e.delta_aic, 0.0);
  // Non-positive points and points past max_separation are left out.
  std::vector<double> mixed = power;
  mixed[3] = -1.0;
  EXPECT_EQ(fit_decay(d, mixed, 10).num_points, 9);
  const DecayFit none = fit_decay({1, 2}, {1.0, 0.5}, 10);
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.better, "none");
}

TEST(ProbeMemory, FixedStateDoesNotGrowWithSamples) {
  nn::Mlp net = small_net();
  const ProbeOptions options = ProbeOptions().max_patterns(50);
  Probe few(net, options), many(net, options);
  torch::manual_seed(1);
  few.observe(torch::randn({10, 5}));
  for (int i = 0; i < 100; ++i) many.observe(torch::randn({20, 5}));
  for (size_t l = 0; l < 2; ++l) {
    const auto& a = few.layers()[l];
    const auto& b = many.layers()[l];
    EXPECT_EQ(a.fixed_state_bytes(), b.fixed_state_bytes());
    EXPECT_EQ(a.sample_state_bytes(), 10 * sizeof(double));
    EXPECT_EQ(b.sample_state_bytes(), 2000 * sizeof(double));
    EXPECT_LE(b.patterns().distinct(), 50);
  }
  // The cap: every sample is either counted or reported dropped.
  const ProbeResult r = many.finish();
  for (const auto& layer : r.layers) {
    const int64_t counted =
        std::accumulate(layer.pattern_counts.begin(), layer.pattern_counts.end(), int64_t{0});
    EXPECT_EQ(counted + layer.patterns_dropped_samples, 2000);
    if (layer.pattern_cap_hit) EXPECT_EQ(static_cast<int64_t>(layer.pattern_counts.size()), 50);
  }
}

TEST(ProbePatternCounter, WidePatternsAndCap) {
  PatternCounter counter(130, 2);
  std::vector<uint64_t> a{1, 0, 4}, b{1, 0, 5}, c{0, 0, 0};
  counter.add(a.data());
  counter.add(b.data());
  counter.add(a.data());
  counter.add(c.data());
  EXPECT_EQ(counter.sorted_counts(), (std::vector<int64_t>{2, 1}));
  EXPECT_TRUE(counter.cap_hit());
  EXPECT_EQ(counter.dropped(), 1);
}

TEST(ProbeOptionsTest, RejectsBadValues) {
  const auto expect_error = [](const ProbeOptions& o, const std::string& text) {
    try {
      o.validate();
      FAIL() << "expected an error mentioning " << text;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error(ProbeOptions().threshold(NAN), "threshold must be finite");
  expect_error(ProbeOptions().subset_size(0), "subset size must be in [1, 64], got 0");
  expect_error(ProbeOptions().subset_size(65), "subset size must be in [1, 64], got 65");
  expect_error(ProbeOptions().num_subsets(-1), "number of subsets must be >= 0");
  expect_error(ProbeOptions().max_patterns(0), "max_patterns must be >= 1");
  expect_error(ProbeOptions().beta(0), "beta must be finite and non-zero");
  expect_error(ProbeOptions().cw_tolerance(0), "CW tolerance must be > 0");
  expect_error(ProbeOptions().fit_max_separation(1.5), "fit_max_separation must be in (0, 1]");
}

TEST(ProbeErrors, BadInputShapesAndTooFewSamples) {
  nn::Mlp net = small_net();
  Probe probe(net, ProbeOptions());
  try {
    probe.observe(torch::randn({4, 6}));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("probe input must be [batch, 5]"), std::string::npos);
  }
  probe.observe(torch::randn({1, 5}));
  try {
    probe.finish();
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 samples, got 1"), std::string::npos);
  }
  LayerAccumulator acc(3, ProbeOptions(), 0);
  try {
    acc.update(torch::full({2, 3}, NAN));
    FAIL();
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite activations"), std::string::npos);
  }
}

TEST(ProbeSubsets, ClampedToWidthAndSeeded) {
  const ProbeOptions o = ProbeOptions().subset_size(20).num_subsets(2).seed(9);
  LayerAccumulator a(7, o, 9), b(7, o, 9), c(30, o, 9), d(30, o, 10);
  EXPECT_EQ(a.subset_units()[0].size(), 7U);
  EXPECT_EQ(a.subset_units(), b.subset_units());
  EXPECT_EQ(c.subset_units()[0].size(), 20U);
  EXPECT_NE(c.subset_units(), d.subset_units());
}

}  // namespace
}  // namespace critnet::probe

namespace critnet::probe {
namespace {

// Any model: the observed layers' weights and activations given by the caller.
std::vector<ObservedLayer> mlp_layers(nn::Mlp& net) {
  return {{"l1", net->weight(0), net->weight(1)}, {"l2", net->weight(1), net->weight(2)}};
}

TEST(ProbeObservedLayers, EqualsTheMlpProbeOnTheSameActivations) {
  nn::Mlp net = small_net();
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({60, 5});
  const ProbeOptions options = ProbeOptions().subset_size(4).num_subsets(2).seed(1).beta(2.0);
  const ProbeResult expected = run_probe(net, x, options, 25);
  Probe probe(mlp_layers(net), options);
  for (int64_t s = 0; s < 60; s += 25) {
    std::vector<torch::Tensor> acts =
        all_activations(net, x.slice(0, s, std::min<int64_t>(s + 25, 60)));
    probe.observe_activations(acts);
  }
  const ProbeResult got = probe.finish();
  ASSERT_EQ(got.layers.size(), 2U);
  for (size_t l = 0; l < 2; ++l) {
    const LayerResult& a = expected.layers[l];
    const LayerResult& b = got.layers[l];
    EXPECT_EQ(b.name, l == 0 ? "l1" : "l2");
    EXPECT_EQ(a.activation_counts, b.activation_counts);
    EXPECT_EQ(a.pattern_counts, b.pattern_counts);
    EXPECT_EQ(a.subset_units, b.subset_units);
    ASSERT_EQ(a.node_means.size(), b.node_means.size());
    for (size_t i = 0; i < a.node_means.size(); ++i)
      EXPECT_NEAR(a.node_means[i], b.node_means[i], 1e-12);
    EXPECT_EQ(a.in_degree_abs, b.in_degree_abs);
    EXPECT_EQ(a.out_degree_signed, b.out_degree_signed);
    EXPECT_EQ(a.spectrum.eigenvalues, b.spectrum.eigenvalues);
  }
}

// A conv layer: a unit is a channel, its value the mean over the positions; its weights are
// taken as [C, in·k] and, for a flattening Linear after it, one row per (output, position).
TEST(ProbeObservedLayers, ConvChannelsAreUnits) {
  torch::manual_seed(4);
  const torch::Tensor conv = torch::randn({4, 3, 3, 3});  // 4 channels
  const torch::Tensor fc = torch::randn({6, 4 * 5});      // reads 4 channels × 5 positions
  const torch::Tensor maps = torch::randn({30, 4, 5});
  Probe spatial({{"conv", conv, fc}}, ProbeOptions().subset_size(2));
  spatial.observe_activations({maps});
  // The same from the pooled activations and the explicit weights.
  const torch::Tensor fc_rows = fc.reshape({6, 4, 5}).permute({0, 2, 1}).reshape({30, 4});
  Probe pooled({{"conv", conv.reshape({4, 27}), fc_rows}}, ProbeOptions().subset_size(2));
  pooled.observe_activations({maps.mean(2)});
  const ProbeResult a = spatial.finish(), b = pooled.finish();
  EXPECT_EQ(a.layers[0].width, 4);
  EXPECT_EQ(a.layers[0].activation_counts, b.layers[0].activation_counts);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(a.layers[0].node_means[i], b.layers[0].node_means[i], 1e-12);
    EXPECT_NEAR(a.layers[0].out_degree_abs[i], b.layers[0].out_degree_abs[i], 1e-9);
    EXPECT_NEAR(a.layers[0].in_degree_signed[i], b.layers[0].in_degree_signed[i], 1e-9);
  }
  EXPECT_EQ(a.layers[0].spectrum.cols, 27);
}

TEST(ProbeObservedLayers, BadLayersAreClearErrors) {
  const torch::Tensor w = torch::randn({4, 3});
  auto error = [](std::vector<ObservedLayer> layers) {
    try {
      Probe p(std::move(layers), ProbeOptions().subset_size(2));
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error({}).find("at least one layer"), std::string::npos);
  EXPECT_NE(error({{"x", torch::randn({4}), w}}).find("layer 'x': its incoming weight"),
            std::string::npos);
  EXPECT_NE(error({{"x", w, torch::randn({2, 3})}}).find("does not read its 4 units"),
            std::string::npos);
  Probe probe({{"x", w, torch::randn({2, 4})}}, ProbeOptions().subset_size(2));
  try {
    probe.observe_activations({torch::randn({5, 3})});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("activations must be [batch, 4, ...]"), std::string::npos);
  }
  try {
    probe.observe(torch::randn({5, 3}));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("needs a Probe made from an nn::Mlp"), std::string::npos);
  }
}

}  // namespace
}  // namespace critnet::probe
