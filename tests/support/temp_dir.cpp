#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace critnet::test_support {

TempDir::TempDir(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "critnet_" + prefix + "_" + (info ? info->name() : "suite") + "_XXXXXX";
  for (char& c : name) {
    if (c == '/') c = '_';  // parameterised test names
  }
  std::string templ = (std::filesystem::temp_directory_path() / name).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("TempDir: mkdtemp failed for " + templ);
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (std::getenv("CRITNET_KEEP_TMP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

}  // namespace critnet::test_support
