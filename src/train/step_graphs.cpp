// Whole-step CUDA graphs (see detail/step_graphs.h). Compiled for real only against a CUDA
// LibTorch (CMake defines CRITNET_WITH_CUDA=1); never compiled or run on a GPU before
// docs/cuda.md's device check says so.
#include "train/detail/step_graphs.h"

#include <array>
#include <string>

#include "critnet/core/error.h"

#if CRITNET_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>
#endif

namespace critnet::train::detail {

#if CRITNET_WITH_CUDA

namespace {

class CudaStepGraphs final : public StepGraphs {
 public:
  CudaStepGraphs(const torch::Device& device, int64_t warmup)
      : device_(device),
        warmup_(warmup),
        // Capture needs a stream other than the default one; warm-up runs on the same stream
        // so that per-stream lazy state (cuBLAS workspaces, handles) exists before capture.
        stream_(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index())) {}

  void run(int key, const std::function<void()>& body) override {
    CRITNET_CHECK(key == 0 || key == 1, "step graphs: key must be 0 or 1, got ", key);
    Slot& slot = slots_[key];
    if (slot.graph) {
      slot.graph->replay();  // on the current stream, ordered after the work queued before
      return;
    }
    const auto index = static_cast<int64_t>(device_.index());
    // The side stream must see everything queued so far, and the current stream everything
    // the side stream did: synchronise the device around the (few) side-stream steps.
    torch::cuda::synchronize(index);
    if (slot.warmups < warmup_) {
      {
        c10::cuda::CUDAStreamGuard guard(stream_);
        body();
      }
      torch::cuda::synchronize(index);
      ++slot.warmups;
      return;
    }
    auto graph = std::make_unique<at::cuda::CUDAGraph>();
    {
      c10::cuda::CUDAStreamGuard guard(stream_);
      graph->capture_begin();
      try {
        body();
      } catch (...) {
        try {
          graph->capture_end();
        } catch (...) {
        }
        throw;
      }
      graph->capture_end();
    }
    torch::cuda::synchronize(index);
    // Capturing records the step without running it: replay once to perform it.
    graph->replay();
    slot.graph = std::move(graph);
  }

  bool captured(int key) const override {
    return key >= 0 && key < 2 && slots_[static_cast<size_t>(key)].graph != nullptr;
  }

 private:
  struct Slot {
    std::unique_ptr<at::cuda::CUDAGraph> graph;
    int64_t warmups = 0;
  };
  torch::Device device_;
  int64_t warmup_;
  c10::cuda::CUDAStream stream_;
  std::array<Slot, 2> slots_;
};

}  // namespace

bool step_graphs_available() {
  return true;
}

std::unique_ptr<StepGraphs> make_step_graphs(const torch::Device& device, int64_t warmup) {
  CRITNET_CHECK(device.is_cuda(), "CUDA graphs need a CUDA device; the model is on ", device.str(),
                " (use --cuda-graph off, or --device cuda)");
  CRITNET_CHECK(warmup >= 1, "CUDA graphs: warm-up steps must be >= 1, got ", warmup);
  return std::make_unique<CudaStepGraphs>(device, warmup);
}

#else  // no CUDA: graphs cannot be asked for

bool step_graphs_available() {
  return false;
}

std::unique_ptr<StepGraphs> make_step_graphs(const torch::Device& device, int64_t) {
  throw InvalidArgument(
      "CUDA graphs asked for (device " + device.str() +
      "), but this critnet was built against a LibTorch without CUDA (use --cuda-graph off; "
      "docs/cuda.md says how to build against a CUDA LibTorch)");
}

#endif

}  // namespace critnet::train::detail
