// The private syrk-based Gram helper agrees with at::mm in every layout and dtype.
#include "../../../src/regularizers/detail/gram.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace critnet::reg::detail {
namespace {

TEST(Gram, MatchesMatrixProductInEveryLayout) {
  torch::manual_seed(4);
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    const double tol = dtype == torch::kFloat64 ? 1e-12 : 1e-4;
    torch::Tensor a = torch::randn({7, 12}, dtype);
    for (const torch::Tensor& x :
         {a, a.t(), a.slice(1, 0, 12, 2)}) {  // contiguous, transposed, strided
      for (bool rows : {true, false}) {
        torch::Tensor expected = rows ? x.mm(x.t()) : x.t().mm(x);
        torch::Tensor got = gram(x, rows);
        ASSERT_EQ(got.sizes(), expected.sizes());
        EXPECT_LE((got - expected).abs().max().item<double>(), tol);
        EXPECT_TRUE(torch::equal(got, got.t()));
      }
    }
  }
}

TEST(Gram, ThreadStripsMatchMatrixProduct) {
  // Large enough (n²k/2 ≥ 1e7) for the upper triangle to be cut into one strip per thread; n
  // not a multiple of the thread count, rows and columns, both dtypes.
  const int threads = torch::get_num_threads();
  torch::manual_seed(5);
  for (int t : {2, 3}) {
    torch::set_num_threads(t);
    for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
      const double tol = dtype == torch::kFloat64 ? 1e-12 : 1e-4;
      torch::Tensor a = torch::randn({301, 263}, dtype);
      for (const torch::Tensor& x : {a, a.t()}) {
        for (bool rows : {true, false}) {
          torch::Tensor expected = rows ? x.mm(x.t()) : x.t().mm(x);
          torch::Tensor got = gram(x, rows);
          EXPECT_LE(((got - expected).abs().max() / expected.abs().max()).item<double>(), tol)
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
  for (int64_t n : {5, 300}) {  // 300: 0.5·n³ ≥ 1e7 multiply-adds, two strips
    for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
      const double tol = dtype == torch::kFloat64 ? 1e-12 : 1e-5;
      torch::Tensor x = torch::randn({n, n + 3}, dtype);
      torch::Tensor g = x.mm(x.t()) / static_cast<double>(n);
      torch::Tensor p = g.mm(g) * 0.5 + g * 2.0 + torch::eye(n, dtype);
      torch::Tensor expected = p.mm(g);
      torch::Tensor got = symmetric_product(p, g);
      EXPECT_LE(((got - expected).abs().max() / expected.abs().max()).item<double>(), tol)
          << "n " << n;
      EXPECT_TRUE(torch::equal(got, got.t()));
    }
  }
  EXPECT_THROW(symmetric_product(torch::randn({3, 3}), torch::randn({3, 4})), c10::Error);
  torch::set_num_threads(threads);
}

TEST(Gram, UsesTheBlasSyrkOnThisBuild) {
  // Debian's LibTorch needs libblas.so.3 (OpenBLAS or the reference BLAS), which the build
  // links through cblas.h (libblas-dev); a LibTorch with a private BLAS falls back to at::mm
  // (still correct).
  if (!syrk_available()) GTEST_SKIP() << "built without CBLAS: at::mm fallback";
  SUCCEED();
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
