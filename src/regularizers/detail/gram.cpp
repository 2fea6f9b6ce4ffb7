#include "regularizers/detail/gram.h"

#include <dlfcn.h>

namespace critnet::reg::detail {
namespace {

// CBLAS enums (cblas.h); the BLAS is found at run time, so its header is not needed.
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112, kUpper = 121;

using SsyrkFn = void (*)(int, int, int, int, int, float, const float*, int, float, float*, int);
using DsyrkFn = void (*)(int, int, int, int, int, double, const double*, int, double, double*, int);

struct Syrk {
  SsyrkFn s = nullptr;
  DsyrkFn d = nullptr;
};

// LibTorch's CPU build has already mapped its BLAS (libblas.so.3 from OpenBLAS, or MKL, ...);
// RTLD_DEFAULT finds its symbols without a link-time dependency. A LibTorch that keeps its
// BLAS private (static MKL) exports none: gram() then falls back to at::mm.
const Syrk& syrk() {
  static const Syrk functions = [] {
    Syrk f;
    f.s = reinterpret_cast<SsyrkFn>(dlsym(RTLD_DEFAULT, "cblas_ssyrk"));
    f.d = reinterpret_cast<DsyrkFn>(dlsym(RTLD_DEFAULT, "cblas_dsyrk"));
    return f;
  }();
  return functions;
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
  const int trans = b_rows ? kNoTrans : kTrans;
  if (b.scalar_type() == torch::kFloat) {
    syrk().s(kRowMajor, kUpper, trans, n, k, 1.0f, b.data_ptr<float>(), c, 0.0f,
             out.data_ptr<float>(), n);
  } else {
    syrk().d(kRowMajor, kUpper, trans, n, k, 1.0, b.data_ptr<double>(), c, 0.0,
             out.data_ptr<double>(), n);
  }
  // Mirror the upper triangle.
  torch::Tensor strict_upper = out.triu(1);
  out.triu_().add_(strict_upper.t());
  return out;
}

}  // namespace critnet::reg::detail
