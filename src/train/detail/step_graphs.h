#pragma once
// Whole-step CUDA graphs for DeviceMlpStep (src/train/step_graphs.cpp). The real
// implementation is compiled only when CMake found a CUDA LibTorch (CRITNET_WITH_CUDA=1); the
// CPU build has a stub whose factory throws InvalidArgument.
#include <torch/torch.h>

#include <functional>
#include <memory>

namespace critnet::train::detail {

class StepGraphs {
 public:
  virtual ~StepGraphs() = default;
  /// Runs `body` (which must only launch device work on the current stream: no host reads,
  /// no allocation that outlives it except in the graph's pool) as a step of kind `key`
  /// (0 or 1): the first `warmup` calls of a key run it eagerly on the capture stream, the
  /// next one captures it into a graph and replays that graph once (so every call performs
  /// exactly one step), and later calls only replay.
  virtual void run(int key, const std::function<void()>& body) = 0;
  virtual bool captured(int key) const = 0;
};

/// Whether this build has CUDA graphs.
bool step_graphs_available();

/// Graphs for steps on `device` (a CUDA device). Throws InvalidArgument in a build without
/// CUDA or for a non-CUDA device.
std::unique_ptr<StepGraphs> make_step_graphs(const torch::Device& device, int64_t warmup);

}  // namespace critnet::train::detail
