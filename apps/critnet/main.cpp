// critnet's command-line entry point: registers every subcommand, catches errors once and maps
// them to the exit codes documented in docs/cli.md.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands/command.h"
#include "critnet/core/error.h"
#include "critnet/core/version.h"

namespace {
// Exit codes (docs/cli.md).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   // the run failed (non-finite loss, output not writable, ...)
constexpr int kExitUsage = 2;     // bad command line or option value
constexpr int kExitBadInput = 3;  // unreadable or malformed input data
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"critnet: induce and measure criticality in deep networks"};
  app.set_version_flag("--version", std::string("critnet ") + critnet::version());
  app.require_subcommand(1);
  critnet::cli::setup_info(app);
  critnet::cli::setup_report(app);
  critnet::cli::setup_fit(app);
  critnet::cli::setup_train(app);

  try {
    app.parse(argc, argv);
    return kExitOk;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const critnet::InvalidArgument& e) {
    fmt::print(stderr, "critnet: error: {}\n", e.what());
    return kExitUsage;
  } catch (const critnet::DataError& e) {
    fmt::print(stderr, "critnet: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "critnet: error: {}\n", e.what());
    return kExitFailure;
  }
}
