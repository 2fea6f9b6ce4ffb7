#include "support/cli.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "support/files.h"
#include "support/temp_dir.h"

namespace critnet::test_support {

const char* critnet_binary() {
  return CRITNET_BINARY;
}

std::string shell_quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

CliResult run_critnet_shell(const std::string& command_line, const CliOptions& options) {
  const TempDir io("cli_io");
  const std::string in = io.file("stdin");
  const std::string out = io.file("stdout");
  const std::string err = io.file("stderr");
  std::ofstream(in, std::ios::binary) << options.stdin_text;

  std::string cmd;
  for (const auto& name : options.unset) cmd += "-u " + shell_quote(name) + " ";
  for (const auto& var : options.env) cmd += shell_quote(var) + " ";
  if (!options.env.empty() || !options.unset.empty()) cmd = "env " + cmd;
  if (options.timeout_s > 0) cmd += "timeout -k 5 " + std::to_string(options.timeout_s) + " ";
  cmd += shell_quote(critnet_binary()) + " " + command_line;
  // The command line may redirect stdin itself; a later `< file` wins over ours, so ours goes
  // first via a group.
  cmd = "{ " + cmd + " ; } <" + shell_quote(in) + " >" + shell_quote(out) +
        (options.merge_stderr ? " 2>&1" : " 2>" + shell_quote(err));
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  if (!options.merge_stderr) r.err = read_file(err);
  return r;
}

CliResult run_critnet(const std::vector<std::string>& args, const CliOptions& options) {
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "" : " ") + shell_quote(a);
  return run_critnet_shell(line, options);
}

}  // namespace critnet::test_support
