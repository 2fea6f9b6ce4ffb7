// The fused Adam pass (see adam_kernel.h). CMakeLists.txt compiles this file with
// -ffp-contract=off (GCC would otherwise fuse m·β1 + g·(1-β1) into one FMA on the AVX2 and
// AVX-512 builds and change the bits) and -fno-math-errno (so that sqrt vectorises).
#include "train/detail/adam_kernel.h"

#include <ATen/Parallel.h>

#include <cmath>

// The vector helpers are always inlined into the kernel of one target, so the ABI note GCC
// gives for wide vector arguments does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace critnet::train::detail {
namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define CRITNET_ADAM_X86_BUILDS 1
#else
#define CRITNET_ADAM_X86_BUILDS 0
#endif
#define CRITNET_INLINE inline __attribute__((always_inline))

// GCC vector extensions of `Bytes` bytes (one register of the target: 64 for AVX-512, 32 for
// AVX2, 16 for SSE2), loaded and stored unaligned.
template <typename T, int Bytes>
struct Vec {
  typedef T type __attribute__((vector_size(Bytes), aligned(sizeof(T)), __may_alias__));
};
template <typename T, int Bytes>
using VecT = typename Vec<T, Bytes>::type;

template <typename T, int Bytes>
CRITNET_INLINE VecT<T, Bytes> load(const T* p) {
  return *reinterpret_cast<const VecT<T, Bytes>*>(p);
}
template <typename T, int Bytes>
CRITNET_INLINE void store(T* p, VecT<T, Bytes> x) {
  *reinterpret_cast<VecT<T, Bytes>*>(p) = x;
}
// Lane by lane; GCC turns it into one sqrtps (sqrt is correctly rounded: the same bits).
template <typename T, int Bytes>
CRITNET_INLINE VecT<T, Bytes> sqrt_lanes(VecT<T, Bytes> x) {
  VecT<T, Bytes> r;
  for (int l = 0; l < Bytes / static_cast<int>(sizeof(T)); ++l) r[l] = std::sqrt(x[l]);
  return r;
}

// The update of [0, n): whole vectors, then the scalar tail, both in adam_kernel.h's order.
template <typename T, int Bytes>
CRITNET_INLINE void adam_body(T* p, const T* g, T* m, T* v, int64_t n, const AdamScalars<T>& s) {
  constexpr int64_t w = Bytes / static_cast<int64_t>(sizeof(T));
  const bool decay = s.weight_decay != T(0);
  int64_t i = 0;
  for (; i + w <= n; i += w) {
    const VecT<T, Bytes> pi = load<T, Bytes>(p + i);
    VecT<T, Bytes> gi = load<T, Bytes>(g + i);
    if (decay) gi = gi + pi * s.weight_decay;
    const VecT<T, Bytes> mi = load<T, Bytes>(m + i) * s.beta1 + gi * s.one_minus_beta1;
    const VecT<T, Bytes> vi = load<T, Bytes>(v + i) * s.beta2 + gi * gi * s.one_minus_beta2;
    const VecT<T, Bytes> denom = sqrt_lanes<T, Bytes>(vi) / s.sqrt_bc2 + s.eps;
    store<T, Bytes>(m + i, mi);
    store<T, Bytes>(v + i, vi);
    store<T, Bytes>(p + i, pi - s.step_size * (mi / denom));
  }
  for (; i < n; ++i) {
    T gi = g[i];
    if (decay) gi = gi + p[i] * s.weight_decay;
    m[i] = m[i] * s.beta1 + gi * s.one_minus_beta1;
    v[i] = v[i] * s.beta2 + gi * gi * s.one_minus_beta2;
    const T denom = std::sqrt(v[i]) / s.sqrt_bc2 + s.eps;
    p[i] = p[i] - s.step_size * (m[i] / denom);
  }
}

#define CRITNET_ADAM_BUILD(suffix, attributes, bytes)                                            \
  attributes void adam_f32_##suffix(float* p, const float* g, float* m, float* v, int64_t n,     \
                                    const AdamScalars<float>& s) {                               \
    adam_body<float, bytes>(p, g, m, v, n, s);                                                   \
  }                                                                                              \
  attributes void adam_f64_##suffix(double* p, const double* g, double* m, double* v, int64_t n, \
                                    const AdamScalars<double>& s) {                              \
    adam_body<double, bytes>(p, g, m, v, n, s);                                                  \
  }

CRITNET_ADAM_BUILD(baseline, , 16)
bool always() {
  return true;
}

#if CRITNET_ADAM_X86_BUILDS
CRITNET_ADAM_BUILD(v4, __attribute__((target("arch=x86-64-v4"))), 64)
CRITNET_ADAM_BUILD(v3, __attribute__((target("arch=x86-64-v3"))), 32)
bool has_v4() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v4");
}
bool has_v3() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v3");
}
#endif

template <typename T, typename Kernel>
void parallel_adam(Kernel kernel, T* p, const T* g, T* m, T* v, int64_t n, const AdamScalars<T>& s,
                   int64_t grain) {
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    kernel(p + begin, g + begin, m + begin, v + begin, end - begin, s);
  });
}

}  // namespace

const std::vector<AdamKernel>& adam_kernels() {
  static const std::vector<AdamKernel> kernels {
#if CRITNET_ADAM_X86_BUILDS
    {"x86-64-v4", has_v4, adam_f32_v4, adam_f64_v4},
        {"x86-64-v3", has_v3, adam_f32_v3, adam_f64_v3},
#endif
    {
      "baseline", always, adam_f32_baseline, adam_f64_baseline
    }
  };
  return kernels;
}

const AdamKernel& adam_kernel() {
  static const AdamKernel& best = []() -> const AdamKernel& {
    for (const auto& k : adam_kernels()) {
      if (k.supported()) return k;
    }
    return adam_kernels().back();
  }();
  return best;
}

void fused_adam(float* p, const float* g, float* m, float* v, int64_t n,
                const AdamScalars<float>& s, const AdamKernel& kernel, int64_t grain) {
  parallel_adam(kernel.f32, p, g, m, v, n, s, grain);
}

void fused_adam(double* p, const double* g, double* m, double* v, int64_t n,
                const AdamScalars<double>& s, const AdamKernel& kernel, int64_t grain) {
  parallel_adam(kernel.f64, p, g, m, v, n, s, grain);
}

}  // namespace critnet::train::detail
