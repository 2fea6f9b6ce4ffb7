#include "console.h"

#include <fmt/core.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "critnet/core/error.h"

namespace critnet::cli {

void add_console_flags(CLI::App* cmd, ConsoleFlags& flags, const std::string& json_help) {
  cmd->add_flag("--quiet,-q", flags.quiet,
                "No progress and no stage lines on stderr (warnings and errors remain)")
      ->group("Output");
  cmd->add_flag("--verbose,-v", flags.verbose,
                "Also a line per detail on stderr (e.g. one per fitted distribution)")
      ->group("Output");
  cmd->add_flag("--json", flags.json, json_help)->group("Output");
}

namespace {

// CRITNET_PROGRESS_INTERVAL: seconds between plain progress lines off a terminal (default 30).
double plain_interval_from_env() {
  const char* v = std::getenv("CRITNET_PROGRESS_INTERVAL");
  if (v == nullptr || *v == '\0') return 30.0;
  char* end = nullptr;
  const double s = std::strtod(v, &end);
  if (*end != '\0' || !std::isfinite(s) || s < 0)
    throw InvalidArgument(
        fmt::format("CRITNET_PROGRESS_INTERVAL must be a number of seconds >= 0, got '{}'", v));
  return s;
}

}  // namespace

Console::Console(const ConsoleFlags& flags)
    : Console(flags, ::isatty(1) != 0, ::isatty(2) != 0, plain_interval_from_env()) {}

Console::Console(const ConsoleFlags& flags, bool stdout_tty, bool stderr_tty,
                 double plain_interval_s)
    : flags_(flags),
      stdout_tty_(stdout_tty),
      stderr_tty_(stderr_tty && !flags.plain),
      plain_interval_s_(plain_interval_s) {}

std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<long long>(std::llround(s));
  if (t < 60) return fmt::format("{} s", t);
  if (t < 3600) return fmt::format("{} min {:02} s", t / 60, t % 60);
  return fmt::format("{} h {:02} min", t / 3600, (t % 3600) / 60);
}

void Console::info(const std::string& line) {
  if (flags_.quiet) return;
  clear();
  fmt::print(stderr, "critnet: {}\n", line);
  std::fflush(stderr);
}

void Console::detail(const std::string& line) {
  if (flags_.verbose) info(line);
}

void Console::warn(const std::string& line) {
  clear();
  fmt::print(stderr, "critnet: warning: {}\n", line);
  std::fflush(stderr);
}

void Console::progress(const std::string& stage, int64_t done, int64_t total,
                       const std::string& unit, const std::string& extra) {
  if (flags_.quiet || total <= 0) return;
  const auto now = Clock::now();
  if (stage != stage_ || done < stage_start_done_) {  // a new stage (or one started again)
    stage_ = stage;
    stage_start_ = last_plain_ = now;
    stage_start_done_ = done;
  }
  const double elapsed = std::chrono::duration<double>(now - stage_start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - stage_start_done_) / elapsed : 0;
  const std::string eta =
      rate > 0 ? duration_text(static_cast<double>(total - done) / rate) : std::string("?");
  const std::string rate_text =
      rate <= 0 ? "" : fmt::format(rate >= 100 ? "{:.0f} {}/s" : "{:.3g} {}/s", rate, unit);
  if (stderr_tty_) {
    if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 24;
    const int filled =
        static_cast<int>(kWidth * std::clamp<double>(static_cast<double>(done) / total, 0, 1));
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < kWidth)
      bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), ' ');
    std::string line = fmt::format("{} [{}] {}/{} {}", stage, bar, done, total, unit);
    if (!rate_text.empty()) line += fmt::format(", {}, ETA {}", rate_text, eta);
    line += extra;
    // One terminal row: a wrapped line would not be redrawn in place ("\033[K": erase the
    // rest of the row).
    winsize ws{};
    const std::size_t columns = ::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    if (line.size() >= columns) line.resize(columns - 1);
    fmt::print(stderr, "\r{}\033[K", line);
    std::fflush(stderr);
    drawn_ = true;
    if (done >= total) clear();
    return;
  }
  if (done >= total || std::chrono::duration<double>(now - last_plain_).count() < plain_interval_s_)
    return;
  last_plain_ = now;
  fmt::print(stderr, "critnet: {}: {}/{} {} ({:.0f}%){}{}\n", stage, done, total, unit,
             100.0 * static_cast<double>(done) / static_cast<double>(total),
             rate_text.empty() ? "" : ", " + rate_text, rate > 0 ? ", ETA " + eta : "");
  std::fflush(stderr);
}

void Console::step(const std::string& label, const train::StepInfo& s) {
  const std::string stage =
      fmt::format("{}{}epoch {}/{}", label, label.empty() ? "" : ": ", s.epoch, s.epochs);
  // The device step reads its losses once per epoch: its steps report NaN.
  progress(stage, s.batch, s.batches, "batches",
           std::isfinite(s.loss) ? fmt::format(", loss {:.4f}", s.loss) : "");
}

void Console::out(const std::string& text) {
  clear();
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

void Console::clear() {
  if (!drawn_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

Reporter Console::reporter() {
  Reporter r;
  r.log = [this](const std::string& line) { info(line); };
  r.detail = [this](const std::string& line) { detail(line); };
  r.progress = [this](const std::string& stage, int64_t done, int64_t total,
                      const std::string& unit) { progress(stage, done, total, unit); };
  return r;
}

}  // namespace critnet::cli
