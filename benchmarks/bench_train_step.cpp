// One training step of the paper's net (3072-600-400-200-100-10, ReLU, Adam, float32) on
// random data: the fast step (fast_step.h) against autograd + torch::optim::Adam, the matrix
// products alone at the step's shapes (the floor the step can approach), the Adam update
// alone (fused vs torch), and a large GEMM for the machine's GFLOP/s. Threads:
// CRITNET_BENCH_THREADS (default 2). Used by benchmarks/train_throughput.sh.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <vector>

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
BENCHMARK(BM_LargeGemm)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
