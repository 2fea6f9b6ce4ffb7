#pragma once
/// Which CPU kernels the matrix products run on, and whether OpenBLAS picked a generic one.
///
/// OpenBLAS chooses its kernels once, when it is loaded, from the CPU model. A model it does not
/// know (OpenBLAS 0.3.21 and Intel Sapphire Rapids, for one) gets the generic Prescott (SSE3)
/// kernels: every BLAS product of LibTorch and of critnet then runs several times slower than
/// the CPU allows (6x at 2048³ on a 2-core Sapphire Rapids), and nothing says so. The variable
/// OPENBLAS_CORETYPE, read when OpenBLAS loads, names the kernels to use instead.
#include <nlohmann/json.hpp>
#include <string>

namespace critnet {

struct CpuKernels {
  /// The widest x86 vector family this CPU (and its OS) supports: "avx512_bf16", "avx512",
  /// "avx2", "avx", "sse" (or "unknown" off x86-64).
  std::string cpu_isa;
  /// openblas_get_corename() of the loaded OpenBLAS ("Prescott", "Haswell", "SkylakeX",
  /// "Cooperlake", ...); empty when the BLAS is not OpenBLAS.
  std::string openblas_core;
  /// openblas_get_config(): version and build options; empty when not OpenBLAS.
  std::string openblas_config;
  /// The OPENBLAS_CORETYPE whose kernels suit cpu_isa best in OpenBLAS 0.3.21 ("Cooperlake",
  /// "SkylakeX", "Haswell", "Sandybridge"); empty when none is better than the generic ones.
  std::string openblas_best_core;
  /// OPENBLAS_CORETYPE as this process found it (empty when unset).
  std::string openblas_coretype_env;
  /// True when openblas_core is a kernel family below cpu_isa (a generic kernel on a CPU with
  /// AVX2 or AVX-512): the products run slower than this CPU allows.
  bool openblas_generic = false;
  /// oneDNN's effective ISA for critnet's float32 products ("avx512_core_bf16", ..., "sse41");
  /// empty in a build without oneDNN.
  std::string onednn_isa;

  /// One paragraph for stderr when openblas_generic (names the core, the CPU family and the
  /// OPENBLAS_CORETYPE to set); empty otherwise.
  std::string warning() const;
  /// {cpu_isa, openblas_core, openblas_config, openblas_best_core, openblas_coretype_env,
  /// openblas_generic, onednn_isa, warning}: the "kernels" object of `critnet info --json`.
  nlohmann::json to_json() const;
};

/// Reads the facts above from the running process (OpenBLAS through its exported
/// openblas_get_corename, the CPU through cpuid).
CpuKernels cpu_kernels();

/// The OPENBLAS_CORETYPE a process should be started with, or "" when none: OpenBLAS runs a
/// generic kernel, OPENBLAS_CORETYPE is unset (a user's own choice is kept) and
/// CRITNET_OPENBLAS_CORETYPE is not "keep". The CLI re-executes itself with it (docs/cli.md).
std::string openblas_coretype_to_set(const CpuKernels& kernels);

}  // namespace critnet
