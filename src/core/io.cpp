#include "critnet/core/io.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <thread>
#include <utility>

namespace critnet::io {
namespace fs = std::filesystem;

namespace {

std::string why(int err) {
  // O_NOFOLLOW's refusal reads as a loop of links otherwise.
  if (err == ELOOP) return "it is a symbolic link, which critnet does not follow: remove it";
  return std::strerror(err);
}

[[noreturn]] void fail(const fs::path& path, const char* what, int err) {
  throw OutputError(path.string() + ": " + what + " (" + why(err) + ")");
}

// write(2) until done; returns 0 or the errno of the failure.
int write_all(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

// fsync of a directory makes a rename in it durable; filesystems that cannot (EINVAL) are fine.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS) fail(dir, "cannot sync the directory", err);
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

}  // namespace

bool is_temp_name(const std::string& name) {
  static const std::regex kTemp(R"(.+\.critnet-tmp\.[0-9]+\.[0-9a-f]{16})");
  return std::regex_match(name, kTemp);
}

namespace {

// NAME.critnet-tmp.PID.RANDOM: a name no user picks, unknown before it is made.
fs::path new_temp_path(const fs::path& path) {
  static std::mt19937_64 gen{std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32)};
  static std::mutex mutex;
  uint64_t r = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    r = gen();
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
  return fs::path(path.string() + ".critnet-tmp." + std::to_string(::getpid()) + "." + hex);
}

// A new temporary file beside `path`, created by this call (O_EXCL: never an existing file,
// O_NOFOLLOW: never through a planted link); its descriptor, or -1 with errno set.
int create_temp_file(const fs::path& path, fs::path& tmp) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    tmp = new_temp_path(path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  fs::path tmp;
  const int fd = create_temp_file(path, tmp);
  if (fd < 0) fail(path, "cannot write", errno);
  int err = write_all(fd, bytes);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(path, "cannot write", err);
  }
  sync_directory(path.parent_path());
}

void append_to_file(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot append", errno);
  struct stat st {};
  int err = ::fstat(fd, &st) == 0 ? 0 : errno;
  if (err == 0) err = write_all(fd, bytes);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (err != 0) {
    // Cut a partial record away: the file ends on a whole line, as before the call.
    if (st.st_size >= 0 && ::ftruncate(fd, st.st_size) == 0) ::fsync(fd);
    ::close(fd);
    fail(path, "cannot append", err);
  }
  if (::close(fd) != 0) fail(path, "cannot append", errno);
}

void write_stdout(std::string_view bytes) {
  std::cout.flush();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size())
    fail("stdout", "write failed", errno);
  if (std::fflush(stdout) != 0) fail("stdout", "write failed", errno);
}

void check_stdout() {
  // std::cout shares stdout's buffer (sync_with_stdio): its flush is where a write fails.
  errno = 0;
  std::cout.flush();
  int err = errno;
  const bool cpp_ok = static_cast<bool>(std::cout);
  if (std::fflush(stdout) != 0 && err == 0) err = errno;
  if (!cpp_ok || std::ferror(stdout)) fail("stdout", "write failed", err != 0 ? err : EIO);
}

void create_directories(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw OutputError(dir.string() + ": cannot create the directory (" + ec.message() + ")");
}

int remove_stale_temp_files(const fs::path& dir) {
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    // Only critnet's own temporary names, and only regular files (a link is not followed).
    if (!is_temp_name(entry.path().filename().string())) continue;
    if (!fs::is_regular_file(entry.symlink_status(ec))) continue;
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

void require_regular_file(const fs::path& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    CRITNET_CHECK_DATA(err != ENOENT, path.string(), ": missing ", what, " (no such file)");
    throw DataError(path.string() + ": cannot read the " + what + " (" + why(err) + ")");
  }
  CRITNET_CHECK_DATA(S_ISREG(st.st_mode), path.string(), ": is ", kind_of(st.st_mode),
                     ", expected a ", what, " (a regular file)");
}

std::string read_text_file(const fs::path& path, const std::string& what) {
  require_regular_file(path, what);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw DataError(path.string() + ": cannot read (" + why(errno) + ")");
  std::string text;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  const bool bad = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (bad) throw DataError(path.string() + ": cannot read (" + why(err) + ")");
  return text;
}

nlohmann::json read_json_file(const fs::path& path, const std::string& what) {
  return parse_json(read_text_file(path, what), path.string());
}

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  bool too_deep = false;
  const nlohmann::json::parser_callback_t limit =
      [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth >= kMaxJsonDepth) too_deep = true;  // depth counts from 0
        return !too_deep;  // false: drop the value (and stop building the deep part)
      };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text, limit);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(source + ": not valid JSON (" + e.what() + ")");
  }
  if (too_deep) {
    throw DataError(source + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                    " levels");
  }
  return j;
}

RunLock::RunLock(const fs::path& dir, std::string_view holder, std::chrono::milliseconds wait)
    : dir_(dir) {
  io::create_directories(dir);
  const fs::path file = dir / kFileName;
  // O_NOFOLLOW: a planted link must not make the PID line below overwrite another file.
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(file, "cannot create the lock file", errno);
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw OutputError(file.string() + ": the lock file is " + kind_of(st.st_mode) + "; remove it");
  }
  const auto until = std::chrono::steady_clock::now() + wait;
  int locked = 0;
  while ((locked = ::flock(fd_, LOCK_EX | LOCK_NB)) != 0 && errno == EWOULDBLOCK &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (locked != 0) {
    const int err = errno;
    char buf[256] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof(buf) - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) fail(file, "cannot lock", err);
    std::string who = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    throw LockedError(dir.string() + ": in use by another critnet process (" + who +
                      "); wait for it to finish or stop it");
  }
  const std::string me = "pid " + std::to_string(::getpid()) + ": " + std::string(holder) + "\n";
  // Best effort: the PID is for the message of a second writer; the lock itself is the flock.
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
  remove_stale_temp_files(dir);
}

RunLock::RunLock(RunLock&& other) noexcept : dir_(std::move(other.dir_)), fd_(other.fd_) {
  other.fd_ = -1;
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

}  // namespace critnet::io
