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

// Cuts the rows of an upper triangle [n, n] into strips of equal area, one per thread, and
// runs fn(i0, i1) on each from at::parallel_for: strip t starts at row n·(1 - sqrt(1 - t/T)).
// Inside at::parallel_for the BLAS (OpenBLAS's OpenMP build) runs each call on its own thread.
// V Vᵀ of the paper's first layer [600, 3072] on 2 threads: 7.7 ms in strips, ~8.2 ms by
// OpenBLAS's own threaded syrk, 13.4 ms by at::mm (docs/performance.md). One strip (fn(0, n)
// on the calling thread) when `work` (multiply-adds) is small.
template <typename Fn>
void for_upper_strips(int n, double work, const Fn& fn) {
  const int threads = at::get_num_threads();
  const int strips = work < 1e7 ? 1 : std::max(1, std::min(threads, n / 32));
  if (strips == 1) {
    fn(0, n);
    return;
  }
  std::vector<int> start(strips + 1);
  for (int t = 0; t <= strips; ++t) {
    start[t] = static_cast<int>(std::lround(n * (1.0 - std::sqrt(1.0 - double(t) / strips))));
  }
  at::parallel_for(0, strips, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      if (start[t + 1] > start[t]) fn(start[t], start[t + 1]);
    }
  });
}

// out = its upper triangle mirrored.
void mirror_upper(torch::Tensor& out) {
  torch::Tensor strict_upper = out.triu(1);
  out.triu_().add_(strict_upper.t());
}

bool blas_ready(const torch::Tensor& a) {
  const bool blas_type = a.scalar_type() == torch::kFloat || a.scalar_type() == torch::kDouble;
  return a.device().is_cpu() && blas_type && syrk_available() && syrk().sgemm != nullptr &&
         syrk().dgemm != nullptr && a.numel() > 0;
}

}  // namespace

bool syrk_available() {
  return syrk().s != nullptr && syrk().d != nullptr;
}

torch::Tensor gram(const torch::Tensor& a, bool rows) {
  if (!blas_ready(a)) return rows ? a.mm(a.t()) : a.t().mm(a);
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
  const double work = 0.5 * static_cast<double>(n) * n * k;
  for_upper_strips(n, work, [&](int i0, int i1) {
    if (b.scalar_type() == torch::kFloat) {
      upper_strip<float>(syrk().s, syrk().sgemm, b.data_ptr<float>(), c, b_rows, n, k, i0, i1,
                         out.data_ptr<float>());
    } else {
      upper_strip<double>(syrk().d, syrk().dgemm, b.data_ptr<double>(), c, b_rows, n, k, i0, i1,
                          out.data_ptr<double>());
    }
  });
  mirror_upper(out);
  return out;
}

torch::Tensor symmetric_product(const torch::Tensor& a, const torch::Tensor& b) {
  TORCH_CHECK(a.dim() == 2 && a.size(0) == a.size(1) && b.sizes() == a.sizes(),
              "symmetric_product: shapes ", a.sizes(), " and ", b.sizes());
  if (!blas_ready(a) || b.scalar_type() != a.scalar_type() || !b.device().is_cpu()) {
    return a.mm(b);
  }
  const torch::Tensor ac = a.contiguous(), bc = b.contiguous();
  const int n = static_cast<int>(a.size(0));
  torch::Tensor out = torch::empty({n, n}, a.options());
  // Strip [i0, i1) of the upper triangle: out[i0:i1, i0:n] = A[i0:i1, :] · B[:, i0:n].
  for_upper_strips(n, 0.5 * static_cast<double>(n) * n * n, [&](int i0, int i1) {
    const int64_t off = static_cast<int64_t>(i0) * n;
    if (a.scalar_type() == torch::kFloat) {
      syrk().sgemm(kRowMajor, kNoTrans, kNoTrans, i1 - i0, n - i0, n, 1.0f,
                   ac.data_ptr<float>() + off, n, bc.data_ptr<float>() + i0, n, 0.0f,
                   out.data_ptr<float>() + off + i0, n);
    } else {
      syrk().dgemm(kRowMajor, kNoTrans, kNoTrans, i1 - i0, n - i0, n, 1.0,
                   ac.data_ptr<double>() + off, n, bc.data_ptr<double>() + i0, n, 0.0,
                   out.data_ptr<double>() + off + i0, n);
    }
  });
  mirror_upper(out);
  return out;
}

}  // namespace critnet::reg::detail
