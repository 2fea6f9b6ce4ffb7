#pragma once
// Runs the built `critnet` executable (compile definition CRITNET_BINARY) and captures its exit
// code, stdout and stderr.
#include <string>
#include <vector>

namespace critnet::test_support {

struct CliResult {
  int exit_code = -1;  ///< the exit status; -1 when the process did not exit normally
  std::string out;     ///< stdout (stdout and stderr interleaved when merge_stderr is set)
  std::string err;     ///< stderr (empty when merge_stderr is set)
};

struct CliOptions {
  std::string stdin_text;        ///< fed on stdin (stdin is empty by default)
  bool merge_stderr = false;     ///< capture stderr into `out`, in order (2>&1)
  std::vector<std::string> env;  ///< extra "NAME=value" variables for the child
  /// > 0: kill the child after this many seconds (`timeout -k 5`); it then exits 124 or 137,
  /// so a test of something that must not hang fails instead of hanging.
  int timeout_s = 0;
  std::vector<std::string> unset;  ///< variables removed from the child's environment
};

/// The path of the built `critnet` executable (CRITNET_BINARY, defined for this file only, so
/// that the other test sources compile the same in every checkout and ccache shares them).
const char* critnet_binary();

/// `critnet ARGS...`, each argument passed verbatim (shell-quoted).
CliResult run_critnet(const std::vector<std::string>& args, const CliOptions& options = {});

/// `critnet COMMAND_LINE`, where command_line is shell text (words split by the shell, may hold
/// redirections such as `< file`). Callers quote paths that need it.
CliResult run_critnet_shell(const std::string& command_line, const CliOptions& options = {});

/// `text` in single quotes for /bin/sh.
std::string shell_quote(const std::string& text);

}  // namespace critnet::test_support
