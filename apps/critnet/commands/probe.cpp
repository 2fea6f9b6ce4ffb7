// `critnet probe CHECKPOINT`: argument parsing and the stdout summary of the probe workflow
// (critnet/probe/workflow.h: stream a split through a trained net, measure every hidden layer
// after docs/methods.md, "Probes", fit each distribution the Clauset-Shalizi-Newman way).
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/parse_list.h"
#include "commands/recipe_flags.h"
#include "commands/validate.h"
#include "commands/verdict_options.h"
#include "console.h"
#include "critnet/core/coupling.h"
#include "critnet/core/error.h"
#include "critnet/core/runtime.h"
#include "critnet/core/stats.h"
#include "critnet/probe/fits.h"
#include "critnet/probe/recipe.h"
#include "critnet/probe/workflow.h"
#include "critnet/report/results.h"
#include "critnet/report/verdict.h"

namespace critnet::cli {
namespace {

struct ProbeArgs {
  ConsoleFlags console;
  std::string checkpoint;
  std::string model, layers, input_shape;  // a TorchScript module instead of a checkpoint
  std::string split = "test";
  ProbeRecipeFlags recipe;  // --limit, --subset-size, --bootstrap, --max-candidates,
                            // --min-tail-fraction, applied to the recipe's defaults
  int64_t batch_size = 500;
  std::string data, data_dir;
  double threshold = 0.0;
  int64_t subsets = 10;
  uint64_t seed = 0;
  int64_t max_patterns = 1000000;
  double beta = std::nan("");
  std::string gram_side, n_convention;
  double cw_tolerance = 0.1;
  bool no_fits = false;
  int threads = 0;
  report::VerdictRule rule;
  std::string device = "cpu";
  std::string out;
};

std::string default_out() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "runs/probe-%Y%m%d-%H%M%S", std::gmtime(&t));
  return buf;
}

std::string num(double x, int digits = 3) {
  if (!std::isfinite(x)) return "-";
  return fmt::format("{:.{}g}", x, digits);
}

// Verdict rule 2 on one fit, in a word ("-" without a bootstrap p).
std::string short_verdict(const analysis::FitResult& r, const report::VerdictRule& rule) {
  if (r.bootstrap == 0) return "-";
  const report::FitVerdict v = report::assess(report::csn_fit(r), rule);
  switch (v.plausibility) {
    case report::Plausibility::kScaleInvariant:
      return "scale-inv";
    case report::Plausibility::kTooNarrow:
      return "narrow";
    case report::Plausibility::kNoFit:
      return "no fit";
    default:
      return "rejected";
  }
}

// One line of the stdout summary for a fitted distribution.
void print_fit_line(const std::string& name, const probe::FittedDistribution& f,
                    const report::VerdictRule& rule) {
  if (!f.ok) {
    fmt::print("  {:<24} {:>6}  no fit: {}\n", name, f.distribution.values.size(), f.error);
    return;
  }
  const auto& r = f.fit;
  fmt::print("  {:<24} {:>6} {:>9} {:>7} ± {:<6} {:>6} {:>7} {:>6} {:>9}  {}\n", name, r.n,
             num(r.xmin), num(r.alpha), num(r.alpha_se, 2), r.n_tail, num(r.tail_decades, 2),
             num(r.p, 2), short_verdict(r, rule), probe::comparison_verdict(r));
}

// The median α and the count of scale-invariant fits over the random subsets of a layer.
void print_subsets(const probe::LayerResult& layer,
                   const std::vector<probe::FittedDistribution>& fits,
                   const report::VerdictRule& rule) {
  if (layer.subset_units.empty()) return;
  std::vector<double> alpha;
  int scale_invariant = 0;
  for (const auto& f : fits) {
    if (f.distribution.measure != "subset_pattern_counts" || !f.ok) continue;
    alpha.push_back(f.fit.alpha);
    if (short_verdict(f.fit, rule) == "scale-inv") ++scale_invariant;
  }
  const double alpha_median = median(alpha);
  fmt::print(
      "  subset_pattern_counts    {} subsets of {} units: {} fitted, median alpha {}, "
      "{} scale invariant\n",
      layer.subset_units.size(), layer.subset_units[0].size(), alpha.size(), num(alpha_median),
      scale_invariant);
}

void print_two_point(const probe::TwoPointFunction& tp) {
  const auto& f = tp.fit_r;
  if (!f.ok) {
    fmt::print("  two-point r(d), {:<8}  too few positive points to fit\n", tp.order);
    return;
  }
  fmt::print(
      "  two-point r(d), {:<8}  d^-eta: eta {} (R² {});  e^-d/xi: xi {} (R² {});  "
      "{} fits better (RSS ratio {}, {} points; descriptive)\n",
      tp.order, num(f.eta), num(f.power_r2), num(f.xi), num(f.exp_r2), f.better, num(f.rss_ratio),
      f.num_points);
}

probe::ProbeCheckpointOptions workflow_options(const ProbeArgs& a) {
  probe::ProbeCheckpointOptions o;
  o.checkpoint = a.checkpoint;
  o.script = a.model;
  o.layers = parse_list<std::string>(a.layers, "--layers");
  o.input_shape = parse_list<int64_t>(a.input_shape, "--input-shape");
  o.split = a.split;
  probe::ProbeRecipe recipe;
  a.recipe.given.apply(recipe);
  recipe.apply(o);
  o.batch_size = a.batch_size;
  o.data_source = a.data;
  o.data_dir = a.data_dir;
  o.probe.threshold(a.threshold)
      .num_subsets(a.subsets)
      .seed(a.seed)
      .max_patterns(a.max_patterns)
      .cw_tolerance(a.cw_tolerance);
  if (!std::isnan(a.beta)) o.beta = a.beta;
  if (!a.gram_side.empty()) o.gram_side = parse_gram_side(a.gram_side);
  if (!a.n_convention.empty()) o.n_convention = parse_n_convention(a.n_convention);
  // An explicit --subset-size must fit every layer.
  o.strict_subset_size = a.recipe.given.given("--subset-size");
  o.fits = !a.no_fits;
  o.fit.seed = a.seed;
  o.fit.threads = a.threads;
  o.device = a.device;
  o.out_dir = a.out.empty() ? default_out() : a.out;
  return o;
}

// The stdout summary of one layer.
void print_layer(const probe::LayerResult& layer,
                 const std::vector<probe::FittedDistribution>& fits, bool fitted,
                 const report::VerdictRule& rule) {
  const auto& sp = layer.spectrum;
  fmt::print("\nlayer {}{} ({} units, {} never active, {} constant)\n", layer.layer + 1,
             layer.name.empty() ? "" : " '" + layer.name + "'", layer.width,
             std::count(layer.activation_counts.begin(), layer.activation_counts.end(), 0),
             layer.constant_units.size());
  if (fitted) {
    fmt::print("  {:<24} {:>6} {:>9} {:>16} {:>6} {:>7} {:>6} {:>9}  {}\n", "measure", "n", "x_min",
               "alpha ± se", "n_tail", "decades", "p", "verdict",
               "vs exp ln sexp tpl (+ PL, - alt, = neither)");
    for (const auto& f : fits)
      if (f.distribution.measure != "subset_pattern_counts")
        print_fit_line(f.distribution.measure, f, rule);
    print_subsets(layer, fits, rule);
  }
  for (const auto* tp : {&layer.natural, &layer.seriated}) print_two_point(*tp);
  fmt::print(
      "  spectrum a·w (a = {}): CW distance min {}, median {}, {:.1f}% within {}; "
      "stable rank {}\n",
      num(sp.a), num(sp.cw_distance_min), num(sp.cw_distance_median), 100.0 * sp.cw_fraction_within,
      sp.cw_tolerance, num(sp.stable_rank));
}

void run_probe(const ProbeArgs& a) {
  CRITNET_CHECK(a.split == "train" || a.split == "test", "--split must be train or test, got '",
                a.split, "'");
  set_threads(a.threads);
  Console console(a.console);
  probe::ProbeCallbacks cb;
  static_cast<Reporter&>(cb) = console.reporter();
  const probe::ProbeOutcome out = probe::probe_checkpoint(workflow_options(a), cb);
  console.clear();
  const nlohmann::json& j = out.document;
  if (console.json()) {
    console.out(j.dump(1));
    return;
  }
  const std::string dir = out.json_path.parent_path().string();
  fmt::print("critnet probe: {} on {} {} ({} samples); outputs in {}\n",
             a.model.empty() ? a.checkpoint : a.model, j["data"].value("name", ""), a.split,
             j["num_samples"].get<int64_t>(), dir);
  for (const auto& layer : out.result.layers)
    print_layer(layer, out.fits.layers[layer.layer], !a.no_fits, a.rule);
  if (!a.no_fits) {
    fmt::print("\npooled over layers\n");
    print_fit_line("activation_frequency", out.fits.pooled, a.rule);
  }
  console.info(fmt::format("wrote {} and {} files in {:.1f} s", out.json_path.string(),
                           out.files.size() - 1, j["seconds"]["total"].get<double>()));
}

}  // namespace

void setup_probe(CLI::App& app) {
  auto a = std::make_shared<ProbeArgs>();
  auto* cmd = app.add_subcommand(
      "probe",
      "Measure scale invariance in a trained net's hidden layers (docs/methods.md, Probes); writes "
      "OUT/probe.json and OUT/*.csv, prints a summary");
  cmd->add_option("checkpoint", a->checkpoint, "Run directory or checkpoint directory");
  cmd->add_option("--model", a->model,
                  "Instead of a checkpoint: a TorchScript module saved by Python "
                  "(torch.jit.save(torch.jit.script(model))); needs --data");
  cmd->add_option("--layers", a->layers,
                  "With --model: submodules to observe, comma-separated names as in "
                  "named_modules() (default: every activation module between two weighted "
                  "layers)");
  cmd->add_option("--input-shape", a->input_shape,
                  "With --model: the shape of one input sample, e.g. 1,28,28 (default: flat)");
  cmd->add_option("--split", a->split, "train | test (default test)");
  add_probe_recipe_flags(cmd, a->recipe, probe::ProbeRecipe(), "--limit");
  cmd->add_option("--batch-size", a->batch_size, "Samples per forward pass (default 500)")
      ->check(integer(1, kMaxBatchSize));
  cmd->add_option("--data", a->data, "Data source override (default: the run's)");
  cmd->add_option("--data-dir", a->data_dir, "Data directory override (default: the run's)");
  cmd->add_option("--threshold", a->threshold, "Unit active when x > threshold (default 0)")
      ->check(real());
  cmd->add_option("--subsets", a->subsets, "R: random subsets per layer (default 10)")
      ->check(integer(0, 1000000));
  cmd->add_option("--seed", a->seed, "Seed of the subsets and the bootstrap (default 0)")
      ->check(seed_value());
  cmd->add_option("--max-patterns", a->max_patterns,
                  "Cap on distinct patterns stored per counter (default 1000000)")
      ->check(integer(1));
  cmd->add_option("--beta", a->beta,
                  "β of a = β/N for the spectrum, finite and not 0 (default: the run's, else 1)")
      ->check(nonzero_real());
  cmd->add_option("--gram-side", a->gram_side, "in | out (default: the run's, else in)");
  cmd->add_option("--n-convention", a->n_convention,
                  "fan-in | fan-out | one (default: the run's, else fan-in)");
  cmd->add_option("--cw-tolerance", a->cw_tolerance,
                  "|a·s² - 1| counted as at the CW point up to this, > 0 (default 0.1)")
      ->check(real(0, kInf, Ends::kOpenLow));
  add_tail_width_options(cmd, a->rule);
  cmd->add_flag("--no-fits", a->no_fits, "Skip the power-law fits (measures and CSVs only)");
  add_console_flags(cmd, a->console, "Print probe.json on stdout instead of the tables");
  cmd->add_option("--threads", a->threads, "CPU threads (default 0 = all cores)")
      ->check(threads_value());
  cmd->add_option("--device", a->device,
                  "cpu | auto | cuda | cuda:N for the forward passes (default cpu)");
  cmd->add_option("--out", a->out, "Output directory (default runs/probe-<UTC date-time>)");
  cmd->callback([a] { run_probe(*a); });
}

}  // namespace critnet::cli
