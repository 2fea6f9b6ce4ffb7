// `critnet fit`: output formats, column selection, stdin, and the exit codes of docs/cli.md.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "support/cli.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

using critnet::test_support::CliResult;

// stdout and stderr together, in order.
CliResult run(const std::string& args) {
  return critnet::test_support::run_critnet_shell(args, {"", /*merge_stderr=*/true});
}

class FitCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 g(1);
    std::uniform_real_distribution<double> u(0, 1);
    std::ofstream csv(dir_ / "data.csv");
    csv << "id,size,count\n";
    for (int i = 0; i < 500; ++i) {
      const double x = std::pow(1 - u(g), -1 / 1.5);
      csv << i << "," << x << "," << std::floor(x * 3) << "\n";
    }
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
  }
  critnet::test_support::TempDir tmp_{"fit"};
  const fs::path dir_ = tmp_.path();
};

}  // namespace

TEST_F(FitCli, JsonByColumnName) {
  const CliResult r =
      run("fit " + path("data.csv") + " --column size --json --bootstrap 20 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["column"], "size");
  EXPECT_EQ(j["n"], 500);
  EXPECT_NEAR(j["alpha"].get<double>(), 2.5, 0.3);
  EXPECT_EQ(j["bootstrap"], 20);
  EXPECT_TRUE(j["p"].is_number());
  EXPECT_EQ(j["comparisons"].size(), 4u);
  EXPECT_EQ(j["model"], "continuous_power_law");
}

TEST_F(FitCli, JsonReportsTheVerdictAndItsInputs) {
  const CliResult r = run("fit " + path("data.csv") + " --column size --json --bootstrap 50");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  const double decades = j["tail_decades"].get<double>();
  EXPECT_NEAR(decades, std::log10(j["tail_max"].get<double>() / j["xmin"].get<double>()), 1e-12);
  EXPECT_LT(j["alpha_ci_low"].get<double>(), j["alpha"].get<double>());
  EXPECT_GT(j["alpha_ci_high"].get<double>(), j["alpha"].get<double>());
  const auto& v = j["verdict"];
  EXPECT_EQ(v["rule"]["version"], 2);
  EXPECT_EQ(v["rule"]["min_decades"], 1.0);
  EXPECT_EQ(v["rule"]["min_tail"], 50);
  EXPECT_EQ(v["scale_invariant"], v["label"] == "scale invariant");
}

// A steep power law over a fraction of a decade (alpha 12): the CSN tests do not reject it, but
// it is never called scale invariant.
TEST_F(FitCli, SteepNarrowTailIsNotRejectedButTooNarrow) {
  std::mt19937_64 g(11);
  std::uniform_real_distribution<double> u(0, 1);
  std::ofstream steep(dir_ / "steep.txt");
  for (int i = 0; i < 400; ++i) steep << 10 * std::pow(1 - u(g), -1 / 11.0) << "\n";
  steep.close();
  const CliResult r = run("fit " + path("steep.txt") + " --xmin 10 --bootstrap 200");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("verdict      not rejected, too narrow ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decades < 1)"), std::string::npos) << r.out;
  // A looser width rule makes the same tail scale invariant.
  const CliResult loose =
      run("fit " + path("steep.txt") + " --xmin 10 --bootstrap 200 --min-decades 0.1");
  ASSERT_EQ(loose.exit_code, 0) << loose.out;
  EXPECT_NE(loose.out.find("verdict      scale invariant ("), std::string::npos) << loose.out;
  const CliResult none = run("fit " + path("steep.txt") + " --xmin 10");
  EXPECT_NE(none.out.find("verdict      not judged"), std::string::npos) << none.out;
}

TEST_F(FitCli, TableDiscreteByIndex) {
  const CliResult r = run("fit " + path("data.csv") + " --column 3 --discrete --no-compare");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("discrete power law, n = 500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alpha"), std::string::npos);
  EXPECT_NE(r.out.find("csn-integer"), std::string::npos);
  EXPECT_EQ(r.out.find("exponential"), std::string::npos);
}

TEST_F(FitCli, StdinWithoutHeader) {
  write("plain.txt", "# a comment\n1.5\n2\n3.25\n4\n7\n11\n2.2\n9\n30\n5\n");
  const CliResult r = run("fit - --json --no-compare < " + path("plain.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["n"], 10);
  EXPECT_EQ(j["file"], "<stdin>");
}

TEST_F(FitCli, BadFilesExit3NamingFileAndLine) {
  CliResult r = run("fit " + path("missing.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("missing.txt: cannot open the file"), std::string::npos) << r.out;

  write("bad.txt", "1\n2\nabc\n4\n");
  r = run("fit " + path("bad.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("bad.txt:3: 'abc' is not a number"), std::string::npos) << r.out;

  write("neg.txt", "1\n2\n-4\n");
  r = run("fit " + path("neg.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("neg.txt:3: -4 is not > 0"), std::string::npos) << r.out;

  write("frac.txt", "1\n2\n2.5\n");
  r = run("fit " + path("frac.txt") + " --discrete");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("frac.txt:3: 2.5 is not an integer"), std::string::npos) << r.out;

  write("nan.txt", "1\nnan\n");
  r = run("fit " + path("nan.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("nan.txt:2: nan is not finite"), std::string::npos) << r.out;

  write("equal.txt", "3\n3\n3\n3\n3\n3\n");
  r = run("fit " + path("equal.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("all 6 values equal 3"), std::string::npos) << r.out;

  write("few.txt", "1\n2\n3\n");
  r = run("fit " + path("few.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("few.txt: no x_min candidate"), std::string::npos) << r.out;

  r = run("fit " + path("data.csv") + " --column nosuch");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("no column named 'nosuch'"), std::string::npos) << r.out;

  write("short.txt", "1 2\n3\n");
  r = run("fit " + path("short.txt") + " --column 2");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("short.txt:2: has 1 field(s), no column 2"), std::string::npos) << r.out;
}

TEST_F(FitCli, BadOptionsExit2) {
  CliResult r = run("fit " + path("data.csv") + " --column size --bootstrap -1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--bootstrap: must be an integer in [0, 1000000], got '-1'"),
            std::string::npos)
      << r.out;
  r = run("fit " + path("data.csv") + " --column size --scan-min-tail 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--scan-min-tail: must be an integer >= 5, got '2'"), std::string::npos)
      << r.out;
  r = run("fit " + path("data.csv") + " --column size --min-decades -1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--min-decades: must be"), std::string::npos) << r.out;
  r = run("fit " + path("data.csv") + " --column count --discrete --xmin 2.5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--xmin must be an integer with --discrete"), std::string::npos) << r.out;
  r = run("fit " + path("data.csv") + " --column size --xmin 1e9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("needs at least 5 points >= x_min, got 0"), std::string::npos) << r.out;
  for (const std::string bad : {"0", "-2", "1.5"}) {
    r = run("fit " + path("data.csv") + " --column " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.out.find("--column " + bad + ": a column index is an integer >= 1"),
              std::string::npos)
        << r.out;
  }
  r = run("fit " + path("data.csv") + " --threads abc");
  EXPECT_EQ(r.exit_code, 2);
  r = run("fit");
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(FitCli, Utf8BomAndLoneCrLineEndings) {
  // A BOM (as Excel and Notepad write) before 500 values: all 500 are data, none a header.
  std::ifstream in(path("data.csv"));
  std::string line, bom = "\xEF\xBB\xBF", cr;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    bom += line.substr(line.find(',') + 1, line.rfind(',') - line.find(',') - 1) + "\r\n";
    cr += line + "\r";
  }
  write("bom.txt", bom);
  CliResult r = run("fit " + path("bom.txt") + " --json --no-compare");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n"], 500);
  // Old Mac line endings (CR only): 500 lines, not one.
  write("cr.csv", cr);
  r = run("fit " + path("cr.csv") + " --column 2 --json --no-compare");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["n"], 500);
}

TEST_F(FitCli, DirectoryExit3) {
  const CliResult r = run("fit " + dir_.string());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out,
            "critnet: error: " + dir_.string() + ": is a directory, expected a text or CSV file\n");
}
