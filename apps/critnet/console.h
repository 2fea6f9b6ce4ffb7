#pragma once
// What a command prints where (docs/cli.md, "What each command prints"), for every long
// command (train, probe, reproduce, sweep):
//  - stdout: the results. A table or rows for a person; with --json, machine output (one JSON
//    document, or JSON lines for train's epochs, which are also the default when stdout is not
//    a terminal).
//  - stderr: "critnet: " lines about each stage (not with --quiet), detail lines such as one per
//    fitted distribution (only with --verbose), warnings and errors (always), and progress:
//    on a terminal one line redrawn in place with "\r" at most 10 times a second (stage, bar,
//    done/total, rate, ETA); off a terminal (pipes, CI, Slurm logs) a plain line for a stage
//    still running after 30 s, then at most one every 30 s (CRITNET_PROGRESS_INTERVAL sets
//    the seconds), never a "\r"; none with --quiet.
// critnet prints no colour, so NO_COLOR holds as it is.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "critnet/core/progress.h"
#include "critnet/train/train.h"

namespace critnet::cli {

/// The flags every long command shares.
struct ConsoleFlags {
  bool quiet = false;
  bool verbose = false;
  bool json = false;
  bool plain = false;  ///< plain progress lines even on a terminal (a sweep's worker processes)
};

/// Adds --quiet, --verbose and --json (its help: `json_help`) to `cmd`.
void add_console_flags(CLI::App* cmd, ConsoleFlags& flags, const std::string& json_help);

class Console {
 public:
  /// Terminals from isatty(1) and isatty(2).
  explicit Console(const ConsoleFlags& flags);
  /// With the terminals and the plain-progress interval given (tests).
  Console(const ConsoleFlags& flags, bool stdout_tty, bool stderr_tty, double plain_interval_s);
  ~Console() { clear(); }
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  /// Machine output on stdout: --json given.
  bool json() const { return flags_.json; }
  bool stdout_tty() const { return stdout_tty_; }

  /// A stage line on stderr ("critnet: LINE"), unless --quiet.
  void info(const std::string& line);
  /// A detail line on stderr, only with --verbose.
  void detail(const std::string& line);
  /// A warning on stderr ("critnet: warning: LINE"), always.
  void warn(const std::string& line);
  /// Progress of `stage` (see the top of this file); `extra` is appended on a terminal.
  void progress(const std::string& stage, int64_t done, int64_t total, const std::string& unit,
                const std::string& extra = "");
  /// A training step of run `label` (empty for `critnet train`) as progress.
  void step(const std::string& label, const train::StepInfo& s);
  /// Text on stdout (a newline is added), after erasing the progress line.
  void out(const std::string& text);
  /// Erases the progress line.
  void clear();
  /// A reporter whose log, detail and progress lines go to info, detail and progress.
  Reporter reporter();

 private:
  using Clock = std::chrono::steady_clock;
  ConsoleFlags flags_;
  bool stdout_tty_, stderr_tty_;
  double plain_interval_s_;
  bool drawn_ = false;
  std::string stage_;
  int64_t stage_start_done_ = 0;
  Clock::time_point stage_start_{}, last_draw_{}, last_plain_{};
};

/// "12 s", "3 min 05 s", "1 h 02 min".
std::string duration_text(double seconds);

}  // namespace critnet::cli
