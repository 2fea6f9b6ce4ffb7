#include "regularizers/detail/thin.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

// The vector helpers below are always inlined into the kernels built for one target, so the
// ABI note GCC gives for 32-byte vector arguments does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace critnet::reg::detail {
namespace {

// GCC builds each kernel three times (AVX-512, AVX2+FMA, baseline) and picks one when the
// program loads; the loops below are written so that -O3 vectorises them (fixed-width partial
// sums instead of a reduction, each loaded vector used for several products).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CRITNET_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CRITNET_MULTIVERSION
#endif
#define CRITNET_INLINE inline __attribute__((always_inline))

// GCC/Clang vector extensions: 8 floats or 4 doubles (one AVX2 register; two SSE registers
// on the baseline target), loaded and stored unaligned.
template <typename T>
struct Vec;
template <>
struct Vec<float> {
  typedef float type __attribute__((vector_size(32), aligned(4), __may_alias__));
};
template <>
struct Vec<double> {
  typedef double type __attribute__((vector_size(32), aligned(8), __may_alias__));
};
template <typename T>
using VecT = typename Vec<T>::type;
template <typename T>
constexpr int64_t kWidth = static_cast<int64_t>(32 / sizeof(T));

template <typename T>
CRITNET_INLINE VecT<T> load(const T* p) {
  return *reinterpret_cast<const VecT<T>*>(p);
}
template <typename T>
CRITNET_INLINE void store(T* p, VecT<T> v) {
  *reinterpret_cast<VecT<T>*>(p) = v;
}
template <typename T>
CRITNET_INLINE T hsum(VecT<T> v) {
  T s = 0;
  for (int64_t l = 0; l < kWidth<T>; ++l) s += v[l];
  return s;
}

// a · b over n entries.
template <typename T>
CRITNET_INLINE T dot_one(const T* a, const T* b, int64_t n) {
  constexpr int64_t w = kWidth<T>;
  const int64_t nv = n - n % w;
  VecT<T> a0 = {}, a1 = {};
  int64_t j = 0;
  for (; j + 2 * w <= nv; j += 2 * w) {
    a0 += load(a + j) * load(b + j);
    a1 += load(a + j + w) * load(b + j + w);
  }
  for (; j < nv; j += w) a0 += load(a + j) * load(b + j);
  T s = hsum<T>(a0 + a1);
  for (j = nv; j < n; ++j) s += a[j] * b[j];
  return s;
}

// Column block of the thin kernels: 512 entries, so that the block of 4 probes (8 KiB of
// float32) stays in L1 while the rows of V stream past (from L3). Re-reading whole probes
// from L2 for every row of V made these kernels L2-bound at 2-3x the time.
constexpr int64_t kBlock = 512;

// out[t, i] = V[i, :] · Zt[t, :] for rows [i0, i1): column block by column block, each vector
// of a row loaded once for up to 4 probes, partial dots summed into out.
template <typename T>
CRITNET_INLINE void times_rows(const T* v, const T* zt, T* out, int64_t r, int64_t c, int64_t m,
                               int64_t i0, int64_t i1) {
  constexpr int64_t w = kWidth<T>;
  for (int64_t t = 0; t < m; ++t) std::fill(out + t * r + i0, out + t * r + i1, T(0));
  for (int64_t j0 = 0; j0 < c; j0 += kBlock) {
    const int64_t j1 = std::min(c, j0 + kBlock), jv = j1 - (j1 - j0) % w;
    for (int64_t i = i0; i < i1; ++i) {
      const T* row = v + i * c;
      int64_t t = 0;
      for (; t + 4 <= m; t += 4) {
        const T *z0 = zt + t * c, *z1 = z0 + c, *z2 = z1 + c, *z3 = z2 + c;
        VecT<T> a0 = {}, a1 = {}, a2 = {}, a3 = {};
        for (int64_t j = j0; j < jv; j += w) {
          const VecT<T> x = load(row + j);
          a0 += x * load(z0 + j);
          a1 += x * load(z1 + j);
          a2 += x * load(z2 + j);
          a3 += x * load(z3 + j);
        }
        T s0 = hsum<T>(a0), s1 = hsum<T>(a1), s2 = hsum<T>(a2), s3 = hsum<T>(a3);
        for (int64_t j = jv; j < j1; ++j) {
          s0 += row[j] * z0[j];
          s1 += row[j] * z1[j];
          s2 += row[j] * z2[j];
          s3 += row[j] * z3[j];
        }
        out[t * r + i] += s0;
        out[(t + 1) * r + i] += s1;
        out[(t + 2) * r + i] += s2;
        out[(t + 3) * r + i] += s3;
      }
      for (; t < m; ++t) out[t * r + i] += dot_one(row + j0, zt + t * c + j0, j1 - j0);
    }
  }
}

// out[t, j] = Σ_i Yt[t, i] V[i, j] for columns [j0, j1): rows of V four at a time, each
// vector of them loaded once for all probes.
template <typename T>
CRITNET_INLINE void transposed_times_cols(const T* v, const T* yt, T* out, int64_t r, int64_t c,
                                          int64_t m, int64_t j0, int64_t j1) {
  constexpr int64_t w = kWidth<T>;
  const int64_t jv = j1 - (j1 - j0) % w;
  for (int64_t t = 0; t < m; ++t) std::fill(out + t * c + j0, out + t * c + j1, T(0));
  int64_t i = 0;
  for (; i + 4 <= r; i += 4) {
    const T *r0 = v + i * c, *r1 = r0 + c, *r2 = r1 + c, *r3 = r2 + c;
    for (int64_t j = j0; j < jv; j += w) {
      const VecT<T> x0 = load(r0 + j), x1 = load(r1 + j), x2 = load(r2 + j), x3 = load(r3 + j);
      for (int64_t t = 0; t < m; ++t) {
        const T* y = yt + t * r + i;
        T* o = out + t * c + j;
        store(o, load(o) + x0 * y[0] + x1 * y[1] + x2 * y[2] + x3 * y[3]);
      }
    }
    for (int64_t j = jv; j < j1; ++j) {
      for (int64_t t = 0; t < m; ++t) {
        const T* y = yt + t * r + i;
        out[t * c + j] += r0[j] * y[0] + r1[j] * y[1] + r2[j] * y[2] + r3[j] * y[3];
      }
    }
  }
  for (; i < r; ++i) {
    const T* row = v + i * c;
    for (int64_t t = 0; t < m; ++t) {
      const T y = yt[t * r + i];
      T* o = out + t * c;
      for (int64_t j = j0; j < j1; ++j) o[j] += y * row[j];
    }
  }
}

// C[i, :] += beta · V[i, :] + Σ_t (alpha · At[t, i]) Bt[t, :] for rows [i0, i1) (V may be
// null): column block by column block (the m rows of Bt's block stay in L1 while the rows of C
// stream past), four probes at a time.
template <typename T>
CRITNET_INLINE void outer_rows(T* c, const T* at, const T* bt, T alpha, const T* v, T beta,
                               int64_t r, int64_t cols, int64_t m, int64_t i0, int64_t i1) {
  constexpr int64_t w = kWidth<T>;
  for (int64_t j0 = 0; j0 < cols; j0 += kBlock) {
    const int64_t j1 = std::min(cols, j0 + kBlock), jv = j1 - (j1 - j0) % w;
    for (int64_t i = i0; i < i1; ++i) {
      T* row = c + i * cols;
      const T* vrow = v != nullptr ? v + i * cols : nullptr;
      int64_t t = 0;
      for (; t + 4 <= m; t += 4) {
        const T s0 = alpha * at[t * r + i], s1 = alpha * at[(t + 1) * r + i],
                s2 = alpha * at[(t + 2) * r + i], s3 = alpha * at[(t + 3) * r + i];
        const T *b0 = bt + t * cols, *b1 = b0 + cols, *b2 = b1 + cols, *b3 = b2 + cols;
        if (vrow != nullptr) {  // the V term rides along with the first four probes
          for (int64_t j = j0; j < jv; j += w) {
            store(row + j, load(row + j) + load(vrow + j) * beta + load(b0 + j) * s0 +
                               load(b1 + j) * s1 + load(b2 + j) * s2 + load(b3 + j) * s3);
          }
          for (int64_t j = jv; j < j1; ++j) {
            row[j] += vrow[j] * beta + b0[j] * s0 + b1[j] * s1 + b2[j] * s2 + b3[j] * s3;
          }
          vrow = nullptr;
          continue;
        }
        for (int64_t j = j0; j < jv; j += w) {
          store(row + j, load(row + j) + load(b0 + j) * s0 + load(b1 + j) * s1 + load(b2 + j) * s2 +
                             load(b3 + j) * s3);
        }
        for (int64_t j = jv; j < j1; ++j) {
          row[j] += b0[j] * s0 + b1[j] * s1 + b2[j] * s2 + b3[j] * s3;
        }
      }
      if (vrow != nullptr) {  // fewer than four probes
        for (int64_t j = j0; j < jv; j += w) store(row + j, load(row + j) + load(vrow + j) * beta);
        for (int64_t j = jv; j < j1; ++j) row[j] += vrow[j] * beta;
      }
      for (; t < m; ++t) {
        const T s = alpha * at[t * r + i];
        const T* b = bt + t * cols;
        for (int64_t j = j0; j < j1; ++j) row[j] += b[j] * s;
      }
    }
  }
}

CRITNET_MULTIVERSION void times_rows_f(const float* v, const float* zt, float* out, int64_t r,
                                       int64_t c, int64_t m, int64_t i0, int64_t i1) {
  times_rows(v, zt, out, r, c, m, i0, i1);
}
CRITNET_MULTIVERSION void times_rows_d(const double* v, const double* zt, double* out, int64_t r,
                                       int64_t c, int64_t m, int64_t i0, int64_t i1) {
  times_rows(v, zt, out, r, c, m, i0, i1);
}
CRITNET_MULTIVERSION void transposed_times_cols_f(const float* v, const float* yt, float* out,
                                                  int64_t r, int64_t c, int64_t m, int64_t j0,
                                                  int64_t j1) {
  transposed_times_cols(v, yt, out, r, c, m, j0, j1);
}
CRITNET_MULTIVERSION void transposed_times_cols_d(const double* v, const double* yt, double* out,
                                                  int64_t r, int64_t c, int64_t m, int64_t j0,
                                                  int64_t j1) {
  transposed_times_cols(v, yt, out, r, c, m, j0, j1);
}

void times_rows_any(const float* v, const float* zt, float* out, int64_t r, int64_t c, int64_t m,
                    int64_t i0, int64_t i1) {
  times_rows_f(v, zt, out, r, c, m, i0, i1);
}
void times_rows_any(const double* v, const double* zt, double* out, int64_t r, int64_t c, int64_t m,
                    int64_t i0, int64_t i1) {
  times_rows_d(v, zt, out, r, c, m, i0, i1);
}
void transposed_times_cols_any(const float* v, const float* yt, float* out, int64_t r, int64_t c,
                               int64_t m, int64_t j0, int64_t j1) {
  transposed_times_cols_f(v, yt, out, r, c, m, j0, j1);
}
void transposed_times_cols_any(const double* v, const double* yt, double* out, int64_t r, int64_t c,
                               int64_t m, int64_t j0, int64_t j1) {
  transposed_times_cols_d(v, yt, out, r, c, m, j0, j1);
}

CRITNET_MULTIVERSION void outer_rows_f(float* c, const float* at, const float* bt, float alpha,
                                       const float* v, float beta, int64_t r, int64_t cols,
                                       int64_t m, int64_t i0, int64_t i1) {
  outer_rows(c, at, bt, alpha, v, beta, r, cols, m, i0, i1);
}
CRITNET_MULTIVERSION void outer_rows_d(double* c, const double* at, const double* bt, double alpha,
                                       const double* v, double beta, int64_t r, int64_t cols,
                                       int64_t m, int64_t i0, int64_t i1) {
  outer_rows(c, at, bt, alpha, v, beta, r, cols, m, i0, i1);
}
void outer_rows_any(float* c, const float* at, const float* bt, float alpha, const float* v,
                    float beta, int64_t r, int64_t cols, int64_t m, int64_t i0, int64_t i1) {
  outer_rows_f(c, at, bt, alpha, v, beta, r, cols, m, i0, i1);
}
void outer_rows_any(double* c, const double* at, const double* bt, double alpha, const double* v,
                    double beta, int64_t r, int64_t cols, int64_t m, int64_t i0, int64_t i1) {
  outer_rows_d(c, at, bt, alpha, v, beta, r, cols, m, i0, i1);
}

bool kernel_ok(std::initializer_list<const torch::Tensor*> tensors) {
  const auto type = (*tensors.begin())->scalar_type();
  if (type != torch::kFloat && type != torch::kDouble) return false;
  for (const torch::Tensor* t : tensors) {
    if (!t->device().is_cpu() || t->scalar_type() != type || !t->is_contiguous() || t->dim() != 2) {
      return false;
    }
  }
  return true;
}

// Tasks of at least 2^20 multiply-adds (~25 µs on one core): waking the OpenMP threads costs
// tens of µs under OMP_WAIT_POLICY=passive, so the small layers stay on the calling thread.
int64_t grain(int64_t work_per_item) {
  return std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(1, work_per_item));
}

}  // namespace

torch::Tensor times_thin(const torch::Tensor& v, const torch::Tensor& zt) {
  TORCH_CHECK(v.dim() == 2 && zt.dim() == 2 && zt.size(1) == v.size(1), "times_thin: shapes ",
              v.sizes(), " and ", zt.sizes());
  if (!kernel_ok({&v, &zt})) return zt.mm(v.t());
  const int64_t r = v.size(0), c = v.size(1), m = zt.size(0);
  torch::Tensor out = torch::empty({m, r}, v.options());
  AT_DISPATCH_FLOATING_TYPES(v.scalar_type(), "critnet_times_thin", [&] {
    const auto* vp = v.data_ptr<scalar_t>();
    const auto* zp = zt.data_ptr<scalar_t>();
    auto* op = out.data_ptr<scalar_t>();
    at::parallel_for(0, r, grain(c * m),
                     [&](int64_t i0, int64_t i1) { times_rows_any(vp, zp, op, r, c, m, i0, i1); });
  });
  return out;
}

torch::Tensor transposed_times_thin(const torch::Tensor& v, const torch::Tensor& yt) {
  TORCH_CHECK(v.dim() == 2 && yt.dim() == 2 && yt.size(1) == v.size(0),
              "transposed_times_thin: shapes ", v.sizes(), " and ", yt.sizes());
  if (!kernel_ok({&v, &yt})) return yt.mm(v);
  const int64_t r = v.size(0), c = v.size(1), m = yt.size(0);
  torch::Tensor out = torch::empty({m, c}, v.options());
  AT_DISPATCH_FLOATING_TYPES(v.scalar_type(), "critnet_transposed_times_thin", [&] {
    const auto* vp = v.data_ptr<scalar_t>();
    const auto* yp = yt.data_ptr<scalar_t>();
    auto* op = out.data_ptr<scalar_t>();
    // Column blocks of 256: the m output rows of a block stay in L1 while V streams by.
    const int64_t block = 256, blocks = (c + block - 1) / block;
    at::parallel_for(0, blocks, grain(r * m * block), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        transposed_times_cols_any(vp, yp, op, r, c, m, b * block, std::min(c, (b + 1) * block));
      }
    });
  });
  return out;
}

void add_thin_outer(const torch::Tensor& c, const torch::Tensor& at, const torch::Tensor& bt,
                    double alpha, const torch::Tensor& v, double beta) {
  TORCH_CHECK(c.dim() == 2 && at.dim() == 2 && bt.dim() == 2 && at.size(0) == bt.size(0) &&
                  at.size(1) == c.size(0) && bt.size(1) == c.size(1) &&
                  (!v.defined() || v.sizes() == c.sizes()),
              "add_thin_outer: shapes ", c.sizes(), ", ", at.sizes(), " and ", bt.sizes(),
              v.defined() ? " with V " : "", v.defined() ? v.sizes() : c.sizes());
  const bool with_v = v.defined() && beta != 0.0;
  if (!kernel_ok({&c, &at, &bt}) || (with_v && !kernel_ok({&c, &v}))) {
    c.addmm_(at.t(), bt, 1.0, alpha);
    if (with_v) c.add_(v, beta);
    return;
  }
  const int64_t r = c.size(0), cols = c.size(1), m = at.size(0);
  AT_DISPATCH_FLOATING_TYPES(c.scalar_type(), "critnet_add_thin_outer", [&] {
    auto* cp = c.data_ptr<scalar_t>();
    const auto* ap = at.data_ptr<scalar_t>();
    const auto* bp = bt.data_ptr<scalar_t>();
    const scalar_t* vp = with_v ? v.data_ptr<scalar_t>() : nullptr;
    const auto a = static_cast<scalar_t>(alpha), b = static_cast<scalar_t>(beta);
    at::parallel_for(0, r, grain(cols * (m + 1)), [&](int64_t i0, int64_t i1) {
      outer_rows_any(cp, ap, bp, a, vp, b, r, cols, m, i0, i1);
    });
  });
}

}  // namespace critnet::reg::detail
