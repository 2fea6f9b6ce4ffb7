#include "core/detail/gemm.h"

#include <cstdlib>
#include <cstring>

#include "core/detail/signal_deferral.h"
#include "critnet/core/error.h"

#ifndef CRITNET_WITH_ONEDNN
#define CRITNET_WITH_ONEDNN 0
#endif
#if CRITNET_WITH_ONEDNN
#include <dnnl.h>
#endif

namespace critnet::core::detail {
namespace {

// Below this many multiply-adds the threading and dispatch of oneDNN cost more than they save
// (the last layer's 128 x 100 x 10 products): ATen's call is faster.
constexpr int64_t kMinOneDnnWork = int64_t{1} << 18;

#if CRITNET_WITH_ONEDNN
// dnnl_sgemm, its status turned into a critnet::Error; no asynchronous signal reaches a thread
// inside its JIT kernels (core/detail/signal_deferral.h).
void checked_sgemm(char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const SignalDeferral defer;
  const dnnl_status_t status = dnnl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  CRITNET_CHECK(status == dnnl_success, "oneDNN sgemm failed with status ",
                static_cast<int>(status), " for a [", m, ", ", k, "] x [", k, ", ", n, "] product");
}

// A row-major view of x as oneDNN's sgemm wants it: the pointer, whether to transpose the
// stored matrix, and its leading dimension. False when x has no unit stride.
struct RowMajor {
  const float* data;
  bool transpose;
  int64_t ld;
};

bool row_major(const at::Tensor& x, bool transpose, RowMajor& out) {
  const int64_t rows = x.size(0), cols = x.size(1);
  if (x.stride(1) == 1 && x.stride(0) >= std::max<int64_t>(1, cols)) {
    out = {x.data_ptr<float>(), transpose, x.stride(0)};
    return true;
  }
  if (x.stride(0) == 1 && x.stride(1) >= std::max<int64_t>(1, rows)) {  // a transposed view
    out = {x.data_ptr<float>(), !transpose, x.stride(1)};
    return true;
  }
  return false;
}

bool onednn_gemm(const at::Tensor& a, bool ta, const at::Tensor& b, bool tb, const at::Tensor& c,
                 double alpha, double beta) {
  if (c.scalar_type() != at::kFloat || a.scalar_type() != at::kFloat ||
      b.scalar_type() != at::kFloat || !c.device().is_cpu() || !a.device().is_cpu() ||
      !b.device().is_cpu())
    return false;
  const int64_t m = c.size(0), n = c.size(1), k = ta ? a.size(0) : a.size(1);
  if (m * n * k < kMinOneDnnWork) return false;
  RowMajor ra{}, rb{};
  if (c.stride(1) != 1 || c.stride(0) < n || !row_major(a, ta, ra) || !row_major(b, tb, rb))
    return false;
  checked_sgemm(ra.transpose ? 'T' : 'N', rb.transpose ? 'T' : 'N', m, n, k,
                static_cast<float>(alpha), ra.data, ra.ld, rb.data, rb.ld, static_cast<float>(beta),
                c.data_ptr<float>(), c.stride(0));
  return true;
}
#endif

bool env_forces_aten() {
  const char* v = std::getenv("CRITNET_GEMM");
  return v != nullptr && std::strcmp(v, "aten") == 0;
}

void check_shapes(const at::Tensor& a, bool ta, const at::Tensor& b, bool tb, const at::Tensor& c) {
  CRITNET_CHECK(a.dim() == 2 && b.dim() == 2 && c.dim() == 2, "gemm: 2-D operands expected, got ",
                a.sizes(), ", ", b.sizes(), " -> ", c.sizes());
  const int64_t m = ta ? a.size(1) : a.size(0), k = ta ? a.size(0) : a.size(1);
  const int64_t kb = tb ? b.size(1) : b.size(0), n = tb ? b.size(0) : b.size(1);
  CRITNET_CHECK(k == kb && c.size(0) == m && c.size(1) == n, "gemm: sizes do not match: op(a) [", m,
                ", ", k, "], op(b) [", kb, ", ", n, "], c ", c.sizes());
}

}  // namespace

bool gemm_has_onednn() {
  return CRITNET_WITH_ONEDNN != 0;
}

bool gemm_auto_uses_onednn() {
  static const bool forced_aten = env_forces_aten();
  return gemm_has_onednn() && !forced_aten;
}

std::string gemm_onednn_isa() {
#if CRITNET_WITH_ONEDNN
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41:
      return "sse41";
    case dnnl_cpu_isa_avx:
      return "avx";
    case dnnl_cpu_isa_avx2:
      return "avx2";
    case dnnl_cpu_isa_avx2_vnni:
      return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core:
      return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
#else
  return "";
#endif
}

bool onednn_sgemm(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc) {
#if CRITNET_WITH_ONEDNN
  if (!gemm_auto_uses_onednn()) return false;
  checked_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  return true;
#else
  return false;
#endif
}

void gemm(const at::Tensor& a, bool transpose_a, const at::Tensor& b, bool transpose_b,
          const at::Tensor& c, double alpha, double beta, GemmBackend backend) {
  check_shapes(a, transpose_a, b, transpose_b, c);
#if CRITNET_WITH_ONEDNN
  const bool try_onednn =
      backend == GemmBackend::kOneDnn || (backend == GemmBackend::kAuto && gemm_auto_uses_onednn());
  if (try_onednn && onednn_gemm(a, transpose_a, b, transpose_b, c, alpha, beta)) return;
#endif
  const at::Tensor opa = transpose_a ? a.t() : a, opb = transpose_b ? b.t() : b;
  at::Tensor out = c;
  if (beta == 0.0) {
    at::mm_out(out, opa, opb);
    if (alpha != 1.0) out.mul_(alpha);
  } else {
    at::addmm_out(out, c, opa, opb, beta, alpha);
  }
}

}  // namespace critnet::core::detail
