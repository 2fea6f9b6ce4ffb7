#pragma once
/// Floating-point facts shared by the measures: the machine epsilon of a tensor's dtype and
/// numpy's matrix-rank tolerance, below which a singular value is rounding noise.
#include <torch/torch.h>

#include <cstdint>

namespace critnet {

/// Machine epsilon (the gap from 1 to the next number) of `dtype`: 2⁻⁵² for float64, 2⁻²³ for
/// float32, 2⁻¹⁰ for float16, 2⁻⁷ for bfloat16; float32's for any other type.
double dtype_epsilon(torch::ScalarType dtype);

/// numpy's matrix_rank rule: singular values of a rows × cols matrix stored in `dtype` at or
/// below ε·s_max·max(rows, cols) are numerically zero (Press et al., Numerical Recipes §2.6).
double rank_tolerance(double s_max, int64_t rows, int64_t cols, torch::ScalarType dtype);

}  // namespace critnet
