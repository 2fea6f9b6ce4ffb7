// The probe over CIFAR-shaped synthetic samples ([n, 3072], N(0,1)) through the paper's net
// (3072-600-400-200-100-10 ReLU): time and peak memory for n = 2,000 and n = 10,000.
// Batches are generated on the fly, so the input never exists as a whole and any growth of the
// peak resident memory (VmHWM) between the two runs comes from the probe itself.
//   build/benchmarks/bench_probe   (runs n = 2000 first, then n = 10000)
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

#include "critnet/core/runtime.h"
#include "critnet/probe/probe.h"

namespace {

// A field of /proc/self/status in MiB (VmHWM: peak resident set; VmRSS: current).
double proc_status_mib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return -1.0;
}

void BM_ProbePaperNet(benchmark::State& state) {
  critnet::set_threads(0);
  const int64_t n = state.range(0);
  const int64_t batch = 500;
  torch::manual_seed(0);
  critnet::nn::Mlp net(critnet::nn::MlpOptions(3072, 10));
  critnet::probe::ProbeResult result;
  std::size_t fixed = 0, samples = 0, patterns = 0;
  const double hwm_before = proc_status_mib("VmHWM");
  for (auto _ : state) {
    critnet::probe::Probe probe(net, critnet::probe::ProbeOptions());
    for (int64_t s = 0; s < n; s += batch) {
      torch::manual_seed(static_cast<uint64_t>(1 + s));
      probe.observe(torch::randn({std::min(batch, n - s), 3072}));
    }
    result = probe.finish();
    fixed = samples = patterns = 0;
    for (const auto& l : probe.layers()) {
      fixed += l.fixed_state_bytes();
      samples += l.sample_state_bytes();
      patterns += l.pattern_state_bytes();
    }
  }
  const double hwm_after = proc_status_mib("VmHWM");
  state.counters["samples"] = static_cast<double>(n);
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["hwm_before_MiB"] = hwm_before;
  state.counters["hwm_after_MiB"] = hwm_after;
  state.counters["hwm_growth_MiB"] = hwm_after - hwm_before;
  state.counters["state_fixed_MiB"] = static_cast<double>(fixed) / 1048576.0;
  state.counters["state_sample_MiB"] = static_cast<double>(samples) / 1048576.0;
  state.counters["state_pattern_MiB"] = static_cast<double>(patterns) / 1048576.0;
}
BENCHMARK(BM_ProbePaperNet)
    ->Arg(2000)
    ->Arg(10000)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
