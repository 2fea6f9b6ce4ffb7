#pragma once
// OpenBLAS's kernels for the CLI (docs/cli.md, "OpenBLAS kernels"): OpenBLAS reads
// OPENBLAS_CORETYPE only when it is loaded, so a generic kernel on a CPU it did not recognise can
// only be replaced by starting the program again with the variable set.
#include <string>

#include "critnet/core/cpu_kernels.h"

namespace critnet::cli {

/// First thing in main: when OpenBLAS runs a generic kernel, OPENBLAS_CORETYPE is unset and
/// CRITNET_OPENBLAS_CORETYPE is not "keep" (critnet::openblas_coretype_to_set), re-executes
/// /proc/self/exe with the same arguments and OPENBLAS_CORETYPE set to this CPU's best core.
/// Returns (doing nothing else) when there is nothing to do or the exec fails.
void use_best_openblas_kernels(const CpuKernels& kernels, char** argv);

/// True in a process that use_best_openblas_kernels started (CRITNET_OPENBLAS_REEXEC=1).
bool reexecuted_for_openblas();

/// For the commands that train or probe (train, reproduce, sweep, probe): prints the
/// generic-kernel warning to stderr once when OpenBLAS still runs a generic kernel (a user's own
/// OPENBLAS_CORETYPE, or CRITNET_OPENBLAS_CORETYPE=keep).
void warn_if_generic_openblas(const CpuKernels& kernels, const std::string& command);

}  // namespace critnet::cli
