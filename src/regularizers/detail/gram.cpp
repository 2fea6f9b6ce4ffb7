#include "regularizers/detail/gram.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/detail/gemm.h"

#if CRITNET_WITH_CBLAS
// The BLAS LibTorch loads, linked through its own header (cmake/critnet_blas.cmake): on Debian
// libblas.so.3, the alternative LibTorch's libtorch_cpu.so needs too (OpenBLAS or the reference
// BLAS). The header declares the index type (CBLAS_INT); the int arguments below convert to it.
#include <cblas.h>
#include <dlfcn.h>
#endif

namespace critnet::reg::detail {
namespace {

#if CRITNET_WITH_CBLAS

// Rows [i0, i1) of the upper triangle [n, n] cost (i1 − i0)·(n − i0) multiply-adds per inner
// index when the strip's diagonal block is computed whole (a general product: oneDNN's sgemm,
// which has no syrk, and every symmetric-product strip), and (i1 − i0)²/2 less when a BLAS syrk
// computes its upper half. Strip boundaries of equal cost: the largest per-strip cost c for
// which a greedy cut needs more than `strips` strips, found by bisection (each cut in closed form).
std::vector<int> equal_cost_strips(int n, int strips, bool half_diagonal) {
  const double d = half_diagonal ? 0.5 : 0.0;
  auto height = [&](int i0, double c) {  // the largest h with h·(n − i0) − d·h² ≤ c
    const double m = n - i0;
    const double h =
        d == 0.0 ? c / m : (m - std::sqrt(std::max(0.0, m * m - 4.0 * d * c))) / (2 * d);
    return std::clamp(static_cast<int>(std::floor(h + 1e-9)), 1, n - i0);
  };
  auto cut = [&](double c) {
    std::vector<int> start{0};
    while (start.back() < n) start.push_back(start.back() + height(start.back(), c));
    return start;
  };
  double lo = 0.0, hi = static_cast<double>(n) * n;
  for (int it = 0; it < 60 && hi - lo > 0.5; ++it) {
    const double mid = 0.5 * (lo + hi);
    (static_cast<int>(cut(mid).size()) - 1 > strips ? lo : hi) = mid;
  }
  return cut(hi);
}

// Runs fn(i0, i1) on strips of equal cost of the upper triangle [n, n] (equal_cost_strips),
// two per thread, from at::parallel_for; inside it the BLAS (OpenBLAS's OpenMP build, oneDNN)
// runs each call on its own thread. Returns false, running nothing, when `work` (multiply-adds of
// the triangle) is too small to split: the caller then computes the whole product. With whole
// diagonal blocks the strips save at most half the flops and run single-threaded calls, which
// only pays from about 1e8 (bench_regularizer BM_Gram: [400, 600] at 4.8e7 ran 0.94 ms in strips
// against 0.82 ms whole); a true syrk splits from 1e7.
template <typename Fn>
bool for_upper_strips(int n, double work, bool half_diagonal, const Fn& fn) {
  const int threads = at::get_num_threads();
  const int strips = std::min(2 * threads, n / 32);
  if (work < (half_diagonal ? 1e7 : 1e8) || threads < 2 || strips < 2) return false;
  const std::vector<int> start = equal_cost_strips(n, strips, half_diagonal);
  const auto count = static_cast<int64_t>(start.size()) - 1;
  at::parallel_for(0, count, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) fn(start[t], start[t + 1]);
  });
  return true;
}

// out [n, n] (contiguous) = its upper triangle mirrored, in place: each lower element a copy of
// its upper twin, so the result is exactly symmetric. In 64 x 64 blocks (the column reads of the
// upper triangle stay in cache), on the calling thread: n²/2 copies, about 0.1 ms at n = 600,
// less than waking a second thread costs under OMP_WAIT_POLICY=passive.
template <typename T>
void mirror_upper(T* c, int64_t n) {
  constexpr int64_t kBlock = 64;
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t i1 = std::min(n, i0 + kBlock);
    for (int64_t j0 = 0; j0 < i1; j0 += kBlock) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t j1 = std::min(i, j0 + kBlock);
        for (int64_t j = j0; j < j1; ++j) c[i * n + j] = c[j * n + i];
      }
    }
  }
}
void mirror_upper(torch::Tensor& out) {
  TORCH_CHECK(out.is_contiguous() && out.dim() == 2 && out.size(0) == out.size(1));
  if (out.scalar_type() == torch::kFloat) {
    mirror_upper(out.data_ptr<float>(), out.size(0));
  } else {
    mirror_upper(out.data_ptr<double>(), out.size(0));
  }
}

CBLAS_TRANSPOSE transpose(bool t) {
  return t ? CblasTrans : CblasNoTrans;
}

// C (upper triangle) = A Aᵀ, or Aᵀ A with trans: cblas_?syrk, row major.
// float32 through oneDNN where the build has it (core/detail/gemm.h): it has no syrk, so the
// whole block, twice syrk's flops, at its AVX-512 speed where OpenBLAS runs AVX2 kernels.
void syrk(bool trans, int n, int k, const float* a, int lda, float* c, int ldc) {
  if (core::detail::onednn_sgemm(trans ? 'T' : 'N', trans ? 'N' : 'T', n, n, k, 1.0f, a, lda, a,
                                 lda, 0.0f, c, ldc))
    return;
  cblas_ssyrk(CblasRowMajor, CblasUpper, transpose(trans), n, k, 1.0f, a, lda, 0.0f, c, ldc);
}
void syrk(bool trans, int n, int k, const double* a, int lda, double* c, int ldc) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, transpose(trans), n, k, 1.0, a, lda, 0.0, c, ldc);
}

// C [m, n] = op(A) op(B): cblas_?gemm, row major.
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c, int ldc) {
  if (core::detail::onednn_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f, a, lda, b,
                                 ldb, 0.0f, c, ldc))
    return;
  cblas_sgemm(CblasRowMajor, transpose(trans_a), transpose(trans_b), m, n, k, 1.0f, a, lda, b, ldb,
              0.0f, c, ldc);
}
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const double* a, int lda,
          const double* b, int ldb, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, transpose(trans_a), transpose(trans_b), m, n, k, 1.0, a, lda, b, ldb,
              0.0, c, ldc);
}

// The upper triangle of the Gram matrix of the n vectors of B (its rows when rows = true, else
// its columns; k entries each; B row-major with row length c) into out [n, n], rows
// [i0, i1) of it: the diagonal block by syrk, the block right of it by gemm.
template <typename T>
void upper_strip(const T* b, int c, bool rows, int n, int k, int i0, int i1, T* out) {
  const int h = i1 - i0;
  const T* bi = rows ? b + static_cast<int64_t>(i0) * c : b + i0;
  syrk(!rows, h, k, bi, c, out + static_cast<int64_t>(i0) * n + i0, n);
  if (i1 < n) {
    const T* bj = rows ? b + static_cast<int64_t>(i1) * c : b + i1;
    gemm(!rows, rows, h, n - i1, k, bi, c, bj, c, out + static_cast<int64_t>(i0) * n + i1, n);
  }
}

// Strip [i0, i1) of the upper triangle of A·B [n, n]: out[i0:i1, i0:n] = A[i0:i1, :] · B[:, i0:n].
template <typename T>
void product_strip(const T* a, const T* b, int n, int i0, int i1, T* out) {
  const int64_t off = static_cast<int64_t>(i0) * n;
  gemm(false, false, i1 - i0, n - i0, n, a + off, n, b + i0, n, out + off + i0, n);
}

bool blas_ready(const torch::Tensor& a) {
  const bool blas_type = a.scalar_type() == torch::kFloat || a.scalar_type() == torch::kDouble;
  return a.device().is_cpu() && blas_type && a.numel() > 0;
}

torch::Tensor gram_blas(const torch::Tensor& a, bool rows) {
  // Work on a row-major matrix B with B = a or B = aᵀ.
  torch::Tensor b = a;
  bool b_rows = rows;  // want B Bᵀ (true) or Bᵀ B (false)
  if (!a.is_contiguous()) {
    if (a.t().is_contiguous()) {
      b = a.t();
      b_rows = !rows;
    } else {
      b = a.contiguous();
    }
  }
  const int r = static_cast<int>(b.size(0)), c = static_cast<int>(b.size(1));
  const int n = b_rows ? r : c, k = b_rows ? c : r;
  const bool is_float = b.scalar_type() == torch::kFloat;
  // oneDNN (float32) has no syrk: its diagonal blocks are whole products.
  const bool whole_diagonal = is_float && core::detail::gemm_auto_uses_onednn();
  // The whole product, its upper triangle mirrored: the result is exactly symmetric either way.
  auto full = [&] {
    torch::Tensor whole = b_rows ? b.mm(b.t()) : b.t().mm(b);
    mirror_upper(whole);
    return whole;
  };
  if (whole_diagonal && n < 64) return full();
  torch::Tensor out = torch::empty({n, n}, b.options());
  const double work = 0.5 * static_cast<double>(n) * n * k;
  const bool split = for_upper_strips(n, work, !whole_diagonal, [&](int i0, int i1) {
    if (is_float) {
      upper_strip<float>(b.data_ptr<float>(), c, b_rows, n, k, i0, i1, out.data_ptr<float>());
    } else {
      upper_strip<double>(b.data_ptr<double>(), c, b_rows, n, k, i0, i1, out.data_ptr<double>());
    }
  });
  // Too small to split: one whole product where the diagonal would be whole anyway (the BLAS
  // threads it), else one threaded syrk.
  if (!split) {
    if (whole_diagonal) return full();
    if (is_float) {
      upper_strip<float>(b.data_ptr<float>(), c, b_rows, n, k, 0, n, out.data_ptr<float>());
    } else {
      upper_strip<double>(b.data_ptr<double>(), c, b_rows, n, k, 0, n, out.data_ptr<double>());
    }
  }
  mirror_upper(out);
  return out;
}

torch::Tensor symmetric_product_blas(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor ac = a.contiguous(), bc = b.contiguous();
  const int n = static_cast<int>(a.size(0));
  torch::Tensor out = torch::empty({n, n}, a.options());
  const bool split =
      for_upper_strips(n, 0.5 * static_cast<double>(n) * n * n, false, [&](int i0, int i1) {
        if (a.scalar_type() == torch::kFloat) {
          product_strip<float>(ac.data_ptr<float>(), bc.data_ptr<float>(), n, i0, i1,
                               out.data_ptr<float>());
        } else {
          product_strip<double>(ac.data_ptr<double>(), bc.data_ptr<double>(), n, i0, i1,
                                out.data_ptr<double>());
        }
      });
  // One strip would be the whole product: the BLAS's own threaded one, mirrored.
  if (!split) out = ac.mm(bc);
  mirror_upper(out);
  return out;
}

#endif  // CRITNET_WITH_CBLAS

}  // namespace

bool syrk_available() {
#if CRITNET_WITH_CBLAS
  return true;
#else
  return false;
#endif
}

std::string cblas_library() {
#if CRITNET_WITH_CBLAS
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&cblas_dsyrk), &info) != 0 && info.dli_fname != nullptr) {
    return info.dli_fname;
  }
#endif
  return "";
}

torch::Tensor gram(const torch::Tensor& a, bool rows) {
#if CRITNET_WITH_CBLAS
  if (blas_ready(a)) return gram_blas(a, rows);
#endif
  return rows ? a.mm(a.t()) : a.t().mm(a);
}

torch::Tensor symmetric_product(const torch::Tensor& a, const torch::Tensor& b) {
  TORCH_CHECK(a.dim() == 2 && a.size(0) == a.size(1) && b.sizes() == a.sizes(),
              "symmetric_product: shapes ", a.sizes(), " and ", b.sizes());
#if CRITNET_WITH_CBLAS
  if (blas_ready(a) && b.scalar_type() == a.scalar_type() && b.device().is_cpu()) {
    return symmetric_product_blas(a, b);
  }
#endif
  return a.mm(b);
}

}  // namespace critnet::reg::detail
