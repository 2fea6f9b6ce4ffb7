// `critnet report RUN_DIR`: exit codes and outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../unit/report/synthetic_run.h"
#include "critnet/report/figure.h"
#include "support/cli.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using critnet::test_support::CliResult;
using critnet::test_support::TempDir;

// stdout and stderr together.
CliResult run(const std::string& args) {
  return critnet::test_support::run_critnet_shell(args, {"", /*merge_stderr=*/true});
}

TEST(ReportCli, BuildsTheReportOfARunDirectory) {
  if (!critnet::report::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  TempDir tmp;
  critnet::report::testing::make_synthetic_run(tmp.path(), 1);
  const CliResult r = run("report " + tmp.path().string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("report.html"));
  EXPECT_TRUE(fs::exists(tmp.path() / "report.html"));
  EXPECT_TRUE(fs::exists(tmp.path() / "summary.md"));
  EXPECT_TRUE(fs::exists(tmp.path() / "summary.json"));
  EXPECT_TRUE(fs::exists(tmp.path() / "figures" / "activation_frequency.svg"));
}

TEST(ReportCli, MissingResultsIsBadInput) {
  TempDir tmp;
  const CliResult r = run("report " + tmp.path().string());
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("run `critnet reproduce` first"));
}

TEST(ReportCli, MissingDirectoryOrBadThresholdIsUsage) {
  EXPECT_EQ(run("report /nonexistent/critnet-run").exit_code, 2);
  TempDir tmp;
  EXPECT_EQ(run("report --gof-p 1.5 " + tmp.path().string()).exit_code, 2);
}

}  // namespace
