#pragma once
// The x_min scan shared by the fit and the bootstrap (CSN sec. 3.3): sorted data with
// suffix sums of ln x, the per-candidate MLE and the KS distance with early abandoning.
#include <cstddef>
#include <vector>

#include "critnet/analysis/powerlaw.h"

namespace critnet::analysis::detail {

/// Data sorted ascending with what every candidate x_min needs in O(1).
struct SortedData {
  std::vector<double> x;            ///< sorted ascending
  std::vector<double> log_x;        ///< ln x
  std::vector<double> suffix_log;   ///< suffix_log[i] = sum_{j >= i} ln x_j (size N + 1)
  std::vector<std::size_t> starts;  ///< index of the first occurrence of each unique value
};

SortedData prepare(std::vector<double> data);

/// The chosen tail.
struct TailFit {
  double xmin = 0;
  double alpha = 0;
  double ks = 0;
  std::size_t start = 0;  ///< index of the first tail point in SortedData::x
  std::size_t n_tail = 0;
  std::size_t candidates = 0;
};

/// Fixed x_min (options.xmin finite) or the minimum-KS scan; throws InvalidArgument.
TailFit fit_tail(const SortedData& data, const FitOptions& options);

/// Discrete power-law MLE: solves E_alpha[ln X] = mean_log (CSN eq. 3.5 stationary point)
/// by safeguarded Newton iterations on Hurwitz zeta derivatives (log space, centred at
/// ln x_min). NaN when the root is not below the bound alpha = 200 (a point mass at x_min)
/// or a quantity is not finite.
double discrete_alpha_mle(double mean_log, double xmin, double alpha_start);

/// Fisher information per point of the discrete power law: Var_alpha[ln X] (no underflow).
double discrete_log_variance(double alpha, double xmin);

}  // namespace critnet::analysis::detail
