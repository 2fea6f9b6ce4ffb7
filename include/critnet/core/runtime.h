#pragma once
/// What critnet runs on: LibTorch version, BLAS, threads, devices.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "critnet/core/cpu_kernels.h"

namespace critnet {

/// Facts about the running process, for `critnet info` and for every run's resolved config.
struct RuntimeInfo {
  std::string critnet_version;
  std::string torch_version;
  /// Path of the BLAS library LibTorch resolved (e.g. .../openblas-openmp/libblas.so.3).
  std::string blas_path;
  /// "openblas", "mkl", "blis", "reference" or "unknown".
  std::string blas_kind;
  /// What critnet's own CPU float32 products (the fast trainer's, the penalty's) run on:
  /// "onednn" (oneDNN's sgemm), "aten" (LibTorch's BLAS: a build without oneDNN) or
  /// "aten (CRITNET_GEMM=aten)" (oneDNN built in, switched off by the environment).
  std::string gemm;
  int num_threads = 1;
  int hardware_threads = 1;
  int cuda_devices = 0;
  std::vector<std::string> cuda_device_names;
  /// The CPU kernels of the products: OpenBLAS's core, oneDNN's ISA, the CPU's family.
  CpuKernels kernels;

  /// {critnet, libtorch, blas, blas_path, gemm, threads, hardware_threads, cuda_devices,
  /// kernels}: the object of `critnet info --json` and the "runtime" of every run's config.json.
  nlohmann::json to_json() const;
};

/// Gathers RuntimeInfo (runs a tiny matmul first so that the BLAS is loaded).
RuntimeInfo runtime_info();

/// Most threads any critnet command starts (--threads): more than this is refused, not
/// spawned (docs/cli.md).
inline constexpr int kMaxThreads = 1024;

/// Sets LibTorch's intra-op threads; threads == 0 means all hardware threads. Throws
/// InvalidArgument for threads < 0 or > kMaxThreads.
/// Debian's LibTorch starts with one thread unless OMP_NUM_THREADS is set.
void set_threads(int threads);

/// Throws InvalidArgument naming `what` unless 0 <= threads <= kMaxThreads.
void check_threads(int threads, const char* what = "threads");

/// Resolves "auto" | "cpu" | "cuda" | "cuda:N"; throws InvalidArgument when CUDA is asked for
/// but absent.
torch::Device resolve_device(const std::string& name);

}  // namespace critnet
