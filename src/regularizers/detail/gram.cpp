#include "regularizers/detail/gram.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace critnet::reg::detail {
namespace {

// CBLAS enums (cblas.h); the BLAS is found at run time, so its header is not needed.
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112, kUpper = 121;

using SsyrkFn = void (*)(int, int, int, int, int, float, const float*, int, float, float*, int);
using DsyrkFn = void (*)(int, int, int, int, int, double, const double*, int, double, double*, int);
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*,
                         int, double, double*, int);

struct Syrk {
  SsyrkFn s = nullptr;
  DsyrkFn d = nullptr;
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
};

// LibTorch's CPU build has already mapped its BLAS (libblas.so.3 from OpenBLAS, or MKL, ...);
// RTLD_DEFAULT finds its symbols without a link-time dependency. A LibTorch that keeps its
// BLAS private (static MKL) exports none: gram() then falls back to at::mm.
const Syrk& syrk() {
  static const Syrk functions = [] {
    Syrk f;
    f.s = reinterpret_cast<SsyrkFn>(dlsym(RTLD_DEFAULT, "cblas_ssyrk"));
    f.d = reinterpret_cast<DsyrkFn>(dlsym(RTLD_DEFAULT, "cblas_dsyrk"));
    f.sgemm = reinterpret_cast<SgemmFn>(dlsym(RTLD_DEFAULT, "cblas_sgemm"));
    f.dgemm = reinterpret_cast<DgemmFn>(dlsym(RTLD_DEFAULT, "cblas_dgemm"));
    return f;
  }();
  return functions;
}

// The upper triangle of the Gram matrix of the n vectors of B (its rows when rows = true, else
// its columns; k entries each; B row-major with row length c) into out [n, n], rows
// [i0, i1) of it: the diagonal block by syrk, the block right of it by gemm.
template <typename T, typename SyrkT, typename GemmT>
void upper_strip(SyrkT syrk_fn, GemmT gemm_fn, const T* b, int c, bool rows, int n, int k, int i0,
                 int i1, T* out) {
  const int h = i1 - i0;
  const T* bi = rows ? b + static_cast<int64_t>(i0) * c : b + i0;
  syrk_fn(kRowMajor, kUpper, rows ? kNoTrans : kTrans, h, k, T(1), bi, c, T(0),
          out + static_cast<int64_t>(i0) * n + i0, n);
  if (i1 < n) {
    const T* bj = rows ? b + static_cast<int64_t>(i1) * c : b + i1;
    gemm_fn(kRowMajor, rows ? kNoTrans : kTrans, rows ? kTrans : kNoTrans, h, n - i1, k, T(1), bi,
            c, bj, c, T(0), out + static_cast<int64_t>(i0) * n + i1, n);
  }
}

// The upper triangle in strips of equal work, one per thread: strip t starts at row
// n·(1 - sqrt(1 - t/T)), so that each holds 1/T of the triangle. Inside at::parallel_for the
// BLAS (OpenBLAS's OpenMP build) runs each strip on its own thread: OpenBLAS's threaded syrk
// reaches about 70% of its gemm's speed on 2 threads, the strips about 90%.
template <typename T, typename SyrkT, typename GemmT>
void upper_triangle(SyrkT syrk_fn, GemmT gemm_fn, const T* b, int c, bool rows, int n, int k,
                    T* out) {
  const double work = 0.5 * static_cast<double>(n) * n * k;
  const int threads = at::get_num_threads();
  const int strips = gemm_fn == nullptr || work < 1e7 ? 1 : std::max(1, std::min(threads, n / 32));
  if (strips == 1) {
    syrk_fn(kRowMajor, kUpper, rows ? kNoTrans : kTrans, n, k, T(1), b, c, T(0), out, n);
    return;
  }
  std::vector<int> start(strips + 1);
  for (int t = 0; t <= strips; ++t) {
    start[t] = static_cast<int>(std::lround(n * (1.0 - std::sqrt(1.0 - double(t) / strips))));
  }
  at::parallel_for(0, strips, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      if (start[t + 1] > start[t]) {
        upper_strip(syrk_fn, gemm_fn, b, c, rows, n, k, start[t], start[t + 1], out);
      }
    }
  });
}

}  // namespace

bool syrk_available() {
  return syrk().s != nullptr && syrk().d != nullptr;
}

torch::Tensor gram(const torch::Tensor& a, bool rows) {
  const bool blas_type = a.scalar_type() == torch::kFloat || a.scalar_type() == torch::kDouble;
  if (!a.device().is_cpu() || !blas_type || !syrk_available() || a.numel() == 0) {
    return rows ? a.mm(a.t()) : a.t().mm(a);
  }
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
  torch::Tensor out = torch::empty({n, n}, b.options());
  if (b.scalar_type() == torch::kFloat) {
    upper_triangle<float>(syrk().s, syrk().sgemm, b.data_ptr<float>(), c, b_rows, n, k,
                          out.data_ptr<float>());
  } else {
    upper_triangle<double>(syrk().d, syrk().dgemm, b.data_ptr<double>(), c, b_rows, n, k,
                           out.data_ptr<double>());
  }
  // Mirror the upper triangle.
  torch::Tensor strict_upper = out.triu(1);
  out.triu_().add_(strict_upper.t());
  return out;
}

}  // namespace critnet::reg::detail
