#pragma once
// A fresh, uniquely named temporary directory, removed with everything in it when the object
// goes out of scope (kept when the environment variable CRITNET_KEEP_TMP is set).
#include <filesystem>
#include <string>

namespace critnet::test_support {

class TempDir {
 public:
  /// Creates TMPDIR/critnet_<prefix>_<current test name>_XXXXXX (mkdtemp).
  explicit TempDir(const std::string& prefix = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// path() / name, as a string (for command lines).
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace critnet::test_support
