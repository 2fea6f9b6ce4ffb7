// The CSN bootstrap p-value (n = 5000, 1000 replicates) and a single x_min scan, continuous
// and discrete. Side-by-side with poweRlaw: benchmarks/bootstrap_vs_powerlaw.sh.
// Run: build/benchmarks/bench_powerlaw [--benchmark_filter=Scan]
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "critnet/analysis/powerlaw.h"

namespace ca = critnet::analysis;

namespace {

// 4000 points from a power law (alpha 2.5) above x_min plus 1000 below it.
std::vector<double> make_data(bool discrete) {
  std::mt19937_64 g(2026);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> x;
  for (int i = 0; i < 4000; ++i) {
    const double v = std::pow(1.0 - u(g), -1.0 / 1.5);
    x.push_back(discrete ? std::floor(2.5 * v + 0.5) + 0.0 : 2.0 * v);
  }
  for (int i = 0; i < 1000; ++i) x.push_back(discrete ? 1.0 + (i % 2) : 1.0 + u(g));
  return x;
}

void BM_Scan(benchmark::State& state) {
  const bool discrete = state.range(0) != 0;
  const auto x = make_data(discrete);
  ca::FitOptions o;
  o.discrete = discrete;
  o.compare = false;
  for (auto _ : state) benchmark::DoNotOptimize(ca::fit_power_law(x, o).alpha);
  state.SetLabel(discrete ? "discrete n=5000" : "continuous n=5000");
}
BENCHMARK(BM_Scan)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Bootstrap(benchmark::State& state) {
  const bool discrete = state.range(0) != 0;
  const int threads = static_cast<int>(state.range(1));
  const auto x = make_data(discrete);
  ca::FitOptions o;
  o.discrete = discrete;
  o.compare = false;
  o.bootstrap = 1000;
  o.threads = threads;
  const ca::FitResult fit = ca::fit_power_law(x, o);
  double p = 0;
  for (auto _ : state) {
    ca::FitResult r = fit;
    ca::bootstrap_p_value(x, o, r);
    p = r.p;
  }
  state.counters["p"] = p;
  state.SetLabel(std::string(discrete ? "discrete" : "continuous") +
                 " n=5000, 1000 replicates, threads=" + std::to_string(threads));
}
BENCHMARK(BM_Bootstrap)
    ->Args({0, 2})
    ->Args({1, 2})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

void BM_Compare(benchmark::State& state) {
  const bool discrete = state.range(0) != 0;
  const auto x = make_data(discrete);
  ca::FitOptions o;
  o.discrete = discrete;
  const ca::FitResult fit = ca::fit_power_law(x, o);
  for (auto _ : state) benchmark::DoNotOptimize(ca::compare_alternatives(x, fit).size());
}
BENCHMARK(BM_Compare)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
