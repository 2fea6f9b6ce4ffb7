// `critnet train`: trains the paper's MLP (optionally with critical regularisation), writes
// config.json, metrics.jsonl and checkpoints; on stdout a row per epoch on a terminal, else (or
// with --json) the epoch's JSON line (console.h).
#include "critnet/train/train.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
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
#include "console.h"
#include "critnet/core/coupling.h"
#include "critnet/core/error.h"

namespace critnet::cli {
namespace {

using train::TrainOptions;

std::string default_out_dir() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "runs/train-%Y%m%d-%H%M%S", std::gmtime(&t));
  return buf;
}

struct TrainArgs {
  std::string config_file, resume, out;
  // Typed holders of every flag; applied to the options only when given explicitly.
  TrainRecipeFlags recipe;  // the training recipe's flags (recipe_flags.h)
  std::string init, device, preset, gram_side, n_convention, coeffs, reg_layers, cuda_graph;
  int64_t epochs = 0, reg_interval = 0, eval_batch_size = 0, probes = 0;
  double beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0, beta = 0, strength = 0;
  uint64_t seed = 0;
  int threads = 0;
  bool no_checkpoint = false, no_eval = false, no_progress = false, autograd = false;
  ConsoleFlags console;

  GivenFlags<TrainOptions> given;
};

TrainOptions resolve_options(TrainArgs& a) {
  TrainOptions o;
  if (!a.resume.empty()) {
    CRITNET_CHECK(a.config_file.empty(),
                  "--config and --resume cannot be combined (a resumed run "
                  "uses its checkpoint's options)");
    o = train::resume_options(a.resume);
  } else if (!a.config_file.empty()) {
    o = train::read_options_file(a.config_file);
    o.resume.clear();
  }
  std::string allowed;  // the flags a resumed run may change, from the flags themselves
  for (const auto& e : a.given.entries())
    if (e.on_resume) allowed += (allowed.empty() ? "" : ", ") + e.option->get_name();
  for (const auto& e : a.given.entries())
    CRITNET_CHECK(a.resume.empty() || e.on_resume || e.option->count() == 0, "option ",
                  e.option->get_name(),
                  " cannot be changed when resuming (the checkpoint's options are used; only ",
                  allowed, " may be given)");
  a.given.apply(o);
  if (o.out_dir.empty()) o.out_dir = default_out_dir();
  return o;
}

// The epoch table of a terminal's stdout: a header and one row per epoch.
std::string epoch_header() {
  return fmt::format("{:>9} {:>9} {:>10} {:>9} {:>10} {:>9}", "epoch", "loss", "data loss",
                     "test acc", "samples/s", "time");
}

std::string epoch_row(const train::EpochMetrics& m, int64_t epochs) {
  return fmt::format("{:>9} {:>9.4f} {:>10.4f} {:>9} {:>10.0f} {:>9}",
                     fmt::format("{}/{}{}", m.epoch, epochs, m.complete ? "" : "*"), m.train_loss,
                     m.data_loss,
                     std::isfinite(m.test_accuracy) ? fmt::format("{:.4f}", m.test_accuracy) : "-",
                     m.samples_per_s, duration_text(m.wall_s));
}

void run_train(TrainArgs& a) {
  TrainOptions o = resolve_options(a);
  o.validate();
  Console console(a.console);
  if (o.reg.enabled()) {
    if (const auto w = reg::warning(o.reg.penalty())) console.warn(*w);
  } else if (o.reg.penalty().preset() != reg::Preset::kNone) {
    console.warn(fmt::format("--reg {} with --strength 0 adds nothing to the loss",
                             reg::to_string(o.reg.penalty().preset())));
  }
  // JSON lines on stdout with --json or into a pipe or file; rows for a person on a terminal.
  const bool json_lines = console.json() || !console.stdout_tty();
  bool header = false;
  train::TrainCallbacks callbacks;
  callbacks.on_start = [&](const nlohmann::json& config) {
    const auto& rt = config.at("runtime");
    if (rt.at("blas").get<std::string>() == "reference") {
      console.warn(fmt::format(
          "LibTorch uses the reference BLAS ({}), about 17x slower than OpenBLAS. Install it: "
          "apt-get install libopenblas0-openmp",
          rt.at("blas_path").get<std::string>()));
    }
    const auto& d = config.at("data");
    console.info(fmt::format(
        "training on {} ({} train, {} test, {} inputs), device {}, {} threads; outputs in {}",
        d.at("name").get<std::string>(), d.at("train_size").get<int64_t>(),
        d.at("test_size").get<int64_t>(), d.at("input_size").get<int64_t>(),
        config.at("device").get<std::string>(), rt.at("threads").get<int>(), o.out_dir));
  };
  if (!a.no_progress) callbacks.on_step = [&](const train::StepInfo& s) { console.step("", s); };
  callbacks.on_epoch = [&](const train::EpochMetrics& m) {
    if (json_lines) return console.out(m.to_json().dump());
    if (!header) console.out(epoch_header());
    header = true;
    console.out(epoch_row(m, o.epochs));
  };
  const train::TrainResult result = train::train(o, callbacks);
  console.clear();
  if (!result.history.empty()) {
    const auto& last = result.history.back();
    console.info(fmt::format(
        "done: epoch {}, step {}, test accuracy {:.4f}, {:.0f} samples/s; outputs in {}",
        last.epoch, last.step, last.test_accuracy, last.samples_per_s, o.out_dir));
  } else {
    console.info("nothing to do (the run already reached its epochs / max steps)");
  }
}

}  // namespace

// Long: the command's option declarations, one statement each, in --help's order (the
// training recipe's come from recipe_flags.h).
void setup_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand(
      "train",
      "Train the paper's MLP (Adam, cross-entropy + optional critical penalty); writes "
      "OUT/config.json, OUT/metrics.jsonl (one JSON line per epoch) and OUT/checkpoint/; on "
      "stdout a row per epoch on a terminal, else (or with --json) the epoch's JSON line");
  const TrainOptions d;  // defaults, for the help text
  auto add = [&](CLI::Option* opt, std::function<void(TrainOptions&)> apply,
                 bool on_resume = false) { return a->given.add(opt, std::move(apply), on_resume); };
  TrainArgs& r = *a;

  // Inputs and outputs.
  cmd->add_option("--config", r.config_file,
                  "JSON file of options (a config.json of an earlier run works too); flags given "
                  "explicitly override it")
      ->group("Run");
  cmd->add_option("--resume", r.resume,
                  "Continue the run in DIR (a run directory or its checkpoint/) where it stopped; "
                  "bit-for-bit on CPU with one thread")
      ->group("Run");
  add(
      cmd->add_option("--out", r.out, "Output directory (default runs/train-<UTC date-time>)")
          ->group("Run"),
      [&r](TrainOptions& o) { o.out_dir = r.out; }, true);
  add(
      cmd->add_flag("--no-checkpoint", r.no_checkpoint, "Do not write checkpoints")->group("Run"),
      [&r](TrainOptions& o) { o.checkpoint = !r.no_checkpoint; }, true);
  add(
      cmd->add_flag("--no-eval", r.no_eval, "Do not evaluate the test split after each epoch")
          ->group("Run"),
      [&r](TrainOptions& o) { o.evaluate = !r.no_eval; }, true);
  add(
      cmd->add_option("--eval-batch-size", r.eval_batch_size,
                      fmt::format("Batch size of evaluation (default {})", d.eval_batch_size))
          ->check(integer(1, kMaxBatchSize))
          ->group("Run"),
      [&r](TrainOptions& o) { o.eval_batch_size = r.eval_batch_size; }, true);
  cmd->add_flag("--no-progress", r.no_progress,
                "No progress during an epoch (stage lines remain; --quiet silences both)")
      ->group("Output");
  add_console_flags(cmd, r.console,
                    "Each epoch's JSON line on stdout, as metrics.jsonl holds it (the default "
                    "when stdout is not a terminal)");

  // Data, model and optimisation: the training recipe's flags (shared with reproduce and sweep).
  add_train_recipe_flags(cmd, r.recipe, d);
  a->given.include<train::TrainRecipe>(r.recipe.given,
                                       [](TrainOptions& o) -> train::TrainRecipe& { return o; });
  add(cmd->add_option("--init", r.init, "default (LibTorch) | he | orthogonal (default default)")
          ->group("Model"),
      [&r](TrainOptions& o) { o.init = nn::parse_init(r.init); });

  // Optimisation.
  add(cmd->add_option("--beta1", r.beta1, fmt::format("Adam beta1 (default {})", d.beta1))
          ->check(real(0, 1, Ends::kOpenHigh))
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.beta1 = r.beta1; });
  add(cmd->add_option("--beta2", r.beta2, fmt::format("Adam beta2 (default {})", d.beta2))
          ->check(real(0, 1, Ends::kOpenHigh))
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.beta2 = r.beta2; });
  add(cmd->add_option("--eps", r.eps, fmt::format("Adam epsilon (default {})", d.eps))
          ->check(real(0, kInf, Ends::kOpenLow))
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.eps = r.eps; });
  add(cmd->add_option("--weight-decay", r.weight_decay, "Adam (L2) weight decay (default 0)")
          ->check(real(0))
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.weight_decay = r.weight_decay; });
  add(
      cmd->add_option("--epochs", r.epochs, fmt::format("Epochs (default {})", d.epochs))
          ->check(integer(1))
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.epochs = r.epochs; }, true);
  add(cmd->add_option("--seed", r.seed,
                      "Seed of the initialisation, the data order and synthetic data (default 0)")
          ->check(seed_value())
          ->group("Optimisation"),
      [&r](TrainOptions& o) {
        o.seed = r.seed;
        o.data.seed = r.seed;
      });
  add(
      cmd->add_option("--device", r.device, "auto | cpu | cuda | cuda:N (default auto)")
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.device = r.device; }, true);
  add(
      cmd->add_flag("--autograd", r.autograd,
                    "Use LibTorch autograd + torch::optim::Adam instead of the fast CPU step "
                    "(same results; the fast step is the default on the CPU)")
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.fast_step = !r.autograd; }, true);
  add(
      cmd->add_option("--cuda-graph", r.cuda_graph,
                      "on | off: on CUDA, capture the training step in a CUDA graph and replay it "
                      "(default on; ignored on the CPU; docs/cuda.md)")
          ->check(CLI::IsMember({"on", "off"}))
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.cuda_graph = r.cuda_graph == "on"; }, true);
  add(
      cmd->add_option("--threads", r.threads, "Intra-op CPU threads (default 0 = all cores)")
          ->check(threads_value())
          ->group("Optimisation"),
      [&r](TrainOptions& o) { o.threads = r.threads; }, true);

  // Critical regularisation.
  add(cmd->add_option(
             "--reg", r.preset,
             "Penalty: none | paper (I + a w + 2a^2 w^2, eq. 30) | paper-eq33 | cw (I - a w) "
             "| poly (--coeffs) | l1 | l2 (default none)")
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.penalty().preset(reg::parse_preset(r.preset)); });
  add(cmd->add_option(
             "--beta", r.beta,
             "Inverse temperature beta, a = beta/N (default 1; it acts when beta is of the "
             "order of N; with --reg paper and beta > 0 the penalty cannot reach zero)")
          ->check(real())
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.penalty().beta(r.beta); });
  add(cmd->add_option("--strength", r.strength,
                      "Strength lambda of the penalty in the loss (default 0)")
          ->check(real(0))
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.strength(r.strength); });
  add(cmd->add_option("--gram-side", r.gram_side, "w = V^T V (in, default) or V V^T (out)")
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.penalty().gram_side(parse_gram_side(r.gram_side)); });
  add(cmd->add_option("--n-convention", r.n_convention,
                      "N in a = beta/N: fan-in (default) | fan-out | one")
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.penalty().n_convention(parse_n_convention(r.n_convention)); });
  add(cmd->add_option("--coeffs", r.coeffs, "Coefficients c0,c1,...,cK (K <= 4) of --reg poly")
          ->check(real_list(true))
          ->group("Regularisation"),
      [&r](TrainOptions& o) {
        o.reg.penalty().coefficients(parse_list_or_none<double>(r.coeffs, "--coeffs"));
      });
  add(cmd->add_option(
             "--reg-layers", r.reg_layers,
             "Indices of the Linear layers penalised, e.g. 0,1,2 (default all but the output "
             "layer)")
          ->check(integer_list(0, kInt64Max, true, true))
          ->group("Regularisation"),
      [&r](TrainOptions& o) {
        o.reg.layers(parse_list_or_none<int64_t>(r.reg_layers, "--reg-layers"));
      });
  add(cmd->add_option("--reg-interval", r.reg_interval,
                      "Apply the penalty every k steps with strength k*lambda (default 1)")
          ->check(integer(1))
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.interval(r.reg_interval); });

  add(cmd->add_option(
             "--probes", r.probes,
             "Rademacher probes of the stochastic (Hutchinson) penalty estimate; 0 = exact "
             "(default)")
          ->check(integer(0))
          ->group("Regularisation"),
      [&r](TrainOptions& o) { o.reg.penalty().probes(r.probes); });

  cmd->callback([a] { run_train(*a); });
}

}  // namespace critnet::cli
