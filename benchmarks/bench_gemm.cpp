// The matrix products critnet runs, through ATen (OpenBLAS on Debian) and through oneDNN's
// sgemm (core/detail/gemm.h), in the same run: the paper net's 14 step products at batch 128
// and 512, the exact penalty's two big products of the first layer ([600, 3072]: V Vᵀ and
// M V), and a 2048³ GEMM for the machine's GFLOP/s. Arg 1 of each: 0 ATen, 1 oneDNN.
// Threads: CRITNET_BENCH_THREADS (default 2).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <vector>

#include "../src/core/detail/gemm.h"

namespace {

using critnet::core::detail::gemm;
using critnet::core::detail::GemmBackend;

const std::vector<int64_t> kWidths{3072, 600, 400, 200, 100, 10};

void set_threads() {
  const char* env = std::getenv("CRITNET_BENCH_THREADS");
  torch::set_num_threads(env ? std::atoi(env) : 2);
}

GemmBackend backend_of(const benchmark::State& state) {
  return state.range(1) == 0 ? GemmBackend::kAten : GemmBackend::kOneDnn;
}

void label(benchmark::State& state, double flops_per_iteration) {
  state.SetLabel(state.range(1) == 0 ? "aten" : "onednn");
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9 * state.iterations(),
                                                 benchmark::Counter::kIsRate);
}

// args: batch, backend. Forward h·Wᵀ for 5 layers, dW = δᵀ·h for 5, dh = δ·W for the upper 4.
void BM_StepProducts(benchmark::State& state) {
  set_threads();
  const int64_t b = state.range(0);
  const auto backend = backend_of(state);
  std::vector<torch::Tensor> w, gw, h, d, dh;
  h.push_back(torch::randn({b, kWidths[0]}));
  double flops = 0;
  for (size_t l = 0; l + 1 < kWidths.size(); ++l) {
    w.push_back(torch::randn({kWidths[l + 1], kWidths[l]}) * 0.01);
    gw.push_back(torch::empty({kWidths[l + 1], kWidths[l]}));
    h.push_back(torch::empty({b, kWidths[l + 1]}));
    d.push_back(torch::randn({b, kWidths[l + 1]}));
    dh.push_back(torch::empty({b, kWidths[l]}));
    flops += 2.0 * b * kWidths[l] * kWidths[l + 1] * (l == 0 ? 2 : 3);
  }
  for (auto _ : state) {
    for (size_t l = 0; l < w.size(); ++l) gemm(h[l], false, w[l], true, h[l + 1], 1, 0, backend);
    for (size_t l = w.size(); l-- > 0;) {
      gemm(d[l], true, h[l], false, gw[l], 1, 0, backend);
      if (l > 0) gemm(d[l], false, w[l], false, dh[l], 1, 0, backend);
    }
    benchmark::DoNotOptimize(gw[0].data_ptr());
  }
  label(state, flops);
}

// args: 0 (V Vᵀ) or 1 (M V) of the first layer's [600, 3072], backend.
void BM_PenaltyProducts(benchmark::State& state) {
  set_threads();
  const auto backend = backend_of(state);
  auto v = torch::randn({600, 3072});
  auto m = torch::randn({600, 600});
  auto g = torch::empty({600, 600});
  auto mv = torch::empty({600, 3072});
  for (auto _ : state) {
    if (state.range(0) == 0) {
      gemm(v, false, v, true, g, 1, 0, backend);
    } else {
      gemm(m, false, v, false, mv, 1, 0, backend);
    }
  }
  label(state, state.range(0) == 0 ? 2.0 * 600 * 600 * 3072 : 2.0 * 600 * 600 * 3072);
}

// args: n, backend.
void BM_Gemm(benchmark::State& state) {
  set_threads();
  const int64_t n = state.range(0);
  auto a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n});
  for (auto _ : state) gemm(a, false, b, false, c, 1, 0, backend_of(state));
  label(state, 2.0 * n * n * n);
}

BENCHMARK(BM_StepProducts)
    ->ArgsProduct({{128, 512}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PenaltyProducts)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Gemm)->ArgsProduct({{2048}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
