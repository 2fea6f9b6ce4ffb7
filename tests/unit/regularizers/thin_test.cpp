// The private thin-product kernels of the stochastic penalty (V Z, Vᵀ Y and the rank-m update
// C + a·Yᵀ Z) agree with at::mm for every
// shape class (rows not a multiple of 4, columns not a multiple of the vector width, 1 to 9
// probes), both dtypes, and fall back to at::mm for layouts they do not handle.
#include "../../../src/regularizers/detail/thin.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/error_bounds.h"

namespace critnet::reg::detail {
namespace {

using test_support::gamma_n;
using test_support::matmul_bound;
using test_support::unit_roundoff;
using test_support::within_bound;

// Two computations of A·B (the kernel's and at::mm's) differ by at most 2·γ_k·|A||B|.
torch::Tensor product_bound(const torch::Tensor& a, const torch::Tensor& b) {
  return 2.0 * matmul_bound(a, b, unit_roundoff(a.scalar_type()));
}

TEST(ThinProducts, MatchMatrixProductsForEveryShapeClassAndDtype) {
  torch::manual_seed(11);
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    const double u = unit_roundoff(dtype);
    for (auto shape : {std::vector<int64_t>{1, 1}, std::vector<int64_t>{3, 7},
                       std::vector<int64_t>{8, 16}, std::vector<int64_t>{13, 37},
                       std::vector<int64_t>{64, 301}, std::vector<int64_t>{301, 64}}) {
      const torch::Tensor v = torch::randn(shape, dtype);
      for (int64_t m : {1, 3, 4, 5, 9}) {
        const torch::Tensor zt = torch::randn({m, shape[1]}, dtype);
        const torch::Tensor yt = torch::randn({m, shape[0]}, dtype);
        const torch::Tensor vz = times_thin(v, zt), vty = transposed_times_thin(v, yt);
        ASSERT_EQ(vz.sizes(), (std::vector<int64_t>{m, shape[0]}));
        ASSERT_EQ(vty.sizes(), (std::vector<int64_t>{m, shape[1]}));
        EXPECT_TRUE(within_bound(vz, zt.mm(v.t()), product_bound(zt, v.t())))
            << "V Z, shape " << shape[0] << "x" << shape[1] << ", m " << m;
        EXPECT_TRUE(within_bound(vty, yt.mm(v), product_bound(yt, v)))
            << "Vt Y, shape " << shape[0] << "x" << shape[1] << ", m " << m;
        const torch::Tensor c = torch::randn(shape, dtype);
        torch::Tensor updated = c.clone();
        add_thin_outer(updated, yt, zt, -0.7);
        // c − 0.7·Σ_m y z: m products, the scaling and the addition, m + 2 roundings per term
        // on each side.
        const torch::Tensor bound =
            2.0 * gamma_n(m + 2, u) *
            (c.abs().to(torch::kFloat64) +
             0.7 * yt.t().abs().to(torch::kFloat64).mm(zt.abs().to(torch::kFloat64)));
        EXPECT_TRUE(within_bound(updated, c - 0.7 * yt.t().mm(zt), bound))
            << "C + a Yt Z, shape " << shape[0] << "x" << shape[1] << ", m " << m;
      }
    }
  }
  torch::set_num_threads(threads);
}

TEST(ThinProducts, EveryOutputIsWrittenOverWhatThePoolLeft) {
  // The outputs come from torch::empty: fill the allocator's blocks with NaN first, so that an
  // element the kernels forget to write shows up.
  for (int i = 0; i < 4; ++i) {
    torch::Tensor poison = torch::full({4, 1000}, std::nan(""), torch::kFloat32);
  }
  const torch::Tensor v = torch::randn({10, 250}), zt = torch::randn({4, 250}),
                      yt = torch::randn({4, 10});
  EXPECT_TRUE(times_thin(v, zt).isfinite().all().item<bool>());
  EXPECT_TRUE(transposed_times_thin(v, yt).isfinite().all().item<bool>());
}

TEST(ThinProducts, NonContiguousInputsFallBackAndBadShapesThrow) {
  torch::manual_seed(12);
  const torch::Tensor base = torch::randn({20, 30}, torch::kFloat64);
  const torch::Tensor v = base.t();  // [30, 20], not contiguous
  const torch::Tensor zt = torch::randn({3, 20}, torch::kFloat64);
  const torch::Tensor yt = torch::randn({3, 30}, torch::kFloat64);
  EXPECT_TRUE(within_bound(times_thin(v, zt), zt.mm(v.t()), product_bound(zt, v.t())));
  EXPECT_TRUE(within_bound(transposed_times_thin(v, yt), yt.mm(v), product_bound(yt, v)));
  EXPECT_THROW(times_thin(v, torch::randn({3, 21}, torch::kFloat64)), c10::Error);
  EXPECT_THROW(transposed_times_thin(v, torch::randn({3, 29}, torch::kFloat64)), c10::Error);
  torch::Tensor c = torch::randn({20, 30}, torch::kFloat64).t();  // [30, 20], not contiguous
  const torch::Tensor expected = c + 2.0 * yt.t().mm(zt);
  const torch::Tensor bound = 2.0 * gamma_n(3 + 2, unit_roundoff(torch::kFloat64)) *
                              (c.abs() + 2.0 * yt.t().abs().mm(zt.abs()));
  add_thin_outer(c, yt, zt, 2.0);
  EXPECT_TRUE(within_bound(c, expected, bound));
  EXPECT_THROW(add_thin_outer(c, zt, yt, 1.0), c10::Error);
}

}  // namespace
}  // namespace critnet::reg::detail
