#include "critnet/core/runtime.h"

#include <torch/version.h>

#include <fstream>
#include <thread>

#include "core/detail/gemm.h"
#include "critnet/core/error.h"
#include "critnet/core/version.h"

namespace critnet {
namespace {

// The BLAS is whatever libblas.so.3 / libopenblas / libmkl the dynamic loader mapped.
std::string mapped_blas_path() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    std::string path = line.substr(pos);
    if (path.find("libblas") != std::string::npos ||
        path.find("libopenblas") != std::string::npos || path.find("libmkl") != std::string::npos ||
        path.find("libblis") != std::string::npos) {
      return path;
    }
  }
  return "";
}

std::string classify_blas(const std::string& path) {
  if (path.empty()) return "unknown";
  if (path.find("openblas") != std::string::npos) return "openblas";
  if (path.find("mkl") != std::string::npos) return "mkl";
  if (path.find("blis") != std::string::npos) return "blis";
  if (path.find("/blas/") != std::string::npos || path.find("libblas.so") != std::string::npos)
    return "reference";
  return "unknown";
}

}  // namespace

RuntimeInfo runtime_info() {
  {
    torch::NoGradGuard guard;
    auto a = torch::ones({8, 8});
    (void)torch::mm(a, a).sum().item<float>();
  }
  RuntimeInfo info;
  info.critnet_version = version();
  info.torch_version = TORCH_VERSION;
  info.blas_path = mapped_blas_path();
  info.blas_kind = classify_blas(info.blas_path);
  info.gemm = core::detail::gemm_auto_uses_onednn() ? "onednn"
              : core::detail::gemm_has_onednn()     ? "aten (CRITNET_GEMM=aten)"
                                                    : "aten";
  info.num_threads = torch::get_num_threads();
  info.hardware_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  info.cuda_devices =
      torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.kernels = cpu_kernels();
  return info;
}

nlohmann::json RuntimeInfo::to_json() const {
  return {{"critnet", critnet_version},
          {"libtorch", torch_version},
          {"blas", blas_kind},
          {"blas_path", blas_path},
          {"gemm", gemm},
          {"threads", num_threads},
          {"hardware_threads", hardware_threads},
          {"cuda_devices", cuda_devices},
          {"kernels", kernels.to_json()}};
}

void check_threads(int threads, const char* what) {
  CRITNET_CHECK(threads >= 0 && threads <= kMaxThreads, what, " must be in [0, ", kMaxThreads,
                "] (0 = all cores), got ", threads);
}

void set_threads(int threads) {
  check_threads(threads);
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
}

torch::Device resolve_device(const std::string& name) {
  if (name == "auto")
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::kCPU;
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    CRITNET_CHECK(torch::cuda::is_available(), "device '", name,
                  "' asked for, but no CUDA device is available (use --device cpu or auto)");
    return torch::Device(name);
  }
  throw InvalidArgument("unknown device '" + name + "' (expected auto, cpu, cuda or cuda:N)");
}

}  // namespace critnet
