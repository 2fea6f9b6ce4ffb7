#include "critnet/core/cpu_kernels.h"

#include <dlfcn.h>
#include <fmt/core.h>

#include <cstdlib>
#include <cstring>

#include "core/detail/gemm.h"

namespace critnet {
namespace {

// Kernel families, ordered: a core of a lower family on a CPU of a higher one is generic.
enum Family { kSse = 0, kAvx = 1, kAvx2 = 2, kAvx512 = 3 };

Family family_of_isa(const std::string& isa) {
  if (isa == "avx512_bf16" || isa == "avx512") return kAvx512;
  if (isa == "avx2") return kAvx2;
  if (isa == "avx") return kAvx;
  return kSse;
}

// OpenBLAS 0.3.21's DYNAMIC_ARCH core names (driver/others/dynamic.c) by the widest vectors
// their kernels use; every other name (Prescott, Core2, Nehalem, Atom, Barcelona, ...) is SSE.
Family family_of_core(const std::string& core) {
  for (const char* c : {"SkylakeX", "Cooperlake", "SapphireRapids"})
    if (core == c) return kAvx512;
  for (const char* c : {"Haswell", "Excavator", "Zen"})
    if (core == c) return kAvx2;
  for (const char* c : {"Sandybridge", "Bulldozer", "Piledriver", "Steamroller"})
    if (core == c) return kAvx;
  return kSse;
}

std::string detect_cpu_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512cd");
  if (avx512 && __builtin_cpu_supports("avx512bf16")) return "avx512_bf16";
  if (avx512) return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  if (__builtin_cpu_supports("avx")) return "avx";
  return "sse";
#else
  return "unknown";
#endif
}

// The OpenBLAS 0.3.21 core whose kernels fit the CPU family (it has no SapphireRapids core).
std::string best_core_for(const std::string& isa) {
  if (isa == "avx512_bf16") return "Cooperlake";
  if (isa == "avx512") return "SkylakeX";
  if (isa == "avx2") return "Haswell";
  if (isa == "avx") return "Sandybridge";
  return "";
}

// OpenBLAS's own accessors, found in whatever BLAS LibTorch loaded; absent in other BLASes.
std::string openblas_string(const char* symbol) {
  using Getter = char* (*)();
  const auto get = reinterpret_cast<Getter>(dlsym(RTLD_DEFAULT, symbol));
  if (get == nullptr) return "";
  const char* s = get();
  return s == nullptr ? "" : s;
}

}  // namespace

CpuKernels cpu_kernels() {
  CpuKernels k;
  k.cpu_isa = detect_cpu_isa();
  k.openblas_core = openblas_string("openblas_get_corename");
  // openblas_get_config() ends with a space on some builds.
  k.openblas_config = openblas_string("openblas_get_config");
  while (!k.openblas_config.empty() && k.openblas_config.back() == ' ')
    k.openblas_config.pop_back();
  k.openblas_best_core = best_core_for(k.cpu_isa);
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  k.openblas_coretype_env = env == nullptr ? "" : env;
  const Family cpu = family_of_isa(k.cpu_isa);
  k.openblas_generic =
      !k.openblas_core.empty() && cpu >= kAvx2 && family_of_core(k.openblas_core) < cpu;
  k.onednn_isa = core::detail::gemm_onednn_isa();
  return k;
}

std::string CpuKernels::warning() const {
  if (!openblas_generic) return "";
  std::string why = openblas_coretype_env.empty()
                        ? "OpenBLAS did not recognise this CPU"
                        : "OPENBLAS_CORETYPE=" + openblas_coretype_env + " is set";
  return fmt::format(
      "OpenBLAS runs its {} kernels on a CPU with {} ({}): every BLAS product (LibTorch's and "
      "critnet's float64 and CBLAS paths) runs several times slower than this CPU allows. Set "
      "OPENBLAS_CORETYPE={} before starting the program (docs/performance.md).",
      openblas_core, cpu_isa, why, openblas_best_core);
}

nlohmann::json CpuKernels::to_json() const {
  return {{"cpu_isa", cpu_isa},
          {"openblas_core", openblas_core},
          {"openblas_config", openblas_config},
          {"openblas_best_core", openblas_best_core},
          {"openblas_coretype_env", openblas_coretype_env},
          {"openblas_generic", openblas_generic},
          {"onednn_isa", onednn_isa},
          {"warning", warning()}};
}

std::string openblas_coretype_to_set(const CpuKernels& kernels) {
  if (!kernels.openblas_generic || !kernels.openblas_coretype_env.empty()) return "";
  const char* keep = std::getenv("CRITNET_OPENBLAS_CORETYPE");
  if (keep != nullptr && std::strcmp(keep, "keep") == 0) return "";
  return kernels.openblas_best_core;
}

}  // namespace critnet
