// `critnet report RUN_DIR`: exit codes and outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "../unit/report/synthetic_run.h"
#include "../unit/report/temp_dir.h"
#include "critnet/report/figure.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct CliResult {
  int code;
  std::string output;  // stdout and stderr
};

CliResult run(const std::string& args) {
  const std::string cmd = std::string(CRITNET_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  CliResult r{-1, ""};
  if (!p) return r;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) r.output += buf;
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ReportCli, BuildsTheReportOfARunDirectory) {
  if (!critnet::report::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  critnet::report::testing::TempDir tmp;
  critnet::report::testing::make_synthetic_run(tmp.path(), 1);
  const CliResult r = run("report " + tmp.path().string());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("report.html"));
  EXPECT_TRUE(fs::exists(tmp.path() / "report.html"));
  EXPECT_TRUE(fs::exists(tmp.path() / "summary.md"));
  EXPECT_TRUE(fs::exists(tmp.path() / "summary.json"));
  EXPECT_TRUE(fs::exists(tmp.path() / "figures" / "activation_frequency.svg"));
}

TEST(ReportCli, MissingResultsIsBadInput) {
  critnet::report::testing::TempDir tmp;
  const CliResult r = run("report " + tmp.path().string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("run `critnet reproduce` first"));
}

TEST(ReportCli, MissingDirectoryOrBadThresholdIsUsage) {
  EXPECT_EQ(run("report /nonexistent/critnet-run").code, 2);
  critnet::report::testing::TempDir tmp;
  EXPECT_EQ(run("report --gof-p 1.5 " + tmp.path().string()).code, 2);
}

}  // namespace
