#pragma once
/// Products of a weight V [r, c] with thin matrices of a few columns (the Hutchinson probes of
/// the stochastic penalty, docs/performance.md).
///
/// A thin matrix with m columns is kept transposed, as a contiguous [m, n] tensor (one probe
/// per row), so that every probe is a contiguous vector. BLAS gemm runs at a fraction of its
/// speed on such shapes (OpenBLAS, [600, 3072] with 4 probes, 2 threads: V Z 0.6 ms, Vᵀ Y
/// 0.5 ms); these kernels stream V once per product with vectorised loops (compiled for
/// AVX-512, AVX2+FMA and baseline x86-64, picked at load time): 0.17-0.23 and 0.13-0.18 ms.
/// The rank-m update the gradient ends with, C += a·Aᵀ B on [600, 3072] with m = 4:
/// 0.13-0.19 ms against 0.28-0.54 ms for addmm_. Tensors that are not contiguous float/double CPU
/// tensors go through at::mm / addmm_.
#include <torch/torch.h>

namespace critnet::reg::detail {

/// (V Z)ᵀ [m, r] for V [r, c] and Zt = Zᵀ [m, c].
torch::Tensor times_thin(const torch::Tensor& v, const torch::Tensor& zt);

/// (Vᵀ Y)ᵀ [m, c] for V [r, c] and Yt = Yᵀ [m, r].
torch::Tensor transposed_times_thin(const torch::Tensor& v, const torch::Tensor& yt);

/// C += alpha · Atᵀ Bt (+ beta · V) for C [r, c], At [m, r], Bt [m, c] and V [r, c] (a rank-m
/// update, plus a multiple of V when V is given, in one pass over C).
void add_thin_outer(const torch::Tensor& c, const torch::Tensor& at, const torch::Tensor& bt,
                    double alpha, const torch::Tensor& v = torch::Tensor(), double beta = 0.0);

}  // namespace critnet::reg::detail
