// CLI tests of `--plot DIR` on the theory commands (rg, rg-flow, gaussian, meanfield): each
// writes NAME.svg (well-formed XML with an <svg> root), NAME.png (PNG signature), NAME.gp and
// the CSVs the script reads. Skipped without gnuplot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "critnet/nn/mlp.h"
#include "critnet/report/figure.h"
#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

using ::testing::HasSubstr;

namespace {

namespace fs = std::filesystem;

using critnet::test_support::CliResult;

// stderr in `err`; `env` holds extra NAME=value variables.
CliResult run(const std::string& args, const std::vector<std::string>& env = {}) {
  critnet::test_support::CliOptions options;
  options.env = env;
  return critnet::test_support::run_critnet_shell(args, options);
}

using critnet::test_support::read_file;

// A small XML well-formedness check: every start tag is closed in order, exactly one root
// element and it is <svg>. Skips the declaration, processing instructions, comments, CDATA and
// the doctype. Returns "" when well formed, else what is wrong.
std::string xml_problem(const std::string& text) {
  std::vector<std::string> stack;
  std::string root;
  size_t i = 0;
  while ((i = text.find('<', i)) != std::string::npos) {
    if (text.compare(i, 4, "<!--") == 0) {
      const size_t e = text.find("-->", i);
      if (e == std::string::npos) return "unterminated comment";
      i = e + 3;
      continue;
    }
    if (text.compare(i, 9, "<![CDATA[") == 0) {
      const size_t e = text.find("]]>", i);
      if (e == std::string::npos) return "unterminated CDATA";
      i = e + 3;
      continue;
    }
    if (text.compare(i, 2, "<?") == 0 || text.compare(i, 2, "<!") == 0) {
      const size_t e = text.find('>', i);
      if (e == std::string::npos) return "unterminated declaration";
      i = e + 1;
      continue;
    }
    // A tag: find its end outside quoted attribute values.
    size_t e = i + 1;
    char quote = 0;
    for (; e < text.size(); ++e) {
      if (quote) {
        if (text[e] == quote) quote = 0;
      } else if (text[e] == '"' || text[e] == '\'') {
        quote = text[e];
      } else if (text[e] == '>') {
        break;
      }
    }
    if (e >= text.size()) return "unterminated tag at " + std::to_string(i);
    const std::string tag = text.substr(i + 1, e - i - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool empty = !tag.empty() && tag.back() == '/';
    const size_t start = closing ? 1 : 0;
    const size_t end = tag.find_first_of(" \t\r\n/", start);
    const std::string name = tag.substr(start, end == std::string::npos ? end : end - start);
    if (name.empty()) return "empty tag name at " + std::to_string(i);
    if (closing) {
      if (stack.empty() || stack.back() != name) return "mismatched </" + name + ">";
      stack.pop_back();
    } else {
      if (stack.empty()) {
        if (!root.empty()) return "second root element <" + name + ">";
        root = name;
      }
      if (!empty) stack.push_back(name);
    }
    i = e + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (root != "svg") return "root element is <" + root + ">, not <svg>";
  return "";
}

// Checks DIR/NAME.svg, .png and .gp.
void expect_figure(const fs::path& dir, const std::string& name) {
  const std::string svg = read_file(dir / (name + ".svg"));
  ASSERT_FALSE(svg.empty()) << (dir / (name + ".svg"));
  EXPECT_EQ(xml_problem(svg), "") << name << ".svg";
  const std::string png = read_file(dir / (name + ".png"));
  ASSERT_GE(png.size(), 8u) << (dir / (name + ".png"));
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << name << ".png";
  EXPECT_TRUE(fs::exists(dir / (name + ".gp")));
}

class RgPlotCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!critnet::report::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  }
  critnet::test_support::TempDir tmp_{"rg_plot"};
  const fs::path dir_ = tmp_.path() / "plot";  // created by the command
};

}  // namespace

TEST(XmlCheck, FindsProblems) {
  EXPECT_EQ(xml_problem("<?xml version=\"1.0\"?><svg a='>'><g/><text>x</text></svg>"), "");
  EXPECT_THAT(xml_problem("<svg><g></svg>"), HasSubstr("mismatched"));
  EXPECT_THAT(xml_problem("<svg><g>"), HasSubstr("unclosed"));
  EXPECT_THAT(xml_problem("<html></html>"), HasSubstr("not <svg>"));
}

TEST_F(RgPlotCli, FlowFigure) {
  const CliResult r = run(
      "rg-flow --lambda 0.5,0.9,1.2,2.5 --a 0.5 --tau-max 1 --steps 50 --plot " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rg_flow.svg"));
  expect_figure(dir_, "rg_flow");
  EXPECT_TRUE(fs::exists(dir_ / "rg_flow_1.csv"));
  EXPECT_TRUE(fs::exists(dir_ / "rg_flow_pole.csv"));
}

TEST_F(RgPlotCli, GaussianFigures) {
  for (const std::string opts : {"--dim 3 --size 64 --r 0", "--dim 3 --size 64 --r 0.01",
                                 "--dim 2 --size 256 --r 0", "--dim 1 --size 128 --r 0"}) {
    const fs::path sub = dir_ / std::to_string(opts.size());
    const CliResult r = run("gaussian " + opts + " --plot " + sub.string());
    ASSERT_EQ(r.exit_code, 0) << opts << ": " << r.err;
    expect_figure(sub, "gaussian");
    EXPECT_TRUE(fs::exists(sub / "gaussian.csv")) << opts;
  }
}

TEST_F(RgPlotCli, MeanFieldFigure) {
  const CliResult r =
      run("meanfield --coupling 2 --size 50 --steps 12 --t-min 0.5 --t-max 1.5 --plot " +
          dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_figure(dir_, "meanfield");
  EXPECT_TRUE(fs::exists(dir_ / "meanfield_cw.csv"));
}

TEST_F(RgPlotCli, RgSpectrumFigure) {
  torch::manual_seed(4);
  critnet::nn::Mlp net(critnet::nn::MlpOptions(12, 3).hidden_sizes({8, 5}));
  fs::create_directories(dir_);
  const fs::path model = dir_ / "model.pt";
  torch::save(net, model.string());
  const fs::path out = dir_ / "fig";
  const CliResult r = run("rg " + model.string() + " --beta 12 --plot " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_figure(out, "rg_spectrum");
  for (int l = 0; l < 3; ++l) {
    EXPECT_TRUE(fs::exists(out / ("rg_spectrum_layer" + std::to_string(l) + ".csv"))) << l;
  }
}

// Without gnuplot, --plot fails (exit 1) before computing, naming the package.
TEST(RgPlotCliNoGnuplot, FailsNamingGnuplot) {
  const critnet::test_support::TempDir tmp("rg_plot_nognuplot");
  const fs::path dir = tmp.path() / "plot";
  const CliResult r = run("rg-flow --lambda 0.5 --plot " + dir.string(),
                          {"CRITNET_GNUPLOT=/nonexistent/critnet-no-gnuplot"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--plot needs gnuplot"));
  EXPECT_FALSE(fs::exists(dir / "rg_flow.svg"));
}
