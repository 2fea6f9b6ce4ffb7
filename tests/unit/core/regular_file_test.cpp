// io::require_regular_file and the thread cap: refused before anything is opened or spawned.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/core/runtime.h"
#include "support/temp_dir.h"

using ::testing::HasSubstr;

namespace {

std::string data_error(const std::string& path) {
  try {
    critnet::io::require_regular_file(path, "data file");
  } catch (const critnet::DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Files, RegularFilesPassOthersAreNamed) {
  const critnet::test_support::TempDir tmp("files");
  std::ofstream(tmp.file("plain")) << "x";
  ASSERT_EQ(::mkfifo(tmp.file("fifo").c_str(), 0600), 0);
  EXPECT_EQ(data_error(tmp.file("plain")), "");
  EXPECT_EQ(data_error(tmp.file("fifo")),
            tmp.file("fifo") + ": is a FIFO (named pipe), expected a data file (a regular file)");
  EXPECT_EQ(data_error(tmp.path().string()),
            tmp.path().string() + ": is a directory, expected a data file (a regular file)");
  EXPECT_EQ(data_error("/dev/null"),
            "/dev/null: is a character device, expected a data file (a regular file)");
  EXPECT_EQ(data_error(tmp.file("missing")),
            tmp.file("missing") + ": missing data file (no such file)");
}

TEST(Files, ThreadsAreCapped) {
  EXPECT_NO_THROW(critnet::check_threads(0));
  EXPECT_NO_THROW(critnet::check_threads(critnet::kMaxThreads));
  try {
    critnet::set_threads(100000);
    FAIL() << "100000 threads accepted";
  } catch (const critnet::InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("threads must be in [0, 1024] (0 = all cores), got 100000"));
  }
  EXPECT_THROW(critnet::check_threads(-1), critnet::InvalidArgument);
}
