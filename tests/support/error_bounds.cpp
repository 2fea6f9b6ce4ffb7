#include "support/error_bounds.h"

#include <sstream>
#include <stdexcept>

namespace critnet::test_support {

double unit_roundoff(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat64:
      return 0x1p-53;
    case torch::kFloat32:
      return 0x1p-24;
    case torch::kFloat16:
      return 0x1p-11;
    case torch::kBFloat16:
      return 0x1p-8;
    default:
      throw std::invalid_argument("unit_roundoff: not a floating dtype");
  }
}

double gamma_n(int64_t n, double u) {
  const double nu = static_cast<double>(n) * u;
  if (n < 0 || nu >= 1.0) throw std::invalid_argument("gamma_n: n·u >= 1, no error bound");
  return nu / (1.0 - nu);
}

double eigenvalue_bound(int64_t n, double norm_a, double u) {
  return gamma_n(4 * n * n, u) * norm_a;
}

torch::Tensor matmul_bound(const torch::Tensor& a, const torch::Tensor& b, double u) {
  const torch::Tensor abs_a = a.to(torch::kFloat64).abs(), abs_b = b.to(torch::kFloat64).abs();
  return gamma_n(a.size(-1), u) * abs_a.matmul(abs_b);
}

::testing::AssertionResult within_bound(const torch::Tensor& got, const torch::Tensor& expected,
                                        const torch::Tensor& bound) {
  const torch::Tensor g = got.to(torch::kFloat64), e = expected.to(torch::kFloat64);
  const torch::Tensor b = bound.to(torch::kFloat64);
  const torch::Tensor err = (g - e).abs();
  // NaN errors fail too: the comparison is "not within", not "exceeds".
  const torch::Tensor bad = ~(err <= b);
  if (!bad.any().item<bool>()) return ::testing::AssertionSuccess();
  const torch::Tensor excess = torch::where(bad, err - b, torch::zeros_like(err));
  const torch::Tensor flat = torch::nan_to_num(excess, 1e308).flatten();
  const int64_t worst = flat.argmax().item<int64_t>();
  const torch::Tensor errs = err.expand_as(excess).flatten(), bs = b.expand_as(excess).flatten();
  std::ostringstream msg;
  msg << bad.sum().item<int64_t>() << " of " << bad.numel()
      << " elements outside their error bound; worst at flat index " << worst << ": got "
      << g.expand_as(excess).flatten()[worst].item<double>() << ", expected "
      << e.expand_as(excess).flatten()[worst].item<double>() << ", error "
      << errs[worst].item<double>() << " > bound " << bs[worst].item<double>();
  return ::testing::AssertionFailure() << msg.str();
}

::testing::AssertionResult within_bound(const torch::Tensor& got, const torch::Tensor& expected,
                                        double bound) {
  return within_bound(got, expected, torch::full({}, bound, torch::kFloat64));
}

}  // namespace critnet::test_support
