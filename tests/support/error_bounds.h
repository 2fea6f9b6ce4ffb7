#pragma once
// Tolerances that are error bounds of the computation, not the error one CPU happened to show
// (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §2.2 and §3.1-3.5).
//
// A sum of n terms or a dot product of length n computed in floating point, in any order and
// with or without FMA (any BLAS kernel, any blocking, any thread split), is within
//   γ_n · Σ|terms|,   γ_n = n·u / (1 − n·u),
// of the exact value, u the unit round-off of the type that actually computes it (2⁻²⁴ for
// float32, 2⁻⁵³ for float64). Two such computations of the same quantity differ by at most
// twice that. The helpers below turn that into tolerances; a test names the computation
// (length, magnitudes, dtype) and gets its bound.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace critnet::test_support {

/// Unit round-off u of a floating dtype: 2⁻²⁴ for float32, 2⁻⁵³ for float64, 2⁻¹¹ for half.
double unit_roundoff(torch::ScalarType dtype);

/// γ_n = n·u / (1 − n·u); throws std::invalid_argument when n·u ≥ 1 (no bound).
double gamma_n(int64_t n, double u);

/// Bound on |fl(Σ terms) − Σ terms| for n terms whose magnitudes add up to `sum_abs`.
inline double sum_bound(int64_t n, double sum_abs, double u) {
  return gamma_n(n, u) * sum_abs;
}

/// Element-wise bound on |fl(A·B) − A·B| for A [m, k], B [k, n] (float64 result):
/// γ_k · (|A|·|B|), with u the unit round-off of the dtype the product is computed in.
torch::Tensor matmul_bound(const torch::Tensor& a, const torch::Tensor& b, double u);

/// Bound on every computed eigenvalue of a symmetric [n, n] matrix A from a backward-stable
/// eigensolver (LAPACK ?syevd/?syev/?syevr: Householder tridiagonalisation, then QR or divide
/// and conquer): they are the exact eigenvalues of A + E, ‖E‖₂ ≤ p(n)·u·‖A‖₂ (Golub & Van Loan
/// §8.3, Higham §19.3: n − 2 two-sided reflections of length ≤ n, then the tridiagonal
/// stage), so by Weyl |λ̂_i − λ_i| ≤ ‖E‖₂. p(n)·u is taken as γ_{4n²}. `norm_a` is any norm
/// that bounds ‖A‖₂ (the Frobenius norm will do).
double eigenvalue_bound(int64_t n, double norm_a, double u);

/// Bound on sin∠(ê_i, e_i) for the computed eigenvector of an eigenvalue separated by `gap`
/// from the rest of the spectrum (Davis-Kahan with the backward error above).
inline double eigenvector_bound(int64_t n, double norm_a, double gap, double u) {
  return eigenvalue_bound(n, norm_a, u) / gap;
}

/// Passes when |got − expected| ≤ bound element-wise (tensors broadcast; float64 is used for
/// the check itself); otherwise names the worst element, its error and its bound.
::testing::AssertionResult within_bound(const torch::Tensor& got, const torch::Tensor& expected,
                                        const torch::Tensor& bound);
::testing::AssertionResult within_bound(const torch::Tensor& got, const torch::Tensor& expected,
                                        double bound);

}  // namespace critnet::test_support
