// critnet reproduce: sweep β, train every arm, probe it, write results.json and the report.
#include "critnet/experiment/reproduce.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "critnet/core/clock.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"
#include "critnet/probe/workflow.h"
#include "critnet/report/csv.h"
#include "critnet/report/measures.h"
#include "critnet/report/results.h"
#include "critnet/study/stage.h"
#include "critnet/train/checkpoint.h"

namespace critnet::experiment {
namespace fs = std::filesystem;
using json = nlohmann::json;

using study::file_exists;
using study::write_if_changed;
using study::write_training_curve;

namespace {

// The penalised arms a run may have (each a regulariser preset).
const std::vector<std::string> kArmPresets = {"paper", "cw", "l2", "l1", "paper-eq33"};

// Options that may differ between a run and its continuation (they do not change the results
// of the stages on disk: more arms or seeds add runs, the tail-width rule only the report).
const std::vector<std::string> kMayDiffer = {"threads", "device", "also",        "arms",    "seeds",
                                             "out_dir", "png",    "min_decades", "min_tail"};

void log(const ReproduceCallbacks& cb, const std::string& line) {
  if (cb.log) cb.log(line);
}

train::TrainResult train_or_resume(const train::TrainOptions& t, const std::string& name,
                                   const ReproduceCallbacks& cb) {
  return study::train_or_resume(t, name, cb, "reproduce");
}

json read_json(const fs::path& path) {
  return io::read_json_file(path);
}

void make_dirs(const fs::path& dir) {
  io::create_directories(dir);
}

std::string pretty_data_name(const std::string& name) {
  if (name == "fashion-mnist") return "Fashion-MNIST";
  if (name == "cifar10") return "CIFAR-10";
  if (name == "mnist") return "MNIST";
  return name;
}

std::string join(const std::vector<int64_t>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
  return s;
}

std::string join_doubles(const std::vector<double>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::format("{:g}", v[i]);
  return s;
}

// Options that decide the results of the stages already on disk; a rerun into the same
// directory must agree on them (those of kMayDiffer may differ).
json identity(json options) {
  for (const auto& k : kMayDiffer) options.erase(k);
  return options;
}

// ---------------------------------------------------------------------------------------------
// Training

train::TrainOptions base_train_options(const ReproduceOptions& o) {
  train::TrainOptions t;
  static_cast<train::TrainRecipe&>(t) = o;  // the recipe every arm shares
  t.epochs = o.epochs;
  t.seed = o.seed;
  t.device = o.device;
  t.threads = o.threads;
  return t;
}

// An arm is named by its preset ("baseline": none).
train::PenaltySchedule arm_regularizer(const std::string& arm, double beta, double strength) {
  if (arm == "baseline") return {};
  train::PenaltySchedule r(reg::PenaltyOptions().preset(reg::parse_preset(arm)).beta(beta),
                           strength);
  r.validate();
  return r;
}

std::string arm_preset(const std::string& arm) {
  return arm == "baseline" ? "none" : arm;
}

// baseline, the arms, then the extra arms not among them.
std::vector<std::string> arm_names(const ReproduceOptions& o) {
  std::vector<std::string> arms = {"baseline"};
  for (const auto& list : {o.arms, o.also})
    for (const auto& a : list)
      if (std::find(arms.begin(), arms.end(), a) == arms.end()) arms.push_back(a);
  return arms;
}

// "seed-0": seed s's directory below an arm's training and probe directories.
std::string seed_dir(int s) {
  return "seed-" + std::to_string(s);
}

// ---------------------------------------------------------------------------------------------
// The β sweep

json run_sweep(const ReproduceOptions& o, const fs::path& run_dir, int64_t input_size,
               const ReproduceCallbacks& cb) {
  const fs::path dir = run_dir / "sweep";
  const fs::path file = dir / "sweep.json";
  if (file_exists(file)) {
    json s = read_json(file);
    log(cb, fmt::format("sweep: done before (β = {}), skipped", s.at("chosen_beta").dump()));
    return s;
  }
  make_dirs(dir);
  train::TrainOptions t = base_train_options(o);
  t.epochs = o.sweep_epochs;
  t.max_steps = o.sweep_max_steps;
  if (o.sweep_train_limit > 0)
    t.data.train_limit = t.data.train_limit > 0 ? std::min(t.data.train_limit, o.sweep_train_limit)
                                                : o.sweep_train_limit;
  log(cb, fmt::format("sweep: β = f·N₁ for f in {{{}}} (N₁ = {}), paper penalty λ = {}, {} "
                      "epoch(s) on {} train samples",
                      join_doubles(o.sweep_factors), input_size, o.strength, t.epochs,
                      t.data.train_limit > 0 ? std::to_string(t.data.train_limit) : "all"));

  t.out_dir = (dir / "baseline").string();
  const train::TrainResult base = train_or_resume(t, "sweep baseline", cb);
  const double base_acc = base.history.back().test_accuracy;

  json runs = json::array();
  std::vector<std::pair<double, double>> points;
  for (double f : o.sweep_factors) {
    const double beta = f * static_cast<double>(input_size);
    train::TrainOptions tb = t;
    tb.reg = arm_regularizer("paper", beta, o.strength);
    tb.out_dir = (dir / fmt::format("beta-{:g}", beta)).string();
    double acc = std::numeric_limits<double>::quiet_NaN();
    std::string error;
    try {
      acc = train_or_resume(tb, fmt::format("sweep β={:g}", beta), cb).history.back().test_accuracy;
    } catch (const NumericalError& e) {
      error = e.what();
      log(cb, fmt::format("sweep β={:g}: failed: {}", beta, error));
    }
    json r = {{"factor", f}, {"beta", beta}, {"dir", fs::relative(tb.out_dir, run_dir).string()}};
    r["test_accuracy"] = std::isfinite(acc) ? json(acc) : json(nullptr);
    if (!error.empty()) r["error"] = error;
    runs.push_back(r);
    if (std::isfinite(acc)) points.emplace_back(beta, acc);
  }
  double chosen;
  std::string how;
  if (points.empty()) {
    chosen = o.sweep_factors.front() * static_cast<double>(input_size);
    how = "every sweep run failed; the smallest β was taken";
  } else {
    chosen = choose_beta(points, base_acc, o.sweep_tolerance);
    bool within = false;
    for (const auto& [b, a] : points) within |= (b == chosen && a >= base_acc - o.sweep_tolerance);
    how = within ? "the largest β within the tolerance"
                 : "no β stayed within the tolerance; the smallest β was taken";
  }
  json s = {
      {"rule", fmt::format("β = f·N₁ (N₁ = {} inputs) for f in the factors; each run trains {} "
                           "epoch(s) on {} train samples with the paper penalty (λ = {}); the "
                           "largest β whose test accuracy is at least the unregularised run's "
                           "minus {} (a fraction) is chosen, else the smallest β",
                           input_size, t.epochs,
                           t.data.train_limit > 0 ? std::to_string(t.data.train_limit) : "all",
                           o.strength, o.sweep_tolerance)},
      {"factors", o.sweep_factors},
      {"input_size", input_size},
      {"epochs", t.epochs},
      {"train_limit", t.data.train_limit},
      {"max_steps", t.max_steps},
      {"tolerance", o.sweep_tolerance},
      {"strength", o.strength},
      {"baseline_test_accuracy", base_acc},
      {"runs", runs},
      {"chosen_beta", chosen},
      {"choice", how},
      {"note", "accuracies are measured on the test split (no separate validation split)"}};
  io::write_file_atomic(file, s.dump(2) + "\n");
  log(cb, fmt::format("sweep: chose β = {:g} ({})", chosen, how));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Probing

// Probes seed s of one arm into probe/<arm>/seed-<s> with the probe workflow
// (critnet/probe/workflow.h) unless its probe is complete; returns its probe.json.
json probe_or_reuse(const ReproduceOptions& o, const std::string& arm, int s,
                    const fs::path& run_dir, double beta, const ReproduceCallbacks& cb) {
  const std::string name = fmt::format("{} seed {}", arm, s);
  probe::ProbeCheckpointOptions po;
  po.checkpoint = (run_dir / "arms" / arm / seed_dir(s)).string();
  po.split = "test";
  o.probe.apply(po);
  po.probe.threshold(0.0).num_subsets(1).seed(o.seed + s);
  po.beta = beta;  // the same β for every arm, the baseline's included
  po.fit.seed = o.seed + s;
  po.fit.threads = o.threads;
  po.device = o.device;
  po.out_dir = (run_dir / "probe" / arm / seed_dir(s)).string();
  po.holder = "critnet reproduce";
  return study::probe_or_reuse(po, name, cb);
}

// A seed's results.json entries: its probe's "results", CSV paths made relative to run_dir.
json seed_results(const json& probe_doc, const std::string& arm, int s) {
  json results = probe_doc.at("results");
  const std::string dir = "probe/" + arm + "/" + seed_dir(s) + "/";
  for (auto& e : results)
    if (e.contains("csv")) e["csv"] = dir + e["csv"].get<std::string>();
  return results;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

void ReproduceOptions::validate() const {
  CRITNET_CHECK(!hidden_sizes.empty(), "hidden sizes must not be empty");
  for (auto h : hidden_sizes)
    CRITNET_CHECK(h >= 1 && h <= kMaxWidth, "hidden sizes must be in 1..", kMaxWidth, ", got ", h);
  CRITNET_CHECK(epochs >= 1, "epochs must be >= 1, got ", epochs);
  CRITNET_CHECK(max_steps >= 0, "max steps must be >= 0, got ", max_steps);
  CRITNET_CHECK(batch_size >= 1 && batch_size <= kMaxBatchSize, "batch size must be in 1..",
                kMaxBatchSize, ", got ", batch_size);
  CRITNET_CHECK(std::isfinite(lr) && lr > 0, "learning rate must be > 0, got ", lr);
  CRITNET_CHECK(std::isfinite(strength) && strength > 0, "strength λ must be > 0, got ", strength);
  // The penalised arms pull a·λ toward 1 (a = β/N): there is no such point for β <= 0.
  if (beta)
    CRITNET_CHECK(std::isfinite(*beta) && *beta > 0, "beta must be finite and > 0, got ", *beta);
  CRITNET_CHECK(seeds >= 1 && seeds <= 100, "seeds must be in 1..100, got ", seeds);
  for (const auto& [list, what] : {std::pair{&arms, "arm"}, std::pair{&also, "extra arm"}}) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& a = (*list)[i];
      CRITNET_CHECK(std::find(kArmPresets.begin(), kArmPresets.end(), a) != kArmPresets.end(),
                    "unknown ", what, " '", a, "' (choose from paper, cw, l2, l1, paper-eq33)");
      for (std::size_t k = 0; k < i; ++k)
        CRITNET_CHECK(a != (*list)[k], what, " '", a, "' given twice");
    }
  }
  CRITNET_CHECK(!sweep_factors.empty() || beta.has_value(),
                "the β sweep needs at least one factor (or give β)");
  for (double f : sweep_factors)
    CRITNET_CHECK(std::isfinite(f) && f > 0, "sweep factors must be finite and > 0, got ", f);
  CRITNET_CHECK(sweep_epochs >= 1, "sweep epochs must be >= 1, got ", sweep_epochs);
  CRITNET_CHECK(sweep_train_limit >= 0, "sweep train limit must be >= 0, got ", sweep_train_limit);
  CRITNET_CHECK(sweep_max_steps >= 0, "sweep max steps must be >= 0, got ", sweep_max_steps);
  CRITNET_CHECK(std::isfinite(sweep_tolerance) && sweep_tolerance >= 0 && sweep_tolerance <= 1,
                "sweep tolerance must be in [0, 1], got ", sweep_tolerance);
  probe.validate("probe ");
  rule.validate();
  check_threads(threads);
  CRITNET_CHECK(!out_dir.empty(), "the output directory must not be empty");
}

void apply_full(ReproduceOptions& o) {
  o.data.train_limit = 0;
  o.data.test_limit = 0;
  o.epochs = 20;
  o.seeds = 5;
  o.sweep_epochs = 1;
  o.sweep_train_limit = 0;
  o.probe.limit = 0;
  o.probe.bootstrap = 1000;
  o.probe.max_candidates = 0;
}

json to_json(const ReproduceOptions& o) {
  json data;
  data::to_json(data, o.data);
  json j = {{"data", data},
            {"hidden", o.hidden_sizes},
            {"activation", nn::to_string(o.activation)},
            {"lr", o.lr},
            {"batch_size", o.batch_size},
            {"epochs", o.epochs},
            {"max_steps", o.max_steps},
            {"seed", o.seed},
            {"seeds", o.seeds},
            {"device", o.device},
            {"threads", o.threads},
            {"arms", o.arms},
            {"also", o.also},
            {"strength", o.strength},
            {"beta", o.beta ? json(*o.beta) : json(nullptr)},
            {"sweep_factors", o.sweep_factors},
            {"sweep_epochs", o.sweep_epochs},
            {"sweep_train_limit", o.sweep_train_limit},
            {"sweep_max_steps", o.sweep_max_steps},
            {"sweep_tolerance", o.sweep_tolerance},
            {"probe_limit", o.probe.limit},
            {"bootstrap", o.probe.bootstrap},
            {"max_candidates", o.probe.max_candidates},
            {"subset_size", o.probe.subset_size},
            {"min_tail_fraction", o.probe.min_tail_fraction},
            {"min_decades", o.rule.min_decades},
            {"min_tail", o.rule.min_tail},
            {"out_dir", o.out_dir},
            {"png", o.png}};
  return j;
}

double choose_beta(const std::vector<std::pair<double, double>>& sweep, double baseline_accuracy,
                   double tolerance) {
  CRITNET_CHECK(!sweep.empty(), "choose_beta needs at least one sweep point");
  double best = std::numeric_limits<double>::quiet_NaN();
  double smallest = sweep.front().first;
  for (const auto& [beta, acc] : sweep) {
    smallest = std::min(smallest, beta);
    if (acc >= baseline_accuracy - tolerance && (std::isnan(best) || beta > best)) best = beta;
  }
  return std::isnan(best) ? smallest : best;
}

namespace {

// A rerun into the same directory continues it; it must have been started with the same
// options (but for kMayDiffer).
void check_continuation(const fs::path& run_dir, const ReproduceOptions& options,
                        const ReproduceCallbacks& cb) {
  const fs::path config_path = run_dir / "config.json";
  if (!file_exists(config_path)) return;
  const json saved = read_json(config_path);
  CRITNET_CHECK_DATA(saved.contains("options"), config_path.string(),
                     ": not a critnet reproduce config (no \"options\")");
  const json a = identity(saved.at("options"));
  const json b = identity(to_json(options));
  if (a != b) {
    std::string diff;
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (!a.contains(it.key()) || a[it.key()] != it.value())
        diff += fmt::format(" {} ({} before, {} now);", it.key(),
                            a.contains(it.key()) ? a[it.key()].dump() : "unset", it.value().dump());
    }
    throw InvalidArgument(fmt::format(
        "{} holds a reproduce run with other options:{} continue it with the same options or "
        "choose another --out",
        run_dir.string(), diff));
  }
  log(cb, fmt::format("continuing the run in {}", run_dir.string()));
}

// The resolved configuration, written beside the outputs.
json make_config(const ReproduceOptions& options, const ReproduceResult& out,
                 const std::vector<std::string>& arms, const json& sweep,
                 const data::DataSplits& splits) {
  const int64_t input_size = splits.train.input_size();
  const RuntimeInfo rt = runtime_info();
  json config = {
      {"command", "critnet reproduce"},
      {"options", to_json(options)},
      {"arms", json::array()},
      {"beta", out.beta},
      {"beta_choice", out.beta_choice},
      {"sweep", sweep},
      {"data", data::describe(splits)},
      {"model",
       {{"input_size", input_size},
        {"output_size", splits.train.num_classes},
        {"hidden", options.hidden_sizes},
        {"activation", nn::to_string(options.activation)}}},
      {"probe",
       {{"split", "test"},
        {"samples", options.probe.limit > 0 ? std::min(options.probe.limit, splits.test.size())
                                            : splits.test.size()},
        {"bootstrap", options.probe.bootstrap},
        {"max_candidates", options.probe.max_candidates},
        {"subset_size", options.probe.subset_size},
        {"min_tail_fraction", options.probe.min_tail_fraction},
        {"threshold", 0.0},
        {"spectrum", fmt::format("eigenvalues of a·w, w = VᵀV, a = β/N with N the layer's fan-in, "
                                 "β = {:g} for every arm",
                                 out.beta)}}},
      {"versions", rt.to_json()}};
  config["seeds"] = json::array();
  for (int s = 0; s < options.seeds; ++s) config["seeds"].push_back(options.seed + s);
  for (const auto& a : arms) {
    config["arms"].push_back(arm_regularizer(a, out.beta, options.strength).enabled()
                                 ? json{{"name", a},
                                        {"preset", arm_preset(a)},
                                        {"beta", out.beta},
                                        {"strength", options.strength}}
                                 : json{{"name", a}, {"preset", "none"}});
  }
  return config;
}

// Stage 2: trains seed s of every arm with training seed `seed + s` (so seed s of every arm
// shares initialisation and data order) into arms/<arm>/seed-<s>/.
void train_arms(const ReproduceOptions& options, const std::vector<std::string>& arms,
                const fs::path& run_dir, ReproduceResult& out, const ReproduceCallbacks& cb) {
  make_dirs(run_dir / "train");
  for (int s = 0; s < options.seeds; ++s) {
    for (const auto& a : arms) {
      train::TrainOptions t = base_train_options(options);
      t.seed = options.seed + static_cast<uint64_t>(s);
      t.reg = arm_regularizer(a, out.beta, options.strength);
      t.out_dir = (run_dir / "arms" / a / seed_dir(s)).string();
      const train::TrainResult r = train_or_resume(t, fmt::format("{} seed {}", a, s), cb);
      write_training_curve(run_dir / "train" / fmt::format("{}.{}.csv", a, seed_dir(s)), r.history);
      out.arms.push_back({a, arm_preset(a), r.history.back().test_accuracy, s, t.seed});
    }
  }
}

// Stages 3 and 4: probes every arm and seed and writes results.json (critnet.results/2).
fs::path write_results(const ReproduceOptions& options, const std::vector<std::string>& arms,
                       const fs::path& run_dir, const ReproduceResult& out,
                       const std::string& data_name, const ReproduceCallbacks& cb) {
  const std::string act = nn::to_string(options.activation);
  json results = {
      {"schema", report::kResultsSchema},
      {"title", fmt::format("critnet reproduce: {}, {}, {}", pretty_data_name(data_name),
                            act == "relu"  ? "ReLU"
                            : act == "elu" ? "eLU"
                                           : act,
                            join(options.hidden_sizes, "-"))},
      {"config", out.config},
      {"baseline_arm", "baseline"},
      {"measures",
       report::measures_json(report::measure_catalogue({options.probe.subset_size, out.beta}))},
      {"arms", json::array()}};
  for (const auto& a : arms) {
    json seeds = json::array();
    for (const auto& o : out.arms) {
      if (o.name != a) continue;
      const json probe_doc = probe_or_reuse(options, a, o.seed_index, run_dir, out.beta, cb);
      json seed = {{"seed", o.seed},
                   {"test_accuracy", o.test_accuracy},
                   {"training_curve", fmt::format("train/{}.{}.csv", a, seed_dir(o.seed_index))},
                   {"results", seed_results(probe_doc, a, o.seed_index)},
                   {"atlas", probe::atlas_entries(probe_doc)}};
      if (json network = probe::atlas_network(probe_doc); !network.is_null())
        seed["atlas_network"] = std::move(network);
      seeds.push_back(std::move(seed));
    }
    results["arms"].push_back({{"name", a}, {"preset", arm_preset(a)}, {"seeds", seeds}});
  }
  const fs::path results_path = run_dir / "results.json";
  write_if_changed(results_path, results.dump(1) + "\n");
  return results_path;
}

// Stage 5: the report, unless it is newer than results.json.
report::ReportFiles write_report(const ReproduceOptions& options, const fs::path& run_dir,
                                 const fs::path& results_path, const ReproduceCallbacks& cb) {
  const fs::path summary = run_dir / "summary.json";
  const fs::path html = run_dir / "report.html";
  std::error_code ec1, ec2;
  const bool report_fresh =
      file_exists(summary) && file_exists(html) &&
      fs::last_write_time(summary, ec1) >= fs::last_write_time(results_path, ec2) && !ec1 && !ec2;
  if (report_fresh) {
    log(cb, "report: up to date, skipped");
    return {html, run_dir / "summary.md", summary, {}};
  }
  log(cb, "report: drawing figures and writing report.html, summary.md, summary.json");
  report::ReportOptions ro;
  ro.png = options.png;
  ro.rule = options.rule;
  return report::build_report(run_dir, ro);
}

}  // namespace

ReproduceResult reproduce(const ReproduceOptions& options, const ReproduceCallbacks& cb) {
  options.validate();
  const auto t0 = std::chrono::steady_clock::now();
  set_threads(options.threads);
  const fs::path run_dir = fs::absolute(options.out_dir).lexically_normal();
  const io::RunLock lock(run_dir, "critnet reproduce");  // one writer per run directory
  check_continuation(run_dir, options, cb);

  // The data's input size decides N₁ of the sweep; loading also checks the data early.
  log(cb, fmt::format("data: loading {}", options.data.source));
  const data::DataSplits splits = data::load_data(options.data);
  const int64_t input_size = splits.train.input_size();
  log(cb,
      fmt::format("data: {} ({} train, {} test samples, {} inputs, {} classes)", splits.name,
                  splits.train.size(), splits.test.size(), input_size, splits.train.num_classes));

  // Stage 1: β.
  ReproduceResult out;
  out.run_dir = run_dir;
  json sweep = nullptr;
  if (options.beta) {
    out.beta = *options.beta;
    out.beta_choice = "given (--beta)";
    log(cb, fmt::format("β = {:g} (given; no sweep)", out.beta));
  } else {
    sweep = run_sweep(options, run_dir, input_size, cb);
    out.beta = sweep.at("chosen_beta").get<double>();
    out.beta_choice = "sweep: " + sweep.at("choice").get<std::string>();
  }
  const train::PenaltySchedule paper = arm_regularizer("paper", out.beta, options.strength);
  if (auto w = reg::warning(paper.penalty())) log(cb, "warning: " + *w);

  const std::vector<std::string> arms = arm_names(options);
  out.config = make_config(options, out, arms, sweep, splits);
  write_if_changed(run_dir / "config.json", out.config.dump(2) + "\n");

  train_arms(options, arms, run_dir, out, cb);
  const fs::path results_path = write_results(options, arms, run_dir, out, splits.name, cb);
  out.report = write_report(options, run_dir, results_path, cb);
  log(cb, fmt::format("done in {:.0f} s: {}", seconds_since(t0), out.report.html.string()));
  return out;
}

}  // namespace critnet::experiment
