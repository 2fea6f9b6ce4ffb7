// `critnet reproduce` end to end through the CLI binary: a tiny run (synthetic data, a few
// steps, a small probe, few bootstrap replicates), then every promised file must exist and
// parse: SVG (XML with an <svg> root), PNG (signature + IHDR), JSON, HTML (figures + verdict).
// Then the resume path (a rerun skips every stage) and the option checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "critnet/probe/workflow.h"
#include "support/cli.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using critnet::test_support::CliResult;
using critnet::test_support::read_file;

// stdout and stderr together, in order.
CliResult run(const std::string& args) {
  return critnet::test_support::run_critnet_shell(args, {"", /*merge_stderr=*/true});
}

// A small well-formedness check of XML: every start tag is closed in order, the root element
// is `root`, and nothing but whitespace follows it. Handles the prolog, comments, CDATA,
// doctype and self-closing tags.
::testing::AssertionResult well_formed_xml(const std::string& x, const std::string& root) {
  std::vector<std::string> stack;
  std::string first;
  std::size_t i = 0;
  bool closed_root = false;
  while ((i = x.find('<', i)) != std::string::npos) {
    if (closed_root) return ::testing::AssertionFailure() << "content after the root element";
    if (x.compare(i, 4, "<!--") == 0) {
      i = x.find("-->", i);
      if (i == std::string::npos) return ::testing::AssertionFailure() << "open comment";
      continue;
    }
    if (x.compare(i, 9, "<![CDATA[") == 0) {
      i = x.find("]]>", i);
      if (i == std::string::npos) return ::testing::AssertionFailure() << "open CDATA";
      continue;
    }
    const std::size_t end = x.find('>', i);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "open tag at " << i;
    const std::string tag = x.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1, tag.find_first_of(" \t\r\n", 1) - 1);
      if (stack.empty() || stack.back() != name)
        return ::testing::AssertionFailure()
               << "</" << name << "> closes <" << (stack.empty() ? "" : stack.back()) << ">";
      stack.pop_back();
      if (stack.empty()) closed_root = true;
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \t\r\n/"));
    if (first.empty()) first = name;
    if (tag.back() != '/') stack.push_back(name);
  }
  if (!stack.empty()) return ::testing::AssertionFailure() << "<" << stack.back() << "> not closed";
  if (first != root) return ::testing::AssertionFailure() << "root is <" << first << ">";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult valid_png(const fs::path& p) {
  const std::string b = read_file(p);
  const std::string sig = "\x89PNG\r\n\x1a\n";
  if (b.size() < 33 || b.compare(0, 8, sig) != 0)
    return ::testing::AssertionFailure() << p << ": no PNG signature";
  if (b.compare(12, 4, "IHDR") != 0) return ::testing::AssertionFailure() << p << ": no IHDR";
  const auto be32 = [&](std::size_t o) {
    return (static_cast<unsigned>(static_cast<unsigned char>(b[o])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(b[o + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(b[o + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(b[o + 3]));
  };
  if (be32(16) == 0 || be32(20) == 0) return ::testing::AssertionFailure() << p << ": empty image";
  return ::testing::AssertionSuccess();
}

const char* kTiny =
    "reproduce --data synthetic:32 --synthetic-train 512 --synthetic-test 256 "
    "--hidden 48,32,24,16 --epochs 2 --batch-size 64 --sweep 0.5,1 --sweep-epochs 1 "
    "--sweep-train-limit 256 --probe-limit 256 --bootstrap 4 --max-candidates 40 --threads 2 "
    "--device cpu --seeds 2 --also cw --strength 1e-3";

void check_files(const fs::path& dir);

}  // namespace

// One tiny run, checked, rerun and refused in ONE test: ctest runs every test in its own
// process, so separate tests would each pay for the run.
TEST(ReproduceCli, TinyRunWritesEveryFileResumesAndRefusesOtherOptions) {
  const critnet::test_support::TempDir tmp("reproduce");
  const fs::path out = tmp.path() / "run";
  const CliResult first = run(std::string(kTiny) + " --out " + out.string());
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("critnet: sweep: chose"), std::string::npos) << first.out;
  {
    SCOPED_TRACE("files");
    check_files(out);
  }
  {
    SCOPED_TRACE("rerun: every stage is skipped");
    const CliResult r = run(std::string(kTiny) + " --out " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("sweep: done before"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("none-e2-s1: done before, skipped"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("epoch 1/2"), std::string::npos) << r.out;  // nothing retrained
    EXPECT_EQ(r.out.find("probing"), std::string::npos) << r.out;    // nothing probed
    EXPECT_NE(r.out.find("report: up to date"), std::string::npos) << r.out;
  }
  {
    SCOPED_TRACE("the arms are a sweep directory: sweep collect tabulates it");
    const CliResult r = run("sweep collect " + (out / "arms").string());
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("collected 6 cells"), std::string::npos) << r.out;
  }
  {
    SCOPED_TRACE("other options are refused");
    const CliResult r = run(std::string(kTiny) + " --seed 7 --out " + out.string());
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("holds a reproduce run with other options:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("seed (0 before, 7 now)"), std::string::npos) << r.out;
  }
  {
    SCOPED_TRACE("a run of the earlier layout is not continued");
    const fs::path old = tmp.path() / "old";
    fs::create_directories(old);
    std::ofstream(old / "config.json") << R"({"command": "critnet reproduce", "options": {}})";
    const CliResult r = run(std::string(kTiny) + " --out " + old.string());
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("holds a reproduce run of an earlier critnet"), std::string::npos)
        << r.out;
  }
}

namespace {
void check_files(const fs::path& dir) {
  for (const char* f : {"config.json", "sweep/sweep.json", "results.json", "summary.json",
                        "summary.md", "report.html"}) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  // Every arm (baseline, paper, cw by default; --also cw adds nothing) and seed has its run: a
  // done cell of the arms grid whose training seed is seed s.
  const json results = json::parse(read_file(dir / "results.json"));
  for (const auto& arm : results.at("arms")) {
    for (int s = 0; s < 2; ++s) {
      const std::string name = arm.at("name").get<std::string>();
      SCOPED_TRACE(name + " seed " + std::to_string(s));
      const json& seed = arm.at("seeds").at(s);
      const fs::path cell = dir / seed.at("cell").get<std::string>();
      EXPECT_EQ(cell.parent_path(), dir / "arms" / "cells");
      const std::string preset = name == "baseline" ? "none" : name;
      EXPECT_EQ(cell.filename().string().rfind(preset + "-", 0), 0u) << cell;
      EXPECT_EQ(json::parse(read_file(cell / "cell.json")).at("seed"), s);
      EXPECT_TRUE(fs::exists(cell / "train" / "checkpoint" / "state.json"));
      EXPECT_TRUE(fs::exists(cell / "train" / "metrics.jsonl"));
      EXPECT_TRUE(fs::exists(dir / "train" / (name + ".seed-" + std::to_string(s) + ".csv")));
      EXPECT_TRUE(fs::exists(cell / "probe" / "layer1_activation_frequency.csv"));
      EXPECT_TRUE(fs::exists(cell / "probe" / "measures" / "spectrum_l1.csv"));
      EXPECT_TRUE(critnet::probe::probe_complete(cell / "probe" / "probe.json"));
      // Seed s of every arm trains with seed s: the same initialisation and data order.
      const json train = json::parse(read_file(cell / "train" / "config.json")).at("train");
      EXPECT_EQ(train.at("seed"), s);
      EXPECT_EQ(train.at("data"),
                json::parse(read_file(dir / "arms" / "cells" / ("none-e2-s" + std::to_string(s)) /
                                      "train" / "config.json"))
                    .at("train")
                    .at("data"));
    }
  }
  // The β sweep's runs train only.
  EXPECT_TRUE(fs::exists(dir / "sweep" / "cells" / "none-e1-s0" / "cell.json"));
  EXPECT_FALSE(fs::exists(dir / "sweep" / "cells" / "none-e1-s0" / "probe"));
  // Every figure the report promises, in SVG, PNG and gnuplot, with its data.
  for (const char* fig : {"activation_frequency", "activation_pattern", "average_activation",
                          "weighted_degree", "two_point", "spectrum", "training"}) {
    const fs::path base = dir / "figures" / fig;
    const fs::path svg = base.string() + ".svg", png = base.string() + ".png";
    ASSERT_TRUE(fs::exists(svg)) << svg;
    EXPECT_TRUE(well_formed_xml(read_file(svg), "svg")) << svg;
    ASSERT_TRUE(fs::exists(png)) << png;
    EXPECT_TRUE(valid_png(png));
    EXPECT_TRUE(fs::exists(base.string() + ".gp")) << fig;
  }
  // Every JSON file parses.
  int json_files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    ++json_files;
    EXPECT_TRUE(json::accept(read_file(e.path()))) << e.path();
  }
  EXPECT_GE(json_files, 10);
  // Every CSV results.json names exists.
  EXPECT_EQ(results.at("schema"), "critnet.results/2");
  ASSERT_EQ(results.at("arms").size(), 3u);
  std::set<std::string> measures;
  for (const auto& arm : results["arms"]) {
    ASSERT_EQ(arm.at("seeds").size(), 2u);
    for (int s = 0; s < 2; ++s) {
      const json& seed = arm["seeds"][s];
      EXPECT_EQ(seed.at("seed"), s);
      EXPECT_TRUE(seed.at("test_accuracy").is_number());
      for (const auto& r : seed.at("results")) {
        measures.insert(r.at("measure").get<std::string>());
        EXPECT_EQ(r.at("csv").get<std::string>().rfind(seed.at("cell").get<std::string>(), 0), 0u);
        EXPECT_TRUE(fs::exists(dir / r.at("csv").get<std::string>())) << r.dump();
      }
    }
  }
  EXPECT_EQ(measures.size(), 6u);
  // The config records the β choice and the seed.
  const json config = json::parse(read_file(dir / "config.json"));
  EXPECT_TRUE(config.at("beta").is_number());
  EXPECT_NE(config.at("beta_choice").get<std::string>().find("sweep"), std::string::npos);
  EXPECT_EQ(config.at("options").at("seed"), 0);
  EXPECT_EQ(config.at("seeds"), json::array({0, 1}));
  EXPECT_EQ(config.at("sweep").at("runs").size(), 2u);
  // The summary holds a verdict for each treatment arm.
  const json summary = json::parse(read_file(dir / "summary.json"));
  EXPECT_TRUE(summary.at("overall").contains("paper"));
  EXPECT_TRUE(summary.at("overall").contains("cw"));
  // Every case counts the seeds of every arm.
  for (const auto& c : summary.at("cases"))
    for (const auto& [arm, v] : c.at("arms").items()) EXPECT_EQ(v.at("seeds"), 2) << arm;
  EXPECT_NE(summary.at("rule").at("seed_rule").get<std::string>().find("majority"),
            std::string::npos);
  // The atlas: every arm, every hidden layer, over both seeds, with a sentence the HTML shows.
  const json& atlas = summary.at("atlas").at("arms");
  ASSERT_EQ(atlas.size(), 3u);
  for (const auto& a : atlas) {
    ASSERT_EQ(a.at("layers").size(), 4u) << a.dump();
    for (const auto& l : a.at("layers")) {
      EXPECT_EQ(l.at("seeds"), 2);
      EXPECT_GE(l.at("cw_distance_mean").get<double>(), 0.0);
      EXPECT_GT(l.at("htsr_alpha_mean").get<double>(), 1.0);
      EXPECT_GT(l.at("chi1_mean").get<double>(), 0.0);  // measured on every layer
    }
    // The whole network: χ₁ and the input-output Jacobian of both seeds.
    EXPECT_EQ(a.at("network").at("seeds"), 2) << a.dump();
    EXPECT_GT(a.at("network").at("jacobian_mean_mean").get<double>(), 0.0);
    EXPECT_GE(a.at("network").at("jacobian_max_mean").get<double>(),
              a.at("network").at("jacobian_min_mean").get<double>());
  }
  EXPECT_TRUE(fs::exists(dir / "figures" / "atlas.svg"));
  // The HTML embeds every figure and states the verdict.
  const std::string html = read_file(dir / "report.html");
  EXPECT_TRUE(well_formed_xml(read_file(dir / "figures" / "spectrum.svg"), "svg"));
  std::size_t images = 0;
  for (std::size_t p = 0; (p = html.find("data:image/svg+xml;base64,", p)) != std::string::npos;
       ++p)
    ++images;
  EXPECT_GE(images, 7u);
  EXPECT_NE(html.find("id=\"verdict\""), std::string::npos);
  EXPECT_NE(html.find(summary["overall"]["paper"]["statement"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find(atlas[0].at("sentence").get<std::string>()), std::string::npos);
  // The report travels: no absolute path of this machine's run directory in it.
  EXPECT_EQ(html.find(fs::absolute(dir).string()), std::string::npos);
  EXPECT_EQ(read_file(dir / "summary.md").find(fs::absolute(dir).string()), std::string::npos);
}
}  // namespace

namespace {
// results.json without what differs between runs of the same options: timings, versions, the
// run directory.
json comparable(json j) {
  if (j.is_object()) {
    for (const char* k : {"seconds", "versions", "out_dir"}) j.erase(k);
    for (auto& [k, v] : j.items()) v = comparable(v);
  } else if (j.is_array()) {
    for (auto& v : j) v = comparable(v);
  }
  return j;
}

// Equal documents, numbers to a relative 1e-9: both runs are the same binary with one thread
// per process, so they agree to the last bit in practice; the tolerance only keeps the test
// from depending on that. Names the first difference.
::testing::AssertionResult same(const json& a, const json& b, const std::string& where = "") {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (x == y || std::abs(x - y) <= 1e-9 * std::max(std::abs(x), std::abs(y)))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << where << ": " << x << " != " << y;
  }
  if (a.type() != b.type() || a.size() != b.size())
    return ::testing::AssertionFailure() << where << ": " << a.dump() << " != " << b.dump();
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key()))
        return ::testing::AssertionFailure() << where << ": no " << it.key();
      if (auto r = same(it.value(), b[it.key()], where + "/" + it.key()); !r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_array()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (auto r = same(a[i], b[i], where + "/" + std::to_string(i)); !r) return r;
    return ::testing::AssertionSuccess();
  }
  if (a != b)
    return ::testing::AssertionFailure() << where << ": " << a.dump() << " != " << b.dump();
  return ::testing::AssertionSuccess();
}
}  // namespace

// The study engine's promise for reproduce: --jobs 2 (a worker process beside this one) and two
// shards run one after the other give the single run's results.json and verdicts (numbers to a
// relative 1e-9; one thread per process, so training and probes repeat bit for bit in
// practice). The first shard stops before the report; the second, finding every run done,
// writes it.
TEST(ReproduceCli, JobsAndShardsGiveTheSingleRunsResults) {
  const critnet::test_support::TempDir tmp("reproduce");
  std::string tiny = std::string(kTiny) + " --no-png";
  tiny.replace(tiny.find("--threads 2"), 11, "--threads 1");
  const CliResult single = run(tiny + " --out " + (tmp.path() / "single").string());
  ASSERT_EQ(single.exit_code, 0) << single.out;
  const CliResult jobs = run(tiny + " --jobs 2 --out " + (tmp.path() / "jobs").string());
  ASSERT_EQ(jobs.exit_code, 0) << jobs.out;
  // This process's lines and the worker's.
  EXPECT_NE(jobs.out.find("[1/2] arms: run 1/3"), std::string::npos) << jobs.out;
  EXPECT_NE(jobs.out.find("[0/2] cell 1/3"), std::string::npos) << jobs.out;
  const std::string shards = tiny + " --out " + (tmp.path() / "shards").string();
  const CliResult first = run(shards + " --shard 0/2");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("this shard's runs are done; 3 of 6 runs done"), std::string::npos)
      << first.out;
  EXPECT_FALSE(fs::exists(tmp.path() / "shards" / "results.json"));
  const CliResult second = run(shards + " --shard 1/2");
  ASSERT_EQ(second.exit_code, 0) << second.out;
  // Both shards at once (a Slurm array's tasks): they share the β sweep, whose runs either may
  // take first, and the one that finishes last writes the report.
  const std::string together = tiny + " --out " + (tmp.path() / "together").string();
  const CliResult both = run(
      together + " --shard 0/2 & p=$!; " +
      critnet::test_support::shell_quote(critnet::test_support::critnet_binary()) + " " + together +
      " --shard 1/2; b=$?; wait $p; a=$?; [ $a -eq 0 ] "
      "&& [ $b -eq 0 ]");
  const auto results = [&](const char* d) {
    json j = json::parse(read_file(tmp.path() / d / "results.json"));
    j["config"].erase("options");  // holds out_dir
    return comparable(j);
  };
  const auto verdicts = [&](const char* d) {
    const json s = json::parse(read_file(tmp.path() / d / "summary.json"));
    return json{s.at("overall"), s.at("cases"), s.at("atlas")};
  };
  EXPECT_TRUE(same(results("jobs"), results("single")));
  EXPECT_TRUE(same(results("shards"), results("single")));
  ASSERT_EQ(both.exit_code, 0) << both.out;
  EXPECT_TRUE(same(results("together"), results("single")));
  EXPECT_TRUE(same(verdicts("jobs"), verdicts("single")));
  EXPECT_TRUE(same(verdicts("shards"), verdicts("single")));
}

TEST(ReproduceCliOptions, UnknownArmIsAUsageError) {
  const CliResult r =
      run("reproduce --data synthetic:8 --also foo --out /tmp/critnet_never_written");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown extra arm 'foo' (choose from paper, cw, l2, l1, paper-eq33)"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists("/tmp/critnet_never_written"));
}

TEST(ReproduceCliOptions, ZeroEpochsIsAUsageError) {
  const CliResult r =
      run("reproduce --data synthetic:8 --epochs 0 --out /tmp/critnet_never_written_either");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--epochs: must be an integer >= 1, got '0'"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists("/tmp/critnet_never_written_either"));
}
