#pragma once
// Runs a program and waits for it, capturing its stderr (stdout goes to /dev/null).
#include <filesystem>
#include <string>
#include <vector>

namespace critnet::report::detail {

struct ProcessResult {
  int exit_code = -1;  // exit status, or -1 when killed by a signal
  int signal = 0;      // the signal that killed it, 0 if none
  std::string stderr_text;
};

// Searches PATH for `name` (returned as is when it contains a '/'); empty when not found.
std::string find_program(const std::string& name);

// fork/exec `argv` in `cwd`; throws critnet::Error when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd);

}  // namespace critnet::report::detail
