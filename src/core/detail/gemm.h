#pragma once
// The library's matrix products: c ← alpha·op(a)·op(b) + beta·c.
//
// float32 products big enough to be worth it go to oneDNN's sgemm when critnet is built with
// it (cmake/critnet_onednn.cmake): oneDNN picks AVX-512 kernels at run time where the CPU has
// them, while Debian's OpenBLAS 0.3.21 runs its AVX2 kernels on CPUs it does not know (AMD
// Zen 4), at about half the speed (docs/performance.md). Everything else (float64, CUDA,
// tiny products, operands without a unit stride, a build without oneDNN) goes to ATen.
// Results agree with ATen's to float tolerance, not bit for bit (another summation order).
#include <ATen/ATen.h>

#include <string>

namespace critnet::core::detail {

enum class GemmBackend {
  kAuto,    // oneDNN where it applies (and CRITNET_GEMM is not "aten"), ATen otherwise
  kAten,    // always at::addmm_out
  kOneDnn,  // oneDNN where it applies, ATen otherwise, whatever CRITNET_GEMM says
};

/// c ← alpha·op(a)·op(b) + beta·c, op(x) = xᵀ when the flag is set. a, b and c are 2-D
/// tensors on one device, of one floating dtype, with matching sizes; c must not overlap a or
/// b, and with beta = 0 its old contents are ignored (NaN included). Throws critnet::Error on
/// a size mismatch.
void gemm(const at::Tensor& a, bool transpose_a, const at::Tensor& b, bool transpose_b,
          const at::Tensor& c, double alpha = 1.0, double beta = 0.0,
          GemmBackend backend = GemmBackend::kAuto);

/// Row-major C [m, n] ← alpha·op(A)·op(B) + beta·C through oneDNN's sgemm (transa/transb 'N'
/// or 'T', leading dimensions as in CBLAS's row-major calls), for kernels that work on raw
/// strips of a matrix (regularizers/detail/gram.cpp). Returns false, touching nothing, when
/// kAuto would not use oneDNN (no oneDNN in the build, or CRITNET_GEMM=aten): the caller then
/// uses its own BLAS call. Called inside at::parallel_for it runs on the calling thread.
bool onednn_sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc);

/// Whether this build has oneDNN's sgemm, and whether kAuto uses it: false when the
/// environment sets CRITNET_GEMM=aten (read once) or the build has no oneDNN.
bool gemm_has_onednn();
bool gemm_auto_uses_onednn();
/// oneDNN's effective CPU ISA ("avx512_core_bf16", "avx2", "sse41", ... as
/// ONEDNN_MAX_CPU_ISA may cap it); "" in a build without oneDNN.
std::string gemm_onednn_isa();

}  // namespace critnet::core::detail
