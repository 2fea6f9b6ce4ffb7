#include "openblas_kernels.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace critnet::cli {
namespace {
constexpr const char* kReexecMark = "CRITNET_OPENBLAS_REEXEC";
}  // namespace

void use_best_openblas_kernels(const CpuKernels& kernels, char** argv) {
  const std::string core = openblas_coretype_to_set(kernels);
  if (core.empty()) return;
  // The re-executed process finds OPENBLAS_CORETYPE set and so never comes back here.
  if (setenv("OPENBLAS_CORETYPE", core.c_str(), 1) != 0 || setenv(kReexecMark, "1", 1) != 0) return;
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // No exec (no /proc): go on with the generic kernels; commands that compute warn.
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kReexecMark);
}

bool reexecuted_for_openblas() {
  const char* mark = std::getenv(kReexecMark);
  return mark != nullptr && std::strcmp(mark, "1") == 0;
}

void warn_if_generic_openblas(const CpuKernels& kernels, const std::string& command) {
  if (command != "train" && command != "reproduce" && command != "sweep" && command != "probe")
    return;
  if (kernels.openblas_generic) fmt::print(stderr, "critnet: WARNING: {}\n", kernels.warning());
}

}  // namespace critnet::cli
