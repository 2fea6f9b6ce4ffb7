// The fused Adam pass (src/train/detail/adam_kernel.h): every build this CPU runs (AVX-512,
// AVX2, baseline) gives the bits of the scalar formula, for float and double, with and
// without weight decay, on lengths whose tails are not whole vectors, over several steps, and
// split over threads in chunks that start mid-vector.
#include "../../../src/train/detail/adam_kernel.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace critnet::train::detail {
namespace {

// The formula as FastMlpStep used it before the kernel was vectorised, one rounding per
// operation (no contraction into FMA, whatever the test's own flags).
template <typename T>
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void reference_adam(T* p, const T* g, T* m, T* v, int64_t n, const AdamScalars<T>& s) {
  for (int64_t i = 0; i < n; ++i) {
    T gi = g[i];
    if (s.weight_decay != T(0)) gi += s.weight_decay * p[i];
    m[i] = m[i] * s.beta1 + gi * s.one_minus_beta1;
    v[i] = v[i] * s.beta2 + gi * gi * s.one_minus_beta2;
    const T denom = std::sqrt(v[i]) / s.sqrt_bc2 + s.eps;
    p[i] -= s.step_size * (m[i] / denom);
  }
}

// Adam's scalars of step t as FastMlpStep::adam_step forms them.
template <typename T>
AdamScalars<T> scalars(int64_t t, double weight_decay) {
  const double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const double bc1 = 1 - std::pow(beta1, static_cast<double>(t));
  const double bc2 = 1 - std::pow(beta2, static_cast<double>(t));
  return {static_cast<T>(beta1),          static_cast<T>(beta2),        static_cast<T>(1 - beta1),
          static_cast<T>(1 - beta2),      static_cast<T>(weight_decay), static_cast<T>(lr / bc1),
          static_cast<T>(std::sqrt(bc2)), static_cast<T>(eps)};
}

template <typename T>
std::vector<T> values(const torch::Tensor& t) {
  const torch::Tensor c = t.to(std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64);
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

// Parameters, gradients (a few exactly zero) and moments (v ≥ 0, a few zero) of n entries.
template <typename T>
struct State {
  std::vector<T> p, g, m, v;
  explicit State(int64_t n) {
    p = values<T>(torch::randn({n}, torch::kFloat64));
    g = values<T>(torch::randn({n}, torch::kFloat64) * 1e-2);
    m = values<T>(torch::randn({n}, torch::kFloat64) * 1e-3);
    v = values<T>((torch::randn({n}, torch::kFloat64) * 1e-3).square());
    for (int64_t i = 0; i < n; i += 97) g[i] = v[i] = T(0);
  }
};

// The first entry where a and b differ in their bits, or -1.
template <typename T>
int64_t first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return static_cast<int64_t>(i);
  }
  return -1;
}

template <typename T>
void expect_same_bits(const State<T>& got, const State<T>& want, const std::string& what) {
  EXPECT_EQ(first_difference(got.p, want.p), -1) << what << ": parameters";
  EXPECT_EQ(first_difference(got.m, want.m), -1) << what << ": first moment";
  EXPECT_EQ(first_difference(got.v, want.v), -1) << what << ": second moment";
}

template <typename T>
void expect_every_build_matches_reference() {
  constexpr const char* dtype = std::is_same_v<T, float> ? "float" : "double";
  int64_t tested = 0;
  for (const AdamKernel& k : adam_kernels()) {
    if (!k.supported()) continue;
    ++tested;
    auto run = [&](T* p, const T* g, T* m, T* v, int64_t n, const AdamScalars<T>& s) {
      if constexpr (std::is_same_v<T, float>) {
        k.f32(p, g, m, v, n, s);
      } else {
        k.f64(p, g, m, v, n, s);
      }
    };
    for (int64_t n : {1, 3, 7, 15, 17, 31, 33, 4093, 5003}) {
      for (double wd : {0.0, 1e-2}) {
        torch::manual_seed(static_cast<uint64_t>(n));
        State<T> got(n);
        State<T> want = got;
        for (int64_t t = 1; t <= 3; ++t) {
          const AdamScalars<T> s = scalars<T>(t, wd);
          run(got.p.data(), got.g.data(), got.m.data(), got.v.data(), n, s);
          reference_adam(want.p.data(), want.g.data(), want.m.data(), want.v.data(), n, s);
        }
        expect_same_bits(got, want,
                         std::string(k.name) + " " + dtype + " n " + std::to_string(n) +
                             " weight decay " + std::to_string(wd));
      }
    }
  }
  EXPECT_GE(tested, 1);
}

TEST(AdamKernel, EveryBuildGivesTheScalarFormulasBitsFloat) {
  expect_every_build_matches_reference<float>();
}

TEST(AdamKernel, EveryBuildGivesTheScalarFormulasBitsDouble) {
  expect_every_build_matches_reference<double>();
}

// Chunks of 1,001 entries over two threads (starts not aligned to any vector width) give the
// same bits as one pass.
TEST(AdamKernel, ThreadedChunksGiveTheSameBits) {
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  const int64_t n = 5003;
  torch::manual_seed(3);
  State<float> got(n);
  State<float> want = got;
  const AdamScalars<float> s = scalars<float>(4, 1e-2);
  fused_adam(got.p.data(), got.g.data(), got.m.data(), got.v.data(), n, s, adam_kernel(), 1001);
  reference_adam(want.p.data(), want.g.data(), want.m.data(), want.v.data(), n, s);
  expect_same_bits(got, want, "chunks of 1001");
  torch::set_num_threads(threads);
}

TEST(AdamKernel, TheChosenBuildIsTheWidestSupported) {
  const auto& all = adam_kernels();
  ASSERT_FALSE(all.empty());
  EXPECT_STREQ(all.back().name, "baseline");
  EXPECT_TRUE(all.back().supported());
  for (const AdamKernel& k : all) {
    if (!k.supported()) continue;
    EXPECT_STREQ(adam_kernel().name, k.name);
    break;
  }
}

}  // namespace
}  // namespace critnet::train::detail
