// Value + gradient of the critical penalty per preset on the paper's layer shapes (LibTorch
// [out, in]: [600, 3072], [400, 600], [200, 400], [100, 200]), float32: the fast path
// (penalty) against naive autograd on the literal formula (penalty_naive), both gram sides,
// and the stochastic estimator. Threads: --threads=N is not a benchmark flag; set
// CRITNET_BENCH_THREADS (default 2).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "critnet/regularizers/critical.h"
// Private helper, benchmarked against at::mm to justify it.
#include "../src/regularizers/detail/gram.h"
#include "../src/regularizers/detail/thin.h"

namespace {

using critnet::reg::GramSide;
using critnet::reg::PenaltyOptions;
using critnet::reg::Preset;

const std::vector<std::vector<int64_t>> kShapes = {{600, 3072}, {400, 600}, {200, 400}, {100, 200}};

PenaltyOptions options_for(Preset preset, GramSide side, int64_t probes) {
  auto options = PenaltyOptions().preset(preset).beta(1.0).gram_side(side).probes(probes);
  if (preset == Preset::kPoly) options.coefficients({0.5, -1.0, 0.3, 0.2, -0.05});
  return options;
}

void set_threads() {
  const char* env = std::getenv("CRITNET_BENCH_THREADS");
  torch::set_num_threads(env ? std::atoi(env) : 2);
}

// args: shape index, preset, side, method (0 fast, 1 naive), probes
void BM_Penalty(benchmark::State& state) {
  set_threads();
  torch::manual_seed(0);
  const auto& shape = kShapes[state.range(0)];
  const auto preset = static_cast<Preset>(state.range(1));
  const auto side = static_cast<GramSide>(state.range(2));
  const bool naive = state.range(3) == 1;
  const auto options = options_for(preset, side, state.range(4));
  torch::Tensor v = (torch::rand(shape) * 2 - 1) / std::sqrt(static_cast<double>(shape[1]));
  v.requires_grad_(true);
  for (auto _ : state) {
    torch::Tensor r =
        naive ? critnet::reg::penalty_naive(v, options) : critnet::reg::penalty(v, options);
    r.backward();
    benchmark::DoNotOptimize(v.grad().data_ptr());
    v.mutable_grad().zero_();
  }
  state.SetLabel(
      critnet::reg::to_string(preset) + " side " + critnet::reg::to_string(side) +
      (naive ? " naive"
             : (state.range(4) > 0 ? " probes " + std::to_string(state.range(4)) : " fast")) +
      " [" + std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "]");
}

void penalty_args(benchmark::internal::Benchmark* b) {
  for (int64_t shape = 0; shape < 4; ++shape) {
    for (auto preset :
         {Preset::kPaper, Preset::kPaperEq33, Preset::kCw, Preset::kPoly, Preset::kL2}) {
      for (auto side : {GramSide::kIn, GramSide::kOut}) {
        const auto p = static_cast<int64_t>(preset), s = static_cast<int64_t>(side);
        b->Args({shape, p, s, 0, 0});
        // The naive [in, in] side of the first layer takes seconds; keep it to the paper preset.
        if (preset != Preset::kL2 &&
            (shape != 0 || side == GramSide::kOut || preset == Preset::kPaper)) {
          b->Args({shape, p, s, 1, 0});
        }
        if (preset == Preset::kPaper || preset == Preset::kPaperEq33) {
          b->Args({shape, p, s, 0, 1});
          b->Args({shape, p, s, 0, 8});
        }
      }
    }
  }
}

BENCHMARK(BM_Penalty)->Apply(penalty_args)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole paper net's penalty (4 hidden layers), sequential with `threads` intra-op threads.
void BM_AllLayers(benchmark::State& state) {
  set_threads();
  const auto preset = static_cast<Preset>(state.range(0));
  const auto side = static_cast<GramSide>(state.range(1));
  const auto options = options_for(preset, side, state.range(2));
  std::vector<torch::Tensor> weights;
  for (const auto& shape : kShapes) {
    weights.push_back(((torch::rand(shape) * 2 - 1) / std::sqrt(static_cast<double>(shape[1])))
                          .requires_grad_(true));
  }
  for (auto _ : state) {
    torch::Tensor total = torch::zeros({});
    for (const auto& v : weights) total = total + critnet::reg::penalty(v, options);
    total.backward();
    for (auto& v : weights) v.mutable_grad().zero_();
  }
  state.SetLabel("all layers " + critnet::reg::to_string(preset) + " side " +
                 critnet::reg::to_string(side) +
                 (state.range(2) > 0 ? " probes " + std::to_string(state.range(2)) : " exact"));
}
BENCHMARK(BM_AllLayers)
    ->Args({static_cast<int64_t>(Preset::kPaper), 0, 0})
    ->Args({static_cast<int64_t>(Preset::kPaper), 1, 0})
    ->Args({static_cast<int64_t>(Preset::kPaper), 0, 1})
    ->Args({static_cast<int64_t>(Preset::kPaper), 0, 4})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The trainer's path: penalty_add_gradient on the 4 hidden layers (value and λ·∇ added in
// place to gradient buffers, no autograd); args: probes (0 = exact), gram side, layer (-1 =
// all four).
void BM_AddGradient(benchmark::State& state) {
  set_threads();
  torch::NoGradGuard no_grad;
  const auto options =
      options_for(Preset::kPaper, static_cast<GramSide>(state.range(1)), state.range(0));
  std::vector<torch::Tensor> weights, grads;
  for (const auto& shape : kShapes) {
    weights.push_back((torch::rand(shape) * 2 - 1) / std::sqrt(static_cast<double>(shape[1])));
    grads.push_back(torch::zeros(shape));
  }
  const int64_t only = state.range(2);
  for (auto _ : state) {
    for (size_t l = 0; l < weights.size(); ++l) {
      if (only >= 0 && static_cast<int64_t>(l) != only) continue;
      auto value = critnet::reg::penalty_add_gradient(weights[l], options, grads[l], 1e-4);
      benchmark::DoNotOptimize(value.data_ptr());
    }
  }
  state.SetLabel((only < 0 ? std::string("all layers") : "layer " + std::to_string(only)) +
                 " paper side " + critnet::reg::to_string(static_cast<GramSide>(state.range(1))) +
                 (state.range(0) > 0 ? " probes " + std::to_string(state.range(0)) : " exact"));
}
BENCHMARK(BM_AddGradient)
    ->ArgsProduct({{0, 1, 4}, {1}, {-1}})
    ->ArgsProduct({{4}, {1}, {0, 1, 2, 3}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The Gram matrix V Vᵀ (args: shape index, 0 = at::mm, 1 = syrk), and G·G of the result.
void BM_Gram(benchmark::State& state) {
  set_threads();
  torch::NoGradGuard no_grad;
  const auto& shape = kShapes[state.range(0)];
  torch::Tensor v = torch::randn(shape);
  const bool syrk = state.range(1) == 1;
  for (auto _ : state) {
    torch::Tensor g = syrk ? critnet::reg::detail::gram(v, true) : v.mm(v.t());
    benchmark::DoNotOptimize(g.data_ptr());
  }
  state.SetLabel(std::string(syrk ? "syrk" : "mm") +
                 (critnet::reg::detail::syrk_available() ? "" : " (no syrk: mm)"));
}
BENCHMARK(BM_Gram)
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Thin products of the first layer's weight V [600, 3072] with m = 4 probes (args: op 0 = V Z,
// 1 = Vᵀ Y, 2 = the rank-4 update C += Aᵀ B of a [600, 3072] matrix that the general split of
// the stochastic gradient ends with, 3 = the rank-8 update plus 4·d_0·V of the same-sign split;
// method 0 = detail/thin.h, 1 = at::mm / addmm_ (+ add_)).
void BM_Thin(benchmark::State& state) {
  set_threads();
  torch::NoGradGuard no_grad;
  const int64_t op = state.range(0), m = 4;
  const bool mm = state.range(1) == 1;
  torch::Tensor v = torch::randn({600, 3072});
  torch::Tensor zt = torch::randn({m, 3072}), yt = torch::randn({m, 600});
  const int64_t rank = op == 3 ? 2 * m : m;
  torch::Tensor at = torch::randn({rank, 600}), bt = torch::randn({rank, 3072});
  torch::Tensor out = torch::zeros({600, 3072});
  for (auto _ : state) {
    using namespace critnet::reg::detail;
    if (op == 0) {
      auto r = mm ? v.mm(zt.t()) : times_thin(v, zt);
      benchmark::DoNotOptimize(r.data_ptr());
    } else if (op == 1) {
      auto r = mm ? v.t().mm(yt.t()) : transposed_times_thin(v, yt);
      benchmark::DoNotOptimize(r.data_ptr());
    } else if (mm) {
      out.addmm_(at.t(), bt);
      if (op == 3) out.add_(v, 0.5);
    } else {
      add_thin_outer(out, at, bt, 1.0, op == 3 ? v : torch::Tensor(), 0.5);
    }
  }
  state.SetLabel(std::string(op == 0   ? "V Z"
                             : op == 1 ? "Vt Y"
                             : op == 2 ? "rank-4 update"
                                       : "rank-8 update + V") +
                 (mm ? " at::mm" : " thin kernel"));
}
BENCHMARK(BM_Thin)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Args({3, 0})
    ->Args({3, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
