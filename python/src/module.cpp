// critnet._critnet: the pybind11 extension under the Python package critnet (python/critnet).
// It binds library calls and adds no logic of its own (docs/python.md): the penalty's value and
// analytic gradient, the CSN analysis with its verdict, the RG analysis of a layer, and the
// library's error types as Python exceptions with the same one-line messages. Documents cross
// as Python objects (dict, list, float, ...; pybind11_json converts nlohmann::json), never as
// JSON text; _critnet.pyi beside the package has the signatures.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <torch/extension.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <pybind11_json/pybind11_json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "critnet/analysis/column_reader.h"
#include "critnet/atlas/htsr.h"
#include "critnet/atlas/signal.h"
#include "critnet/core/coupling.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"
#include "critnet/core/version.h"
#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"
#include "critnet/probe/layers.h"
#include "critnet/probe/probe.h"
#include "critnet/probe/recipe.h"
#include "critnet/probe/workflow.h"
#include "critnet/regularizers/critical.h"
#include "critnet/report/fit_report.h"
#include "critnet/report/results.h"
#include "critnet/report/verdict.h"
#include "critnet/rg/couplings.h"
#include "critnet/rg/edge.h"
#include "critnet/rg/flow.h"
#include "critnet/rg/gaussian.h"
#include "critnet/rg/meanfield.h"
#include "critnet/train/checkpoint.h"
#include "critnet/train/penalty_schedule.h"

namespace py = pybind11;

namespace critnet::python {
namespace {

// A document for Python as its JSON file holds it: a non-finite number is null (None), as
// nlohmann::json writes it; the rest converted by pybind11_json.
void null_non_finite(nlohmann::json& j) {
  if (j.is_number_float() && !std::isfinite(j.get<double>())) {
    j = nullptr;
  } else if (j.is_structured()) {
    for (auto& v : j) null_non_finite(v);
  }
}

py::object document(nlohmann::json j) {
  null_non_finite(j);
  return pyjson::from_json(j);
}

// Runs `work` (which returns a document) without the GIL, then converts its document with it.
template <class Work>
py::object document_without_gil(Work&& work) {
  nlohmann::json out;
  {
    py::gil_scoped_release no_gil;
    out = work();
  }
  return document(std::move(out));
}

reg::PenaltyOptions penalty_options(const std::string& preset, double beta, const std::string& side,
                                    const std::string& n, const std::vector<double>& coefficients,
                                    int64_t probes) {
  return reg::PenaltyOptions()
      .preset(reg::parse_preset(preset))
      .beta(beta)
      .gram_side(parse_gram_side(side))
      .n_convention(parse_n_convention(n))
      .coefficients(coefficients)
      .probes(probes);
}

// R(V) and ∇R(V) of a weight of any shape (conv weights through reg::weight_matrix), without
// autograd: the forward of critnet.penalty's autograd Function.
std::pair<torch::Tensor, torch::Tensor> penalty_and_gradient(
    const torch::Tensor& weight, const std::string& preset, double beta, const std::string& side,
    const std::string& n, const std::vector<double>& coefficients, int64_t probes) {
  const auto options = penalty_options(preset, beta, side, n, coefficients, probes);
  const torch::Tensor v = reg::weight_matrix(weight.detach());
  torch::Tensor grad = torch::zeros_like(v, torch::MemoryFormat::Contiguous);
  py::gil_scoped_release no_gil;
  torch::Tensor value = reg::penalty_add_gradient(v, options, grad, 1.0);
  return {value, grad.view(weight.sizes())};
}

// R(V) alone (no gradient requested).
torch::Tensor penalty_value(const torch::Tensor& weight, const std::string& preset, double beta,
                            const std::string& side, const std::string& n,
                            const std::vector<double>& coefficients, int64_t probes) {
  const auto options = penalty_options(preset, beta, side, n, coefficients, probes);
  const torch::Tensor v = reg::weight_matrix(weight.detach());
  py::gil_scoped_release no_gil;
  torch::NoGradGuard no_grad;
  return reg::penalty(v, options);
}

// Validates a regulariser's options (penalty and schedule) with the library's own checks and
// returns reg::warning() (e.g. paper with beta > 0), or None.
std::optional<std::string> check_regularizer(const std::string& preset, double beta,
                                             double strength, const std::string& side,
                                             const std::string& n,
                                             const std::vector<double>& coefficients,
                                             int64_t interval, int64_t probes) {
  const train::PenaltySchedule schedule =
      train::PenaltySchedule(penalty_options(preset, beta, side, n, coefficients, probes), strength)
          .interval(interval);
  schedule.validate();
  return reg::warning(schedule.penalty());
}

// The literal formula with autograd through the full Gram matrix (reference and benchmark).
torch::Tensor penalty_naive(const torch::Tensor& weight, const std::string& preset, double beta,
                            const std::string& side, const std::string& n,
                            const std::vector<double>& coefficients) {
  const auto options = penalty_options(preset, beta, side, n, coefficients, 0);
  return reg::penalty_naive(reg::weight_matrix(weight), options);
}

// report::fit_report: the document of `critnet fit --json` (without file and column).
py::object fit(py::array_t<double, py::array::c_style | py::array::forcecast> values, bool discrete,
               double xmin, double xmax, int bootstrap, std::uint64_t seed, int threads,
               bool compare, double significance, std::size_t max_candidates,
               std::size_t scan_min_tail, double min_decades, long long min_tail) {
  std::vector<double> data(values.data(), values.data() + values.size());
  analysis::FitOptions o;
  o.discrete = discrete;
  o.xmin = xmin;
  o.xmax = xmax;
  o.bootstrap = bootstrap;
  o.seed = seed;
  o.threads = threads;
  o.compare = compare;
  o.significance = significance;
  o.max_candidates = max_candidates;
  o.min_tail = scan_min_tail;
  report::VerdictRule rule;
  rule.min_decades = min_decades;
  rule.min_tail = min_tail;
  return document_without_gil([&] {
    const StopSignals ctrl_c;  // the bootstrap stops on Ctrl-C (KeyboardInterrupt)
    return report::fit_report(std::move(data), o, rule).to_json();
  });
}

// analysis::read_column_file (`critnet fit`'s reader): (values, column name).
std::pair<std::vector<double>, std::string> read_column(const std::string& path,
                                                        const std::string& name, std::size_t index,
                                                        bool integers) {
  analysis::ColumnSpec spec;
  spec.name = name;
  spec.index = index;
  analysis::ColumnData data = analysis::read_column_file(path, spec, integers);
  return {std::move(data.values), data.column_name};
}

// rg::analyse_layer: rg::to_json's document (the schema of `critnet rg --json`).
py::object analyse_layer(const torch::Tensor& weight, double beta, double field,
                         const std::string& side, const std::string& n, double tol_trivial,
                         double tol_critical, double tol_near) {
  rg::CouplingOptions copts;
  copts.beta(beta)
      .field(field)
      .gram_side(parse_gram_side(side))
      .n_convention(parse_n_convention(n));
  rg::ClassifyOptions cls;
  cls.tol_trivial(tol_trivial).tol_critical(tol_critical).tol_near(tol_near);
  cls.validate();
  const torch::Tensor v = reg::weight_matrix(weight.detach());
  return document_without_gil([&] { return rg::to_json(rg::analyse_layer(v, copts, cls)); });
}

// An integer option that arrives as int64 and is narrowed to int: refused with the CLI's bound
// (InvalidArgument, ValueError in Python) before the cast, never wrapped.
int narrowed(const char* name, int64_t value, int64_t max) {
  CRITNET_CHECK(value >= 0 && value <= max, name, ": must be in 0..", max, ", got ", value);
  return static_cast<int>(value);
}

// Verdict rule 2 (report::assess) on one fit (a probe.json "fit" entry): the "verdict" object
// of `critnet fit --json`.
py::object verdict(const nlohmann::json& fit, double gof_p_min, double lr_p_max, double min_decades,
                   long long min_tail) {
  report::VerdictRule rule;
  rule.gof_p_min = gof_p_min;
  rule.lr_p_max = lr_p_max;
  rule.min_decades = min_decades;
  rule.min_tail = min_tail;
  rule.validate();
  const report::FitVerdict v = report::assess(report::parse_fit(fit), rule);
  return document({{"label", report::to_string(v.plausibility)},
                   {"scale_invariant", v.scale_invariant()},
                   {"reason", v.reason},
                   {"rule", report::to_json(rule)}});
}

// train::penalised_layers: the layers a schedule with these `layers` (indices; empty = every
// layer but the output layer) penalises in a model of `num_layers` weight layers, checked.
std::vector<int64_t> penalised_layers(int64_t num_layers, const std::vector<int64_t>& layers) {
  train::PenaltySchedule schedule;
  schedule.layers(layers);
  schedule.validate();
  return train::penalised_layers(schedule, num_layers);
}

// The weight of the penalty in the loss of step `step` (0-based): k·λ when the schedule
// applies it there (PenaltySchedule::applies_at), else 0.
double penalty_weight(const std::string& preset, double strength, int64_t interval, int64_t step) {
  CRITNET_CHECK(step >= 0, "step must be >= 0, got ", step);
  train::PenaltySchedule schedule(reg::PenaltyOptions().preset(reg::parse_preset(preset)),
                                  strength);
  schedule.interval(interval);
  schedule.validate();
  return schedule.applies_at(step) ? schedule.weight() : 0.0;
}

// One observed layer for Python: (name, incoming weight, outgoing weight).
using LayerTuple = std::tuple<std::string, torch::Tensor, torch::Tensor>;

// probe::choose_layers on a module tree given as (name, type, leaf, weight or None) in
// named_modules() order. The weights are detached.
std::vector<LayerTuple> choose_layers(
    const std::vector<std::tuple<std::string, std::string, bool, std::optional<torch::Tensor>>>&
        tree,
    const std::vector<std::string>& names) {
  std::vector<probe::ModuleEntry> entries;
  for (const auto& [name, type, leaf, weight] : tree) {
    probe::ModuleEntry e;
    e.name = name;
    e.type = type;
    e.leaf = leaf;
    if (weight && weight->defined() && weight->dim() >= 2) e.weight = weight->detach();
    entries.push_back(std::move(e));
  }
  std::vector<LayerTuple> out;
  for (auto& l : probe::choose_layers(entries, names))
    out.emplace_back(l.name, l.incoming, l.outgoing);
  return out;
}

// probe::Probe over observed layers, and probe::fit_and_document of its result.
class PyProbe {
 public:
  PyProbe(const std::vector<LayerTuple>& layers, double threshold, int64_t subset_size,
          int64_t subsets, std::uint64_t seed, int64_t max_patterns, double beta,
          const std::string& side, const std::string& n, double cw_tolerance)
      : probe_(observed(layers), probe::ProbeOptions()
                                     .threshold(threshold)
                                     .subset_size(subset_size)
                                     .num_subsets(subsets)
                                     .seed(seed)
                                     .max_patterns(max_patterns)
                                     .beta(beta)
                                     .gram_side(parse_gram_side(side))
                                     .n_convention(parse_n_convention(n))
                                     .cw_tolerance(cw_tolerance)) {}

  void observe_activations(const std::vector<torch::Tensor>& activations) {
    std::vector<torch::Tensor> detached;
    for (const auto& a : activations) detached.push_back(a.detach());
    py::gil_scoped_release no_gil;
    probe_.observe_activations(detached);
  }

  int64_t num_samples() const { return probe_.num_samples(); }

  // Locks `out_dir` (created) for the probe's output directory, before any streaming, so that
  // a directory another process writes is refused before the work rather than after it.
  void lock_output(const std::string& out_dir) {
    CRITNET_CHECK(!out_dir.empty(), "the output directory must not be empty");
    lock_.emplace(out_dir, "critnet.probe (python)");
    out_dir_ = out_dir;
  }

  // The fit settings, checked at once (before any batch is streamed) with the CLI's bounds:
  // InvalidArgument (ValueError) naming the value. Integers arrive as int64 so that a value
  // out of the C++ type's range is refused with that message, never wrapped.
  void set_fit_options(bool fits, int64_t bootstrap, std::uint64_t seed, int64_t threads,
                       int64_t max_candidates, double min_tail_fraction) {
    CRITNET_CHECK(max_candidates >= 0, "max_candidates: must be >= 0 (0 = all), got ",
                  max_candidates);
    fit_.fits = fits;
    fit_.fit.bootstrap = narrowed("bootstrap", bootstrap, kMaxBootstrap);
    fit_.fit.seed = seed;
    fit_.fit.threads = narrowed("threads", threads, kMaxThreads);
    fit_.fit.max_candidates = static_cast<std::size_t>(max_candidates);
    fit_.min_tail_fraction = min_tail_fraction;
    fit_.validate_fit_settings();
  }

  // probe.json: without its file parts, or, after lock_output, with them (the directory
  // written as `critnet probe` writes it; "seconds" = stream, fit, write, total).
  py::object finish(const nlohmann::json& src, double stream_seconds) {
    probe::ProbeCheckpointOptions o = fit_;
    o.out_dir = out_dir_;
    return document_without_gil([&] {
      const StopSignals ctrl_c;  // the fits' bootstraps stop on Ctrl-C (KeyboardInterrupt)
      const auto t0 = std::chrono::steady_clock::now();
      const probe::ProbeResult result = probe_.finish();
      probe::ProbeDocument doc = probe::fit_and_document(result, o, src);
      if (lock_) {
        const double fit =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        doc.document["seconds"] = {
            {"stream", stream_seconds}, {"fit", fit}, {"total", stream_seconds + fit}};
        probe::write_probe_directory(o, result, doc.fits, doc.document);
        lock_.reset();
      }
      return doc.document;
    });
  }

 private:
  static std::vector<probe::ObservedLayer> observed(const std::vector<LayerTuple>& layers) {
    std::vector<probe::ObservedLayer> out;
    for (const auto& [name, in, outgoing] : layers)
      out.push_back({name, in.detach(), outgoing.detach(), {}});
    return out;
  }
  probe::Probe probe_;
  std::optional<io::RunLock> lock_;
  std::string out_dir_;
  probe::ProbeCheckpointOptions fit_;  // the fit settings (set_fit_options)
};

// data::load_split: one split as (inputs [n, d], labels [n], sample shape, classes, name,
// description), limited as probe_checkpoint limits it.
py::tuple load_data(const std::string& source, const std::string& split, int64_t limit,
                    const std::string& data_dir, std::uint64_t seed, int64_t synthetic_train,
                    int64_t synthetic_test, int64_t train_limit, int64_t test_limit) {
  data::DataSpec spec;
  spec.source = source;
  spec.data_dir = data_dir;
  spec.seed = seed;
  spec.synthetic_train = synthetic_train;
  spec.synthetic_test = synthetic_test;
  spec.train_limit = train_limit;
  spec.test_limit = test_limit;
  data::LoadedSplit s;
  {
    py::gil_scoped_release no_gil;
    s = data::load_split(spec, split, limit);
  }
  return py::make_tuple(s.data.inputs, s.data.labels, s.data.sample_shape, s.data.num_classes,
                        s.name, document(s.description));
}

// train::load_model: the MLP's weights and biases (input side first), its activation, epoch,
// the run's config and its data spec.
py::dict load_checkpoint(const std::string& path) {
  train::LoadedModel m = train::load_model(path);
  std::vector<torch::Tensor> weights, biases;
  for (const auto& linear : m.model->linears()) {
    weights.push_back(linear->weight.detach().clone());
    biases.push_back(linear->bias.defined() ? linear->bias.detach().clone() : torch::Tensor());
  }
  nlohmann::json spec;
  data::to_json(spec, train::data_spec_from_config(m.config));
  py::dict out;
  out["weights"] = weights;
  out["biases"] = biases;
  out["activation"] = nn::to_string(m.model->options.activation());
  out["epoch"] = m.epoch;
  out["config"] = document(m.config);
  out["data"] = document(spec);
  return out;
}

// atlas::analyse_layers on (name, type, weight) triples: the rows.
py::object htsr(const std::vector<std::tuple<std::string, std::string, torch::Tensor>>& layers,
                double eval_floor, int64_t bootstrap, std::uint64_t seed, int64_t threads) {
  atlas::HtsrOptions o;
  o.eval_floor = eval_floor;
  o.bootstrap = narrowed("bootstrap", bootstrap, kMaxBootstrap);
  o.seed = seed;
  o.threads = narrowed("threads", threads, kMaxThreads);
  o.validate();
  std::vector<atlas::LayerWeight> weights;
  for (const auto& [name, type, w] : layers) weights.push_back({name, type, w.detach()});
  return document_without_gil([&] {
    const StopSignals ctrl_c;  // the bootstraps stop on Ctrl-C (KeyboardInterrupt)
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : atlas::analyse_layers(weights, o)) rows.push_back(r.to_json());
    return rows;
  });
}

// rg::edge at one point (critical_line empty) or rg::critical_line: the document of
// `critnet edge --json`.
py::object edge(const std::string& activation, double sigma_w2, const std::vector<double>& sigma_b2,
                int64_t depth, bool critical_line, double critical_tolerance) {
  const rg::Activation phi = rg::parse_activation(activation);
  if (critical_line) return document(rg::critical_line_json(phi, rg::critical_line(phi, sigma_b2)));
  CRITNET_CHECK(sigma_b2.size() == 1, "sigma_b2: one value without critical_line");
  rg::EdgeOptions o;
  o.activation = phi;
  o.sigma_w2 = sigma_w2;
  o.sigma_b2 = sigma_b2.front();
  o.depth = narrowed("depth", depth, 1000000);
  o.critical_tolerance = critical_tolerance;
  return document(rg::edge(o).to_json());
}

// rg::meanfield_curve of each system: the document of `critnet meanfield --json` (a list of
// rg::MeanFieldCurve::to_json).
py::object meanfield(const std::vector<torch::Tensor>& weights, std::optional<double> coupling,
                     std::optional<int64_t> size, const std::vector<int64_t>& layers,
                     const std::string& side, const std::string& n, double t_min, double t_max,
                     int64_t steps, double field, double damping, double tolerance,
                     int64_t max_iterations) {
  rg::MeanFieldStudyOptions o;
  o.coupling = coupling;
  o.size = size;
  o.layers = layers;
  o.side = parse_gram_side(side);
  o.convention = parse_n_convention(n);
  o.range.t_min = t_min;
  o.range.t_max = t_max;
  o.range.steps = steps;
  o.field = field;
  o.solver.damping(damping).tolerance(tolerance).max_iterations(max_iterations);
  std::vector<torch::Tensor> w;
  for (const auto& t : weights) w.push_back(reg::weight_matrix(t.detach()));
  const auto systems = rg::meanfield_systems(o, w);
  return document_without_gil([&] {
    nlohmann::json curves = nlohmann::json::array();
    for (const rg::MeanFieldSystem& s : systems)
      curves.push_back(rg::meanfield_curve(s, o.range, o.field, o.solver).to_json());
    return curves;
  });
}

// The defaults of `critnet meanfield`'s sweep (rg::TemperatureRange, rg::MeanFieldOptions).
nlohmann::json meanfield_defaults() {
  const rg::TemperatureRange range;
  const rg::MeanFieldOptions o;
  return {{"t_min", range.t_min},       {"t_max", range.t_max},
          {"steps", range.steps},       {"damping", o.damping()},
          {"tolerance", o.tolerance()}, {"max_iterations", o.max_iterations()}};
}

// rg::gaussian_study: the document of `critnet gaussian --json`.
py::object gaussian(int64_t dim, int64_t size, double r, double g, double fit_min, double fit_max) {
  rg::GaussianStudyOptions o;
  o.dim = dim;
  o.size = size;
  o.r = r;
  o.g = g;
  o.fit_min = fit_min;
  o.fit_max = fit_max;
  return document_without_gil([&] { return rg::gaussian_study(o).to_json(); });
}

// rg::flow_study: the document of `critnet rg-flow --json`.
py::object flow(const std::vector<double>& lambdas, double a, double tau_max, int64_t steps,
                double rtol) {
  rg::FlowStudyOptions o;
  o.lambdas = lambdas;
  o.a = a;
  o.tau_max = tau_max;
  o.steps = steps;
  o.solver.rtol = rtol;
  return document_without_gil([&] { return rg::flow_study(o).to_json(); });
}

// The defaults of rg::FlowStudyOptions.
nlohmann::json flow_defaults() {
  const rg::FlowStudyOptions o;
  return {{"a", o.a}, {"tau_max", o.tau_max}, {"steps", o.steps}, {"rtol", o.solver.rtol}};
}

// The defaults of rg::GaussianStudyOptions (size, fit_min, fit_max 0: chosen by the study).
nlohmann::json gaussian_defaults() {
  const rg::GaussianStudyOptions o;
  return {{"dim", o.dim}, {"size", o.size},       {"r", o.r},
          {"g", o.g},     {"fit_min", o.fit_min}, {"fit_max", o.fit_max}};
}

// atlas::measure_signal: the document. Without `forward`, on the chain of Linear
// layers `weights`; with it, on any model whose forward(x) returns the outputs of the weight
// layers `names` (in call order) and then the model's output.
py::object signal(const std::vector<torch::Tensor>& weights,
                  const std::vector<std::optional<torch::Tensor>>& biases,
                  const std::optional<std::string>& activation, const torch::Tensor& inputs,
                  int64_t jacobian_samples, int64_t apjn_probes, int64_t bootstrap,
                  std::uint64_t seed, double critical_tolerance, int64_t batch_size,
                  const std::optional<py::function>& forward,
                  const std::vector<std::string>& names) {
  atlas::SignalOptions o;
  o.activation = activation ? std::optional(rg::parse_activation(*activation)) : std::nullopt;
  o.jacobian_samples = jacobian_samples;
  o.apjn_probes = apjn_probes;
  o.bootstrap = bootstrap;
  o.seed = seed;
  o.critical_tolerance = critical_tolerance;
  o.batch_size = batch_size;
  std::vector<torch::Tensor> w, b;
  for (const auto& t : weights) w.push_back(t.detach());
  for (const auto& t : biases) b.push_back(t ? t->detach() : torch::Tensor());
  const torch::Tensor x = inputs.detach();
  if (!forward) {
    return document_without_gil([&] { return atlas::measure_signal(w, b, x, o).to_json(); });
  }
  CRITNET_CHECK(names.size() == w.size() && b.size() == w.size(), names.size(), " names and ",
                b.size(), " biases for ", w.size(), " weights");
  std::vector<atlas::WeightLayer> layers;
  for (std::size_t i = 0; i < w.size(); ++i) layers.push_back({names[i], w[i], b[i]});
  // The Python forward pass runs with the GIL; the C++ between the calls without it.
  const atlas::TappedForward tapped = [fn = *forward](const torch::Tensor& batch) {
    py::gil_scoped_acquire gil;
    return fn(batch).cast<std::vector<torch::Tensor>>();
  };
  return document_without_gil(
      [&] { return atlas::measure_signal(tapped, layers, x, o).to_json(); });
}

}  // namespace
}  // namespace critnet::python

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  using namespace critnet::python;
  m.doc() = "critnet's C++ core (see the critnet package for the Python API)";
  m.attr("__version__") = CRITNET_VERSION;

  // Most general first: pybind11 tries the translators registered last first.
  static py::exception<critnet::Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception<critnet::InvalidArgument>(m, "InvalidArgument", PyExc_ValueError);
  py::register_exception<critnet::DataError>(m, "DataError", PyExc_OSError);
  py::register_exception<critnet::io::OutputError>(m, "OutputError", PyExc_OSError);
  py::register_exception<critnet::io::LockedError>(m, "LockedError", PyExc_OSError);
  py::register_exception<critnet::NumericalError>(m, "NumericalError", error.ptr());
  // Work stopped by Ctrl-C while the core held the signal (core/interrupt.h).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const critnet::Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });

  const std::vector<double> none;
  m.def(
      "info", [] { return document(critnet::runtime_info().to_json()); },
      "critnet::runtime_info().to_json(): the document of `critnet info --json`");
  m.def("penalty_and_gradient", &penalty_and_gradient, py::arg("weight"), py::arg("preset"),
        py::arg("beta"), py::arg("side"), py::arg("n"), py::arg("coefficients") = none,
        py::arg("probes") = 0,
        "(R(V), dR/dV) of a weight [out, in, ...] without autograd (reg::penalty_add_gradient)");
  m.def("penalty_value", &penalty_value, py::arg("weight"), py::arg("preset"), py::arg("beta"),
        py::arg("side"), py::arg("n"), py::arg("coefficients") = none, py::arg("probes") = 0,
        "R(V) of a weight [out, in, ...] (reg::penalty, no gradient)");
  m.def("penalty_naive", &penalty_naive, py::arg("weight"), py::arg("preset"), py::arg("beta"),
        py::arg("side"), py::arg("n"), py::arg("coefficients") = none,
        "R(V) by autograd through the full Gram matrix (reg::penalty_naive; reference only)");
  m.def("check_regularizer", &check_regularizer, py::arg("preset"), py::arg("beta"),
        py::arg("strength"), py::arg("side"), py::arg("n"), py::arg("coefficients"),
        py::arg("interval"), py::arg("probes"),
        "train::PenaltySchedule::validate(); returns reg::warning() or None");
  m.def("fit", &fit, py::arg("values"), py::arg("discrete"), py::arg("xmin"), py::arg("xmax"),
        py::arg("bootstrap"), py::arg("seed"), py::arg("threads"), py::arg("compare"),
        py::arg("significance"), py::arg("max_candidates"), py::arg("scan_min_tail"),
        py::arg("min_decades"), py::arg("min_tail"), "report::fit_report(...).to_json()");
  m.def("read_column", &read_column, py::arg("path"), py::arg("name"), py::arg("index"),
        py::arg("integers"), "analysis::read_column_file: (values, column name)");
  m.def("analyse_layer", &analyse_layer, py::arg("weight"), py::arg("beta"), py::arg("field"),
        py::arg("side"), py::arg("n"), py::arg("tol_trivial"), py::arg("tol_critical"),
        py::arg("tol_near"), "rg::analyse_layer of a weight [out, in, ...]");

  m.def("verdict", &verdict, py::arg("fit"), py::arg("gof_p_min"), py::arg("lr_p_max"),
        py::arg("min_decades"), py::arg("min_tail"),
        "report::assess of one fit: the verdict object");
  m.def("penalised_layers", &penalised_layers, py::arg("num_layers"), py::arg("layers"),
        "train::penalised_layers: the layers a penalty schedule acts on, checked");
  m.def("penalty_weight", &penalty_weight, py::arg("preset"), py::arg("strength"),
        py::arg("interval"), py::arg("step"),
        "k·λ when the schedule applies the penalty at this step, else 0");
  m.def("choose_layers", &choose_layers, py::arg("tree"), py::arg("names"),
        "probe::choose_layers: [(name, incoming, outgoing)] of a module tree "
        "[(name, type, leaf, weight or None)]");
  py::class_<PyProbe>(m, "Probe", "probe::Probe over observed layers")
      .def(py::init<const std::vector<LayerTuple>&, double, int64_t, int64_t, std::uint64_t,
                    int64_t, double, const std::string&, const std::string&, double>(),
           py::arg("layers"), py::arg("threshold"), py::arg("subset_size"), py::arg("subsets"),
           py::arg("seed"), py::arg("max_patterns"), py::arg("beta"), py::arg("side"), py::arg("n"),
           py::arg("cw_tolerance"))
      .def("observe_activations", &PyProbe::observe_activations, py::arg("activations"))
      .def_property_readonly("num_samples", &PyProbe::num_samples)
      .def("lock_output", &PyProbe::lock_output, py::arg("out_dir"),
           "io::RunLock on the output directory, held until finish")
      .def("set_fit_options", &PyProbe::set_fit_options, py::arg("fits"), py::arg("bootstrap"),
           py::arg("seed"), py::arg("threads"), py::arg("max_candidates"),
           py::arg("min_tail_fraction"),
           "the fit settings finish() uses, checked now with the CLI's bounds (ValueError)")
      .def("finish", &PyProbe::finish, py::arg("source"), py::arg("stream_seconds"),
           "probe::fit_and_document(finish(), ...).document; after lock_output "
           "also probe::write_probe_directory");
  // The probe recipe's defaults (critnet/probe/recipe.h): critnet.probe's keyword defaults.
  m.attr("probe_recipe_defaults") = document(nlohmann::json(critnet::probe::ProbeRecipe{}));
  m.attr("limits") = py::dict(py::arg("max_batch_size") = critnet::kMaxBatchSize,
                              py::arg("max_width") = critnet::kMaxWidth,
                              py::arg("max_bootstrap") = critnet::kMaxBootstrap,
                              py::arg("max_threads") = critnet::kMaxThreads,
                              py::arg("max_meanfield_size") = critnet::kMaxMeanFieldSize);
  m.def("htsr", &htsr, py::arg("layers"), py::arg("eval_floor"), py::arg("bootstrap"),
        py::arg("seed"), py::arg("threads"),
        "atlas::analyse_layers on [(name, type, weight)]: the HTSR rows");
  m.def("signal", &signal, py::arg("weights"), py::arg("biases"), py::arg("activation"),
        py::arg("inputs"), py::arg("jacobian_samples"), py::arg("apjn_probes"),
        py::arg("bootstrap"), py::arg("seed"), py::arg("critical_tolerance"), py::arg("batch_size"),
        py::arg("forward") = py::none(), py::arg("names") = std::vector<std::string>{},
        "atlas::measure_signal on a chain of Linear layers, or through `forward`'s taps of any "
        "model: the document");
  m.def("edge", &edge, py::arg("activation"), py::arg("sigma_w2"), py::arg("sigma_b2"),
        py::arg("depth"), py::arg("critical_line"), py::arg("critical_tolerance"),
        "rg::edge or rg::critical_line: the document of `critnet edge --json`");
  m.def("meanfield", &meanfield, py::arg("weights"), py::arg("coupling"), py::arg("size"),
        py::arg("layers"), py::arg("side"), py::arg("n"), py::arg("t_min"), py::arg("t_max"),
        py::arg("steps"), py::arg("field"), py::arg("damping"), py::arg("tolerance"),
        py::arg("max_iterations"),
        "rg::meanfield_curve of Curie-Weiss or of layers: the document of "
        "`critnet meanfield --json`");
  m.attr("meanfield_defaults") = document(meanfield_defaults());
  m.def("gaussian", &gaussian, py::arg("dim"), py::arg("size"), py::arg("r"), py::arg("g"),
        py::arg("fit_min"), py::arg("fit_max"),
        "rg::gaussian_study: the document of `critnet gaussian --json`");
  m.attr("gaussian_defaults") = document(gaussian_defaults());
  m.def("flow", &flow, py::arg("lambdas"), py::arg("a"), py::arg("tau_max"), py::arg("steps"),
        py::arg("rtol"), "rg::flow_study: the document of `critnet rg-flow --json`");
  m.attr("flow_defaults") = document(flow_defaults());
  m.def("load_data", &load_data, py::arg("source"), py::arg("split"), py::arg("limit"),
        py::arg("data_dir"), py::arg("seed"), py::arg("synthetic_train"), py::arg("synthetic_test"),
        py::arg("train_limit"), py::arg("test_limit"), "data::load_split: one split");
  m.def("load_checkpoint", &load_checkpoint, py::arg("path"),
        "train::load_model: the MLP's weights, biases, activation, epoch, config, data spec");
}
