// core/io: atomic writes, checked appends, regular-file reads, the run-directory lock.
#include "critnet/core/io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
namespace io = critnet::io;
using critnet::test_support::read_file;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

namespace {

int count_entries(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(CoreIo, AtomicWriteReplacesWholeAndLeavesNoTemporary) {
  TempDir tmp("io");
  const fs::path file = tmp.path() / "a.json";
  io::write_file_atomic(file, "first\n");
  io::write_file_atomic(file, "second, longer\n");
  EXPECT_EQ(read_file(file), "second, longer\n");
  EXPECT_EQ(count_entries(tmp.path()), 1);
}

TEST(CoreIo, AtomicWriteFailureNamesTheFileAndKeepsTheOld) {
  TempDir tmp("io");
  const fs::path missing_dir = tmp.path() / "no" / "such" / "x.csv";
  try {
    io::write_file_atomic(missing_dir, "x");
    FAIL() << "no error";
  } catch (const io::OutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing_dir.string()));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  // A target that cannot be replaced (a non-empty directory): the temporary is removed.
  const fs::path target = tmp.path() / "target";
  fs::create_directories(target / "inside");
  EXPECT_THROW(io::write_file_atomic(target, "x"), io::OutputError);
  EXPECT_EQ(count_entries(tmp.path()), 1);  // "target" alone: no temporary left
  EXPECT_TRUE(fs::is_directory(target / "inside"));
}

TEST(CoreIo, AppendAddsWholeRecords) {
  TempDir tmp("io");
  const fs::path file = tmp.path() / "metrics.jsonl";
  io::append_to_file(file, "{\"epoch\":1}\n");
  io::append_to_file(file, "{\"epoch\":2}\n");
  EXPECT_EQ(read_file(file), "{\"epoch\":1}\n{\"epoch\":2}\n");
  EXPECT_THROW(io::append_to_file(tmp.path() / "no" / "m.jsonl", "x"), io::OutputError);
}

TEST(CoreIo, ReadsOnlyRegularFiles) {
  TempDir tmp("io");
  const fs::path fifo = tmp.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT([&] { io::read_text_file(fifo); },
              ::testing::ThrowsMessage<critnet::DataError>(
                  HasSubstr("fifo: is a FIFO (named pipe), expected a file")));
  EXPECT_THAT([&] { io::read_text_file(tmp.path()); },
              ::testing::ThrowsMessage<critnet::DataError>(HasSubstr("is a directory")));
  EXPECT_THAT(
      [&] { io::read_text_file(tmp.path() / "none"); },
      ::testing::ThrowsMessage<critnet::DataError>(HasSubstr("none: missing file (no such file)")));
  io::write_file_atomic(tmp.path() / "bad.json", "{\"a\": ");
  EXPECT_THAT([&] { io::read_json_file(tmp.path() / "bad.json"); },
              ::testing::ThrowsMessage<critnet::DataError>(HasSubstr("not valid JSON")));
  io::write_file_atomic(tmp.path() / "good.json", "{\"a\": 1}");
  EXPECT_EQ(io::read_json_file(tmp.path() / "good.json").at("a"), 1);
}

TEST(CoreIo, RemovesOnlyItsOwnTemporaryFiles) {
  TempDir tmp("io");
  const std::string own = "state.json.critnet-tmp.123.0123456789abcdef";
  // A user's own *.tmp files (and the older NAME.tmp.PID pattern) are not critnet's to remove.
  for (const char* name : {"state.json.tmp.123", "notes.tmp", "data.tmp.42", "state.json", "a.csv"})
    io::write_file_atomic(tmp.path() / name, "x");
  io::write_file_atomic(tmp.path() / own, "x");
  const fs::path victim = tmp.path() / "victim";
  io::write_file_atomic(victim, "keep");
  fs::create_symlink(victim, tmp.path() / "b.critnet-tmp.7.fedcba9876543210");
  EXPECT_TRUE(io::is_temp_name(own));
  EXPECT_FALSE(io::is_temp_name("notes.tmp"));
  EXPECT_EQ(io::remove_stale_temp_files(tmp.path()), 1);
  EXPECT_FALSE(fs::exists(tmp.path() / own));
  for (const char* name : {"state.json.tmp.123", "notes.tmp", "data.tmp.42", "state.json", "a.csv"})
    EXPECT_TRUE(fs::exists(tmp.path() / name)) << name;
  EXPECT_EQ(read_file(victim), "keep");
}

// A planted link where critnet writes never redirects the write: the atomic writer's temporary
// is a new file (O_EXCL, a random name), appends and the lock file refuse links.
TEST(CoreIo, PlantedLinksRedirectNoWrite) {
  TempDir tmp("io");
  const fs::path victim = tmp.path() / "victim";
  io::write_file_atomic(victim, "keep");
  // The atomic writer replaces the link itself, not its target.
  fs::create_symlink(victim, tmp.path() / "out.json");
  io::write_file_atomic(tmp.path() / "out.json", "new");
  EXPECT_EQ(read_file(victim), "keep");
  EXPECT_FALSE(fs::is_symlink(tmp.path() / "out.json"));
  EXPECT_EQ(read_file(tmp.path() / "out.json"), "new");
  // Appends refuse a link.
  fs::create_symlink(victim, tmp.path() / "metrics.jsonl");
  EXPECT_THAT([&] { io::append_to_file(tmp.path() / "metrics.jsonl", "x\n"); },
              ::testing::ThrowsMessage<io::OutputError>(HasSubstr("symbolic link")));
  EXPECT_EQ(read_file(victim), "keep");
  // The lock file refuses a link.
  const fs::path run = tmp.path() / "run";
  fs::create_directories(run);
  fs::create_symlink(victim, run / ".critnet.lock");
  EXPECT_THAT([&] { io::RunLock lock(run, "test"); },
              ::testing::ThrowsMessage<io::OutputError>(HasSubstr("symbolic link")));
  EXPECT_EQ(read_file(victim), "keep");
}

// flock locks belong to an open file description: a second lock of the same directory fails
// even inside one process, and names the holder.
TEST(CoreIo, RunLockAdmitsOneHolder) {
  TempDir tmp("io");
  const fs::path run = tmp.path() / "run";
  {
    const io::RunLock first(run, "critnet train");
    try {
      const io::RunLock second(run, "critnet probe");
      FAIL() << "second lock granted";
    } catch (const io::LockedError& e) {
      EXPECT_THAT(e.what(), HasSubstr(run.string() + ": in use by another critnet process (pid " +
                                      std::to_string(::getpid()) + ": critnet train)"));
    }
  }
  const io::RunLock again(run, "critnet train");  // released with the first
  EXPECT_TRUE(fs::exists(run / io::RunLock::kFileName));
}

// What a killed writer left in the directory is gone once the next writer holds the lock (its
// own files and subdirectories stay).
TEST(CoreIo, RunLockRemovesStaleTemporaryFiles) {
  TempDir tmp("io");
  const fs::path run = tmp.path() / "run";
  fs::create_directories(run / "checkpoint");
  const std::string stale = "state.json.critnet-tmp.123.00000000deadbeef";
  for (const fs::path& p : {run / stale, run / "a.csv", run / "notes.tmp",
                            run / "checkpoint" / "m.pt.critnet-tmp.9.00000000deadbeef"})
    std::ofstream(p) << "x";
  const io::RunLock lock(run, "critnet train");
  EXPECT_FALSE(fs::exists(run / stale));
  EXPECT_TRUE(fs::exists(run / "a.csv"));
  EXPECT_TRUE(fs::exists(run / "notes.tmp"));  // the user's
  EXPECT_TRUE(fs::exists(run / "checkpoint" / "m.pt.critnet-tmp.9.00000000deadbeef"));
}

}  // namespace

namespace critnet::io {
namespace {

// One reading path for JSON: text nested beyond kMaxJsonDepth is refused naming its source,
// without building it (a million levels would overflow the stack in dump() or a destructor);
// depth 64 itself is read.
TEST(CoreIo, JsonNestedTooDeepIsRefusedWithoutRecursion) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_NO_THROW(parse_json(ok, "ok"));
  for (const std::string& deep :
       {std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'),
        std::string(1000000, '[') + std::string(1000000, ']'),
        "{\"a\": " + std::string(1000000, '[')}) {
    try {
      parse_json(deep, "cell.json");
      ADD_FAILURE() << "accepted JSON " << deep.size() << " characters deep";
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), ::testing::StartsWith("cell.json: "));
    }
  }
  test_support::TempDir tmp("deep");
  const std::string file = tmp.file("cell.json");
  std::ofstream(file) << std::string(100000, '[') << std::string(100000, ']');
  try {
    read_json_file(file, "cell.json");
    ADD_FAILURE() << "accepted a deep file";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), ::testing::StartsWith(file + ": "));
  }
}

}  // namespace
}  // namespace critnet::io
