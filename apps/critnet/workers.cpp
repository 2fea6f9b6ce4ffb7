// Local worker processes for --jobs: spawn, forward a stop signal once, reap.
#include "workers.h"

#include <fmt/core.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <thread>

#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"

extern char** environ;

namespace critnet::cli {
namespace {
namespace fs = std::filesystem;

// Starts `argv` (the same executable) in a process group of its own and returns its PID: a
// terminal's Ctrl-C then reaches the parent only, which forwards it once (wait_for_workers).
pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/proc/self/exe", nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw Error(fmt::format("cannot start a worker process: {}", std::strerror(rc)));
  return pid;
}

struct Worker {
  pid_t pid;
  std::string shard;
  int status = 0;
};

// Passes the first SIGINT/SIGTERM the parent gets on to the workers, once, from a thread of
// its own, while the parent runs its own sub-shard (its training stops at a step boundary; a
// probe in progress finishes first, so the workers must not wait for it). The workers are not
// reaped while it runs, so their PIDs cannot be reused.
class SignalForwarder {
 public:
  explicit SignalForwarder(const std::vector<Worker>& workers)
      : workers_(workers), thread_([this] { watch(); }) {}
  ~SignalForwarder() { stop(); }
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Forwards now if a signal came and it was not forwarded yet (the parent's wait loop).
  void forward_once() {
    const int sig = stop_signal();
    if (sig == 0 || forwarded_.exchange(true)) return;
    for (const auto& w : workers_)
      if (w.pid > 0) ::kill(w.pid, sig);
  }

 private:
  void watch() {
    while (!done_ && !forwarded_) {
      forward_once();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const std::vector<Worker>& workers_;
  std::atomic<bool> done_{false}, forwarded_{false};
  std::thread thread_;
};

// Reaps every worker, forwarding a stop signal that comes meanwhile (once in all).
void wait_for_workers(std::vector<Worker>& workers, SignalForwarder& forwarder) {
  std::size_t running = workers.size();
  while (running > 0) {
    for (auto& w : workers) {
      if (w.pid <= 0) continue;
      const pid_t r = ::waitpid(w.pid, &w.status, WNOHANG);
      if (r == w.pid || (r < 0 && errno != EINTR)) {
        w.pid = -w.pid;
        --running;
      }
    }
    forwarder.forward_once();
    if (running > 0) ::usleep(20 * 1000);
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& item : items) list += (list.empty() ? "" : ", ") + item;
  return list;
}

// `critnet sweep run` of one sub-shard.
std::vector<std::string> worker_args(const fs::path& dir, const study::Shard& sub,
                                     const WorkerSettings& s) {
  std::vector<std::string> args = {
      "critnet",  "sweep",      "run",       (dir / "grid.json").string(),
      "--out",    dir.string(), "--shard",   sub.to_string(),
      "--jobs",   "1",          "--threads", std::to_string(s.threads),
      "--device", s.device,     "--worker"};
  for (const auto& [flag, on] :
       {std::pair{"--quiet", s.console.quiet}, std::pair{"--verbose", s.console.verbose},
        std::pair{"--json", s.console.json}})
    if (on) args.push_back(flag);
  return args;
}

// "shard K/N (exit 1)", "shard K/N (signal 9)", or "" for a worker that exited with 0; sets
// `interrupted` for a worker that exited on a stop signal (128 + signal).
std::string worker_failure(const Worker& w, int& interrupted) {
  const int status = w.status;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) > 128) interrupted = WEXITSTATUS(status) - 128;
  return WIFEXITED(status) ? fmt::format("shard {} (exit {})", w.shard, WEXITSTATUS(status))
                           : fmt::format("shard {} (signal {})", w.shard, WTERMSIG(status));
}

}  // namespace

std::string join_failed(const study::ShardRun& r) {
  std::vector<std::string> ids;
  for (const auto& [id, err] : r.failed) ids.push_back(id);
  return join(ids);
}

WorkersRun run_with_workers(const fs::path& dir, const study::Shard& shard,
                            const WorkerSettings& settings,
                            const std::function<study::ShardRun(const study::Shard&)>& own) {
  StopSignals stop_signals;
  std::vector<Worker> workers;
  const auto jobs = static_cast<std::size_t>(settings.jobs);
  for (std::size_t j = 0; j + 1 < jobs; ++j) {
    const study::Shard sub = shard.sub(j, jobs);
    workers.push_back({spawn(worker_args(dir, sub, settings)), sub.to_string()});
  }
  SignalForwarder forwarder(workers);
  const study::Shard mine = shard.sub(jobs - 1, jobs);
  WorkersRun out;
  out.own_shard = mine;
  int interrupted = 0;
  std::exception_ptr own_error;
  try {
    out.own = own(mine);
  } catch (const Interrupted& e) {
    interrupted = e.signal();
  } catch (...) {
    own_error = std::current_exception();
  }
  forwarder.stop();
  if (own_error) {  // e.g. bad options: the workers fail the same way; stop them
    for (const auto& w : workers) ::kill(w.pid, SIGTERM);
  }
  wait_for_workers(workers, forwarder);  // a worker stopped in a probe dies of it
  if (own_error) std::rethrow_exception(own_error);
  if (stop_signal() != 0) interrupted = stop_signal();  // also when forwarded to the workers
  for (const auto& w : workers)
    if (std::string f = worker_failure(w, interrupted); !f.empty()) out.failed_workers.push_back(f);
  if (interrupted)
    throw Interrupted(interrupted, "interrupted; run the same command again to continue");
  return out;
}

study::ShardRunner worker_runner(
    const WorkerSettings& settings,
    std::function<study::ShardRun(const study::Grid&, const fs::path&, const study::Shard&)> own) {
  return [settings, own](const study::Grid& grid, const fs::path& dir, const study::Shard& shard) {
    if (settings.jobs <= 1) return own(grid, dir, shard);
    const WorkersRun r = run_with_workers(
        dir, shard, settings, [&](const study::Shard& sub) { return own(grid, dir, sub); });
    study::ShardRun out = r.own;
    for (const auto& f : r.failed_workers)
      out.failed.emplace_back(f, "a worker process failed; `critnet sweep status " + dir.string() +
                                     "` lists its cells");
    return out;
  };
}

}  // namespace critnet::cli
