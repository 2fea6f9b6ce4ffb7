// `critnet reproduce`: the paper's experiment end to end (baseline vs critical regularisation,
// probes, CSN fits, figures, report) into one run directory; resumes an interrupted run.
#include "critnet/experiment/reproduce.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/parse_list.h"
#include "commands/progress.h"
#include "critnet/core/error.h"

namespace critnet::cli {
namespace {

struct ReproduceArgs {
  std::string data = "fashion-mnist";
  std::string data_dir;
  std::string activation = "relu";
  std::string hidden;
  std::string also;
  std::string out;
  double beta = std::nan("");
  double strength = std::nan("");
  int64_t epochs = -1, max_steps = -1, train_limit = -1, probe_limit = -1;
  int64_t sweep_epochs = -1, sweep_train_limit = -1, sweep_max_steps = -1;
  int64_t synthetic_train = 0, synthetic_test = 0;
  std::string sweep_factors;
  double sweep_tolerance = std::nan("");
  int bootstrap = -1;
  int64_t max_candidates = -1;
  double min_tail_fraction = std::nan("");
  int64_t batch_size = -1;
  uint64_t seed = 0;
  int threads = 0;
  std::string device = "auto";
  bool full = false;
  bool no_png = false;
};

std::vector<std::string> parse_names(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

void run_reproduce(const ReproduceArgs& a) {
  experiment::ReproduceOptions o;
  o.data.source = a.data;
  o.data.data_dir = a.data_dir;
  o.data.seed = a.seed;
  if (a.synthetic_train > 0) o.data.synthetic_train = a.synthetic_train;
  if (a.synthetic_test > 0) o.data.synthetic_test = a.synthetic_test;
  if (a.full) experiment::apply_full(o);
  o.activation = nn::parse_activation(a.activation);
  if (!a.hidden.empty()) o.hidden_sizes = parse_list<int64_t>(a.hidden, "--hidden");
  o.also = parse_names(a.also);
  if (!std::isnan(a.beta)) o.beta = a.beta;
  if (!std::isnan(a.strength)) o.strength = a.strength;
  if (a.epochs >= 0) o.epochs = a.epochs;
  if (a.max_steps >= 0) o.max_steps = a.max_steps;
  if (a.train_limit >= 0) o.data.train_limit = a.train_limit;
  if (a.probe_limit >= 0) o.probe_limit = a.probe_limit;
  if (a.sweep_epochs >= 0) o.sweep_epochs = a.sweep_epochs;
  if (a.sweep_train_limit >= 0) o.sweep_train_limit = a.sweep_train_limit;
  if (a.sweep_max_steps >= 0) o.sweep_max_steps = a.sweep_max_steps;
  if (!a.sweep_factors.empty()) o.sweep_factors = parse_list<double>(a.sweep_factors, "--sweep");
  if (!std::isnan(a.sweep_tolerance)) o.sweep_tolerance = a.sweep_tolerance;
  if (a.bootstrap >= 0) o.bootstrap = a.bootstrap;
  if (a.max_candidates >= 0) o.max_candidates = a.max_candidates;
  if (a.batch_size >= 0) o.batch_size = a.batch_size;
  if (!std::isnan(a.min_tail_fraction)) o.min_tail_fraction = a.min_tail_fraction;
  o.seed = a.seed;
  o.threads = a.threads;
  o.device = a.device;
  o.png = !a.no_png;
  std::string data_tag = a.data;
  std::replace(data_tag.begin(), data_tag.end(), ':', '-');
  o.out_dir = a.out.empty() ? "runs/reproduce-" + data_tag : a.out;

  const bool tty = ::isatty(2);
  ProgressBar bar;
  experiment::ReproduceCallbacks cb;
  cb.log = [&](const std::string& line) {
    bar.clear();
    fmt::print(stderr, "critnet: {}\n", line);
    std::fflush(stderr);
  };
  if (tty)
    cb.on_step = [&](const std::string& name, const train::StepInfo& s) { bar.update(s, name); };

  const experiment::ReproduceResult r = experiment::reproduce(o, cb);
  bar.clear();
  fmt::print("critnet reproduce: {}\n", r.run_dir.string());
  fmt::print("beta: {:g} ({})\n", r.beta, r.beta_choice);
  for (const auto& arm : r.arms)
    fmt::print("arm {:<10} preset {:<10} test accuracy {:.4f}\n", arm.name, arm.preset,
               arm.test_accuracy);
  fmt::print("report: {}\nsummary: {}\n", r.report.html.string(), r.report.summary_md.string());
}

}  // namespace

void setup_reproduce(CLI::App& app) {
  auto a = std::make_shared<ReproduceArgs>();
  const experiment::ReproduceOptions d;
  auto* cmd = app.add_subcommand(
      "reproduce",
      "The paper's experiment end to end: train baseline and critical arms, probe them, fit "
      "every distribution, write figures and report.html into one run directory (resumable)");
  cmd->add_option("--data", a->data,
                  "fashion-mnist (default, embedded) | cifar10 (the paper's) | mnist | "
                  "synthetic:D");
  cmd->add_option("--data-dir", a->data_dir, "Directory of the data files (default per source)");
  cmd->add_option("--activation", a->activation, "relu (default) | elu | tanh | linear");
  cmd->add_option("--hidden", a->hidden, "Hidden widths (default 600,400,200,100)");
  cmd->add_option("--also", a->also, "Extra arms, comma-separated: cw, l2, l1, paper-eq33");
  cmd->add_option("--beta", a->beta,
                  "β of the penalised arms (a = β/N, N = fan-in); skips the β sweep");
  cmd->add_option("--strength", a->strength,
                  fmt::format("λ of the penalised arms (default {:g})", d.strength));
  cmd->add_option("--epochs", a->epochs,
                  fmt::format("Epochs of every arm (default {}, --full 20)", d.epochs));
  cmd->add_option("--max-steps", a->max_steps, "Stop every arm after N optimiser steps (0 = none)");
  cmd->add_option("--train-limit", a->train_limit, "Use only the first N train samples (0 = all)");
  cmd->add_option("--batch-size", a->batch_size,
                  fmt::format("Samples per step (default {})", d.batch_size));
  cmd->add_option("--sweep", a->sweep_factors,
                  "β sweep factors f (β = f·N₁, N₁ = input size), default 0.25,0.5,1");
  cmd->add_option("--sweep-epochs", a->sweep_epochs,
                  fmt::format("Epochs of each sweep run (default {})", d.sweep_epochs));
  cmd->add_option(
      "--sweep-train-limit", a->sweep_train_limit,
      fmt::format("Train samples of each sweep run (default {}, --full all)", d.sweep_train_limit));
  cmd->add_option("--sweep-max-steps", a->sweep_max_steps, "Steps of each sweep run (0 = none)");
  cmd->add_option("--sweep-tolerance", a->sweep_tolerance,
                  fmt::format("Accuracy drop (fraction) the chosen β may cost in the sweep "
                              "(default {:g})",
                              d.sweep_tolerance));
  cmd->add_option(
      "--probe-limit", a->probe_limit,
      fmt::format("Test samples probed (default {}, 0 or --full = all)", d.probe_limit));
  cmd->add_option(
      "--bootstrap", a->bootstrap,
      fmt::format("Bootstrap replicates per power-law fit (default {}, --full 1000)", d.bootstrap));
  cmd->add_option(
      "--max-candidates", a->max_candidates,
      fmt::format("x_min candidates per fit (default {}, 0 or --full = all)", d.max_candidates));
  cmd->add_option("--min-tail-fraction", a->min_tail_fraction,
                  fmt::format("Each CSN fit's tail holds at least this fraction of the values "
                              "(default {:g}; 0 = CSN's plain x_min scan)",
                              d.min_tail_fraction));
  cmd->add_option("--synthetic-train", a->synthetic_train, "Train samples of synthetic:D");
  cmd->add_option("--synthetic-test", a->synthetic_test, "Test samples of synthetic:D");
  cmd->add_option("--seed", a->seed, "Seed of everything (default 0)");
  cmd->add_option("--threads", a->threads, "CPU threads (default 0 = all cores)");
  cmd->add_option("--device", a->device, "auto (default) | cpu | cuda | cuda:N");
  cmd->add_flag("--full", a->full,
                "The paper-scale budget: all data, 20 epochs, sweep on all train samples, "
                "every test sample probed, 1000 bootstrap replicates, every x_min candidate");
  cmd->add_flag("--no-png", a->no_png, "Write SVG figures only");
  cmd->add_option("--out", a->out, "Run directory (default runs/reproduce-<data>)");
  cmd->callback([a] { run_reproduce(*a); });
}

}  // namespace critnet::cli
