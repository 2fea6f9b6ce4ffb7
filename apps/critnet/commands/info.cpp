// `critnet info`: versions, BLAS, threads, CUDA devices.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands/command.h"
#include "commands/validate.h"
#include "critnet/core/runtime.h"
#include "openblas_kernels.h"

namespace critnet::cli {
namespace {

struct InfoArgs {
  int threads = 0;
  bool json = false;
};

void run_info(const InfoArgs& args) {
  set_threads(args.threads);
  const RuntimeInfo info = runtime_info();
  if (args.json) {
    const nlohmann::json j = info.to_json();
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("critnet   {}\n", info.critnet_version);
    fmt::print("libtorch  {}\n", info.torch_version);
    fmt::print("blas      {} ({})\n", info.blas_kind,
               info.blas_path.empty() ? "not found" : info.blas_path);
    fmt::print(
        "gemm      {}{}\n", info.gemm,
        info.kernels.onednn_isa.empty() ? "" : " (oneDNN ISA " + info.kernels.onednn_isa + ")");
    fmt::print("cpu       {}\n", info.kernels.cpu_isa);
    if (!info.kernels.openblas_core.empty()) {
      fmt::print("openblas  {} kernels{}{}\n", info.kernels.openblas_core,
                 info.kernels.openblas_generic ? " (generic: below this CPU's family)" : "",
                 info.kernels.openblas_coretype_env.empty()
                     ? ""
                     : " (OPENBLAS_CORETYPE=" + info.kernels.openblas_coretype_env +
                           (reexecuted_for_openblas() ? ", set by critnet)" : ")"));
    }
    fmt::print("threads   {} of {} hardware threads\n", info.num_threads, info.hardware_threads);
    fmt::print("cuda      {} device(s)\n", info.cuda_devices);
  }
  if (info.kernels.openblas_generic) {
    fmt::print(stderr, "critnet: WARNING: {}\n", info.kernels.warning());
  }
  if (info.blas_kind == "reference") {
    fmt::print(stderr,
               "critnet: WARNING: LibTorch uses the reference BLAS ({}), about 17x slower than "
               "OpenBLAS. Install it: apt-get install libopenblas0-openmp\n",
               info.blas_path);
  }
}

}  // namespace

void setup_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  auto* cmd = app.add_subcommand("info", "Print critnet's version, LibTorch, BLAS, threads, CUDA");
  cmd->add_option("--threads", args->threads, "Intra-op threads (0 = all cores; at most 1024)")
      ->check(threads_value());
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->callback([args] { run_info(*args); });
}

}  // namespace critnet::cli
