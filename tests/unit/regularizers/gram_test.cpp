// The private syrk-based Gram helper agrees with at::mm in every layout and dtype.
#include "../../../src/regularizers/detail/gram.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/error_bounds.h"

namespace critnet::reg::detail {
namespace {

using test_support::matmul_bound;
using test_support::unit_roundoff;
using test_support::within_bound;

// Two computations of X·Y (the kernel's and at::mm's), each within γ_k|X||Y|, in the dtype
// that computes them.
torch::Tensor product_bound(const torch::Tensor& x, const torch::Tensor& y) {
  return 2.0 * matmul_bound(x, y, unit_roundoff(x.scalar_type()));
}

TEST(Gram, MatchesMatrixProductInEveryLayout) {
  torch::manual_seed(4);
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    torch::Tensor a = torch::randn({7, 12}, dtype);
    for (const torch::Tensor& x :
         {a, a.t(), a.slice(1, 0, 12, 2)}) {  // contiguous, transposed, strided
      for (bool rows : {true, false}) {
        torch::Tensor expected = rows ? x.mm(x.t()) : x.t().mm(x);
        torch::Tensor got = gram(x, rows);
        ASSERT_EQ(got.sizes(), expected.sizes());
        EXPECT_TRUE(
            within_bound(got, expected, rows ? product_bound(x, x.t()) : product_bound(x.t(), x)));
        EXPECT_TRUE(torch::equal(got, got.t()));
      }
    }
  }
}

TEST(Gram, ThreadStripsMatchMatrixProduct) {
  // Large enough for the upper triangle to be cut into strips of equal cost, two per thread; n
  // not a multiple of the thread count, rows and columns, both dtypes.
  const int threads = torch::get_num_threads();
  torch::manual_seed(5);
  for (int t : {2, 3}) {
    torch::set_num_threads(t);
    for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
      // [301, 263]: strips of a true syrk (float64: from 1e7 multiply-adds); [701, 653]: strips
      // of whole diagonal blocks too (oneDNN's float32: from 1e8), odd sizes both.
      const torch::Tensor small = torch::randn({301, 263}, dtype);
      const torch::Tensor large = torch::randn({701, 653}, dtype);
      for (const torch::Tensor& x : {small, small.t(), large, large.t()}) {
        for (bool rows : {true, false}) {
          torch::Tensor expected = rows ? x.mm(x.t()) : x.t().mm(x);
          torch::Tensor got = gram(x, rows);
          EXPECT_TRUE(
              within_bound(got, expected, rows ? product_bound(x, x.t()) : product_bound(x.t(), x)))
              << "threads " << t << " rows " << rows;
          EXPECT_TRUE(torch::equal(got, got.t()));
        }
      }
    }
  }
  torch::set_num_threads(threads);
}

TEST(Gram, SymmetricProductOfCommutingMatricesMatchesMatrixProduct) {
  // Polynomials in one symmetric matrix commute; small (one strip) and large (strips) sizes.
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  torch::manual_seed(6);
  // 5: one product; 300: 0.5·n³ ≥ 1e7 multiply-adds (one product with oneDNN, strips
  // otherwise); 601: ≥ 1e8, strips either way.
  for (int64_t n : {5, 300, 601}) {
    for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
      torch::Tensor x = torch::randn({n, n + 3}, dtype);
      torch::Tensor g = x.mm(x.t()) / static_cast<double>(n);
      torch::Tensor p = g.mm(g) * 0.5 + g * 2.0 + torch::eye(n, dtype);
      torch::Tensor expected = p.mm(g);
      torch::Tensor got = symmetric_product(p, g);
      // Both products start from the same computed p and g: the products' own bounds.
      EXPECT_TRUE(within_bound(got, expected, product_bound(p, g))) << "n " << n;
      EXPECT_TRUE(torch::equal(got, got.t()));
    }
  }
  EXPECT_THROW(symmetric_product(torch::randn({3, 3}), torch::randn({3, 4})), c10::Error);
  torch::set_num_threads(threads);
}

// The build decided (cmake/critnet_blas.cmake) whether the Gram kernels link LibTorch's CBLAS;
// CMake passes that decision to this test as CRITNET_EXPECT_CBLAS. The kernel must have been
// compiled the same way (gram.cpp gets CRITNET_WITH_CBLAS through a source-file property that a
// renamed or moved file would silently lose, leaving the at::mm fallback: correct, but not the
// syrk path the build asked for), and its cblas calls must resolve to a library; the syrk
// path then agrees with at::mm within the products' error bound, in both dtypes.
TEST(Gram, UsesTheBlasSyrkOnThisBuild) {
  EXPECT_EQ(syrk_available(), CRITNET_EXPECT_CBLAS != 0);
  if (!CRITNET_EXPECT_CBLAS) GTEST_SKIP() << "this build has no CBLAS: at::mm fallback";
  EXPECT_FALSE(cblas_library().empty());
  torch::manual_seed(8);
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    const torch::Tensor x = torch::randn({9, 40}, dtype);
    const torch::Tensor got = gram(x, /*rows=*/true);
    EXPECT_TRUE(within_bound(got, x.mm(x.t()), product_bound(x, x.t())));
    // The syrk path computes the upper triangle and mirrors it: exactly symmetric.
    EXPECT_TRUE(torch::equal(got, got.t()));
  }
}

// The cblas calls reach the BLAS LibTorch uses, not GSL's libgslcblas (which exports cblas_*
// too, and is linked for GSL): the library that defines them also defines the Fortran dgemm_
// through which LibTorch multiplies (libgslcblas has no Fortran symbols).
TEST(Gram, CblasCallsReachLibTorchsBlas) {
  if (!syrk_available()) GTEST_SKIP() << "built without CBLAS: at::mm fallback";
  const std::string cblas = cblas_library();
  ASSERT_FALSE(cblas.empty());
  EXPECT_EQ(cblas.find("gslcblas"), std::string::npos) << cblas;
  void* fortran = dlsym(RTLD_DEFAULT, "dgemm_");
  ASSERT_NE(fortran, nullptr) << "no dgemm_ in this process";
  Dl_info info{};
  ASSERT_NE(dladdr(fortran, &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  EXPECT_EQ(std::filesystem::canonical(cblas), std::filesystem::canonical(info.dli_fname))
      << "cblas_dsyrk from " << cblas << ", dgemm_ from " << info.dli_fname;
}

}  // namespace
}  // namespace critnet::reg::detail
