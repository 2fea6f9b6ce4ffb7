// One training step of the paper's net (3072-600-400-200-100-10, ReLU, Adam, float32) on
// random data: the fast step (fast_step.h) against autograd + torch::optim::Adam, the matrix
// products alone at the step's shapes (the floor the step can approach), the Adam update
// alone (fused vs torch; and each build of the fused kernel against the SSE2 loop it
// replaced), and a large GEMM for the machine's GFLOP/s. Threads: CRITNET_BENCH_THREADS
// (default 2). Used by benchmarks/train_throughput.sh.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../src/train/detail/adam_kernel.h"
#include "critnet/nn/mlp.h"
#include "critnet/train/fast_step.h"

namespace {

using critnet::nn::Mlp;
using critnet::nn::MlpOptions;
using critnet::train::AdamSettings;
using critnet::train::FastMlpStep;

const std::vector<int64_t> kWidths{3072, 600, 400, 200, 100, 10};

void set_threads() {
  const char* env = std::getenv("CRITNET_BENCH_THREADS");
  torch::set_num_threads(env ? std::atoi(env) : 2);
}

Mlp make_net() {
  torch::manual_seed(0);
  return Mlp(MlpOptions(3072, 10));
}

double step_flops(int64_t batch) {  // forward 2·b·in·out, backward 4·b·in·out (2 for layer 0)
  double f = 0;
  for (size_t l = 0; l + 1 < kWidths.size(); ++l) {
    const double p = 2.0 * batch * kWidths[l] * kWidths[l + 1];
    f += p * (l == 0 ? 2 : 3);
  }
  return f;
}

void report(benchmark::State& state, int64_t batch) {
  state.SetItemsProcessed(state.iterations() * batch);  // items/s = samples/s
  state.counters["GFLOP/s"] = benchmark::Counter(step_flops(batch) * 1e-9 * state.iterations(),
                                                 benchmark::Counter::kIsRate);
}

// arg: batch
void BM_FastStep(benchmark::State& state) {
  set_threads();
  const int64_t b = state.range(0);
  auto net = make_net();
  FastMlpStep step(net, b);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  step.attach(opt);
  auto x = torch::randn({b, 3072});
  auto y = torch::randint(0, 10, {b}, torch::kInt64);
  for (auto _ : state) {
    benchmark::DoNotOptimize(step.forward(x, y));
    step.backward();
    step.adam_step(AdamSettings{});
  }
  report(state, b);
}

void BM_AutogradStep(benchmark::State& state) {
  set_threads();
  const int64_t b = state.range(0);
  auto net = make_net();
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  auto x = torch::randn({b, 3072});
  auto y = torch::randint(0, 10, {b}, torch::kInt64);
  for (auto _ : state) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  report(state, b);
}

// The step's 14 products alone (5 forward addmm, 5 weight gradients, 4 input gradients) into
// preallocated buffers.
void BM_StepMatmuls(benchmark::State& state) {
  set_threads();
  const int64_t b = state.range(0);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> w, bias, gw, h, d;
  h.push_back(torch::randn({b, kWidths[0]}));
  for (size_t l = 0; l + 1 < kWidths.size(); ++l) {
    w.push_back(torch::randn({kWidths[l + 1], kWidths[l]}) * 0.01);
    bias.push_back(torch::zeros({kWidths[l + 1]}));
    gw.push_back(torch::empty({kWidths[l + 1], kWidths[l]}));
    h.push_back(torch::empty({b, kWidths[l + 1]}));
    d.push_back(torch::randn({b, kWidths[l + 1]}));
  }
  std::vector<torch::Tensor> dh(d.size());
  for (size_t l = 0; l < d.size(); ++l) dh[l] = torch::empty({b, kWidths[l]});
  for (auto _ : state) {
    for (size_t l = 0; l < w.size(); ++l) at::addmm_out(h[l + 1], bias[l], h[l], w[l].t());
    for (size_t l = w.size(); l-- > 0;) {
      at::mm_out(gw[l], d[l].t(), h[l]);
      if (l > 0) at::mm_out(dh[l], d[l], w[l]);
    }
    benchmark::DoNotOptimize(gw[0].data_ptr());
  }
  report(state, b);
}

// The Adam update alone over the net's 2.18 M parameters: arg 0 fused, 1 torch::optim::Adam.
void BM_Adam(benchmark::State& state) {
  set_threads();
  auto net = make_net();
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  if (state.range(0) == 0) {
    FastMlpStep step(net, 1);
    step.attach(opt);
    for (auto& p : net->parameters()) p.mutable_grad().normal_();
    for (auto _ : state) step.adam_step(AdamSettings{});
  } else {
    for (auto& p : net->parameters()) p.mutable_grad() = torch::randn_like(p);
    for (auto _ : state) opt.step();
  }
  state.SetLabel(state.range(0) == 0 ? "fused" : "torch::optim::Adam");
}

// The fused Adam loop before it was multiversioned (fast_step.cpp up to 658b9c3): SSE2, 4
// floats at a time, kept here only as the baseline of BM_AdamKernel.
void sse2_adam(float* p, const float* g, float* m, float* v, int64_t n,
               const critnet::train::detail::AdamScalars<float>& s) {
  int64_t i = 0;
#if defined(__SSE2__)
  const __m128 vb1 = _mm_set1_ps(s.beta1), vb2 = _mm_set1_ps(s.beta2),
               vc1 = _mm_set1_ps(s.one_minus_beta1), vc2 = _mm_set1_ps(s.one_minus_beta2),
               vwd = _mm_set1_ps(s.weight_decay), vss = _mm_set1_ps(s.step_size),
               vsb = _mm_set1_ps(s.sqrt_bc2), veps = _mm_set1_ps(s.eps);
  const bool decay = s.weight_decay != 0.0f;
  for (; i + 4 <= n; i += 4) {
    __m128 pi = _mm_loadu_ps(p + i);
    __m128 gi = _mm_loadu_ps(g + i);
    if (decay) gi = _mm_add_ps(gi, _mm_mul_ps(pi, vwd));
    __m128 mi = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(m + i), vb1), _mm_mul_ps(gi, vc1));
    __m128 vi =
        _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + i), vb2), _mm_mul_ps(_mm_mul_ps(gi, gi), vc2));
    __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), vsb), veps);
    pi = _mm_sub_ps(pi, _mm_mul_ps(vss, _mm_div_ps(mi, denom)));
    _mm_storeu_ps(m + i, mi);
    _mm_storeu_ps(v + i, vi);
    _mm_storeu_ps(p + i, pi);
  }
#endif
  for (; i < n; ++i) {
    float gi = g[i];
    if (s.weight_decay != 0.0f) gi += s.weight_decay * p[i];
    m[i] = m[i] * s.beta1 + gi * s.one_minus_beta1;
    v[i] = v[i] * s.beta2 + gi * gi * s.one_minus_beta2;
    const float denom = std::sqrt(v[i]) / s.sqrt_bc2 + s.eps;
    p[i] -= s.step_size * (m[i] / denom);
  }
}

// The Adam pass alone over the paper net's 2,185,510 float32 parameters (35 MB of p, g, m,
// v; 61 MB moved per pass: 4 arrays read, 3 written). arg 0: 0 = the old SSE2 loop, 1.. =
// adam_kernels()[arg - 1] (widest first); arg 1: 1 = chunks of 256k over at::parallel_for's
// threads (as FastMlpStep does), 0 = one call on the calling thread.
void BM_AdamKernel(benchmark::State& state) {
  namespace d = critnet::train::detail;
  set_threads();
  const int64_t which = state.range(0);
  const bool parallel = state.range(1) != 0;
  const auto& kernels = d::adam_kernels();
  if (which > static_cast<int64_t>(kernels.size()) ||
      (which > 0 && !kernels[which - 1].supported())) {
    state.SkipWithError("this build of the kernel does not run on this CPU");
    return;
  }
  const d::AdamKernel sse2{"sse2-old", [] { return true; }, sse2_adam, nullptr};
  const d::AdamKernel& kernel = which == 0 ? sse2 : kernels[which - 1];
  int64_t n = 0;
  for (size_t l = 0; l + 1 < kWidths.size(); ++l) n += (kWidths[l] + 1) * kWidths[l + 1];
  torch::manual_seed(0);
  auto p = torch::randn({n}), g = torch::randn({n}) * 1e-2, m = torch::zeros({n}),
       v = torch::zeros({n});
  const d::AdamScalars<float> s{0.9f, 0.999f, 0.1f, 0.001f, 0.0f, 1e-3f, 1.0f, 1e-8f};
  for (auto _ : state) {
    if (parallel) {
      d::fused_adam(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(),
                    v.data_ptr<float>(), n, s, kernel);
    } else {
      kernel.f32(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(),
                 n, s);
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 7 * static_cast<int64_t>(sizeof(float)));
  state.SetLabel(std::string(kernel.name) + (parallel ? " parallel_for" : " one thread"));
}

void BM_LargeGemm(benchmark::State& state) {
  set_threads();
  const int64_t n = state.range(0);
  auto a = torch::randn({n, n});
  auto b = torch::randn({n, n});
  auto c = torch::empty({n, n});
  for (auto _ : state) at::mm_out(c, a, b);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_FastStep)->Arg(128)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AutogradStep)->Arg(128)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_StepMatmuls)->Arg(128)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Adam)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AdamKernel)
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_LargeGemm)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
