#pragma once
// A command's table or CSV: built in memory, then written whole to --out (atomically, so a
// full disk leaves no file cut mid-line) or to stdout, with write errors reported
// (io::OutputError, exit 1).
#include <sstream>
#include <string>
#include <utility>

#include "critnet/core/io.h"

namespace critnet::cli {

class TextOutput {
 public:
  /// `path` empty: stdout.
  explicit TextOutput(std::string path) : path_(std::move(path)) {}
  std::ostream& stream() { return buffer_; }
  /// Writes what was streamed; throws io::OutputError naming the file (or stdout).
  void commit() {
    if (path_.empty()) {
      io::write_stdout(buffer_.str());
    } else {
      io::write_file_atomic(path_, buffer_.str());
    }
  }

 private:
  std::string path_;
  std::ostringstream buffer_;
};

}  // namespace critnet::cli
