#pragma once
/// Stopping long work cleanly on SIGINT / SIGTERM.
///
/// While a StopSignals object lives, the first SIGINT or SIGTERM only records the signal;
/// the training loop polls stop_signal() at each step boundary, writes a checkpoint and throws
/// Interrupted, which the CLI maps to exit 128 + signal (130, 143). A second signal ends the
/// process at once (the default action), for a user who does not want to wait.
#include <string>

#include "critnet/core/error.h"

namespace critnet {

/// Work stopped on a signal; what() says where and how to continue.
class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

/// Installs the handlers for its lifetime (nestable: only the outermost installs and restores).
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

/// The signal received since the outermost StopSignals was installed (0: none).
int stop_signal();

/// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

}  // namespace critnet
