#pragma once
/// critnet's file I/O: every output goes through here, so every write is checked and every
/// failure is one clean error naming the file (docs/cli.md, exit codes).
///
/// - write_file_atomic: a whole file, all or nothing (a temporary file NAME.critnet-tmp.PID.RANDOM
///   in the same directory, created with O_EXCL | O_NOFOLLOW so that no planted file or link can
///   redirect it; fsync, rename, fsync of the directory). A reader never sees a torn file; on
///   failure (ENOSPC, EIO, EACCES) the temporary file is removed and the old file, if any, is
///   left as it was.
/// - append_to_file: one record appended (a metrics line), written whole or reported; a link
///   at the path is refused, not followed.
/// - write_stdout / check_stdout: results on stdout, with write errors reported, not lost.
/// - read_text_file / read_json_file: regular files only (a FIFO or a device would block or
///   never end; a directory is named as one).
/// - RunLock: one writer per run directory (an advisory flock held for the lock's lifetime; the
///   lock file is never opened through a link).
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "critnet/core/error.h"

namespace critnet::io {

/// An output that could not be written (disk full, I/O error, permission). Exit code 1.
class OutputError : public Error {
 public:
  using Error::Error;
};

/// Another process holds the run directory's lock. Exit code 1; the message names its PID.
class LockedError : public Error {
 public:
  using Error::Error;
};

/// Writes `bytes` to `path` atomically and durably (see above). Throws OutputError naming
/// `path` and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

/// Appends `bytes` to `path` (created if missing) in one write(2) of an O_APPEND file, then
/// fsyncs it. Throws OutputError naming `path`; a partial append is truncated away again so
/// that the file ends on a whole record.
void append_to_file(const std::filesystem::path& path, std::string_view bytes);

/// Writes `bytes` to stdout and flushes. Throws OutputError("stdout: ...") on a write error.
void write_stdout(std::string_view bytes);
/// Flushes stdout (C and C++ streams) and throws OutputError when any earlier write failed.
/// main() calls it once at the end, so output printed anywhere is checked.
void check_stdout();

/// Creates `dir` and its parents. Throws OutputError naming it.
void create_directories(const std::filesystem::path& dir);

/// Whether `name` (a file name, no directory) is one of write_file_atomic's temporary names,
/// NAME.critnet-tmp.PID.RANDOM (16 hex digits): a pattern no user picks.
bool is_temp_name(const std::string& name);
/// Removes the temporary files that write_file_atomic (of any process) left in `dir` (not
/// recursive): regular files with is_temp_name names only, never a user's own `*.tmp` and
/// never through a link; returns how many. Call it only while holding the directory's RunLock
/// (which does it for the directory itself; this is for its subdirectories).
int remove_stale_temp_files(const std::filesystem::path& dir);

/// Throws DataError naming `path` unless it is an existing regular file (or a link to one),
/// before any open() that could block (a FIFO waits for a writer) or never end (/dev/zero):
/// "PATH: missing WHAT (no such file)", "PATH: is a FIFO (named pipe), expected a WHAT (a
/// regular file)", ... `what` names the file's role ("config file", "data file").
void require_regular_file(const std::filesystem::path& path, const std::string& what = "file");
/// The whole file; throws DataError naming it (require_regular_file first).
std::string read_text_file(const std::filesystem::path& path, const std::string& what = "file");
/// The file parsed as JSON (parse_json); throws DataError naming it.
nlohmann::json read_json_file(const std::filesystem::path& path,
                              const std::string& what = "JSON file");

/// Deepest nesting parse_json accepts (critnet's own files nest at most 5 levels).
constexpr int kMaxJsonDepth = 64;
/// The one way critnet parses JSON it did not build itself (files, config text, Python
/// arguments): throws DataError naming `source` for text that is not JSON ("SOURCE: not valid
/// JSON (...)") or nests deeper than kMaxJsonDepth, whose values are dropped while parsing, so
/// a million nested brackets cost neither stack nor memory.
nlohmann::json parse_json(std::string_view text, const std::string& source);

/// An exclusive advisory lock on a run directory (flock on DIR/.critnet.lock, which holds
/// the holder's PID and command), released when the object is destroyed or the process
/// ends, however it ends (the kernel drops flocks of a dead process: never stale).
class RunLock {
 public:
  /// Creates `dir` if needed and locks it, then removes the temporary files a killed writer
  /// left in it (remove_stale_temp_files: once locked, no one else writes there); throws
  /// LockedError ("DIR: in use by another critnet process (pid N: critnet train); wait for it
  /// or stop it") when another process holds it, OutputError when the lock file cannot be
  /// created. With `wait` > 0 it waits up to that long for a holder to let go (for short
  /// sections several processes go through in turn, such as a sweep directory's grid check).
  RunLock(const std::filesystem::path& dir, std::string_view holder,
          std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  ~RunLock();
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  /// The lock file's name inside a run directory.
  static constexpr const char* kFileName = ".critnet.lock";

 private:
  std::filesystem::path dir_;
  int fd_ = -1;
};

}  // namespace critnet::io
