// FlushDenormals (core/detail/flush_denormals.h): inside it, a product whose exact value is
// subnormal comes out zero on the calling thread and on every OpenMP worker, and a subnormal
// operand reads as zero; after it, both are what IEEE 754 says again.
#include "../../../src/core/detail/flush_denormals.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace critnet::core::detail {
namespace {

// 2⁻¹⁰⁰ · 2⁻³⁰ = 2⁻¹³⁰: exact in float32 as a subnormal, zero when flushed. volatile keeps the
// compiler from folding the product at compile time.
float tiny_product() {
  volatile float a = 0x1p-100f, b = 0x1p-30f;
  return a * b;
}

// A subnormal operand times 1: itself, or zero when denormals read as zero.
float subnormal_times_one() {
  volatile float a = 0x1p-130f, one = 1.0f;
  return a * one;
}

#if defined(__SSE__) || defined(__x86_64__)
TEST(FlushDenormals, FlushesOnEveryThreadOfTheTeamAndRestores) {
  ASSERT_EQ(tiny_product(), 0x1p-130f);
  ASSERT_FALSE(flushing_denormals());
  {
    const FlushDenormals flush;
    EXPECT_TRUE(flushing_denormals());
    EXPECT_EQ(tiny_product(), 0.0f);
    EXPECT_EQ(subnormal_times_one(), 0.0f);
    int threads = 1;
#ifdef _OPENMP
    threads = std::max(2, omp_get_max_threads());
#endif
    std::vector<float> out(static_cast<std::size_t>(threads), -1.0f);
    std::vector<int> flushing(static_cast<std::size_t>(threads), 0);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int t = 0; t < threads; ++t) {
      out[static_cast<std::size_t>(t)] = tiny_product();
      flushing[static_cast<std::size_t>(t)] = flushing_denormals();
    }
    for (int t = 0; t < threads; ++t) {
      EXPECT_EQ(out[static_cast<std::size_t>(t)], 0.0f) << "thread " << t;
      EXPECT_TRUE(flushing[static_cast<std::size_t>(t)]) << "thread " << t;
    }
    {
      const FlushDenormals nested;
      EXPECT_TRUE(flushing_denormals());
    }
    EXPECT_TRUE(flushing_denormals());  // the outer one still holds
  }
  EXPECT_FALSE(flushing_denormals());
  EXPECT_EQ(tiny_product(), 0x1p-130f);
  EXPECT_EQ(subnormal_times_one(), 0x1p-130f);
#pragma omp parallel num_threads(2)
  { EXPECT_FALSE(flushing_denormals()); }
}
#endif

}  // namespace
}  // namespace critnet::core::detail
