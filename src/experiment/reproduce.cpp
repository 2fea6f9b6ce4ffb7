// critnet reproduce: sweep β, train every arm, probe it, write results.json and the report.
#include "critnet/experiment/reproduce.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "critnet/core/clock.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"
#include "critnet/probe/workflow.h"
#include "critnet/regularizers/critical.h"
#include "critnet/report/csv.h"
#include "critnet/report/measures.h"
#include "critnet/report/results.h"
#include "critnet/study/run_dir.h"
#include "critnet/study/stage.h"
#include "critnet/train/checkpoint.h"

namespace critnet::experiment {
namespace fs = std::filesystem;
using json = nlohmann::json;

using study::file_exists;
using study::write_if_changed;

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

// An arm is named by its preset ("baseline": none).
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

// "seed-0": seed s's name in the training curves' file names.
std::string seed_dir(int s) {
  return "seed-" + std::to_string(s);
}

study::RunOptions run_options(const ReproduceOptions& o) {
  study::RunOptions run;
  run.threads = o.threads;
  run.device = o.device;
  return run;
}

// The runner of `execution`, or run_shard in this process.
study::ShardRunner runner_of(const ReproduceExecution& execution, const ReproduceOptions& o,
                             const ReproduceCallbacks& cb) {
  if (execution.runner) return execution.runner;
  return [run = run_options(o), &cb](const study::Grid& g, const fs::path& dir,
                                     const study::Shard& shard) {
    return study::run_shard(g, dir, shard, run, cb);
  };
}

// The cell of `preset` and training seed `seed` (one per preset and seed in reproduce's grids).
const study::Cell& find_cell(const std::vector<study::Cell>& cells, const std::string& preset,
                             uint64_t seed) {
  for (const auto& c : cells)
    if (c.preset == preset && c.seed == seed) return c;
  throw Error(fmt::format("reproduce: no cell of preset {} and seed {}", preset, seed));
}

json read_cell(const fs::path& sweep_dir, const study::Cell& cell) {
  return read_json(study::cell_dir(sweep_dir, cell) / "cell.json");
}

// The test accuracy of a done cell, or NaN with `error` set.
double cell_accuracy(const fs::path& dir, const study::Cell& cell,
                     const std::map<std::string, std::string>& failed, std::string& error) {
  if (study::cell_done(study::cell_dir(dir, cell) / "cell.json", cell)) {
    const json acc = read_cell(dir, cell).at("test_accuracy");
    if (acc.is_number()) return acc.get<double>();
  }
  const auto it = failed.find(cell.id);
  error = it != failed.end() ? it->second : "the run did not finish";
  return std::numeric_limits<double>::quiet_NaN();
}

// ---------------------------------------------------------------------------------------------
// The β sweep

// sweep.json's runs (factor, β, cell directory, accuracy or error) and the (β, accuracy) points.
json sweep_runs(const std::vector<study::Cell>& cells, const fs::path& dir, int64_t input_size,
                const std::map<std::string, std::string>& failed,
                std::vector<std::pair<double, double>>& points, const ReproduceCallbacks& cb) {
  json runs = json::array();
  for (const auto& c : cells) {
    if (c.preset == "none") continue;
    const double beta = c.resolved_beta(input_size);
    std::string error;
    const double acc = cell_accuracy(dir, c, failed, error);
    json r = {{"factor", c.beta}, {"beta", beta}, {"dir", "sweep/cells/" + c.id}};
    r["test_accuracy"] = std::isfinite(acc) ? json(acc) : json(nullptr);
    if (!error.empty()) {
      r["error"] = error;
      log(cb, fmt::format("sweep β={:g}: failed: {}", beta, error));
    }
    runs.push_back(r);
    if (std::isfinite(acc)) points.emplace_back(beta, acc);
  }
  return runs;
}

// The β rule on the sweep's points: the chosen β and how it was chosen.
std::pair<double, std::string> sweep_choice(const ReproduceOptions& o, int64_t input_size,
                                            const std::vector<std::pair<double, double>>& points,
                                            double base_acc) {
  if (points.empty())
    return {o.sweep_factors.front() * static_cast<double>(input_size),
            "every sweep run failed; the smallest β was taken"};
  const double chosen = choose_beta(points, base_acc, o.sweep_tolerance);
  bool within = false;
  for (const auto& [b, a] : points) within |= (b == chosen && a >= base_acc - o.sweep_tolerance);
  return {chosen, within ? "the largest β within the tolerance"
                         : "no β stayed within the tolerance; the smallest β was taken"};
}

// Stage 1: the β sweep's cells (every shard takes part until all are done), then the β rule;
// sweep/sweep.json records it and is reused by a rerun.
json run_sweep(const ReproduceOptions& o, const fs::path& run_dir, int64_t input_size,
               const ReproduceCallbacks& cb, const ReproduceExecution& ex) {
  const fs::path dir = run_dir / "sweep";
  const fs::path file = dir / "sweep.json";
  if (file_exists(file)) {
    json s = read_json(file);
    log(cb, fmt::format("sweep: done before (β = {}), skipped", s.at("chosen_beta").dump()));
    return s;
  }
  const study::Grid grid = beta_sweep_grid(o);
  const std::string samples =
      grid.data.train_limit > 0 ? std::to_string(grid.data.train_limit) : "all";
  log(cb,
      fmt::format("sweep: β = f·N₁ for f in {{{}}} (N₁ = {}), paper penalty λ = {}, {} "
                  "epoch(s) on {} train samples",
                  join_doubles(o.sweep_factors), input_size, o.strength, o.sweep_epochs, samples));
  study::init_sweep_dir(dir, grid, study::OtherGrid::kReplace);
  // This shard's cells, then every cell to an end. The shard's failures are not passed on: a
  // cell another shard took first fails here with LockedError, and must be waited for, not
  // counted as failed (a cell that failed for its own reason is tried once more).
  runner_of(ex, o, cb)(grid, dir, ex.shard);
  const std::map<std::string, std::string> failed =
      study::finish_cells(grid, dir, run_options(o), cb);

  const std::vector<study::Cell> cells = grid.expand();
  const study::Cell& baseline = find_cell(cells, "none", o.seed);
  std::string base_error;
  const double base_acc = cell_accuracy(dir, baseline, failed, base_error);
  if (!std::isfinite(base_acc))
    throw Error(fmt::format("sweep: the unregularised run failed: {}", base_error));
  std::vector<std::pair<double, double>> points;
  const json runs = sweep_runs(cells, dir, input_size, failed, points, cb);
  const auto [chosen, how] = sweep_choice(o, input_size, points, base_acc);
  json s = {
      {"rule", fmt::format("β = f·N₁ (N₁ = {} inputs) for f in the factors; each run trains {} "
                           "epoch(s) on {} train samples with the paper penalty (λ = {}); the "
                           "largest β whose test accuracy is at least the unregularised run's "
                           "minus {} (a fraction) is chosen, else the smallest β",
                           input_size, o.sweep_epochs, samples, o.strength, o.sweep_tolerance)},
      {"factors", o.sweep_factors},
      {"input_size", input_size},
      {"epochs", o.sweep_epochs},
      {"train_limit", grid.data.train_limit},
      {"max_steps", grid.max_steps},
      {"tolerance", o.sweep_tolerance},
      {"strength", o.strength},
      {"baseline_test_accuracy", base_acc},
      {"baseline_dir", "sweep/cells/" + baseline.id},
      {"runs", runs},
      {"chosen_beta", chosen},
      {"choice", how},
      {"note", "accuracies are measured on the test split (no separate validation split)"}};
  write_if_changed(file, s.dump(2) + "\n");
  log(cb, fmt::format("sweep: chose β = {:g} ({})", chosen, how));
  return s;
}

// A seed's results.json entries: its probe's "results", CSV paths made relative to run_dir.
json seed_results(const json& probe_doc, const std::string& cell_path) {
  json results = probe_doc.at("results");
  for (auto& e : results)
    if (e.contains("csv")) e["csv"] = cell_path + "/probe/" + e["csv"].get<std::string>();
  return results;
}

// A done cell's training history (cell.json's "history") as the training loop's metrics.
std::vector<train::EpochMetrics> cell_history(const json& cell) {
  std::vector<train::EpochMetrics> history;
  for (const auto& h : cell.at("history")) {
    train::EpochMetrics m;
    m.epoch = h.at("epoch").get<int64_t>();
    m.train_loss = h.at("train_loss").get<double>();
    m.data_loss = h.at("data_loss").get<double>();
    m.test_loss = h.at("test_loss").get<double>();
    m.test_accuracy = h.at("test_accuracy").get<double>();
    history.push_back(m);
  }
  return history;
}

}  // namespace

study::Grid beta_sweep_grid(const ReproduceOptions& o) {
  study::Grid g;
  static_cast<train::TrainRecipe&>(g) = o;  // the recipe every run shares
  g.epochs = {o.sweep_epochs};
  g.max_steps = o.sweep_max_steps;
  if (o.sweep_train_limit > 0)
    g.data.train_limit = g.data.train_limit > 0 ? std::min(g.data.train_limit, o.sweep_train_limit)
                                                : o.sweep_train_limit;
  g.presets = {"none", "paper"};
  g.beta = o.sweep_factors;
  g.beta_is_fraction = true;
  g.lambda = {o.strength};
  g.seeds = {o.seed};
  g.probe_cells = false;  // the β rule needs the accuracies only
  return g;
}

study::Grid arms_grid(const ReproduceOptions& o, double beta) {
  study::Grid g;
  static_cast<train::TrainRecipe&>(g) = o;
  g.epochs = {o.epochs};
  for (const auto& a : arm_names(o)) g.presets.push_back(arm_preset(a));
  g.beta = {beta};
  g.lambda = {o.strength};
  g.seeds.clear();
  for (int s = 0; s < o.seeds; ++s) g.seeds.push_back(o.seed + static_cast<uint64_t>(s));
  static_cast<probe::ProbeRecipe&>(g.probe) = o.probe;
  g.probe.baseline_beta = beta;  // the same β for every arm's spectrum, the baseline's included
  g.rule = o.rule;
  return g;
}

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
// options (but for kMayDiffer) and by a critnet that runs reproduce on the study engine.
void check_continuation(const fs::path& run_dir, const ReproduceOptions& options,
                        const ReproduceCallbacks& cb) {
  const fs::path config_path = run_dir / "config.json";
  if (!file_exists(config_path)) return;
  const json saved = read_json(config_path);
  CRITNET_CHECK_DATA(saved.contains("options"), config_path.string(),
                     ": not a critnet reproduce config (no \"options\")");
  if (saved.value("schema", "") != kReproduceConfigSchema)
    throw InvalidArgument(fmt::format(
        "{} holds a reproduce run of an earlier critnet (runs in arms/<arm>/seed-<s>/), which "
        "this version does not continue: it runs reproduce as grids of cells (sweep/, arms/); "
        "choose another --out (the old run's results.json and report stay readable)",
        run_dir.string()));
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

// config.json's "probe": how every arm is probed.
json probe_config(const ReproduceOptions& options, const data::DataSplits& splits, double beta) {
  return {
      {"split", "test"},
      {"samples", options.probe.limit > 0 ? std::min(options.probe.limit, splits.test.size())
                                          : splits.test.size()},
      {"bootstrap", options.probe.bootstrap},
      {"max_candidates", options.probe.max_candidates},
      {"subset_size", options.probe.subset_size},
      {"min_tail_fraction", options.probe.min_tail_fraction},
      {"threshold", 0.0},
      {"spectrum", fmt::format("eigenvalues of a·w, w = VᵀV, a = β/N with N the layer's fan-in, "
                               "β = {:g} for every arm",
                               beta)}};
}

// The resolved configuration, written beside the outputs.
json make_config(const ReproduceOptions& options, const ReproduceResult& out,
                 const std::vector<std::string>& arms, const json& sweep,
                 const data::DataSplits& splits) {
  const RuntimeInfo rt = runtime_info();
  json config = {{"schema", kReproduceConfigSchema},
                 {"command", "critnet reproduce"},
                 {"options", to_json(options)},
                 {"arms", json::array()},
                 {"beta", out.beta},
                 {"beta_choice", out.beta_choice},
                 {"sweep", sweep},
                 {"data", data::describe(splits)},
                 {"model",
                  {{"input_size", splits.train.input_size()},
                   {"output_size", splits.train.num_classes},
                   {"hidden", options.hidden_sizes},
                   {"activation", nn::to_string(options.activation)}}},
                 {"probe", probe_config(options, splits, out.beta)},
                 {"versions", rt.to_json()}};
  config["seeds"] = json::array();
  for (int s = 0; s < options.seeds; ++s) config["seeds"].push_back(options.seed + s);
  for (const auto& a : arms) {
    config["arms"].push_back(a != "baseline" ? json{{"name", a},
                                                    {"preset", arm_preset(a)},
                                                    {"beta", out.beta},
                                                    {"strength", options.strength}}
                                             : json{{"name", a}, {"preset", "none"}});
  }
  return config;
}

// One seed of one arm in results.json, from its done cell (and the training curve's CSV).
json seed_entry(const fs::path& run_dir, const study::Cell& cell, const std::string& arm, int s,
                ArmOutcome& outcome) {
  const fs::path dir = study::cell_dir(run_dir / "arms", cell);
  const json doc = read_json(dir / "cell.json");
  const std::string curve = fmt::format("train/{}.{}.csv", arm, seed_dir(s));
  study::write_training_curve(run_dir / curve, cell_history(doc));
  const json probe_doc = read_json(dir / "probe" / "probe.json");
  outcome = {arm, arm_preset(arm), doc.at("test_accuracy").get<double>(), s, cell.seed};
  json seed = {{"seed", cell.seed},
               {"test_accuracy", outcome.test_accuracy},
               {"training_curve", curve},
               {"cell", "arms/cells/" + cell.id},
               {"results", seed_results(probe_doc, "arms/cells/" + cell.id)},
               {"atlas", probe::atlas_entries(probe_doc)}};
  if (json network = probe::atlas_network(probe_doc); !network.is_null())
    seed["atlas_network"] = std::move(network);
  return seed;
}

// Stage 3: results.json (critnet.results/2) from the arms' done cells.
fs::path write_results(const ReproduceOptions& options, const std::vector<std::string>& arms,
                       const fs::path& run_dir, ReproduceResult& out,
                       const std::string& data_name) {
  make_dirs(run_dir / "train");
  const std::vector<study::Cell> cells = arms_grid(options, out.beta).expand();
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
  out.arms.clear();
  for (const auto& a : arms) {
    json seeds = json::array();
    for (int s = 0; s < options.seeds; ++s) {
      const study::Cell& cell = find_cell(cells, arm_preset(a), options.seed + s);
      out.arms.emplace_back();
      seeds.push_back(seed_entry(run_dir, cell, a, s, out.arms.back()));
    }
    results["arms"].push_back({{"name", a}, {"preset", arm_preset(a)}, {"seeds", seeds}});
  }
  const fs::path results_path = run_dir / "results.json";
  write_if_changed(results_path, results.dump(1) + "\n");
  return results_path;
}

// Stage 4: the report, unless it is newer than results.json.
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

// Stage 2: this shard's runs of the arms × seeds grid. Throws naming the runs that failed.
void run_arms(const ReproduceOptions& options, const fs::path& run_dir, ReproduceResult& out,
              const ReproduceCallbacks& cb, const ReproduceExecution& ex) {
  const study::Grid grid = arms_grid(options, out.beta);
  const fs::path dir = run_dir / "arms";
  study::init_sweep_dir(dir, grid, study::OtherGrid::kReplace);
  const std::vector<study::Cell> cells = grid.expand();
  std::size_t mine = 0;
  for (const auto& c : cells) mine += ex.shard.contains(c.index);
  log(cb, fmt::format("arms: {} runs ({} arms × {} seeds), shard {} runs {}", cells.size(),
                      grid.presets.size(), options.seeds, ex.shard.to_string(), mine));
  const study::ShardRun r = runner_of(ex, options, cb)(grid, dir, ex.shard);
  if (!r.failed.empty()) {
    std::string list;
    for (const auto& [id, error] : r.failed) list += fmt::format("\n  {}: {}", id, error);
    throw Error(
        fmt::format("reproduce: {} run(s) failed (rerun to redo them; their last "
                    "checkpoints are kept):{}",
                    r.failed.size(), list));
  }
  const study::SweepStatus st = study::sweep_status(dir);
  out.runs_total = st.cells.size();
  out.runs_done = static_cast<std::size_t>(st.count(study::CellState::kDone));
  out.complete = out.runs_done == out.runs_total;
}

}  // namespace

ReproduceResult reproduce(const ReproduceOptions& options, const ReproduceCallbacks& cb,
                          const ReproduceExecution& ex) {
  options.validate();
  const auto t0 = std::chrono::steady_clock::now();
  set_threads(options.threads);
  const fs::path run_dir = fs::absolute(options.out_dir).lexically_normal();
  {  // the shards of one run pass in turn
    const io::RunLock lock(run_dir, "critnet reproduce (options check)", study::kDirectoryLockWait);
    check_continuation(run_dir, options, cb);
  }

  // The data's input size decides N₁ of the sweep; loading also checks the data early.
  log(cb, fmt::format("data: loading {}", options.data.source));
  const data::DataSplits splits = data::load_data(options.data);
  log(cb, fmt::format("data: {} ({} train, {} test samples, {} inputs, {} classes)", splits.name,
                      splits.train.size(), splits.test.size(), splits.train.input_size(),
                      splits.train.num_classes));

  ReproduceResult out;
  out.run_dir = run_dir;
  json sweep = nullptr;
  if (options.beta) {
    out.beta = *options.beta;
    out.beta_choice = "given (--beta)";
    log(cb, fmt::format("β = {:g} (given; no sweep)", out.beta));
  } else {
    sweep = run_sweep(options, run_dir, splits.train.input_size(), cb, ex);
    out.beta = sweep.at("chosen_beta").get<double>();
    out.beta_choice = "sweep: " + sweep.at("choice").get<std::string>();
  }
  if (auto w = reg::warning(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(out.beta)))
    log(cb, "warning: " + *w);

  const std::vector<std::string> arms = arm_names(options);
  out.config = make_config(options, out, arms, sweep, splits);
  {
    const io::RunLock lock(run_dir, "critnet reproduce (config)", study::kDirectoryLockWait);
    write_if_changed(run_dir / "config.json", out.config.dump(2) + "\n");
  }
  run_arms(options, run_dir, out, cb, ex);
  if (!out.complete) {
    log(cb, fmt::format("shard {}: its runs are done; {} of {} runs done in all: the shard that "
                        "finishes last writes the report",
                        ex.shard.to_string(), out.runs_done, out.runs_total));
    return out;
  }
  const io::RunLock lock(run_dir, "critnet reproduce (report)", study::kDirectoryLockWait);
  const fs::path results_path = write_results(options, arms, run_dir, out, splits.name);
  out.report = write_report(options, run_dir, results_path, cb);
  log(cb, fmt::format("done in {:.0f} s: {}", seconds_since(t0), out.report.html.string()));
  return out;
}

}  // namespace critnet::experiment
