#pragma once
/// Gram matrices A Aᵀ / Aᵀ A with a symmetric rank-k update (BLAS syrk: half the flops of a
/// general product) where the process's BLAS offers one.
#include <torch/torch.h>

namespace critnet::reg::detail {

/// A Aᵀ (rows = true) or Aᵀ A (rows = false) of a 2-D tensor. Contiguous (or transposed
/// contiguous) CPU float/double tensors go through cblas_?syrk when the BLAS LibTorch loaded
/// exports it (looked up once with dlsym), others through at::mm. Not differentiable: call
/// with grad mode off.
torch::Tensor gram(const torch::Tensor& a, bool rows);

/// Whether gram() found a BLAS syrk in this process.
bool syrk_available();

}  // namespace critnet::reg::detail
