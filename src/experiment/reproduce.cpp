// critnet reproduce: sweep β, train every arm, probe it, write results.json and the report.
#include "critnet/experiment/reproduce.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "critnet/analysis/distributions.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/runtime.h"
#include "critnet/probe/fits.h"
#include "critnet/probe/probe.h"
#include "critnet/probe/report.h"
#include "critnet/report/csv.h"
#include "critnet/report/results.h"
#include "critnet/train/checkpoint.h"

namespace critnet::experiment {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::vector<std::string> kExtraArms = {"cw", "l2", "l1", "paper-eq33"};

void log(const ReproduceCallbacks& cb, const std::string& line) {
  if (cb.log) cb.log(line);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string read_text(const fs::path& path) {
  return io::read_text_file(path);
}

json read_json(const fs::path& path) {
  return io::read_json_file(path);
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

void make_dirs(const fs::path& dir) {
  io::create_directories(dir);
}

// Writes `text` atomically, but leaves the file (and its time stamp) alone when it already
// holds exactly that text.
void write_if_changed(const fs::path& path, const std::string& text) {
  if (file_exists(path)) {
    try {
      if (read_text(path) == text) return;
    } catch (const Error&) {
    }
  }
  io::write_file_atomic(path, text);
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
// directory must agree on them (threads, device and the extra arms may differ).
json identity(const ReproduceOptions& o) {
  json j = to_json(o);
  j.erase("threads");
  j.erase("device");
  j.erase("also");
  j.erase("out_dir");
  j.erase("png");
  j.erase("min_decades");
  j.erase("min_tail");
  return j;
}

// ---------------------------------------------------------------------------------------------
// Training

train::TrainOptions base_train_options(const ReproduceOptions& o) {
  train::TrainOptions t;
  t.data = o.data;
  t.hidden_sizes = o.hidden_sizes;
  t.activation = o.activation;
  t.lr = o.lr;
  t.batch_size = o.batch_size;
  t.epochs = o.epochs;
  t.max_steps = o.max_steps;
  t.seed = o.seed;
  t.device = o.device;
  t.threads = o.threads;
  return t;
}

// Trains into t.out_dir, resuming its checkpoint when there is one (a complete run returns its
// history without training).
train::TrainResult train_or_resume(train::TrainOptions t, const std::string& name,
                                   const ReproduceCallbacks& cb) {
  const fs::path ckpt = fs::path(t.out_dir) / "checkpoint" / "state.json";
  if (file_exists(ckpt)) t.resume = t.out_dir;
  train::TrainCallbacks tc;
  tc.on_start = [&](const json&) {
    if (!t.resume.empty())
      log(cb, fmt::format("train {}: resuming {}", name, t.out_dir));
    else
      log(cb, fmt::format("train {}: {} epochs into {}", name, t.epochs, t.out_dir));
  };
  if (cb.on_step) tc.on_step = [&](const train::StepInfo& s) { cb.on_step(name, s); };
  tc.on_epoch = [&](const train::EpochMetrics& m) {
    log(cb, fmt::format("train {}: epoch {}/{}{}: loss {:.4f} (data {:.4f}), test accuracy "
                        "{:.4f}, {:.0f} samples/s",
                        name, m.epoch, t.epochs, m.complete ? "" : " (partial)", m.train_loss,
                        m.data_loss, m.test_accuracy, m.samples_per_s));
  };
  try {
    train::TrainResult r = train::train(t, tc);
    CRITNET_CHECK_AS(Error, !r.history.empty(), "train ", name, ": no epoch was trained");
    return r;
  } catch (const Interrupted& e) {  // the arm's checkpoint is written: the rerun resumes it
    throw Interrupted(e.signal(), fmt::format("interrupted by {} while training {}; its checkpoint "
                                              "is in {}/checkpoint: run the same reproduce "
                                              "command again to continue",
                                              signal_name(e.signal()), name, t.out_dir));
  }
}

reg::RegularizerOptions arm_regularizer(const std::string& arm, double beta, double strength) {
  reg::RegularizerOptions r;
  if (arm == "baseline") return r;
  const std::string preset = arm == "critical" ? "paper" : arm;
  r.preset(reg::parse_preset(preset)).beta(beta).strength(strength);
  r.validate();
  return r;
}

std::string arm_preset(const std::string& arm) {
  if (arm == "baseline") return "none";
  if (arm == "critical") return "paper";
  return arm;
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
    tb.reg = arm_regularizer("critical", beta, o.strength);
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

// Rank data: values sorted descending against 1..n.
void write_rank_csv(const fs::path& path, std::vector<double> values) {
  std::sort(values.begin(), values.end(), std::greater<double>());
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) ranks[i] = static_cast<double>(i + 1);
  report::write_csv(path, {"rank", "value"}, {ranks, values});
}

// Log-binned density of positive values (normalised over all of them).
void write_density_csv(const fs::path& path, const std::vector<double>& values) {
  std::vector<double> x, d;
  if (!values.empty()) {
    const analysis::LogHistogram h = analysis::log_binned_histogram(values, 10);
    for (std::size_t i = 0; i < h.centers.size(); ++i) {
      if (h.counts[i] <= 0) continue;
      x.push_back(h.centers[i]);
      d.push_back(h.density[i]);
    }
  }
  report::write_csv(path, {"x", "density"}, {x, d});
}

// The two-point function r(d) averaged (weighted by the number of pairs) over bins of the
// separation: every d up to 10, then 20 bins per decade. The raw r(d) is in the probe's
// layer{L}_two_point.csv; the fits use it.
void write_binned_two_point(const fs::path& path, const probe::TwoPointFunction& tp) {
  std::vector<double> x, y;
  std::size_t i = 0;
  const std::size_t n = tp.separation.size();
  while (i < n) {
    const double d0 = static_cast<double>(tp.separation[i]);
    const double upper = d0 <= 10 ? d0 : d0 * std::pow(10.0, 1.0 / 20.0);
    double sw = 0, swx = 0, swy = 0;
    std::size_t k = i;
    for (; k < n && (k == i || static_cast<double>(tp.separation[k]) < upper); ++k) {
      const double w = static_cast<double>(tp.pairs[k]);
      if (!std::isfinite(tp.mean_r[k]) || w <= 0) continue;
      sw += w;
      swx += w * static_cast<double>(tp.separation[k]);
      swy += w * tp.mean_r[k];
    }
    if (sw > 0) {
      x.push_back(swx / sw);
      y.push_back(swy / sw);
    }
    i = k;
  }
  report::write_csv(path, {"distance", "correlation"}, {x, y});
}

// CCDF P(X >= x) of positive values at each distinct value.
void write_ccdf_csv(const fs::path& path, const std::vector<double>& values) {
  analysis::Curve c;
  if (!values.empty()) c = analysis::ccdf(values);
  report::write_csv(path, {"x", "ccdf"}, {c.x, c.y});
}

std::string layer_name(int64_t l) {
  return std::to_string(l + 1);
}

// Probes one arm into probe_dir and returns probe.json (with "results": the arm's entries of
// results.json, csv paths relative to run_dir).
json probe_arm(const ReproduceOptions& o, const std::string& arm, const fs::path& run_dir,
               double beta, const ReproduceCallbacks& cb) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path arm_dir = run_dir / "arms" / arm;
  const fs::path dir = run_dir / "probe" / arm;
  const fs::path mdir = dir / "measures";
  make_dirs(mdir);

  train::LoadedModel loaded = train::load_model(arm_dir.string());
  data::DataSpec spec = train::data_spec_from_config(loaded.config);
  if (o.probe_limit > 0) spec.test_limit = o.probe_limit;
  const data::DataSplits splits = data::load_data(spec);
  const torch::Tensor inputs = splits.test.inputs;
  const int64_t n = inputs.size(0);
  log(cb, fmt::format("probe {}: streaming {} test samples through {} hidden layers", arm, n,
                      loaded.model->num_hidden()));

  probe::ProbeOptions po;
  po.threshold(0.0).subset_size(o.subset_size).num_subsets(1).seed(o.seed).beta(beta);
  po.validate();
  const torch::Device device = resolve_device(o.device);
  loaded.model->to(device);
  probe::Probe pr(loaded.model, po);
  const int64_t bs = 500;
  for (int64_t s = 0; s < n; s += bs)
    pr.observe(inputs.slice(0, s, std::min(s + bs, n)).to(device));
  const probe::ProbeResult result = pr.finish();
  const std::vector<std::string> csvs = probe::write_csvs(result, dir.string());

  analysis::FitOptions fo;
  fo.bootstrap = o.bootstrap;
  fo.seed = o.seed;
  fo.threads = o.threads;
  fo.max_candidates = static_cast<std::size_t>(o.max_candidates);

  json results = json::array();
  json fits = json::array();
  auto rel = [&](const fs::path& p) { return fs::relative(p, run_dir).generic_string(); };
  // Adds one results.json entry with the CSN fit of d (fit x_min scaled by `scale` when the
  // plotted values are scale·values).
  auto add_fit = [&](const std::string& measure, const json& layer, const fs::path& csv,
                     const probe::Distribution& d, double scale) {
    json e = {{"measure", measure}, {"layer", layer}, {"csv", rel(csv)}};
    log(cb, fmt::format("probe {}: layer {}: fitting {} ({} values)", arm,
                        layer.is_string() ? layer.get<std::string>() : layer.dump(), measure,
                        d.values.size()));
    analysis::FitOptions fod = fo;
    fod.min_tail = std::max<std::size_t>(
        5, static_cast<std::size_t>(
               std::ceil(o.min_tail_fraction * static_cast<double>(d.values.size()))));
    const probe::FittedDistribution f = probe::fit_distribution(d, fod);
    json fj = probe::to_json(f);
    fj["layer"] = layer;
    fj["report_measure"] = measure;
    fj["min_tail"] = fod.min_tail;
    if (f.ok) {
      json fit = analysis::to_json(f.fit);
      if (scale != 1.0) {
        fit["xmin"] = f.fit.xmin * scale;
        fit["xmin_note"] = fmt::format(
            "x_min of the fit of the eigenvalues s² of w, times a = {:g} (α, KS, p and the "
            "likelihood ratios do not depend on the scale)",
            scale);
      }
      e["fit"] = fit;
    } else {
      e["fit_error"] = f.error;
    }
    fits.push_back(fj);
    results.push_back(e);
  };

  for (const auto& layer : result.layers) {
    const std::string L = layer_name(layer.layer);
    const json lj = static_cast<int64_t>(layer.layer + 1);
    for (const auto& d : probe::layer_distributions(layer)) {
      if (d.measure == "activation_frequency") {
        std::vector<double> counts(layer.activation_counts.begin(), layer.activation_counts.end());
        const fs::path csv = mdir / ("activation_frequency_l" + L + ".csv");
        write_rank_csv(csv, counts);
        add_fit("activation_frequency", lj, csv, d, 1.0);
      } else if (d.measure == "subset_pattern_counts" && d.subset == 0) {
        const fs::path csv = mdir / ("activation_pattern_l" + L + ".csv");
        write_rank_csv(csv, d.values);
        add_fit("activation_pattern", lj, csv, d, 1.0);
      } else if (d.measure == "sample_mean") {
        const fs::path csv = mdir / ("average_activation_l" + L + ".csv");
        write_rank_csv(csv, layer.sample_means);
        add_fit("average_activation", lj, csv, d, 1.0);
      } else if (d.measure == "out_degree_abs") {
        const fs::path csv = mdir / ("weighted_degree_l" + L + ".csv");
        write_ccdf_csv(csv, d.values);
        write_density_csv(mdir / ("weighted_degree_density_l" + L + ".csv"), d.values);
        add_fit("weighted_degree", lj, csv, d, 1.0);
      } else if (d.measure == "eigenvalues") {
        const double a = layer.spectrum.a;
        std::vector<double> scaled(d.values);
        for (double& v : scaled) v *= a;
        const fs::path csv = mdir / ("spectrum_l" + L + ".csv");
        write_ccdf_csv(csv, scaled);
        write_density_csv(mdir / ("spectrum_density_l" + L + ".csv"), scaled);
        add_fit("spectrum", lj, csv, d, a);
      }
    }
    // Two-point function: the correlation coefficient r(d) in the seriated order, with the
    // probe's least-squares decay fits drawn over it.
    const probe::TwoPointFunction& tp = layer.seriated;
    const fs::path csv = mdir / ("two_point_l" + L + ".csv");
    write_binned_two_point(csv, tp);
    json e = {{"measure", "two_point"}, {"layer", lj}, {"csv", rel(csv)}};
    const probe::DecayFit& f = tp.fit_r;
    if (f.ok) {
      const int64_t m = static_cast<int64_t>(tp.separation.size()) + 1;
      const double x_to = std::max(2.0, std::floor(po.fit_max_separation() * m));
      e["fit_error"] = fmt::format(
          "no CSN test (least-squares decay fits, descriptive): {} fits better, RSS ratio {:.3g}",
          f.better, f.rss_ratio);
      e["curves"] =
          json::array({{{"model", "power_law"},
                        {"c", f.power_amplitude},
                        {"exponent", f.eta},
                        {"x_from", 1},
                        {"x_to", x_to},
                        {"label", fmt::format("η = {:.3g} (R² {:.2f})", f.eta, f.power_r2)}},
                       {{"model", "exponential"},
                        {"c", f.exp_amplitude},
                        {"xi", f.xi},
                        {"x_from", 1},
                        {"x_to", x_to},
                        {"label", fmt::format("ξ = {:.3g} (R² {:.2f})", f.xi, f.exp_r2)}}});
    } else {
      e["fit_error"] = "too few positive points for the decay fits";
    }
    results.push_back(e);
  }
  {
    const probe::Distribution d = probe::pooled_activation_frequency(result);
    std::vector<double> counts;
    for (const auto& layer : result.layers)
      counts.insert(counts.end(), layer.activation_counts.begin(), layer.activation_counts.end());
    const fs::path csv = mdir / "activation_frequency_pooled.csv";
    write_rank_csv(csv, counts);
    add_fit("activation_frequency", "pooled", csv, d, 1.0);
  }

  json layers = json::array();
  for (const auto& layer : result.layers) layers.push_back(probe::layer_summary(layer));
  const RuntimeInfo rt = runtime_info();
  json j = {{"arm", arm},
            {"critnet", rt.critnet_version},
            {"libtorch", rt.torch_version},
            {"checkpoint", rel(arm_dir)},
            {"epoch", loaded.epoch},
            {"data", data::describe(splits)},
            {"split", "test"},
            {"num_samples", n},
            {"options", probe::options_json(po)},
            {"fit_options",
             {{"bootstrap", o.bootstrap}, {"seed", o.seed}, {"max_candidates", o.max_candidates}}},
            {"layers", layers},
            {"fits", fits},
            {"csv_files", csvs},
            {"results", results},
            {"seconds", seconds_since(t0)}};
  io::write_file_atomic(dir / "probe.json", j.dump(1) + "\n");
  log(cb, fmt::format("probe {}: done in {:.1f} s", arm, seconds_since(t0)));
  return j;
}

// The training curve of an arm as CSV: epoch, train loss (data + penalty), train
// cross-entropy, test loss, test accuracy.
void write_training_curve(const fs::path& path, const std::vector<train::EpochMetrics>& history) {
  std::vector<double> epoch, loss, data_loss, test_loss, acc;
  for (const auto& m : history) {
    epoch.push_back(static_cast<double>(m.epoch));
    loss.push_back(m.train_loss);
    data_loss.push_back(m.data_loss);
    test_loss.push_back(m.test_loss);
    acc.push_back(m.test_accuracy);
  }
  report::write_csv(path,
                    {"epoch", "train loss", "train cross-entropy", "test loss", "test accuracy"},
                    {epoch, loss, data_loss, test_loss, acc});
}

}  // namespace

// ---------------------------------------------------------------------------------------------

void ReproduceOptions::validate() const {
  CRITNET_CHECK(!hidden_sizes.empty(), "hidden sizes must not be empty");
  for (auto h : hidden_sizes) CRITNET_CHECK(h >= 1, "hidden sizes must be >= 1, got ", h);
  CRITNET_CHECK(epochs >= 1, "epochs must be >= 1, got ", epochs);
  CRITNET_CHECK(max_steps >= 0, "max steps must be >= 0, got ", max_steps);
  CRITNET_CHECK(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
  CRITNET_CHECK(std::isfinite(lr) && lr > 0, "learning rate must be > 0, got ", lr);
  CRITNET_CHECK(std::isfinite(strength) && strength > 0, "strength λ must be > 0, got ", strength);
  // The critical arm pulls a·λ toward 1 (a = β/N): there is no such point for β <= 0.
  if (beta)
    CRITNET_CHECK(std::isfinite(*beta) && *beta > 0, "beta must be finite and > 0, got ", *beta);
  for (const auto& a : also) {
    CRITNET_CHECK(std::find(kExtraArms.begin(), kExtraArms.end(), a) != kExtraArms.end(),
                  "unknown extra arm '", a, "' (choose from cw, l2, l1, paper-eq33)");
  }
  for (std::size_t i = 0; i < also.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      CRITNET_CHECK(also[i] != also[k], "extra arm '", also[i], "' given twice");
  CRITNET_CHECK(!sweep_factors.empty() || beta.has_value(),
                "the β sweep needs at least one factor (or give β)");
  for (double f : sweep_factors)
    CRITNET_CHECK(std::isfinite(f) && f > 0, "sweep factors must be finite and > 0, got ", f);
  CRITNET_CHECK(sweep_epochs >= 1, "sweep epochs must be >= 1, got ", sweep_epochs);
  CRITNET_CHECK(sweep_train_limit >= 0, "sweep train limit must be >= 0, got ", sweep_train_limit);
  CRITNET_CHECK(sweep_max_steps >= 0, "sweep max steps must be >= 0, got ", sweep_max_steps);
  CRITNET_CHECK(std::isfinite(sweep_tolerance) && sweep_tolerance >= 0 && sweep_tolerance <= 1,
                "sweep tolerance must be in [0, 1], got ", sweep_tolerance);
  CRITNET_CHECK(probe_limit >= 0, "probe limit must be >= 0, got ", probe_limit);
  CRITNET_CHECK(bootstrap >= 0, "bootstrap replicates must be >= 0, got ", bootstrap);
  CRITNET_CHECK(max_candidates >= 0, "max candidates must be >= 0, got ", max_candidates);
  CRITNET_CHECK(std::isfinite(min_tail_fraction) && min_tail_fraction >= 0 && min_tail_fraction < 1,
                "min tail fraction must be in [0, 1), got ", min_tail_fraction);
  CRITNET_CHECK(subset_size >= 1 && subset_size <= 64, "subset size must be in 1..64, got ",
                subset_size);
  rule.validate();
  check_threads(threads);
  CRITNET_CHECK(!out_dir.empty(), "the output directory must not be empty");
}

void apply_full(ReproduceOptions& o) {
  o.data.train_limit = 0;
  o.data.test_limit = 0;
  o.epochs = 20;
  o.sweep_epochs = 1;
  o.sweep_train_limit = 0;
  o.probe_limit = 0;
  o.bootstrap = 1000;
  o.max_candidates = 0;
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
            {"device", o.device},
            {"threads", o.threads},
            {"also", o.also},
            {"strength", o.strength},
            {"beta", o.beta ? json(*o.beta) : json(nullptr)},
            {"sweep_factors", o.sweep_factors},
            {"sweep_epochs", o.sweep_epochs},
            {"sweep_train_limit", o.sweep_train_limit},
            {"sweep_max_steps", o.sweep_max_steps},
            {"sweep_tolerance", o.sweep_tolerance},
            {"probe_limit", o.probe_limit},
            {"bootstrap", o.bootstrap},
            {"max_candidates", o.max_candidates},
            {"subset_size", o.subset_size},
            {"min_tail_fraction", o.min_tail_fraction},
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

ReproduceResult reproduce(const ReproduceOptions& options, const ReproduceCallbacks& cb) {
  options.validate();
  const auto t0 = std::chrono::steady_clock::now();
  set_threads(options.threads);
  const fs::path run_dir = fs::absolute(options.out_dir).lexically_normal();
  const io::RunLock lock(run_dir, "critnet reproduce");  // one writer per run directory
  io::remove_stale_temp_files(run_dir);

  // A rerun into the same directory continues it; it must have been started with the same
  // options.
  const fs::path config_path = run_dir / "config.json";
  if (file_exists(config_path)) {
    const json saved = read_json(config_path);
    CRITNET_CHECK_DATA(saved.contains("options"), config_path.string(),
                       ": not a critnet reproduce config (no \"options\")");
    json a = saved.at("options");
    for (const char* k : {"threads", "device", "also", "out_dir", "png", "min_decades", "min_tail"})
      a.erase(k);
    const json b = identity(options);
    if (a != b) {
      std::string diff;
      for (auto it = b.begin(); it != b.end(); ++it) {
        if (!a.contains(it.key()) || a[it.key()] != it.value())
          diff +=
              fmt::format(" {} ({} before, {} now);", it.key(),
                          a.contains(it.key()) ? a[it.key()].dump() : "unset", it.value().dump());
      }
      throw InvalidArgument(fmt::format(
          "{} holds a reproduce run with other options:{} continue it with the same options or "
          "choose another --out",
          run_dir.string(), diff));
    }
    log(cb, fmt::format("continuing the run in {}", run_dir.string()));
  }

  // The data's input size decides N₁ of the sweep; loading also checks the data early.
  log(cb, fmt::format("data: loading {}", options.data.source));
  const data::DataSplits splits = data::load_data(options.data);
  const int64_t input_size = splits.train.input_size();
  const json data_description = data::describe(splits);
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
  const reg::RegularizerOptions paper_reg = arm_regularizer("critical", out.beta, options.strength);
  if (auto w = reg::warning(paper_reg)) log(cb, "warning: " + *w);

  std::vector<std::string> arms = {"baseline", "critical"};
  arms.insert(arms.end(), options.also.begin(), options.also.end());

  // The resolved configuration, beside the outputs.
  const RuntimeInfo rt = runtime_info();
  json config = {
      {"command", "critnet reproduce"},
      {"options", to_json(options)},
      {"arms", json::array()},
      {"beta", out.beta},
      {"beta_choice", out.beta_choice},
      {"sweep", sweep},
      {"data", data_description},
      {"model",
       {{"input_size", input_size},
        {"output_size", splits.train.num_classes},
        {"hidden", options.hidden_sizes},
        {"activation", nn::to_string(options.activation)}}},
      {"probe",
       {{"split", "test"},
        {"samples", options.probe_limit > 0 ? std::min(options.probe_limit, splits.test.size())
                                            : splits.test.size()},
        {"bootstrap", options.bootstrap},
        {"max_candidates", options.max_candidates},
        {"subset_size", options.subset_size},
        {"min_tail_fraction", options.min_tail_fraction},
        {"threshold", 0.0},
        {"spectrum", fmt::format("eigenvalues of a·w, w = VᵀV, a = β/N with N the layer's fan-in, "
                                 "β = {:g} for every arm",
                                 out.beta)}}},
      {"versions",
       {{"critnet", rt.critnet_version},
        {"libtorch", rt.torch_version},
        {"blas", rt.blas_kind},
        {"threads", rt.num_threads},
        {"hardware_threads", rt.hardware_threads},
        {"cuda_devices", rt.cuda_devices}}}};
  for (const auto& a : arms) {
    json rj = arm_regularizer(a, out.beta, options.strength).enabled()
                  ? json{{"name", a},
                         {"preset", arm_preset(a)},
                         {"beta", out.beta},
                         {"strength", options.strength}}
                  : json{{"name", a}, {"preset", "none"}};
    config["arms"].push_back(rj);
  }
  write_if_changed(config_path, config.dump(2) + "\n");

  // Stage 2: train every arm (identical seed, so identical initialisation and data order).
  std::vector<train::TrainResult> trained;
  make_dirs(run_dir / "train");
  for (const auto& a : arms) {
    train::TrainOptions t = base_train_options(options);
    t.reg = arm_regularizer(a, out.beta, options.strength);
    t.out_dir = (run_dir / "arms" / a).string();
    trained.push_back(train_or_resume(t, a, cb));
    write_training_curve(run_dir / "train" / (a + ".csv"), trained.back().history);
    out.arms.push_back({a, arm_preset(a), trained.back().history.back().test_accuracy});
  }

  // Stage 3: probe every arm.
  std::vector<json> probes;
  for (const auto& a : arms) {
    const fs::path file = run_dir / "probe" / a / "probe.json";
    if (file_exists(file)) {
      log(cb, fmt::format("probe {}: done before, skipped", a));
      probes.push_back(read_json(file));
    } else {
      probes.push_back(probe_arm(options, a, run_dir, out.beta, cb));
    }
  }

  // Stage 4: results.json and the report.
  const std::string act = nn::to_string(options.activation);
  json results = {
      {"schema", report::kResultsSchema},
      {"title", fmt::format("critnet reproduce: {}, {}, {}", pretty_data_name(splits.name),
                            act == "relu"  ? "ReLU"
                            : act == "elu" ? "eLU"
                                           : act,
                            join(options.hidden_sizes, "-"))},
      {"config", config},
      {"baseline_arm", "baseline"},
      {"measures",
       json::array(
           {{{"id", "activation_pattern"},
             {"caption",
              fmt::format("How often each distinct binary activation pattern (codeword) of a "
                          "random subset of {} units of the layer occurs on the probed samples, "
                          "against its rank: the Zipf plot of the population code (Mora & Bialek "
                          "2011). Whole-layer patterns are nearly all distinct; their statistics "
                          "are in probe/ARM/probe.json.",
                          options.subset_size)}},
            {{"id", "average_activation"},
             {"caption",
              "The layer's mean activation m_l(s) = mean_i x_i(s) on each probed sample, sorted in "
              "descending order and plotted against its rank (paper Fig. 5-6)."}},
            {{"id", "two_point"},
             {"y_label", "mean correlation coefficient r(d)"},
             {"caption",
              "Mean correlation coefficient r_kl of unit activations against the separation "
              "d = |k - l| of the units in the spectral-seriation order (units with correlated "
              "activity placed near each other; constant units left out), averaged over bins of "
              "d (every d up to 10, then 20 bins per decade), with the least-squares fits to the "
              "unbinned r(d) over d <= half the units (paper eq. 31, 62-65): short dashes the "
              "power law A·d^-η, dash-dots the exponential A·e^(-d/ξ); η, ξ and R² in the key. "
              "Negative means are not drawn on the log axis."}},
            {{"id", "weighted_degree"},
             {"kind", "ccdf"},
             {"x", "x"},
             {"y", "ccdf"},
             {"y_label", "P(out-degree >= x)"},
             {"caption",
              "Complementary distribution P(d >= x) of the nodes' weighted out-degree "
              "d_i = sum_j |V_(l+1)[j,i]| (paper Fig. 7-8 show the density). The CCDF is drawn "
              "instead of a log-binned density because sparse bins (one node each, e.g. dead "
              "units whose weights the penalty shrank to nearly zero) draw a spurious slope -1 "
              "line in a density plot; log-binned densities are in "
              "probe/ARM/measures/weighted_degree_density_lL.csv."}},
            {{"id", "spectrum"},
             {"kind", "ccdf"},
             {"x", "x"},
             {"y", "ccdf"},
             {"y_label", "P(eigenvalue >= x)"},
             {"caption",
              fmt::format("Complementary distribution of the non-zero eigenvalues a·s_i² of a·w, "
                          "w = VᵀV (paper eq. 32), a = β/N with β = {:g} and N the layer's "
                          "fan-in, the same β for every arm; the CW critical point is at 1. "
                          "Log-binned densities are in probe/ARM/measures/spectrum_density_lL.csv.",
                          out.beta)}}})},
      {"arms", json::array()}};
  for (std::size_t i = 0; i < arms.size(); ++i) {
    results["arms"].push_back({{"name", arms[i]},
                               {"test_accuracy", out.arms[i].test_accuracy},
                               {"training_curve", "train/" + arms[i] + ".csv"},
                               {"results", probes[i].at("results")}});
  }
  const fs::path results_path = run_dir / "results.json";
  write_if_changed(results_path, results.dump(1) + "\n");

  const fs::path summary = run_dir / "summary.json";
  const fs::path html = run_dir / "report.html";
  std::error_code ec1, ec2;
  const bool report_fresh =
      file_exists(summary) && file_exists(html) &&
      fs::last_write_time(summary, ec1) >= fs::last_write_time(results_path, ec2) && !ec1 && !ec2;
  if (report_fresh) {
    log(cb, "report: up to date, skipped");
    out.report.html = html;
    out.report.summary_md = run_dir / "summary.md";
    out.report.summary_json = summary;
  } else {
    log(cb, "report: drawing figures and writing report.html, summary.md, summary.json");
    report::ReportOptions ro;
    ro.png = options.png;
    ro.rule = options.rule;
    out.report = report::build_report(run_dir, ro);
  }
  out.config = config;
  log(cb, fmt::format("done in {:.0f} s: {}", seconds_since(t0), out.report.html.string()));
  return out;
}

}  // namespace critnet::experiment
