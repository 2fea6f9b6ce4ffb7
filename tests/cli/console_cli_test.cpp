// What the long commands print where (apps/critnet/console.h; docs/cli.md, "What each command
// prints"): `critnet train` under a real pseudo-terminal (util-linux `script`) draws a progress
// line in place and a row per epoch; into pipes it prints JSON lines and no carriage return;
// --json and --quiet; plain progress lines in logs; the probe's per-fit lines behind --verbose.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/temp_dir.h"

namespace {

using critnet::test_support::CliOptions;
using critnet::test_support::CliResult;
using critnet::test_support::critnet_binary;
using critnet::test_support::run_critnet;
using critnet::test_support::shell_quote;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// A training run of 2 epochs with 300 steps each: a few hundred milliseconds.
std::vector<std::string> train_args(const std::string& out) {
  return {"train",
          "--data",
          "synthetic:10",
          "--synthetic-train",
          "3000",
          "--synthetic-test",
          "200",
          "--hidden",
          "32,16",
          "--epochs",
          "2",
          "--batch-size",
          "10",
          "--threads",
          "1",
          "--out",
          out};
}

std::string command_line(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(critnet_binary());
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return cmd;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(ConsoleCli, TrainOnATerminalDrawsProgressInPlaceAndAnEpochTable) {
  TempDir tmp("console_tty");
  // `script` runs the command on a new pseudo-terminal (stdout and stderr both a TTY) and
  // copies what it writes there to our stdout; -e returns the command's exit status. The shell
  // runner starts with critnet itself, so `critnet --version && script ...`.
  const std::string cmd = command_line(train_args((tmp.path() / "run").string()));
  const CliResult r = critnet::test_support::run_critnet_shell(
      "--version >/dev/null && script -qefc " + shell_quote(cmd) + " /dev/null", CliOptions{});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The progress line: redrawn with \r, naming the epoch, the bar and the batches.
  EXPECT_THAT(r.out, HasSubstr("\repoch 1/2 ["));
  EXPECT_THAT(r.out, HasSubstr("/300 batches"));
  // The epoch table: a header and one row per epoch, no JSON.
  EXPECT_THAT(r.out, HasSubstr("epoch      loss  data loss  test acc  samples/s"));
  EXPECT_THAT(r.out, HasSubstr("      1/2 "));
  EXPECT_THAT(r.out, HasSubstr("      2/2 "));
  EXPECT_THAT(r.out, Not(HasSubstr("{\"complete\"")));
  EXPECT_THAT(r.out, HasSubstr("critnet: done: epoch 2"));
}

TEST(ConsoleCli, TrainIntoPipesPrintsJsonLinesAndNoCarriageReturn) {
  TempDir tmp("console_pipe");
  const CliResult r = run_critnet(train_args((tmp.path() / "run").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(nlohmann::json::parse(lines[i]).at("epoch"), static_cast<int>(i) + 1);
  EXPECT_THAT(r.err, HasSubstr("critnet: training on synthetic:10"));
}

TEST(ConsoleCli, QuietJsonAndPlainProgressLines) {
  TempDir tmp("console_quiet");
  // --quiet --json on a terminal: JSON lines on stdout, nothing else.
  const std::string cmd = command_line(train_args((tmp.path() / "quiet").string())) +
                          " --quiet --json 2>" + shell_quote((tmp.path() / "err").string());
  const CliResult q = critnet::test_support::run_critnet_shell(
      "--version >/dev/null && script -qefc " + shell_quote(cmd) + " /dev/null", CliOptions{});
  ASSERT_EQ(q.exit_code, 0) << q.out;
  const auto lines = lines_of(q.out);
  ASSERT_EQ(lines.size(), 2u) << q.out;
  for (auto line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the terminal's CR LF
    EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;
  }
  // Off a terminal, a plain progress line per interval (here 0 s: every step), never a \r.
  CliOptions plain;
  plain.env = {"CRITNET_PROGRESS_INTERVAL=0"};
  const CliResult p = run_critnet(train_args((tmp.path() / "plain").string()), plain);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.err, HasSubstr("critnet: epoch 1/2: "));
  EXPECT_THAT(p.err, HasSubstr(" batches ("));
  EXPECT_EQ(p.err.find('\r'), std::string::npos);
  plain.env = {"CRITNET_PROGRESS_INTERVAL=soon"};
  const CliResult bad = run_critnet(train_args((tmp.path() / "bad").string()), plain);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("CRITNET_PROGRESS_INTERVAL"));
}

TEST(ConsoleCli, ProbeFitLinesNeedVerboseAndJsonIsTheDocument) {
  TempDir tmp("console_probe");
  const std::string run = (tmp.path() / "run").string();
  ASSERT_EQ(run_critnet(train_args(run)).exit_code, 0);
  const std::vector<std::string> probe = {"probe", run,         "--limit", "100",  "--bootstrap",
                                          "2",     "--threads", "1",       "--out"};
  auto with = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args = probe;
    args.push_back((tmp.path() / out).string());
    args.insert(args.end(), extra.begin(), extra.end());
    return run_critnet(args);
  };
  const CliResult plain = with("p1", {});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.err, Not(HasSubstr("fitting")));
  EXPECT_THAT(plain.err, HasSubstr("critnet: probing"));
  const CliResult verbose = with("p2", {"--verbose"});
  ASSERT_EQ(verbose.exit_code, 0) << verbose.err;
  EXPECT_THAT(verbose.err, HasSubstr("layer 1: fitting"));
  const CliResult js = with("p3", {"--json", "--quiet"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  for (const auto& line : lines_of(js.err))  // warnings only (e.g. about this CPU's BLAS)
    EXPECT_THAT(line, HasSubstr("warning")) << js.err;
  const auto doc = nlohmann::json::parse(js.out);
  EXPECT_EQ(doc.at("schema"), "critnet.probe/2");
}

}  // namespace
