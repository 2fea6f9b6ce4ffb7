// `critnet reproduce`: the paper's experiment end to end (baseline vs critical regularisation,
// probes, CSN fits, figures, report) into one run directory; resumes an interrupted run.
#include "critnet/experiment/reproduce.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "commands/command.h"
#include "commands/parse_list.h"
#include "commands/recipe_flags.h"
#include "commands/validate.h"
#include "commands/verdict_options.h"
#include "console.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/study/shard.h"
#include "workers.h"

namespace critnet::cli {
namespace {

struct ReproduceArgs {
  TrainRecipeFlags recipe;        // the training recipe's flags (recipe_flags.h)
  ProbeRecipeFlags probe_recipe;  // the probe recipe's
  std::string also;
  std::string arms = "paper,cw";
  std::string out;
  double beta = 0, strength = 0, sweep_tolerance = 0;
  int64_t epochs = 0;
  int64_t sweep_epochs = 0, sweep_train_limit = 0, sweep_max_steps = 0;
  std::string sweep_factors;
  int seeds = 0;
  uint64_t seed = 0;
  int threads = 0;
  std::string device = "auto";
  std::string shard;
  int jobs = 1;
  bool full = false;
  bool no_png = false;
  report::VerdictRule rule;
  ConsoleFlags console;
  // The options given explicitly override the defaults (and --full's settings); each value was
  // checked by its validator, so no value stands for "not given".
  GivenFlags<experiment::ReproduceOptions> given;
};

std::vector<std::string> parse_names(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

void print_result(Console& console, const experiment::ReproduceResult& r);

// The shard (--shard, else a Slurm array's or Kubernetes' index) and the runner of each stage's
// cells: this process, or --jobs J processes (workers.h), each cell announced as "run i/n: id".
experiment::ReproduceExecution execution(const ReproduceArgs& a,
                                         const experiment::ReproduceOptions& o, Console& console,
                                         const experiment::ReproduceCallbacks& cb) {
  experiment::ReproduceExecution ex;
  ex.shard = study::shard_from_env(a.shard);
  study::RunOptions run;
  run.threads = o.threads;
  run.device = o.device;
  const WorkerSettings settings{a.jobs, o.threads, o.device, a.console};
  ex.runner = worker_runner(
      settings, [run, &console, &cb](const study::Grid& grid, const std::filesystem::path& dir,
                                     const study::Shard& shard) {
        // Tagged like the workers' lines when there are several shards.
        const std::string tag = shard.n > 1 ? fmt::format("[{}] ", shard.to_string()) : "";
        study::StageCallbacks tagged = cb;
        static_cast<Reporter&>(tagged) = cb.prefixed(tag);
        return study::run_shard(
            grid, dir, shard, run, tagged, [&](const study::Cell& c, std::size_t i, std::size_t n) {
              if (const int sig = stop_signal(); sig != 0)
                throw Interrupted(sig, fmt::format("reproduce: stopped on {} "
                                                   "before run {}",
                                                   signal_name(sig), c.id));
              console.info(
                  fmt::format("{}{}: run {}/{}: {}", tag, dir.filename().string(), i + 1, n, c.id));
            });
      });
  return ex;
}

void run_reproduce(const ReproduceArgs& a) {
  experiment::ReproduceOptions o;
  o.data.seed = a.seed;
  if (a.full) experiment::apply_full(o);
  o.arms = parse_names(a.arms);
  o.also = parse_names(a.also);
  a.given.apply(o);
  o.seed = a.seed;
  o.threads = a.threads;
  o.device = a.device;
  o.png = !a.no_png;
  o.rule = a.rule;
  std::string data_tag = o.data.source;
  std::replace(data_tag.begin(), data_tag.end(), ':', '-');
  o.out_dir = a.out.empty() ? "runs/reproduce-" + data_tag : a.out;

  Console console(a.console);
  experiment::ReproduceCallbacks cb;
  static_cast<Reporter&>(cb) = console.reporter();
  cb.on_step = [&](const std::string& name, const train::StepInfo& s) { console.step(name, s); };
  const experiment::ReproduceResult r = experiment::reproduce(o, cb, execution(a, o, console, cb));
  console.clear();
  print_result(console, r);
}

// A shard whose runs are done while other shards' are not: no report yet.
void print_partial(Console& console, const experiment::ReproduceResult& r) {
  if (console.json()) {
    console.out(nlohmann::json{{"run_dir", r.run_dir.string()},
                               {"complete", false},
                               {"runs_done", r.runs_done},
                               {"runs_total", r.runs_total}}
                    .dump(1));
    return;
  }
  console.out(
      fmt::format("critnet reproduce: {}: this shard's runs are done; {} of {} runs done "
                  "in all. The shard that finishes last writes the report (or run the "
                  "same command without --shard once all are done).",
                  r.run_dir.string(), r.runs_done, r.runs_total));
}

// The answer first (summary.json's statement per arm and the atlas's sentences), then the
// runs and the files; or, with --json, all of it as one document.
void print_result(Console& console, const experiment::ReproduceResult& r) {
  if (!r.complete) return print_partial(console, r);
  const nlohmann::json summary = io::read_json_file(r.report.summary_json);
  nlohmann::json answers = nlohmann::json::array(), atlas = nlohmann::json::array();
  if (summary.contains("overall"))
    for (const auto& [arm, o] : summary.at("overall").items())
      answers.push_back({{"arm", arm}, {"statement", o.value("statement", "")}});
  if (summary.contains("atlas"))
    for (const auto& arm : summary.at("atlas").at("arms"))
      atlas.push_back({{"arm", arm.at("arm")}, {"sentence", arm.at("sentence")}});
  if (console.json()) {
    nlohmann::json arms = nlohmann::json::array();
    for (const auto& arm : r.arms)
      arms.push_back({{"arm", arm.name},
                      {"preset", arm.preset},
                      {"seed", arm.seed},
                      {"test_accuracy", arm.test_accuracy}});
    console.out(nlohmann::json{{"run_dir", r.run_dir.string()},
                               {"complete", true},
                               {"runs_done", r.runs_done},
                               {"runs_total", r.runs_total},
                               {"beta", r.beta},
                               {"beta_choice", r.beta_choice},
                               {"answers", answers},
                               {"atlas", atlas},
                               {"runs", arms},
                               {"report", r.report.html.string()},
                               {"summary_md", r.report.summary_md.string()},
                               {"summary_json", r.report.summary_json.string()}}
                    .dump(1));
    return;
  }
  console.out(fmt::format("critnet reproduce: {}", r.run_dir.string()));
  for (const auto& a : answers)
    console.out(fmt::format("answer: {}", a.at("statement").get<std::string>()));
  for (const auto& a : atlas)
    console.out(fmt::format("atlas: {}", a.at("sentence").get<std::string>()));
  console.out(fmt::format("beta: {:g} ({})", r.beta, r.beta_choice));
  for (const auto& arm : r.arms)
    console.out(fmt::format("arm {:<10} preset {:<10} seed {:<3} test accuracy {:.4f}", arm.name,
                            arm.preset, arm.seed, arm.test_accuracy));
  console.out(
      fmt::format("report: {}\nsummary: {}", r.report.html.string(), r.report.summary_md.string()));
}

}  // namespace

// Long: the command's option declarations, one statement each, in --help's order.
void setup_reproduce(CLI::App& app) {
  auto a = std::make_shared<ReproduceArgs>();
  const experiment::ReproduceOptions d;
  auto* cmd = app.add_subcommand(
      "reproduce",
      "The paper's experiment end to end: train baseline, paper and cw arms over several seeds, "
      "probe them, fit every distribution, write figures and report.html into one run directory "
      "(resumable)");
  // An option applied to the options only when given: `o` is the resolved ReproduceOptions.
  ReproduceArgs& r = *a;
  using Options = experiment::ReproduceOptions;
  auto given = [&r](CLI::Option* option, std::function<void(Options&)> apply) {
    r.given.add(option, std::move(apply));
  };
  // The recipes' flags (data, model, optimisation; the probe), shared with train, probe, sweep.
  add_train_recipe_flags(cmd, r.recipe, d);
  r.given.include<train::TrainRecipe>(r.recipe.given,
                                      [](Options& o) -> train::TrainRecipe& { return o; });
  add_probe_recipe_flags(cmd, r.probe_recipe, d.probe, "--probe-limit");
  r.given.include<probe::ProbeRecipe>(r.probe_recipe.given,
                                      [](Options& o) -> probe::ProbeRecipe& { return o.probe; });
  cmd->add_option("--arms", a->arms,
                  "Penalised arms besides baseline, comma-separated (default paper,cw; any of "
                  "paper, cw, l2, l1, paper-eq33)");
  cmd->add_option("--also", a->also, "Extra arms added to --arms: paper, cw, l2, l1, paper-eq33");
  given(cmd->add_option("--seeds", r.seeds,
                        fmt::format("Seeds per arm; seed s of every arm trains with --seed + s "
                                    "(default {}, --full 5)",
                                    d.seeds))
            ->check(integer(1, 100)),
        [&r](Options& o) { o.seeds = r.seeds; });
  given(cmd->add_option("--beta", r.beta,
                        "β > 0 of the penalised arms (a = β/N, N = fan-in); skips the β sweep")
            ->check(real(0, kInf, Ends::kOpenLow)),
        [&r](Options& o) { o.beta = r.beta; });
  given(cmd->add_option("--strength", r.strength,
                        fmt::format("λ > 0 of the penalised arms (default {:g})", d.strength))
            ->check(real(0, kInf, Ends::kOpenLow)),
        [&r](Options& o) { o.strength = r.strength; });
  given(cmd->add_option("--epochs", r.epochs,
                        fmt::format("Epochs of every arm (default {}, --full 20)", d.epochs))
            ->check(integer(1)),
        [&r](Options& o) { o.epochs = r.epochs; });
  given(cmd->add_option("--sweep", r.sweep_factors,
                        "β sweep factors f > 0 (β = f·N₁, N₁ = input size), default 0.25,0.5,1")
            ->check(real_list(false, true)),
        [&r](Options& o) { o.sweep_factors = parse_list<double>(r.sweep_factors, "--sweep"); });
  given(cmd->add_option("--sweep-epochs", r.sweep_epochs,
                        fmt::format("Epochs of each sweep run (default {})", d.sweep_epochs))
            ->check(integer(1)),
        [&r](Options& o) { o.sweep_epochs = r.sweep_epochs; });
  given(cmd->add_option("--sweep-train-limit", r.sweep_train_limit,
                        fmt::format("Train samples of each sweep run (default {}, --full all)",
                                    d.sweep_train_limit))
            ->check(integer(0)),
        [&r](Options& o) { o.sweep_train_limit = r.sweep_train_limit; });
  given(
      cmd->add_option("--sweep-max-steps", r.sweep_max_steps, "Steps of each sweep run (0 = none)")
          ->check(integer(0)),
      [&r](Options& o) { o.sweep_max_steps = r.sweep_max_steps; });
  given(cmd->add_option("--sweep-tolerance", r.sweep_tolerance,
                        fmt::format("Accuracy drop (fraction, in [0, 1]) the chosen β may cost in "
                                    "the sweep (default {:g})",
                                    d.sweep_tolerance))
            ->check(real(0, 1)),
        [&r](Options& o) { o.sweep_tolerance = r.sweep_tolerance; });
  cmd->add_option("--seed", a->seed, "Seed of everything (default 0)")->check(seed_value());
  cmd->add_option("--threads", a->threads, "CPU threads (default 0 = all cores)")
      ->check(threads_value());
  cmd->add_option("--device", a->device, "auto (default) | cpu | cuda | cuda:N");
  cmd->add_option("--jobs", a->jobs,
                  "Local processes running the runs of each stage (default 1): this one and "
                  "J-1 `critnet sweep run` workers, each a sub-shard")
      ->check(integer(1, 256));
  cmd->add_option("--shard", a->shard,
                  "This process's shard K/N of the runs (0 <= K < N; default from "
                  "SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + CRITNET_SHARD_COUNT, else "
                  "every run); every shard takes part in the β sweep, the last to finish writes "
                  "the report");
  cmd->add_flag("--full", a->full,
                "The paper-scale budget: all data, 20 epochs, sweep on all train samples, "
                "every test sample probed, 1000 bootstrap replicates, every x_min candidate");
  add_tail_width_options(cmd, a->rule);
  cmd->add_flag("--no-png", a->no_png, "Write SVG figures only");
  add_console_flags(cmd, a->console,
                    "Print the outcome (answers, atlas sentences, runs, files) as one JSON "
                    "document on stdout");
  cmd->add_option("--out", a->out, "Run directory (default runs/reproduce-<data>)");
  cmd->callback([a] { run_reproduce(*a); });
}

}  // namespace critnet::cli
