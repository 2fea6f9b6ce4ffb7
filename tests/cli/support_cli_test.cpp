// The shared CLI runner of tests/support: argument quoting, stdin, separate or merged streams,
// extra environment, exit codes; and TempDir's cleanup.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/cli.h"
#include "support/temp_dir.h"

namespace {

using critnet::test_support::CliOptions;
using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;
using critnet::test_support::run_critnet_shell;
using critnet::test_support::shell_quote;
using critnet::test_support::TempDir;

TEST(SupportCli, ShellQuoteSurvivesQuotesAndSpaces) {
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(SupportCli, ArgumentsArePassedVerbatim) {
  const TempDir tmp("support_cli");
  const std::string file = tmp.file("odd name's $HOME;.txt");
  std::ofstream(file) << "1\n2\n3\n5\n8\n13\n21\n34\n55\n89\n";
  const CliResult r = run_critnet({"fit", file, "--json", "--no-compare"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"n\": 10"), std::string::npos) << r.out;
}

TEST(SupportCli, StdinAndSeparateStreams) {
  CliOptions o;
  o.stdin_text = "1.5\n2\n3.25\n4\n7\n11\n2.2\n9\n30\n5\n";
  const CliResult r = run_critnet({"fit", "-", "--json", "--no-compare"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"<stdin>\""), std::string::npos) << r.out;

  const CliResult bad = run_critnet({"fit", "/nonexistent/critnet.txt"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_EQ(bad.out, "");
  EXPECT_NE(bad.err.find("cannot open the file"), std::string::npos) << bad.err;
}

TEST(SupportCli, MergedStreamsAndEnvironment) {
  CliOptions o;
  o.merge_stderr = true;
  const CliResult bad = run_critnet_shell("fit /nonexistent/critnet.txt", o);
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.out.find("cannot open the file"), std::string::npos) << bad.out;
  EXPECT_EQ(bad.err, "");

  const TempDir tmp("support_cli");
  CliOptions env;
  env.env = {"CRITNET_GNUPLOT=/nonexistent/critnet-no-gnuplot"};
  const CliResult r = run_critnet({"rg-flow", "--lambda", "0.5", "--plot", tmp.file("p")}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--plot needs gnuplot"), std::string::npos) << r.err;
}

TEST(SupportTempDir, CreatedAndRemoved) {
  if (std::getenv("CRITNET_KEEP_TMP") != nullptr) GTEST_SKIP() << "CRITNET_KEEP_TMP is set";
  std::filesystem::path kept;
  {
    const TempDir tmp("support_tmp");
    kept = tmp.path();
    EXPECT_TRUE(std::filesystem::is_directory(kept));
    std::ofstream(tmp.file("x")) << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
