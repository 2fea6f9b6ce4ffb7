#pragma once
/// Heavy-tailed self-regularisation (HTSR; Martin & Mahoney, JMLR 22 (2021) 165; the
/// WeightWatcher tool): the empirical spectral density of each layer's X = WᵀW, its power-law
/// tail exponent α and the columns WeightWatcher's analyze() reports, under the same names,
/// and then what HTSR tools lack: the same tail through critnet's Clauset-Shalizi-Newman
/// statistics (bootstrap goodness-of-fit p, likelihood-ratio tests, verdict rule 2) and a
/// Marchenko-Pastur test of the bulk, so a label says whether there is a tail at all.
///
/// Spectrum: the eigenvalues λ of X = WᵀW without a 1/N factor (the squared singular values of
/// W as stored, out × in), λ ≤ eval_floor dropped. A convolution's weight [out, in, k...] is
/// rf = Πk slices W[:, :, i, j] (each out × in) pooled into one spectrum, unscaled.
///
/// The HTSR fit convention (that of WeightWatcher, through Python powerlaw 1.5): a continuous
/// power law, α = 1 + n / Σ ln(x/x_min) over the n tail points; x_min is the candidate, among
/// every eigenvalue but the largest, with the smallest KS distance
/// D = max_j |j/n − F(x_j)| over the sorted tail x_0 ≤ … ≤ x_{n−1} (j = 0 … n−1, one-sided
/// steps), F(x) = 1 − (x/x_min)^(1−α); no upper cutoff. critnet's CSN default (analysis/
/// powerlaw.h) differs: it takes the two-sided KS distance, tries unique values only and needs
/// min_tail points; the HTSR numbers follow the convention HTSR users compare against, and the
/// CSN statistics are computed on the tail the HTSR fit chose (docs/methods.md).
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/report/fit_report.h"

namespace critnet::atlas {

/// Settings of the HTSR analysis of a layer.
struct HtsrOptions {
  /// Eigenvalues at or below this are dropped (WeightWatcher's EVALS_THRESH).
  double eval_floor = 1e-5;
  /// A layer with fewer eigenvalues left gets a row saying so instead of a fit.
  int64_t min_evals = 10;
  /// Bootstrap replicates of the CSN goodness-of-fit p on the HTSR tail (0: none, no verdict
  /// beyond "untested"); its seed and threads.
  int bootstrap = 100;
  std::uint64_t seed = 0;
  int threads = 0;
  /// Verdict rule 2's thresholds (report/verdict.h).
  report::VerdictRule rule;
  /// Throws critnet::InvalidArgument naming the bad value (critnet/core/limits.h's bounds).
  void validate() const;
};

/// The HTSR power-law fit of a sorted spectrum (see the file comment).
struct HtsrFit {
  double alpha = 0;
  double xmin = 0;
  double D = 0;        ///< the KS distance at x_min
  int64_t n_tail = 0;  ///< eigenvalues ≥ x_min
};
/// The fit of `sorted` (ascending, positive, at least two distinct values); throws
/// critnet::InvalidArgument otherwise.
HtsrFit htsr_fit(const std::vector<double>& sorted);

/// The Marchenko-Pastur fit of the bulk: σ² such that the eigenvalues below the edge have the
/// MP mean σ²·N (iterated from all of them until the bulk no longer changes), the bulk edge
/// λ₊ = σ²(√N + √M)², and the Tracy-Widom bound of the largest bulk eigenvalue: Johnstone's
/// centre and scale (2001) for N × M, 4 scale units above the centre (P ≈ 10⁻⁴ per matrix).
struct MpFit {
  double sigma2 = 0;
  double lambda_plus = 0;
  double tw_edge = 0;
};
MpFit fit_marchenko_pastur(const std::vector<double>& sorted, int64_t N, int64_t M);

/// One layer's row: WeightWatcher's columns, then critnet's statistics and labels.
struct HtsrRow {
  std::string layer;  ///< qualified module name
  std::string type;   ///< "Linear", "Conv2d", ...
  int64_t N = 0, M = 0, rf = 1, num_evals = 0;
  HtsrFit fit;
  double sigma = 0;  ///< (α − 1)/√n_tail
  double lambda_max = 0, norm = 0, log_norm = 0, log_spectral_norm = 0, alpha_weighted = 0,
         log_alpha_norm = 0, stable_rank = 0, entropy = 0;
  int64_t matrix_rank = 0;  ///< numpy's rule: s > ε·s_max·max(out, in), per slice, summed
  MpFit mp;
  double mp_softrank = 0;  ///< λ₊ / λ_max
  int64_t num_spikes = 0;  ///< eigenvalues above λ₊ (WeightWatcher's count)
  /// The CSN analysis of the HTSR tail (x_min fixed to the HTSR x_min) with verdict rule 2;
  /// absent for an MP bulk (no tail to test) or when it failed (csn_error says why).
  std::optional<report::FitReport> csn;
  std::string csn_error;
  /// critnet's label: "MP bulk: no tail", "heavy-tailed: power law not rejected over ≥ 1
  /// decade", "tail rejected (lognormal favoured)", "tail rejected (p = 0.02 < 0.1)", "power law
  /// not rejected but too narrow (...)", "untested (no bootstrap)".
  std::string label;
  /// WeightWatcher's heuristic on α alone, named as one: "α < 2: over-trained (heuristic)", ...
  std::string ww_label;
  /// Non-empty for a layer without a fit (fewer than min_evals eigenvalues, non-finite
  /// weights): the reason; the other columns are then unset.
  std::string error;

  /// λ_max within the Tracy-Widom edge of the fitted Marchenko-Pastur bulk: no tail to test.
  bool mp_bulk() const { return lambda_max <= mp.tw_edge; }

  /// The row as JSON: WeightWatcher's column names (N, M, rf, num_evals, alpha, xmin, D, sigma,
  /// num_pl_spikes, lambda_max, norm, log_norm, log_spectral_norm, alpha_weighted,
  /// log_alpha_norm, stable_rank, entropy, matrix_rank, mp_softrank, num_spikes) plus layer,
  /// type, p, verdict, mp_bulk, label, ww_label, mp {sigma2, lambda_plus, tw_edge}, csn (the fit's
  /// document) and error.
  nlohmann::json to_json() const;
};

/// The eigenvalues of a layer's X = WᵀW (float64, ascending, λ ≤ floor dropped) and its rf.
std::vector<double> layer_eigenvalues(const torch::Tensor& weight, double floor);

/// The row of one layer (weight [out, in] or [out, in, k...]).
HtsrRow analyse_layer(const std::string& name, const std::string& type, const torch::Tensor& weight,
                      const HtsrOptions& options = {});

/// A layer's name, module type and weight, as a model gives them.
struct LayerWeight {
  std::string name;
  std::string type;
  torch::Tensor weight;
};
/// The rows of every layer, in order; throws critnet::InvalidArgument when there is none.
std::vector<HtsrRow> analyse_layers(const std::vector<LayerWeight>& layers,
                                    const HtsrOptions& options = {});

}  // namespace critnet::atlas
