#include "critnet/core/numerics.h"

#include <algorithm>
#include <limits>

namespace critnet {

double dtype_epsilon(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat64:
      return std::numeric_limits<double>::epsilon();
    case torch::kFloat16:
      return 9.765625e-4;  // 2^-10
    case torch::kBFloat16:
      return 7.8125e-3;  // 2^-7
    default:
      return static_cast<double>(std::numeric_limits<float>::epsilon());
  }
}

double rank_tolerance(double s_max, int64_t rows, int64_t cols, torch::ScalarType dtype) {
  return dtype_epsilon(dtype) * s_max * static_cast<double>(std::max(rows, cols));
}

}  // namespace critnet
