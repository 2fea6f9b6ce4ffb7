// The library's products (core/detail/gemm.h): oneDNN's sgemm and ATen agree to float
// error bound for every transpose, for transposed views, leading dimensions wider than the
// matrix, alpha and beta; float64, tiny and strided products take ATen's path; bad shapes fail.
#include "../../../src/core/detail/gemm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "critnet/core/error.h"
#include "support/error_bounds.h"

namespace critnet::core::detail {
namespace {

// The reference in float64: alpha·op(a)·op(b) + beta·c0.
torch::Tensor reference(const torch::Tensor& a, bool ta, const torch::Tensor& b, bool tb,
                        const torch::Tensor& c0, double alpha, double beta) {
  auto A = (ta ? a.t() : a).to(torch::kFloat64), B = (tb ? b.t() : b).to(torch::kFloat64);
  return alpha * A.mm(B) + beta * c0.to(torch::kFloat64);
}

using test_support::gamma_n;
using test_support::unit_roundoff;
using test_support::within_bound;

// Bound on |fl(alpha·op(a)·op(b) + beta·c0) − exact| element-wise for a product computed in
// the dtype with unit round-off u: k products summed, the scaling and the addition (k + 2
// roundings per term), relative to the same expression in absolute values.
torch::Tensor gemm_bound(const torch::Tensor& a, bool ta, const torch::Tensor& b, bool tb,
                         const torch::Tensor& c0, double alpha, double beta, double u) {
  const int64_t k = ta ? a.size(0) : a.size(1);
  return gamma_n(k + 2, u) *
         reference(a.abs(), ta, b.abs(), tb, c0.abs(), std::abs(alpha), std::abs(beta));
}

// The float32 library product against the float64 reference: the float32 bound plus the
// float64 reference's own.
torch::Tensor float32_bound(const torch::Tensor& a, bool ta, const torch::Tensor& b, bool tb,
                            const torch::Tensor& c0, double alpha, double beta) {
  return gemm_bound(a, ta, b, tb, c0, alpha, beta, unit_roundoff(torch::kFloat32)) +
         gemm_bound(a, ta, b, tb, c0, alpha, beta, unit_roundoff(torch::kFloat64));
}

TEST(Gemm, EveryBackendMatchesTheFloat64ProductForEveryTransposeAndLayout) {
  torch::manual_seed(3);
  const int64_t m = 70, n = 90, k = 130;  // m·n·k above oneDNN's threshold
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (bool view : {false, true}) {
        // Stored so that op(x) has the wanted shape; `view` stores the transpose and passes
        // a transposed view, which is the same matrix with the other unit stride.
        auto make = [&](int64_t rows, int64_t cols) {
          return view ? torch::randn({cols, rows}).t() : torch::randn({rows, cols});
        };
        auto a = ta ? make(k, m) : make(m, k);
        auto b = tb ? make(n, k) : make(k, n);
        auto c0 = torch::randn({m, n});
        for (auto backend : {GemmBackend::kAten, GemmBackend::kOneDnn, GemmBackend::kAuto}) {
          auto c = c0.clone();
          gemm(a, ta, b, tb, c, 0.5f, 2.0f, backend);
          EXPECT_TRUE(within_bound(c, reference(a, ta, b, tb, c0, 0.5, 2.0),
                                   float32_bound(a, ta, b, tb, c0, 0.5, 2.0)))
              << "ta " << ta << " tb " << tb << " view " << view;
        }
      }
    }
  }
}

TEST(Gemm, WritesIntoAViewWithAWiderLeadingDimensionAndLeavesTheRestAlone) {
  torch::manual_seed(4);
  auto a = torch::randn({64, 200}), b = torch::randn({200, 48});
  auto big = torch::full({64, 80}, 7.0f);
  auto c = big.narrow(1, 10, 48);  // leading dimension 80
  gemm(a, false, b, false, c, 1.0f, 0.0f, GemmBackend::kOneDnn);
  const auto zero = torch::zeros({64, 48});
  EXPECT_TRUE(within_bound(c, reference(a, false, b, false, zero, 1, 0),
                           float32_bound(a, false, b, false, zero, 1, 0)));
  EXPECT_TRUE(big.narrow(1, 0, 10).eq(7.0f).all().item<bool>());
  EXPECT_TRUE(big.narrow(1, 58, 22).eq(7.0f).all().item<bool>());
}

TEST(Gemm, BetaZeroIgnoresWhatTheOutputHeld) {
  auto a = torch::randn({80, 100}), b = torch::randn({100, 60});
  for (auto backend : {GemmBackend::kAten, GemmBackend::kOneDnn}) {
    auto c = torch::full({80, 60}, std::numeric_limits<float>::quiet_NaN());
    gemm(a, false, b, false, c, 1.0f, 0.0f, backend);
    EXPECT_TRUE(torch::isfinite(c).all().item<bool>());
  }
}

TEST(Gemm, Float64TinyAndEmptyProductsAreRight) {
  torch::manual_seed(5);
  auto a = torch::randn({40, 50}, torch::kFloat64), b = torch::randn({50, 30}, torch::kFloat64);
  auto c = torch::empty({40, 30}, torch::kFloat64);
  gemm(a, false, b, false, c, 1.0f, 0.0f, GemmBackend::kOneDnn);
  // Two float64 computations of a·b (ATen's path and at::mm).
  const auto zero64 = torch::zeros({40, 30}, torch::kFloat64);
  EXPECT_TRUE(within_bound(
      c, a.mm(b),
      2 * gemm_bound(a, false, b, false, zero64, 1, 0, unit_roundoff(torch::kFloat64))));
  auto ts = torch::randn({4, 3}), bs = torch::randn({3, 2}), cs = torch::empty({4, 2});
  gemm(ts, false, bs, false, cs, 1.0f, 0.0f, GemmBackend::kOneDnn);
  const auto zero_s = torch::zeros({4, 2});
  EXPECT_TRUE(within_bound(cs, reference(ts, false, bs, false, zero_s, 1, 0),
                           float32_bound(ts, false, bs, false, zero_s, 1, 0)));
  auto e = torch::randn({5, 0}), f = torch::randn({0, 6}), g = torch::full({5, 6}, 3.0f);
  gemm(e, false, f, false, g, 1.0f, 0.5f, GemmBackend::kOneDnn);
  EXPECT_TRUE(g.eq(1.5f).all().item<bool>());
}

TEST(Gemm, MismatchedShapesFailWithTheSizes) {
  auto a = torch::randn({4, 5}), b = torch::randn({6, 7}), c = torch::empty({4, 7});
  EXPECT_THROW(gemm(a, false, b, false, c), critnet::Error);
  EXPECT_THROW(gemm(torch::randn({4}), false, b, false, c), critnet::Error);
}

}  // namespace
}  // namespace critnet::core::detail
