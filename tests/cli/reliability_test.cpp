// Faults a user meets: a full disk (a real tmpfs, mounted by the test), two writers on one run
// directory, a checkpoint whose model file belongs to another run, SIGINT/SIGTERM, stdout on
// a full device. Each must end in a one-line error and a documented exit code, losing nothing.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "critnet/core/io.h"
#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using critnet::test_support::CliResult;
using critnet::test_support::read_file;
using critnet::test_support::shell_quote;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* kTiny =
    "train --data synthetic:12 --synthetic-train 200 --synthetic-test 50 --batch-size 50 "
    "--threads 1 --device cpu ";

CliResult run(const std::string& args) {
  return critnet::test_support::run_critnet_shell(args);
}

int lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// Lines of stderr that report an error (progress lines such as "critnet: training on ..."
// may precede it): exactly one is expected.
int error_lines(const std::string& err) {
  int n = 0;
  for (std::size_t at = err.find("critnet: error: "); at != std::string::npos;
       at = err.find("critnet: error: ", at + 1))
    ++n;
  return n;
}

std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (critnet::io::is_temp_name(e.path().filename().string())) out.push_back(e.path().string());
  }
  return out;
}

// A background `critnet ARGS` with stdout and stderr to files.
class Background {
 public:
  Background(const std::vector<std::string>& args, const fs::path& log_dir)
      : err_(log_dir / "err") {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open((log_dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(err, 2);
      const char* binary = critnet::test_support::critnet_binary();
      std::vector<char*> argv{const_cast<char*>(binary)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(binary, argv.data());
      ::_exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  pid_t pid() const { return pid_; }
  /// The exit code, or 128 + signal when it was killed.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string err() const { return read_file(err_); }

 private:
  fs::path err_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// A run that goes on until it is stopped (about 0.1 s an epoch).
std::vector<std::string> endless_train(const std::string& run_dir) {
  return {"train", "--data",           "synthetic:12", "--synthetic-train",
          "2000",  "--synthetic-test", "50",           "--hidden",
          "64",    "--batch-size",     "10",           "--threads",
          "1",     "--epochs",         "100000",       "--out",
          run_dir};
}

bool wait_for(const fs::path& file, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    if (fs::exists(file, ec)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A small tmpfs mounted for the test (root only; skipped elsewhere).
class DiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    mnt_ = tmp_.path() / "mnt";
    fs::create_directories(mnt_);
    if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, "size=2m") != 0)
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mnt_.c_str(), MNT_DETACH);
  }
  // Fills the tmpfs to the last byte, except `keep` bytes (a reserve file removed after).
  void fill(std::size_t keep) {
    if (keep > 0) std::ofstream(mnt_ / "reserve") << std::string(keep, 'r');
    const int fd = ::open((mnt_ / "filler").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const std::string block(4096, 'f');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    while (::write(fd, block.data(), 1) > 0) {
    }
    ::close(fd);
    fs::remove(mnt_ / "reserve");
  }
  void free_space() { fs::remove(mnt_ / "filler"); }

  TempDir tmp_{"disk_full"};
  fs::path mnt_;
  bool mounted_ = false;
};

TEST_F(DiskFull, TrainOnAFullDiskFailsCleanly) {
  fill(0);
  const CliResult r =
      run(std::string(kTiny) + "--hidden 8 --epochs 1 --out " + (mnt_ / "run").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_THAT(r.err, HasSubstr((mnt_ / "run").string()));
  EXPECT_THAT(temp_files(mnt_), ::testing::IsEmpty());
}

// The disk fills while the second epoch's checkpoint is written: exit 1 naming the file, the
// first epoch's checkpoint intact and resumable once there is room.
TEST_F(DiskFull, CheckpointOnAFullDiskKeepsTheLastGood) {
  const std::string run_dir = (mnt_ / "run").string();
  const CliResult first = run(std::string(kTiny) + "--hidden 256 --epochs 1 --out " + run_dir);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto model_size = fs::file_size(mnt_ / "run/checkpoint/model-000001.pt");
  ASSERT_GT(model_size, 16384u);
  // Room for config.json and metrics.jsonl (rewritten on resume), not for a model file.
  fill(fs::file_size(mnt_ / "run/config.json") + 8192);
  const CliResult r = run("train --resume " + run_dir + " --epochs 2");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_THAT(r.err, HasSubstr(run_dir));
  EXPECT_THAT(r.err, Not(HasSubstr("terminate")));
  EXPECT_THAT(temp_files(mnt_), ::testing::IsEmpty());
  const auto state = nlohmann::json::parse(read_file(mnt_ / "run/checkpoint/state.json"));
  EXPECT_EQ(state.at("epoch"), 1);
  EXPECT_TRUE(fs::exists(mnt_ / "run/checkpoint" / state.at("model").get<std::string>()));
  free_space();
  const CliResult again = run("train --resume " + run_dir + " --epochs 2");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(lines(read_file(mnt_ / "run/metrics.jsonl")), 2);
}

TEST_F(DiskFull, CsvOutputsAreWholeOrAbsent) {
  fill(0);
  for (const std::string cmd :
       {"rg-flow --a 0.5 --lambda 0.3 --out ", "gaussian --dim 1 --size 64 --out ",
        "meanfield --coupling 2 --size 50 --steps 4 --out "}) {
    const std::string out = (mnt_ / "out.csv").string();
    const CliResult r = run(cmd + out);
    EXPECT_EQ(r.exit_code, 1) << cmd << r.err;
    EXPECT_THAT(r.err, HasSubstr(out + ": cannot write (No space left on device)")) << cmd;
    EXPECT_FALSE(fs::exists(out)) << cmd;
    EXPECT_THAT(temp_files(mnt_), ::testing::IsEmpty()) << cmd;
  }
}

TEST(Stdout, AWriteErrorIsReported) {
  TempDir tmp("stdout");
  std::ofstream(tmp.file("x.txt")) << "1\n2\n3\n5\n8\n13\n21\n34\n55\n89\n";
  const CliResult r = run("fit " + shell_quote(tmp.file("x.txt")) + " > /dev/full");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("stdout: write failed (No space left on device)"));
  const CliResult flow = run("rg-flow --a 0.5 --lambda 0.3 > /dev/full");
  EXPECT_EQ(flow.exit_code, 1) << flow.err;
  EXPECT_THAT(flow.err, HasSubstr("stdout: write failed"));
}

// A second writer into a run directory in use gets exit 1 naming the holder's PID; the
// holder's run is untouched.
TEST(TwoWriters, TheSecondIsRefused) {
  TempDir tmp("writers");
  const std::string run_dir = tmp.file("run");
  Background first(endless_train(run_dir), tmp.path());
  ASSERT_TRUE(wait_for(fs::path(run_dir) / "checkpoint/state.json", 60)) << first.err();
  for (const std::string second :
       {std::string(kTiny) + "--hidden 8 --epochs 1 --out " + run_dir,
        "train --resume " + run_dir + " --epochs 2", "probe " + run_dir + " --out " + run_dir}) {
    const CliResult r = run(second);
    EXPECT_EQ(r.exit_code, 1) << second << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("in use by another critnet process (pid " +
                                 std::to_string(first.pid()) + ": critnet train)"))
        << second;
  }
  ::kill(first.pid(), SIGKILL);
  first.wait();
  const auto config = nlohmann::json::parse(read_file(fs::path(run_dir) / "config.json"));
  EXPECT_EQ(config.at("model").at("hidden"), nlohmann::json::array({64}));
}

// A reader of a live run (probe into another directory) never sees state.json naming a model
// file the writer has just rotated away.
TEST(TwoWriters, ProbingALiveRunElsewhereWorks) {
  TempDir tmp("live");
  const std::string run_dir = tmp.file("run");
  Background train(endless_train(run_dir), tmp.path());
  ASSERT_TRUE(wait_for(fs::path(run_dir) / "checkpoint/state.json", 60)) << train.err();
  for (int i = 0; i < 6; ++i) {
    const CliResult r = run("probe " + run_dir + " --no-fits --limit 20 --threads 1 --out " +
                            tmp.file("probe" + std::to_string(i)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ::kill(train.pid(), SIGKILL);
  train.wait();
}

// SIGINT and SIGTERM stop at a step boundary, write a checkpoint and say how to resume.
TEST(Signals, StopWritesACheckpointAndExits128PlusSignal) {
  for (const int sig : {SIGINT, SIGTERM}) {
    TempDir tmp("signals");
    const std::string run_dir = tmp.file("run");
    Background train(endless_train(run_dir), tmp.path());
    ASSERT_TRUE(wait_for(fs::path(run_dir) / "checkpoint/state.json", 60)) << train.err();
    ::kill(train.pid(), sig);
    EXPECT_EQ(train.wait(), 128 + sig) << train.err();
    const std::string err = train.err();
    EXPECT_THAT(err, HasSubstr(sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM"));
    EXPECT_THAT(err, HasSubstr("continue with --resume " + run_dir));
    const auto state =
        nlohmann::json::parse(read_file(fs::path(run_dir) / "checkpoint/state.json"));
    const int64_t epoch = state.at("epoch").get<int64_t>();
    EXPECT_GE(epoch, 1);
    EXPECT_THAT(temp_files(run_dir), ::testing::IsEmpty());
    const CliResult more =
        run("train --resume " + run_dir + " --epochs " + std::to_string(epoch + 1));
    EXPECT_EQ(more.exit_code, 0) << more.err;
  }
}

// A run's records without their timings (wall_s, train_s, samples_per_s), one per epoch.
std::vector<nlohmann::json> untimed_records(const fs::path& run_dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(run_dir / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    for (const char* key : {"wall_s", "train_s", "samples_per_s"}) j.erase(key);
    out.push_back(std::move(j));
  }
  return out;
}

std::string final_weights(const fs::path& run_dir) {
  const auto state = nlohmann::json::parse(read_file(run_dir / "checkpoint/state.json"));
  return read_file(run_dir / "checkpoint" / state.at("model").get<std::string>());
}

// A stop at any moment (before the first step, inside an epoch, between epochs), on the fast
// and the autograd step, with the penalty on: exit 143 (0 when the run had already ended), and
// after --resume the weights and every record equal an uninterrupted run's, timings aside.
TEST(Signals, AStopAnywhereResumesToTheUninterruptedRun) {
  for (const bool autograd : {false, true}) {
    TempDir tmp("anywhere");
    std::vector<std::string> args;
    std::istringstream words(
        "train --data synthetic:16 --synthetic-train 3000 --synthetic-test 100 --hidden 48,24 "
        "--batch-size 20 --threads 1 --epochs 2 --reg cw --beta 40 --strength 0.01 "
        "--reg-interval 3");
    for (std::string w; words >> w;) args.push_back(w);
    if (autograd) args.push_back("--autograd");
    const auto with_out = [&](const std::string& dir) {
      auto a = args;
      a.insert(a.end(), {"--out", dir});
      return a;
    };
    // The training's own time: from config.json's appearance (the handlers are in place, the
    // first step is next) to the end.
    const auto time_from_config = [&](Background& b, const fs::path& dir) {
      EXPECT_TRUE(wait_for(dir / "config.json", 60)) << b.err();
      return std::chrono::steady_clock::now();
    };
    Background reference(with_out(tmp.file("ref")), tmp.path());
    const auto t0 = time_from_config(reference, tmp.file("ref"));
    ASSERT_EQ(reference.wait(), 0) << reference.err();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int stopped = 0;
    for (const double at : {0.0, 0.4, 0.7, 0.9}) {
      const std::string dir = tmp.file("stop" + std::to_string(static_cast<int>(at * 100)));
      Background train(with_out(dir), tmp.path());
      time_from_config(train, dir);
      std::this_thread::sleep_for(std::chrono::duration<double>(at * seconds));
      ::kill(train.pid(), SIGTERM);
      const int code = train.wait();
      ASSERT_TRUE(code == 143 || code == 0) << "exit " << code << " at " << at << "\n"
                                            << train.err();
      if (code == 143) {
        ++stopped;
        const CliResult more = run("train --resume " + dir + " --epochs 2");
        ASSERT_EQ(more.exit_code, 0) << at << "\n" << more.err;
      }
      EXPECT_EQ(untimed_records(dir), untimed_records(tmp.file("ref")))
          << (autograd ? "autograd" : "fast") << " step, stopped at " << at;
      EXPECT_TRUE(final_weights(dir) == final_weights(tmp.file("ref")))
          << (autograd ? "autograd" : "fast") << " step, stopped at " << at;
    }
    EXPECT_GE(stopped, 2) << "most stops must land inside the run";
  }
}

// A model file copied in from another run (other hidden sizes) is refused by every reader
// (exit 3, one line naming the file), instead of being probed as the wrong net. A wider net's
// file has every tensor the narrower config asks for, with other shapes: the message names the
// parameter and both shapes. A narrower net's lacks a layer.
TEST(MismatchedCheckpoint, EveryReaderRefusesIt) {
  TempDir tmp("mismatch");
  const CliResult a = run(std::string(kTiny) + "--hidden 16 --epochs 1 --out " + tmp.file("a"));
  const CliResult b = run(std::string(kTiny) + "--hidden 32,8 --epochs 1 --out " + tmp.file("b"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const fs::path model = "checkpoint/model-000001.pt";
  fs::rename(tmp.path() / "a" / model, tmp.path() / "a16.pt");
  fs::copy_file(tmp.path() / "b" / model, tmp.path() / "a" / model);
  fs::copy_file(tmp.path() / "a16.pt", tmp.path() / "b" / model,
                fs::copy_options::overwrite_existing);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a",
       "is [32, 12] but the checkpoint's state.json config makes it [16, 12] (the model "
       "file belongs to another run)"},
      {"b", "cannot load the model (No such serialized submodule"}};
  for (const auto& [run_name, message] : cases) {
    const std::string dir = tmp.file(run_name);
    for (const std::string cmd : {"probe " + dir + " --out " + tmp.file("p"), "rg " + dir,
                                  "meanfield " + dir, "train --resume " + dir + " --epochs 2"}) {
      const CliResult r = run(cmd);
      EXPECT_EQ(r.exit_code, 3) << cmd << "\n" << r.err;
      EXPECT_EQ(error_lines(r.err), 1) << cmd << "\n" << r.err;
      EXPECT_THAT(r.err, HasSubstr((fs::path(dir) / model).string() + ": ")) << cmd;
      EXPECT_THAT(r.err, HasSubstr(message)) << cmd;
    }
  }
}

}  // namespace
