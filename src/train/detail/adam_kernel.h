#pragma once
/// The fused Adam pass of the fast CPU step (FastMlpStep::adam_step): torch::optim::Adam's
/// update (no amsgrad) over flat arrays in one pass,
///   g += wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
///   p -= step_size · m / (sqrt(v) / sqrt(bc2) + eps),   step_size = lr / bc1,
/// with every operation in this order and rounded on its own (no fused multiply-add), so that
/// every build gives the same bits as this scalar formula (and as the SSE2 loop the fast step
/// had before). Built three times, for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the
/// baseline (SSE2); adam_kernel() is the widest one this CPU runs, chosen once. The builds are
/// listed (adam_kernels()) so that tests compare every build the CPU supports with a scalar
/// reference, and benchmarks time each.
#include <cstdint>
#include <vector>

namespace critnet::train::detail {

/// Adam's scalars of one step, in the parameters' precision.
template <typename T>
struct AdamScalars {
  T beta1;
  T beta2;
  T one_minus_beta1;
  T one_minus_beta2;
  T weight_decay;
  T step_size;  ///< lr / (1 - β1^t)
  T sqrt_bc2;   ///< sqrt(1 - β2^t)
  T eps;
};

/// One build of the kernel: the update of entries [0, n) of p, g, m, v (one thread).
struct AdamKernel {
  const char* name;  ///< "x86-64-v4", "x86-64-v3", "baseline"
  bool (*supported)();
  void (*f32)(float* p, const float* g, float* m, float* v, int64_t n, const AdamScalars<float>& s);
  void (*f64)(double* p, const double* g, double* m, double* v, int64_t n,
              const AdamScalars<double>& s);
};

/// Every build, widest first (only the baseline off x86-64 or outside GCC).
const std::vector<AdamKernel>& adam_kernels();

/// The widest build this CPU supports.
const AdamKernel& adam_kernel();

/// Entries per chunk of fused_adam(): 256k (1 MiB of float32 per array).
constexpr int64_t kAdamGrain = int64_t{1} << 18;

/// The update of n entries in chunks of `grain` over at::parallel_for's threads (one chunk,
/// no thread pool, for n ≤ grain), with the kernel `kernel`.
void fused_adam(float* p, const float* g, float* m, float* v, int64_t n,
                const AdamScalars<float>& s, const AdamKernel& kernel = adam_kernel(),
                int64_t grain = kAdamGrain);
void fused_adam(double* p, const double* g, double* m, double* v, int64_t n,
                const AdamScalars<double>& s, const AdamKernel& kernel = adam_kernel(),
                int64_t grain = kAdamGrain);

}  // namespace critnet::train::detail
