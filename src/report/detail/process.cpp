#include "report/detail/process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "critnet/core/error.h"

namespace critnet::report::detail {

std::string find_program(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  CRITNET_CHECK(!argv.empty(), "run_process: empty command line");
  int err_pipe[2];
  int exec_pipe[2];  // reports a failed chdir/exec to the parent (closed on a successful exec)
  CRITNET_CHECK_AS(Error, pipe(err_pipe) == 0, "pipe() failed: ", std::strerror(errno));
  if (pipe(exec_pipe) != 0) {
    close(err_pipe[0]);
    close(err_pipe[1]);
    throw Error(std::string("pipe() failed: ") + std::strerror(errno));
  }
  fcntl(exec_pipe[1], F_SETFD, FD_CLOEXEC);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string dir = cwd.string();

  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]}) close(fd);
    throw Error(std::string("fork() failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(err_pipe[0]);
    close(exec_pipe[0]);
    dup2(err_pipe[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
    }
    int code = 0;
    if (!dir.empty() && chdir(dir.c_str()) != 0) {
      code = errno;
    } else {
      execv(args[0], args.data());
      code = errno;
    }
    [[maybe_unused]] auto n = write(exec_pipe[1], &code, sizeof code);
    _exit(127);
  }
  close(err_pipe[1]);
  close(exec_pipe[1]);
  ProcessResult result;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(err_pipe[0], buf, sizeof buf);
    if (n > 0) {
      result.stderr_text.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  close(err_pipe[0]);
  int exec_errno = 0;
  const ssize_t got = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close(exec_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  CRITNET_CHECK_AS(Error, got != static_cast<ssize_t>(sizeof exec_errno), "cannot run ", argv[0],
                   " in ", dir, ": ", std::strerror(exec_errno));
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace critnet::report::detail
