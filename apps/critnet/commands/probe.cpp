// `critnet probe CHECKPOINT`: streams a data split through a trained net, measures every hidden
// layer (SPEC.md section 3) and fits each distribution the Clauset-Shalizi-Newman way.
#include "critnet/probe/probe.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/validate.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/core/runtime.h"
#include "critnet/core/version.h"
#include "critnet/data/dataset.h"
#include "critnet/probe/fits.h"
#include "critnet/probe/report.h"
#include "critnet/train/checkpoint.h"

namespace critnet::cli {
namespace {

struct ProbeArgs {
  std::string checkpoint;
  std::string split = "test";
  int64_t limit = 0;
  int64_t batch_size = 500;
  std::string data, data_dir;
  double threshold = 0.0;
  int64_t subset_size = 10;
  int64_t subsets = 10;
  uint64_t seed = 0;
  int bootstrap = 100;
  int64_t max_candidates = 1000;
  int64_t max_patterns = 1000000;
  double beta = std::nan("");
  std::string gram_side, n_convention;
  double cw_tolerance = 0.1;
  bool no_fits = false;
  bool subset_size_given = false;  // an explicit --subset-size must fit every layer
  int threads = 0;
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

// One line of the stdout summary for a fitted distribution.
void print_fit_line(const std::string& name, const probe::FittedDistribution& f) {
  if (!f.ok) {
    fmt::print("  {:<24} {:>6}  no fit: {}\n", name, f.distribution.values.size(), f.error);
    return;
  }
  const auto& r = f.fit;
  fmt::print("  {:<24} {:>6} {:>9} {:>7} ± {:<6} {:>6} {:>6}  {}\n", name, r.n, num(r.xmin),
             num(r.alpha), num(r.alpha_se, 2), r.n_tail, num(r.p, 2), probe::comparison_verdict(r));
}

// A subset of k units is drawn from each hidden layer: k must not exceed any layer's width.
void check_subset_size(int64_t k, const std::vector<int64_t>& widths) {
  for (size_t l = 0; l < widths.size(); ++l) {
    CRITNET_CHECK(k <= widths[l], "--subset-size ", k, " is larger than hidden layer ", l, " (",
                  widths[l], " units)");
  }
}

void run_probe(const ProbeArgs& a) {
  CRITNET_CHECK(a.split == "train" || a.split == "test", "--split must be train or test, got '",
                a.split, "'");
  set_threads(a.threads);
  const torch::Device device = resolve_device(a.device);
  const bool tty = ::isatty(2);
  const auto t0 = std::chrono::steady_clock::now();

  train::LoadedModel loaded = train::load_model(a.checkpoint);
  if (a.subset_size_given) check_subset_size(a.subset_size, loaded.model->options.hidden_sizes());
  data::DataSpec spec = train::data_spec_from_config(loaded.config);
  if (!a.data.empty()) spec.source = a.data;
  if (!a.data_dir.empty()) spec.data_dir = a.data_dir;
  // The train split is never limited at load time: its statistics standardise both splits.
  if (a.split == "test" && a.limit > 0) spec.test_limit = a.limit;
  const data::DataSplits splits = data::load_data(spec);
  const data::Dataset& split = a.split == "train" ? splits.train : splits.test;
  torch::Tensor inputs = split.inputs;
  if (a.limit > 0 && inputs.size(0) > a.limit) inputs = inputs.slice(0, 0, a.limit);
  const int64_t n = inputs.size(0);
  CRITNET_CHECK_DATA(split.input_size() == loaded.model->options.input_size(), "data ", splits.name,
                     " has ", split.input_size(), " inputs but the model in ", a.checkpoint,
                     " expects ", loaded.model->options.input_size());

  // Probe options: the spectrum's β, gram side and N convention default to the run's
  // regulariser settings.
  probe::ProbeOptions options;
  options.threshold(a.threshold)
      .subset_size(a.subset_size)
      .num_subsets(a.subsets)
      .seed(a.seed)
      .max_patterns(a.max_patterns)
      .cw_tolerance(a.cw_tolerance);
  const nlohmann::json reg_config =
      loaded.config.contains("train") && loaded.config["train"].contains("reg")
          ? loaded.config["train"]["reg"]
          : nlohmann::json::object();
  if (reg_config.contains("beta")) options.beta(reg_config["beta"].get<double>());
  if (reg_config.contains("gram_side"))
    options.gram_side(reg::parse_gram_side(reg_config["gram_side"].get<std::string>()));
  if (reg_config.contains("n_convention"))
    options.n_convention(reg::parse_n_convention(reg_config["n_convention"].get<std::string>()));
  if (!std::isnan(a.beta)) options.beta(a.beta);
  if (!a.gram_side.empty()) options.gram_side(reg::parse_gram_side(a.gram_side));
  if (!a.n_convention.empty()) options.n_convention(reg::parse_n_convention(a.n_convention));
  options.validate();

  const std::string out = a.out.empty() ? default_out() : a.out;
  const io::RunLock lock(out, "critnet probe");  // one writer per output directory
  io::remove_stale_temp_files(out);

  fmt::print(stderr, "critnet: probing {} (epoch {}) on {} {} ({} samples), {} hidden layers\n",
             a.checkpoint, loaded.epoch, splits.name, a.split, n, loaded.model->num_hidden());
  loaded.model->to(device);
  probe::Probe probe(loaded.model, options);
  for (int64_t s = 0; s < n; s += a.batch_size) {
    probe.observe(inputs.slice(0, s, std::min(s + a.batch_size, n)).to(device));
    if (tty)
      fmt::print(stderr, "\rcritnet: streamed {}/{} samples", std::min(s + a.batch_size, n), n);
  }
  if (tty) fmt::print(stderr, "\n");
  const probe::ProbeResult result = probe.finish();
  const double stream_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  analysis::FitOptions fit_options;
  fit_options.bootstrap = a.bootstrap;
  fit_options.seed = a.seed;
  fit_options.threads = a.threads;
  fit_options.max_candidates = static_cast<std::size_t>(a.max_candidates);

  const RuntimeInfo rt = runtime_info();
  nlohmann::json j;
  j["critnet"] = version();
  j["libtorch"] = rt.torch_version;
  j["checkpoint"] = a.checkpoint;
  j["epoch"] = loaded.epoch;
  j["data"] = data::describe(splits);
  j["split"] = a.split;
  j["num_samples"] = n;
  j["options"] = probe::options_json(options);
  j["fit_options"] = {{"bootstrap", a.bootstrap},
                      {"seed", a.seed},
                      {"max_candidates", a.max_candidates},
                      {"enabled", !a.no_fits}};
  j["memory_note"] =
      "accumulators hold O(width^2) float64 state per layer, one float64 per sample (m_l(s)) and "
      "one entry per distinct pattern (capped by max_patterns); activations are not stored";
  j["layers"] = nlohmann::json::array();

  std::vector<std::vector<probe::FittedDistribution>> fits(result.layers.size());
  for (const auto& layer : result.layers) {
    nlohmann::json lj = probe::layer_summary(layer);
    nlohmann::json fj = nlohmann::json::array();
    if (!a.no_fits) {
      for (const auto& d : probe::layer_distributions(layer)) {
        fmt::print(stderr, "critnet: layer {}: fitting {}{} ({} values)\n", layer.layer + 1,
                   d.measure, d.subset >= 0 ? fmt::format(" #{}", d.subset) : "", d.values.size());
        fits[layer.layer].push_back(probe::fit_distribution(d, fit_options));
        fj.push_back(probe::to_json(fits[layer.layer].back()));
      }
    }
    lj["fits"] = fj;
    j["layers"].push_back(lj);
  }
  probe::FittedDistribution pooled;
  if (!a.no_fits) {
    pooled = probe::fit_distribution(probe::pooled_activation_frequency(result), fit_options);
    j["pooled"] = {{"activation_frequency", probe::to_json(pooled)}};
  }
  j["csv_files"] = probe::write_csvs(result, out);
  j["seconds"] = {
      {"stream", stream_s},
      {"total", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  const std::string json_path = out + "/probe.json";
  io::write_file_atomic(json_path, j.dump(1) + "\n");

  // Human-readable summary on stdout.
  fmt::print("critnet probe: {} on {} {} ({} samples); outputs in {}\n", a.checkpoint, splits.name,
             a.split, n, out);
  for (const auto& layer : result.layers) {
    const auto& sp = layer.spectrum;
    fmt::print("\nlayer {} ({} units, {} never active, {} constant)\n", layer.layer + 1,
               layer.width,
               std::count(layer.activation_counts.begin(), layer.activation_counts.end(), 0),
               layer.constant_units.size());
    if (!a.no_fits) {
      fmt::print("  {:<24} {:>6} {:>9} {:>16} {:>6} {:>6}  {}\n", "measure", "n", "x_min",
                 "alpha ± se", "n_tail", "p", "vs exp ln sexp tpl (+ PL, - alt, = neither)");
      std::vector<double> subset_alpha;
      int subset_plausible = 0, subset_fitted = 0;
      for (const auto& f : fits[layer.layer]) {
        if (f.distribution.measure == "subset_pattern_counts") {
          if (f.ok) {
            ++subset_fitted;
            subset_alpha.push_back(f.fit.alpha);
            if (f.fit.p >= 0.1) ++subset_plausible;
          }
          continue;
        }
        print_fit_line(f.distribution.measure, f);
      }
      if (!layer.subset_units.empty()) {
        std::sort(subset_alpha.begin(), subset_alpha.end());
        const double median =
            subset_alpha.empty() ? std::nan("") : subset_alpha[subset_alpha.size() / 2];
        fmt::print(
            "  subset_pattern_counts    {} subsets of {} units: {} fitted, median alpha {}, "
            "{} with p >= 0.1\n",
            layer.subset_units.size(), layer.subset_units[0].size(), subset_fitted, num(median),
            subset_plausible);
      }
    }
    for (const auto* tp : {&layer.natural, &layer.seriated}) {
      const auto& f = tp->fit_r;
      if (!f.ok) {
        fmt::print("  two-point r(d), {:<8}  too few positive points to fit\n", tp->order);
        continue;
      }
      fmt::print(
          "  two-point r(d), {:<8}  d^-eta: eta {} (R² {});  e^-d/xi: xi {} (R² {});  "
          "{} fits better (RSS ratio {}, {} points; descriptive)\n",
          tp->order, num(f.eta), num(f.power_r2), num(f.xi), num(f.exp_r2), f.better,
          num(f.rss_ratio), f.num_points);
    }
    fmt::print(
        "  spectrum a·w (a = {}): CW distance min {}, median {}, {:.1f}% within {}; "
        "stable rank {}\n",
        num(sp.a), num(sp.cw_distance_min), num(sp.cw_distance_median),
        100.0 * sp.cw_fraction_within, sp.cw_tolerance, num(sp.stable_rank));
  }
  if (!a.no_fits) {
    fmt::print("\npooled over layers\n");
    print_fit_line("activation_frequency", pooled);
  }
  fmt::print(stderr, "critnet: wrote {} and {} CSV files in {:.1f} s\n", json_path,
             j["csv_files"].size(), j["seconds"]["total"].get<double>());
}

}  // namespace

void setup_probe(CLI::App& app) {
  auto a = std::make_shared<ProbeArgs>();
  auto* cmd = app.add_subcommand(
      "probe",
      "Measure scale invariance in a trained net's hidden layers (SPEC section 3); writes "
      "OUT/probe.json and OUT/*.csv, prints a summary");
  cmd->add_option("checkpoint", a->checkpoint, "Run directory or checkpoint directory")->required();
  cmd->add_option("--split", a->split, "train | test (default test)");
  cmd->add_option("--limit", a->limit, "Use only the first N samples of the split (0 = all)")
      ->check(integer(0));
  cmd->add_option("--batch-size", a->batch_size, "Samples per forward pass (default 500)")
      ->check(integer(1, kMaxBatchSize));
  cmd->add_option("--data", a->data, "Data source override (default: the run's)");
  cmd->add_option("--data-dir", a->data_dir, "Data directory override (default: the run's)");
  cmd->add_option("--threshold", a->threshold, "Unit active when x > threshold (default 0)")
      ->check(real());
  cmd->add_option("--subset-size", a->subset_size,
                  "k: units per random subset, 1..64 and at most every hidden layer's width "
                  "(default 10, clamped to narrower layers)")
      ->check(integer(1, 64))
      ->each([a](const std::string&) { a->subset_size_given = true; });
  cmd->add_option("--subsets", a->subsets, "R: random subsets per layer (default 10)")
      ->check(integer(0, 1000000));
  cmd->add_option("--seed", a->seed, "Seed of the subsets and the bootstrap (default 0)")
      ->check(seed_value());
  cmd->add_option("--bootstrap", a->bootstrap,
                  "Bootstrap replicates of each power-law fit (default 100, 0 = no p-values)")
      ->check(integer(0, kMaxBootstrap));
  cmd->add_option("--max-candidates", a->max_candidates,
                  "At most this many x_min candidates per fit (default 1000, 0 = all values)")
      ->check(integer(0));
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
  cmd->add_flag("--no-fits", a->no_fits, "Skip the power-law fits (measures and CSVs only)");
  cmd->add_option("--threads", a->threads, "CPU threads (default 0 = all cores)")
      ->check(threads_value());
  cmd->add_option("--device", a->device,
                  "cpu | auto | cuda | cuda:N for the forward passes (default cpu)");
  cmd->add_option("--out", a->out, "Output directory (default runs/probe-<UTC date-time>)");
  cmd->callback([a] { run_probe(*a); });
}

}  // namespace critnet::cli
