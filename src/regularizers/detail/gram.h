#pragma once
/// Gram matrices A Aᵀ / Aᵀ A with a symmetric rank-k update (BLAS syrk: half the flops of a
/// general product) where the process's BLAS offers one, and products of commuting symmetric
/// matrices, both computed as upper triangles in strips over the threads.
#include <torch/torch.h>

#include <string>

namespace critnet::reg::detail {

/// A Aᵀ (rows = true) or Aᵀ A (rows = false) of a 2-D tensor. CPU float/double tensors go
/// through cblas_?syrk when the build links LibTorch's BLAS (cmake/critnet_blas.cmake), others
/// through at::mm. Not differentiable: call with grad mode off.
torch::Tensor gram(const torch::Tensor& a, bool rows);

/// A·B for symmetric [n, n] matrices that commute (polynomials in one symmetric matrix), so
/// that the product is symmetric: only its upper triangle is computed (half the flops), in
/// strips over the threads, then mirrored. Non-CPU or non-float tensors: at::mm. The caller
/// vouches for the symmetry; nothing checks it. Grad mode off.
torch::Tensor symmetric_product(const torch::Tensor& a, const torch::Tensor& b);

/// Whether gram() calls a BLAS syrk (the build linked LibTorch's CBLAS).
bool syrk_available();

/// The file of the shared library the cblas calls reach in this process (dladdr), e.g.
/// /lib/x86_64-linux-gnu/libblas.so.3; "" without CBLAS.
std::string cblas_library();

}  // namespace critnet::reg::detail
