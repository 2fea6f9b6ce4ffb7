// critnet's command-line entry point: registers every subcommand, catches errors once and maps
// them to the exit codes documented in docs/cli.md.
#include <c10/util/Exception.h>
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "commands/command.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/version.h"
#include "openblas_kernels.h"

namespace {
// Exit codes (docs/cli.md).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   // the run failed (non-finite loss, output not writable, ...)
constexpr int kExitUsage = 2;     // bad command line or option value
constexpr int kExitBadInput = 3;  // unreadable or malformed input data
// 128 + N: stopped by signal N (130 SIGINT, 143 SIGTERM) after writing a checkpoint.

// Every error is one line on stderr: "critnet: error: WHAT". A foreign multi-line message
// (LibTorch's, with its backtrace) keeps its first line; critnet's own join their lines.
int fail(const char* what, int code, bool foreign = false) {
  std::string line(what);
  if (foreign) line = line.substr(0, line.find('\n'));
  for (char& c : line)
    if (c == '\n') c = ' ';
  fmt::print(stderr, "critnet: error: {}\n", line);
  return code;
}
}  // namespace

int main(int argc, char** argv) {
  {
    const critnet::CpuKernels kernels = critnet::cpu_kernels();
    critnet::cli::use_best_openblas_kernels(kernels, argv);
    if (argc > 1) critnet::cli::warn_if_generic_openblas(kernels, argv[1]);
  }
  CLI::App app{"critnet: induce and measure criticality in deep networks"};
  app.set_version_flag("--version", std::string("critnet ") + critnet::version());
  app.require_subcommand(1);
  critnet::cli::setup_info(app);
  critnet::cli::setup_report(app);
  critnet::cli::setup_fit(app);
  critnet::cli::setup_rg(app);
  critnet::cli::setup_rg_flow(app);
  critnet::cli::setup_gaussian(app);
  critnet::cli::setup_meanfield(app);
  critnet::cli::setup_train(app);
  critnet::cli::setup_probe(app);
  critnet::cli::setup_reproduce(app);
  critnet::cli::setup_sweep(app);
  critnet::cli::setup_htsr(app);
  critnet::cli::setup_edge(app);

  try {
    app.parse(argc, argv);
    critnet::io::check_stdout();  // results printed anywhere: a failed write is an error
    return kExitOk;
  } catch (const critnet::Interrupted& e) {
    fmt::print(stderr, "critnet: {}\n", e.what());
    return 128 + e.signal();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A bad command line or option value (validators: commands/validate.h).
    return fail(e.what(), kExitUsage);
  } catch (const critnet::InvalidArgument& e) {
    return fail(e.what(), kExitUsage);
  } catch (const critnet::DataError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const critnet::Error& e) {
    return fail(e.what(), kExitFailure);
  } catch (const c10::Error& e) {  // LibTorch's, with its backtrace cut off
    return fail(e.what_without_backtrace(), kExitFailure, true);
  } catch (const std::exception& e) {
    return fail(e.what(), kExitFailure, true);
  } catch (...) {
    return fail("unknown exception", kExitFailure);
  }
}
