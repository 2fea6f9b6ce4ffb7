#include "critnet/probe/workflow.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/detail/flush_denormals.h"
#include "critnet/atlas/htsr.h"
#include "critnet/atlas/signal.h"
#include "critnet/core/clock.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"
#include "critnet/core/version.h"
#include "critnet/data/dataset.h"
#include "critnet/probe/fits.h"
#include "critnet/probe/outputs.h"
#include "critnet/probe/probe.h"
#include "critnet/probe/scripted.h"
#include "critnet/train/checkpoint.h"

namespace critnet::probe {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

void log(const ProbeCallbacks& cb, const std::string& line) {
  if (cb.log) cb.log(line);
}

// The checkpoint's model (or the TorchScript module) and the samples of the split to stream.
struct Loaded {
  train::LoadedModel model;
  std::optional<ScriptedModel> script;
  json data;  // data::describe of the splits
  std::string data_name;
  torch::Tensor inputs;

  std::string source(const ProbeCheckpointOptions& o) const {
    return script ? o.script : o.checkpoint;
  }
  int64_t num_layers() const {
    return script ? static_cast<int64_t>(script->layers().size()) : model.model->num_hidden();
  }
  std::vector<int64_t> widths() const {
    if (!script) return model.model->options.hidden_sizes();
    std::vector<int64_t> w;
    for (const auto& layer : script->layers()) w.push_back(layer.incoming.size(0));
    return w;
  }
};

int64_t product(const std::vector<int64_t>& shape) {
  int64_t p = 1;
  for (int64_t d : shape) p *= d;
  return p;
}

Loaded load(const ProbeCheckpointOptions& o) {
  Loaded l;
  data::DataSpec spec;
  if (o.script.empty()) {
    l.model = train::load_model(o.checkpoint);
    spec = train::data_spec_from_config(l.model.config);
  } else {
    l.script.emplace(o.script, o.layers);
  }
  if (!o.data_source.empty()) spec.source = o.data_source;
  if (!o.data_dir.empty()) spec.data_dir = o.data_dir;
  data::LoadedSplit split = data::load_split(spec, o.split, o.limit);
  l.inputs = split.data.inputs;
  const int64_t input_size = split.data.input_size();
  if (l.script) {
    CRITNET_CHECK(o.input_shape.empty() || product(o.input_shape) == input_size, "data ",
                  split.name, " has ", input_size,
                  " inputs per sample, which the input shape does not hold");
  } else {
    CRITNET_CHECK_DATA(input_size == l.model.model->options.input_size(), "data ", split.name,
                       " has ", input_size, " inputs but the model in ", o.checkpoint, " expects ",
                       l.model.model->options.input_size());
  }
  l.data = std::move(split.description);
  l.data_name = std::move(split.name);
  return l;
}

// The probe options: β, gram side and N convention default to the run's regulariser settings.
ProbeOptions resolve_probe_options(const ProbeCheckpointOptions& o, const json& config) {
  ProbeOptions p = o.probe;
  const json reg = config.contains("train") && config["train"].contains("reg")
                       ? config["train"]["reg"]
                       : json::object();
  if (reg.contains("beta")) p.beta(reg["beta"].get<double>());
  if (reg.contains("gram_side")) p.gram_side(parse_gram_side(reg["gram_side"].get<std::string>()));
  if (reg.contains("n_convention"))
    p.n_convention(parse_n_convention(reg["n_convention"].get<std::string>()));
  if (o.beta) p.beta(*o.beta);
  if (o.gram_side) p.gram_side(*o.gram_side);
  if (o.n_convention) p.n_convention(*o.n_convention);
  p.validate();
  return p;
}

void check_subset_size(int64_t k, const std::vector<int64_t>& widths) {
  for (size_t l = 0; l < widths.size(); ++l) {
    CRITNET_CHECK(k <= widths[l], "subset size ", k, " is larger than hidden layer ", l + 1, " (",
                  widths[l], " units)");
  }
}

ProbeResult stream(const ProbeCheckpointOptions& o, Loaded& l, const ProbeOptions& po,
                   const ProbeCallbacks& cb) {
  const torch::Device device = resolve_device(o.device);
  if (l.script) {
    l.script->to(device);
  } else {
    l.model.model->to(device);
  }
  Probe probe = l.script ? Probe(l.script->layers(), po) : Probe(l.model.model, po);
  std::vector<int64_t> shape{-1};
  shape.insert(shape.end(), o.input_shape.begin(), o.input_shape.end());
  const int64_t n = l.inputs.size(0);
  for (int64_t s = 0; s < n; s += o.batch_size) {
    const int64_t end = std::min(s + o.batch_size, n);
    const torch::Tensor x = l.inputs.slice(0, s, end).to(device);
    if (l.script) {
      probe.observe_activations(l.script->forward(o.input_shape.empty() ? x : x.reshape(shape)));
    } else {
      probe.observe(x);
    }
    cb.advance("streaming", end, n, "samples");
  }
  return probe.finish();
}

// The smallest tail a fit of `n` values may choose.
std::size_t min_tail(std::size_t n, const ProbeCheckpointOptions& o) {
  const auto share =
      static_cast<std::size_t>(std::ceil(o.min_tail_fraction * static_cast<double>(n)));
  return std::max(o.fit.min_tail, share);
}

FittedDistribution fit(const Distribution& d, const ProbeCheckpointOptions& o) {
  analysis::FitOptions fo = o.fit;
  fo.min_tail = min_tail(d.values.size(), o);
  return fit_distribution(d, fo);
}

ProbeFits fit_all(const ProbeResult& result, const ProbeCheckpointOptions& o,
                  const ProbeCallbacks& cb) {
  ProbeFits fits;
  fits.layers.resize(result.layers.size());
  if (!o.fits) return fits;
  // Every layer's distributions, built once: their count is the progress total (the pooled
  // distribution is the last).
  std::vector<std::vector<Distribution>> per_layer;
  int64_t total = 1, done = 0;
  for (const auto& layer : result.layers) {
    per_layer.push_back(layer_distributions(layer));
    total += static_cast<int64_t>(per_layer.back().size());
  }
  for (std::size_t i = 0; i < result.layers.size(); ++i) {
    const auto& layer = result.layers[i];
    for (const auto& d : per_layer[i]) {
      cb.say_detail(fmt::format("layer {}: fitting {}{} ({} values)", layer.layer + 1, d.measure,
                                d.subset >= 0 ? fmt::format(" #{}", d.subset) : "",
                                d.values.size()));
      cb.advance("fitting", done++, total, "fits");
      fits.layers[layer.layer].push_back(fit(d, o));
    }
  }
  cb.advance("fitting", done, total, "fits");
  fits.pooled = fit(pooled_activation_frequency(result), o);
  cb.advance("fitting", total, total, "fits");
  return fits;
}

// One fitted distribution in probe.json: to_json(f) and the tail minimum it was fitted with.
json fit_json(const FittedDistribution& f, const ProbeCheckpointOptions& o) {
  json j = to_json(f);
  j["min_tail"] = min_tail(f.distribution.values.size(), o);
  return j;
}

// The HTSR row of a layer's incoming weight (atlas/htsr.h), its tail tested with the probe's
// bootstrap settings (none without fits). Named as the weight's module where the probe knows
// it: critnet's MLP layer l reads linears.l; another model's observed module by its own name.
json htsr_json(const LayerResult& layer, const ProbeCheckpointOptions& o) {
  atlas::HtsrOptions h;
  h.bootstrap = o.fits ? o.fit.bootstrap : 0;
  h.seed = o.fit.seed;
  h.threads = o.fit.threads;
  const std::string name =
      layer.name.empty() ? "linears." + std::to_string(layer.layer) : layer.name;
  const int64_t dim = layer.incoming.dim();
  const std::string type = dim == 2 ? "Linear" : dim == 4 ? "Conv2d" : "Conv";
  return atlas::analyse_layer(name, type, layer.incoming, h).to_json();
}

// The layers of probe.json; `htsr_seconds` receives the time spent on the HTSR rows.
json layers_json(const ProbeResult& result, const ProbeFits& fits, const ProbeCheckpointOptions& o,
                 double& htsr_seconds) {
  json layers = json::array();
  htsr_seconds = 0;
  for (const auto& layer : result.layers) {
    json lj = layer_summary(layer);
    if (layer.incoming.defined()) {
      const auto t = Clock::now();
      lj["htsr"] = htsr_json(layer, o);
      htsr_seconds += seconds_since(t);
    }
    lj["fits"] = json::array();
    for (const auto& f : fits.layers[layer.layer]) lj["fits"].push_back(fit_json(f, o));
    layers.push_back(lj);
  }
  return layers;
}

json fit_options_json(const ProbeCheckpointOptions& o) {
  return {{"enabled", o.fits},
          {"bootstrap", o.fit.bootstrap},
          {"seed", o.fit.seed},
          {"max_candidates", o.fit.max_candidates},
          {"min_tail", o.fit.min_tail},
          {"min_tail_fraction", o.min_tail_fraction},
          {"significance", o.fit.significance}};
}

json document(const ProbeCheckpointOptions& o, const ProbeResult& result, const ProbeFits& fits,
              double& htsr_seconds) {
  const RuntimeInfo rt = runtime_info();
  json j = {{"schema", kProbeSchema},
            {"critnet", version()},
            {"libtorch", rt.torch_version},
            {"num_samples", result.num_samples},
            {"options", options_json(result.options)},
            {"fit_options", fit_options_json(o)},
            {"memory_note",
             "accumulators hold O(width^2) float64 state per layer, one float64 per sample "
             "(m_l(s)) and one entry per distinct pattern (capped by max_patterns); activations "
             "are not stored"},
            {"layers", layers_json(result, fits, o, htsr_seconds)}};
  j["pooled"] = json::object();
  if (o.fits) j["pooled"]["activation_frequency"] = fit_json(fits.pooled, o);
  return j;
}

// What probe_checkpoint probed: the checkpoint or model, the data, the split (and epoch).
json source_json(const ProbeCheckpointOptions& o, const Loaded& l) {
  json j = {{l.script ? "model" : "checkpoint", l.source(o)}, {"data", l.data}, {"split", o.split}};
  if (!l.script) j["epoch"] = l.model.epoch;
  return j;
}

}  // namespace

void ProbeCheckpointOptions::validate() const {
  CRITNET_CHECK(checkpoint.empty() != script.empty(),
                "probe either a checkpoint or a TorchScript model, not ",
                checkpoint.empty() ? "neither" : "both");
  CRITNET_CHECK(script.empty() || !data_source.empty(),
                "a TorchScript model needs the data to probe it on (--data)");
  CRITNET_CHECK(!script.empty() || (layers.empty() && input_shape.empty()),
                "--layers and --input-shape are for a TorchScript model (--model)");
  for (int64_t d : input_shape) CRITNET_CHECK(d >= 1, "input shape entries must be >= 1, got ", d);
  CRITNET_CHECK(split == "train" || split == "test", "split must be train or test, got '", split,
                "'");
  CRITNET_CHECK(limit >= 0, "limit must be >= 0, got ", limit);
  CRITNET_CHECK(batch_size >= 1 && batch_size <= kMaxBatchSize, "batch size must be in 1..",
                kMaxBatchSize, ", got ", batch_size);
  CRITNET_CHECK(!out_dir.empty(), "the output directory must not be empty");
  validate_fit_settings();
  probe.validate();
}

void ProbeCheckpointOptions::validate_fit_settings() const {
  CRITNET_CHECK(std::isfinite(min_tail_fraction) && min_tail_fraction >= 0 && min_tail_fraction < 1,
                "min tail fraction must be in [0, 1), got ", min_tail_fraction);
  CRITNET_CHECK(fit.bootstrap >= 0 && fit.bootstrap <= kMaxBootstrap,
                "bootstrap replicates must be in 0..", kMaxBootstrap, ", got ", fit.bootstrap);
  check_threads(fit.threads, "threads");
}

ProbeDocument fit_and_document(const ProbeResult& result, const ProbeCheckpointOptions& o,
                               const json& source, const ProbeCallbacks& cb) {
  CRITNET_CHECK(source.is_object(), "the probe's source description must be a JSON object");
  CRITNET_CHECK(
      std::isfinite(o.min_tail_fraction) && o.min_tail_fraction >= 0 && o.min_tail_fraction < 1,
      "min tail fraction must be in [0, 1), got ", o.min_tail_fraction);
  CRITNET_CHECK(o.fit.bootstrap >= 0, "bootstrap replicates must be >= 0, got ", o.fit.bootstrap);
  ProbeDocument out;
  out.fits = fit_all(result, o, cb);
  out.document = document(o, result, out.fits, out.htsr_seconds);
  out.document.update(source);
  return out;
}

std::vector<std::string> write_probe_directory(const ProbeCheckpointOptions& o,
                                               const ProbeResult& result, const ProbeFits& fits,
                                               json& document) {
  CRITNET_CHECK(!o.out_dir.empty(), "the output directory must not be empty");
  const auto t0 = Clock::now();
  const fs::path out(o.out_dir);
  io::create_directories(out);
  std::vector<std::string> files;
  if (o.raw_csvs) files = probe::write_csvs(result, out.string());
  fs::path measures;
  if (o.measure_csvs) {
    measures = out / "measures";
    io::create_directories(measures);
    io::remove_stale_temp_files(measures);
  }
  document["csv_files"] = files;
  document["results"] = report_measures(result, fits, measures, "measures/");
  for (const auto& e : document["results"])
    if (e.contains("csv")) files.push_back(e["csv"].get<std::string>());
  if (document.contains("seconds") && document["seconds"].is_object()) {
    json& seconds = document["seconds"];
    seconds["write"] = seconds_since(t0);
    seconds["total"] = seconds.value("total", 0.0) + seconds["write"].get<double>();
  }
  io::write_file_atomic(out / "probe.json", document.dump(1) + "\n");
  files.push_back("probe.json");
  return files;
}

atlas::SignalOptions signal_options(const ProbeCheckpointOptions& o) {
  atlas::SignalOptions so;
  so.bootstrap = o.fits ? o.fit.bootstrap : 0;
  so.seed = o.fit.seed;
  so.batch_size = o.batch_size;
  return so;
}

// The edge of chaos measured (atlas/signal.h) over the probed inputs: exactly on critnet's MLP
// (a chain of Linear layers), through autograd on a TorchScript model's weight layers.
atlas::SignalResult measure_signal(const Loaded& l, const ProbeCheckpointOptions& o) {
  atlas::SignalOptions so = signal_options(o);
  if (l.script) {
    const TappedModel tapped = tap_weight_layers(o.script);
    so.activation = tapped.activation;
    std::vector<int64_t> shape{l.inputs.size(0)};
    shape.insert(shape.end(), o.input_shape.begin(), o.input_shape.end());
    return atlas::measure_signal(tapped.forward, tapped.layers,
                                 o.input_shape.empty() ? l.inputs : l.inputs.reshape(shape), so);
  }
  std::vector<torch::Tensor> w, b;
  for (const auto& linear : l.model.model->linears()) {
    w.push_back(linear->weight.detach().to(torch::kCPU));
    b.push_back(linear->bias.defined() ? linear->bias.detach().to(torch::kCPU) : torch::Tensor());
  }
  so.activation = rg::parse_activation(nn::to_string(l.model.model->options.activation()));
  return atlas::measure_signal(w, b, l.inputs, so);
}

// Each probed layer's signal row: the MLP's hidden layer l is Linear l; a TorchScript layer's
// is the weight layer its incoming weight belongs to.
void attach_signal_rows(const Loaded& l, const atlas::SignalResult& signal, json& layers) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const atlas::SignalLayer* row = nullptr;
    if (!l.script && i < signal.layers.size()) row = &signal.layers[i];
    if (l.script && i < l.script->layers().size())
      for (const auto& s : signal.layers)
        if (s.name == l.script->layers()[i].incoming_name) row = &s;
    if (row) layers[i]["signal"] = atlas::SignalResult::row_json(*row);
  }
}

// The signal section of probe.json: on a TorchScript model that cannot be tapped (a weight layer
// called in a loop, an output that is not one tensor) a note, and the probe goes on.
void add_signal(const Loaded& l, const ProbeCheckpointOptions& o, const ProbeCallbacks& cb,
                json& document) {
  std::optional<atlas::SignalResult> signal;
  try {
    signal = measure_signal(l, o);
  } catch (const InvalidArgument& e) {
    if (!l.script) throw;
    log(cb, fmt::format("signal propagation: not measured ({})", e.what()));
    document["signal"] = {{"note", fmt::format("not measured: {}", e.what())}};
    return;
  }
  log(cb, fmt::format("signal propagation: χ₁ per layer ({}), the Jacobian of {} inputs",
                      signal->chi1_probes ? "Hutchinson" : "exact", signal->jacobian.samples));
  document["signal"] = signal->to_json();
  attach_signal_rows(l, *signal, document["layers"]);
}

ProbeOutcome probe_checkpoint(const ProbeCheckpointOptions& o, const ProbeCallbacks& cb) {
  o.validate();
  const auto t0 = Clock::now();
  // One writer per output directory, refused before any work (the directory may be a live
  // training run's).
  const io::RunLock lock(o.out_dir, o.holder);
  const core::detail::FlushDenormals flush;  // a `paper` arm's weights hold subnormals
  Loaded l = load(o);
  if (o.strict_subset_size) check_subset_size(o.probe.subset_size(), l.widths());
  const ProbeOptions po = resolve_probe_options(o, l.model.config);
  json seconds = {{"load", seconds_since(t0)}};

  auto t = Clock::now();
  log(cb, fmt::format("probing {}{} on {} {} ({} samples), {} layers", l.source(o),
                      l.script ? "" : fmt::format(" (epoch {})", l.model.epoch), l.data_name,
                      o.split, l.inputs.size(0), l.num_layers()));
  ProbeOutcome out;
  out.result = stream(o, l, po, cb);
  seconds["stream"] = seconds_since(t);
  t = Clock::now();
  ProbeDocument doc = fit_and_document(out.result, o, source_json(o, l), cb);
  out.fits = std::move(doc.fits);
  out.document = std::move(doc.document);
  seconds["fit"] = seconds_since(t);
  seconds["htsr"] = doc.htsr_seconds;  // part of "fit"

  t = Clock::now();
  add_signal(l, o, cb, out.document);
  seconds["signal"] = seconds_since(t);

  seconds["total"] = seconds_since(t0);
  out.document["seconds"] = seconds;
  out.files = write_probe_directory(o, out.result, out.fits, out.document);
  out.json_path = fs::path(o.out_dir) / "probe.json";
  return out;
}

json atlas_entries(const json& probe_doc) {
  json out = json::array();
  for (const auto& l : probe_doc.at("layers")) {
    json e = {{"layer", l.at("layer")},
              {"cw_distance_median", l.at("spectrum").value("cw_distance_median", json(nullptr))}};
    if (l.contains("htsr")) e["htsr"] = l.at("htsr");
    if (l.contains("signal")) e["signal"] = l.at("signal");
    out.push_back(std::move(e));
  }
  return out;
}

json atlas_network(const json& probe_doc) {
  if (!probe_doc.contains("signal") || !probe_doc.at("signal").contains("jacobian")) return nullptr;
  const json& s = probe_doc.at("signal");
  return {{"chi1_geometric_mean", s.value("chi1_geometric_mean", json(nullptr))},
          {"phase", s.value("phase", json(nullptr))},
          {"jacobian", s.at("jacobian")}};
}

bool probe_complete(const fs::path& probe_json) {
  std::error_code ec;
  if (!fs::exists(probe_json, ec)) return false;
  try {
    const json j = io::read_json_file(probe_json);
    return j.is_object() && j.value("schema", "") == kProbeSchema;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace critnet::probe
