#pragma once
/// The finished-statistics building blocks of the probe, usable on their own: the two-point
/// function of a covariance matrix, spectral seriation, decay fits, the spectrum of a·w and
/// weighted degrees.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "critnet/probe/options.h"

namespace critnet::probe {

/// Least-squares fits in log space of a positive function G(d) of the separation d:
///   power law:    ln G = ln A - η ln d
///   exponential:  ln G = ln A - d / ξ
/// over the points with G(d) > 0 (and d in the allowed range). Both have two parameters and
/// the same response (ln G), so their residual sums of squares compare directly. This is a
/// descriptive fit, not a test: the points are averages over overlapping pairs, neither
/// independent nor equally noisy.
struct DecayFit {
  /// False when fewer than 3 usable points (then the numbers below are NaN).
  bool ok = false;
  int64_t num_points = 0;
  double power_amplitude = 0.0, eta = 0.0, power_rss = 0.0, power_r2 = 0.0;
  double exp_amplitude = 0.0, xi = 0.0, exp_rss = 0.0, exp_r2 = 0.0;
  /// "power" or "exponential": the smaller RSS.
  std::string better;
  /// RSS of the worse fit / RSS of the better (≥ 1; inf when the better fit is exact).
  double rss_ratio = 0.0;
  /// num_points · ln(RSS_exp / RSS_power): Gaussian-likelihood AIC difference (> 0 favours
  /// the power law); descriptive only.
  double delta_aic = 0.0;
};

/// Fits both decay laws to (d, G(d)) for d in [1, max_separation] with G(d) > 0.
DecayFit fit_decay(const std::vector<int64_t>& separations, const std::vector<double>& values,
                   int64_t max_separation);

/// The connected two-point function as a function of the separation d = |p(k) - p(l)| of the
/// positions of units k and l in an order p, averaged over the pairs at that separation.
struct TwoPointFunction {
  /// "natural" or "seriated".
  std::string order;
  /// d = 1 .. m-1 (m = number of units in the order) and the number of pairs at each.
  std::vector<int64_t> separation, pairs;
  /// Mean over pairs of C_kl = <x_k x_l> - <x_k><x_l>, of r_kl = C_kl / sqrt(C_kk C_ll), and
  /// of |r_kl|.
  std::vector<double> mean_c, mean_r, mean_abs_r;
  /// Decay fits of mean_c and mean_r.
  DecayFit fit_c, fit_r;
};

/// Two-point function of a covariance matrix cov [w, w] (float64) for the units listed in
/// `order` (positions 0..m-1 in that order); fits over d ≤ fit_max_separation · m.
TwoPointFunction two_point_function(const torch::Tensor& cov, const std::vector<int64_t>& order,
                                    const std::string& order_name, double fit_max_separation);

/// Spectral seriation (Atkins, Boman & Hendrickson, SIAM J. Comput. 28, 1998): with a
/// symmetric non-negative similarity S [m, m] (diagonal ignored), the Laplacian L = D - S
/// (D = diag of row sums), returns the permutation of 0..m-1 that sorts the Fiedler vector
/// (eigenvector of the second-smallest eigenvalue of L), ties by index. The sign of the
/// Fiedler vector is fixed so that its largest-magnitude component is positive, which makes the
/// order deterministic. m ≤ 2 returns the identity.
std::vector<int64_t> spectral_seriation(const torch::Tensor& similarity);

/// The spectrum of a·w for one weight V [out, in] (docs/methods.md, "The critical penalty" and
/// "Probes").
struct Spectrum {
  int64_t rows = 0, cols = 0;
  /// a = β / N.
  double a = 0.0;
  /// N of the convention used.
  int64_t n = 0;
  std::string gram_side;
  /// Singular values s_i of V above the rank tolerance, descending (at most min(out, in)).
  std::vector<double> singular_values;
  /// Eigenvalues a·s_i² of a·w, descending; the chosen Gram side adds `num_zero_modes` zeros.
  std::vector<double> eigenvalues;
  int64_t num_zero_modes = 0;
  /// numpy's matrix-rank tolerance ε·s_max·max(out, in) (ε of V's dtype, core/numerics.h) and
  /// the singular values at or below it: rounding noise of the stored weight, numerically zero
  /// modes, left out of `singular_values`, `eigenvalues`, the CCDF and the fits.
  double rank_tolerance = 0.0;
  int64_t num_numerical_zero_modes = 0;
  /// |a·λ - 1| over all eigenvalues of the chosen side (zero modes, exact or numerical, count
  /// as distance 1).
  double cw_distance_min = 0.0, cw_distance_median = 0.0;
  /// Fraction of the eigenvalues of the chosen side with |a·λ - 1| ≤ tolerance.
  double cw_fraction_within = 0.0;
  double cw_tolerance = 0.0;
  /// ‖V‖²_F / ‖V‖²_2 = Σ s_i² / max s_i².
  double stable_rank = 0.0;
};

/// The spectrum of a·w for V [out, in] (computed in float64 from the singular values of V).
Spectrum weight_spectrum(const torch::Tensor& weight, const ProbeOptions& options);

/// Row sums of |V| and V for V [out, in]: the in-degrees of the out units.
void in_degrees(const torch::Tensor& weight, std::vector<double>& abs_sums,
                std::vector<double>& signed_sums);
/// Column sums of |V| and V for V [out, in]: the out-degrees of the in units.
void out_degrees(const torch::Tensor& weight, std::vector<double>& abs_sums,
                 std::vector<double>& signed_sums);

}  // namespace critnet::probe
