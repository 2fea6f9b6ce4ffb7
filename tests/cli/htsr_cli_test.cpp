// `critnet htsr` through the CLI binary: the table and the JSON rows of a critnet run's
// layers, and bad input (exit 2 for options, 3 for files).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.h"
#include "support/temp_dir.h"

using critnet::test_support::CliResult;
using critnet::test_support::run_critnet;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

TEST(HtsrCli, TableAndJsonOfARunsLayers) {
  TempDir tmp("htsr");
  const std::string run = tmp.file("run");
  CliResult r = run_critnet({"train", "--data", "synthetic:24", "--synthetic-train", "600",
                             "--synthetic-test", "50", "--hidden", "40,20", "--epochs", "1",
                             "--threads", "1", "--out", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_critnet({"htsr", run, "--bootstrap", "10", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("layer            type        N     M  rf  evals  alpha"));
  EXPECT_THAT(r.out, HasSubstr("linears.0        Linear     40    24   1     24"));
  EXPECT_THAT(r.out, HasSubstr("linears.2        Linear     20    10   1     10"));
  r = run_critnet({"htsr", run, "--json", "--bootstrap", "10", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc.at("schema"), "critnet.htsr/1");
  ASSERT_EQ(doc.at("layers").size(), 3u);
  EXPECT_EQ(doc["layers"][1].at("layer"), "linears.1");
  EXPECT_EQ(doc["layers"][1].at("N"), 40);
  EXPECT_EQ(doc["layers"][1].at("M"), 20);
  EXPECT_TRUE(doc["layers"][1].contains("alpha"));
  EXPECT_TRUE(doc["layers"][1].contains("label"));
}

TEST(HtsrCli, BadInput) {
  TempDir tmp("htsr_bad");
  CliResult r = run_critnet({"htsr", tmp.file("missing.pt")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("missing.pt: no such file"));
  r = run_critnet({"htsr", tmp.path().string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no checkpoint"));
  r = run_critnet({"htsr", tmp.file("x"), "--bootstrap", "-1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--bootstrap"));
  r = run_critnet({"htsr"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}
