// critnet._critnet: the pybind11 extension under the Python package critnet (python/critnet).
// It binds library calls and adds no logic of its own (docs/python.md): the penalty's value and
// analytic gradient, the CSN analysis with its verdict, the RG analysis of a layer, and the
// library's error types as Python exceptions with the same one-line messages. Settings cross
// as the library's option structs, bound as Python classes (options.cpp: critnet.options),
// never as rows of positional values; documents cross as Python objects (dict, list, float,
// ...; pybind11_json converts nlohmann::json), never as JSON text; _critnet.pyi beside the
// package has the signatures.
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
#include "options.h"

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

// R(V) and ∇R(V) of a weight of any shape (conv weights through reg::weight_matrix), without
// autograd: the forward of critnet.penalty's autograd Function.
std::pair<torch::Tensor, torch::Tensor> penalty_and_gradient(const torch::Tensor& weight,
                                                             const reg::PenaltyOptions& options) {
  const torch::Tensor v = reg::weight_matrix(weight.detach());
  torch::Tensor grad = torch::zeros_like(v, torch::MemoryFormat::Contiguous);
  py::gil_scoped_release no_gil;
  torch::Tensor value = reg::penalty_add_gradient(v, options, grad, 1.0);
  return {value, grad.view(weight.sizes())};
}

// R(V) alone (no gradient requested).
torch::Tensor penalty_value(const torch::Tensor& weight, const reg::PenaltyOptions& options) {
  const torch::Tensor v = reg::weight_matrix(weight.detach());
  py::gil_scoped_release no_gil;
  torch::NoGradGuard no_grad;
  return reg::penalty(v, options);
}

// The schedule of a regulariser: the penalty `options` with strength λ every `interval` steps.
train::PenaltySchedule schedule_of(const reg::PenaltyOptions& options, double strength,
                                   int64_t interval) {
  train::PenaltySchedule schedule(options, strength);
  schedule.interval(interval);
  schedule.validate();
  return schedule;
}

// Validates a regulariser's schedule with the library's own checks and returns reg::warning()
// (e.g. paper with beta > 0), or None.
std::optional<std::string> check_regularizer(const reg::PenaltyOptions& options, double strength,
                                             int64_t interval) {
  return reg::warning(schedule_of(options, strength, interval).penalty());
}

// The literal formula with autograd through the full Gram matrix (reference and benchmark).
torch::Tensor penalty_naive(const torch::Tensor& weight, const reg::PenaltyOptions& options) {
  return reg::penalty_naive(reg::weight_matrix(weight), options);
}

// report::fit_report: the document of `critnet fit --json` (without file and column).
py::object fit(py::array_t<double, py::array::c_style | py::array::forcecast> values,
               const analysis::FitOptions& options, const report::VerdictRule& rule) {
  std::vector<double> data(values.data(), values.data() + values.size());
  return document_without_gil([&] {
    const StopSignals ctrl_c;  // the bootstrap stops on Ctrl-C (KeyboardInterrupt)
    return report::fit_report(std::move(data), options, rule).to_json();
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
py::object analyse_layer(const torch::Tensor& weight, const rg::CouplingOptions& couplings,
                         const rg::ClassifyOptions& classify) {
  const torch::Tensor v = reg::weight_matrix(weight.detach());
  return document_without_gil(
      [&] { return rg::to_json(rg::analyse_layer(v, couplings, classify)); });
}

// An integer option that arrives as int64 and is narrowed to int: refused with the CLI's bound
// (InvalidArgument, ValueError in Python) before the cast, never wrapped.
int narrowed(const char* name, int64_t value, int64_t max) {
  CRITNET_CHECK(value >= 0 && value <= max, name, ": must be in 0..", max, ", got ", value);
  return static_cast<int>(value);
}

// Verdict rule 2 (report::assess) on one fit (a probe.json "fit" entry): the "verdict" object
// of `critnet fit --json`.
py::object verdict(const nlohmann::json& fit, const report::VerdictRule& rule) {
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
double penalty_weight(const reg::PenaltyOptions& options, double strength, int64_t interval,
                      int64_t step) {
  CRITNET_CHECK(step >= 0, "step must be >= 0, got ", step);
  const train::PenaltySchedule schedule = schedule_of(options, strength, interval);
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
  // Every setting is checked here, before any batch is streamed, with the CLI's bounds:
  // InvalidArgument (ValueError) naming the value. `recipe` sets the subset size, the fits'
  // bootstrap and candidates and the minimum tail fraction (its limit is unused: Python
  // streams what it is given); the fits' seed is the subsets' (options.seed).
  PyProbe(const std::vector<LayerTuple>& layers, const probe::ProbeOptions& options,
          const probe::ProbeRecipe& recipe, bool fits, int64_t threads)
      : fit_(settings(options, recipe, fits, threads)), probe_(observed(layers), fit_.probe) {}

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
  static probe::ProbeCheckpointOptions settings(const probe::ProbeOptions& options,
                                                const probe::ProbeRecipe& recipe, bool fits,
                                                int64_t threads) {
    probe::ProbeCheckpointOptions o;
    o.probe = options;
    recipe.apply(o);
    o.fits = fits;
    o.fit.seed = options.seed();
    o.fit.threads = narrowed("threads", threads, kMaxThreads);
    o.validate_fit_settings();
    return o;
  }
  static std::vector<probe::ObservedLayer> observed(const std::vector<LayerTuple>& layers) {
    std::vector<probe::ObservedLayer> out;
    for (const auto& [name, in, outgoing] : layers)
      out.push_back({name, in.detach(), outgoing.detach(), {}});
    return out;
  }
  probe::ProbeCheckpointOptions fit_;  // the probe's and the fits' settings
  probe::Probe probe_;
  std::optional<io::RunLock> lock_;
  std::string out_dir_;
};

// data::load_split: one split as (inputs [n, d], labels [n], sample shape, classes, name,
// description), limited as probe_checkpoint limits it.
py::tuple load_data(const data::DataSpec& spec, const std::string& split, int64_t limit) {
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
                const atlas::HtsrOptions& o) {
  std::vector<atlas::LayerWeight> weights;
  for (const auto& [name, type, w] : layers) weights.push_back({name, type, w.detach()});
  return document_without_gil([&] {
    const StopSignals ctrl_c;  // the bootstraps stop on Ctrl-C (KeyboardInterrupt)
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : atlas::analyse_layers(weights, o)) rows.push_back(r.to_json());
    return rows;
  });
}

// rg::edge at one point: the document of `critnet edge --json`.
py::object edge(const rg::EdgeOptions& options) {
  return document(rg::edge(options).to_json());
}

// rg::critical_line: the document of `critnet edge --critical-line --json`.
py::object critical_line(const std::string& activation, const std::vector<double>& sigma_b2) {
  const rg::Activation phi = rg::parse_activation(activation);
  return document(rg::critical_line_json(phi, rg::critical_line(phi, sigma_b2)));
}

// rg::meanfield_curve of each system: the document of `critnet meanfield --json` (a list of
// rg::MeanFieldCurve::to_json).
py::object meanfield(const std::vector<torch::Tensor>& weights,
                     const rg::MeanFieldStudyOptions& o) {
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

// rg::gaussian_study: the document of `critnet gaussian --json`.
py::object gaussian(const rg::GaussianStudyOptions& o) {
  return document_without_gil([&] { return rg::gaussian_study(o).to_json(); });
}

// rg::flow_study: the document of `critnet rg-flow --json`.
py::object flow(const rg::FlowStudyOptions& o) {
  return document_without_gil([&] { return rg::flow_study(o).to_json(); });
}

// atlas::measure_signal: the document. Without `forward`, on the chain of Linear
// layers `weights`; with it, on any model whose forward(x) returns the outputs of the weight
// layers `names` (in call order) and then the model's output.
py::object signal(const std::vector<torch::Tensor>& weights,
                  const std::vector<std::optional<torch::Tensor>>& biases,
                  const torch::Tensor& inputs, const atlas::SignalOptions& o,
                  const std::optional<py::function>& forward,
                  const std::vector<std::string>& names) {
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

  bind_options(m);
  m.def(
      "info", [] { return document(critnet::runtime_info().to_json()); },
      "critnet::runtime_info().to_json(): the document of `critnet info --json`");
  m.def("penalty_and_gradient", &penalty_and_gradient, py::arg("weight"), py::arg("options"),
        "(R(V), dR/dV) of a weight [out, in, ...] without autograd (reg::penalty_add_gradient)");
  m.def("penalty_value", &penalty_value, py::arg("weight"), py::arg("options"),
        "R(V) of a weight [out, in, ...] (reg::penalty, no gradient)");
  m.def("penalty_naive", &penalty_naive, py::arg("weight"), py::arg("options"),
        "R(V) by autograd through the full Gram matrix (reg::penalty_naive; reference only)");
  m.def("check_regularizer", &check_regularizer, py::arg("options"), py::arg("strength"),
        py::arg("interval"), "train::PenaltySchedule::validate(); returns reg::warning() or None");
  m.def("fit", &fit, py::arg("values"), py::arg("options"), py::arg("rule"),
        "report::fit_report(...).to_json()");
  m.def("read_column", &read_column, py::arg("path"), py::arg("name"), py::arg("index"),
        py::arg("integers"), "analysis::read_column_file: (values, column name)");
  m.def("analyse_layer", &analyse_layer, py::arg("weight"), py::arg("couplings"),
        py::arg("classify"), "rg::analyse_layer of a weight [out, in, ...]");

  m.def("verdict", &verdict, py::arg("fit"), py::arg("rule"),
        "report::assess of one fit: the verdict object");
  m.def("penalised_layers", &penalised_layers, py::arg("num_layers"), py::arg("layers"),
        "train::penalised_layers: the layers a penalty schedule acts on, checked");
  m.def("penalty_weight", &penalty_weight, py::arg("options"), py::arg("strength"),
        py::arg("interval"), py::arg("step"),
        "k·λ when the schedule applies the penalty at this step, else 0");
  m.def("choose_layers", &choose_layers, py::arg("tree"), py::arg("names"),
        "probe::choose_layers: [(name, incoming, outgoing)] of a module tree "
        "[(name, type, leaf, weight or None)]");
  py::class_<PyProbe>(m, "Probe", "probe::Probe over observed layers")
      .def(py::init<const std::vector<LayerTuple>&, const critnet::probe::ProbeOptions&,
                    const critnet::probe::ProbeRecipe&, bool, int64_t>(),
           py::arg("layers"), py::arg("options"), py::arg("recipe"), py::arg("fits"),
           py::arg("threads"), "every setting checked now (ValueError), before any batch")
      .def("observe_activations", &PyProbe::observe_activations, py::arg("activations"))
      .def_property_readonly("num_samples", &PyProbe::num_samples)
      .def("lock_output", &PyProbe::lock_output, py::arg("out_dir"),
           "io::RunLock on the output directory, held until finish")
      .def("finish", &PyProbe::finish, py::arg("source"), py::arg("stream_seconds"),
           "probe::fit_and_document(finish(), ...).document; after lock_output "
           "also probe::write_probe_directory");
  m.attr("limits") = py::dict(py::arg("max_batch_size") = critnet::kMaxBatchSize,
                              py::arg("max_width") = critnet::kMaxWidth,
                              py::arg("max_bootstrap") = critnet::kMaxBootstrap,
                              py::arg("max_threads") = critnet::kMaxThreads,
                              py::arg("max_meanfield_size") = critnet::kMaxMeanFieldSize);
  m.def("htsr", &htsr, py::arg("layers"), py::arg("options"),
        "atlas::analyse_layers on [(name, type, weight)]: the HTSR rows");
  m.def("signal", &signal, py::arg("weights"), py::arg("biases"), py::arg("inputs"),
        py::arg("options"), py::arg("forward") = py::none(),
        py::arg("names") = std::vector<std::string>{},
        "atlas::measure_signal on a chain of Linear layers, or through `forward`'s taps of any "
        "model: the document");
  m.def("edge", &edge, py::arg("options"), "rg::edge: the document of `critnet edge --json`");
  m.def("critical_line", &critical_line, py::arg("activation"), py::arg("sigma_b2"),
        "rg::critical_line: the document of `critnet edge --critical-line --json`");
  m.def("meanfield", &meanfield, py::arg("weights"), py::arg("options"),
        "rg::meanfield_curve of Curie-Weiss or of layers: the document of "
        "`critnet meanfield --json`");
  m.def("gaussian", &gaussian, py::arg("options"),
        "rg::gaussian_study: the document of `critnet gaussian --json`");
  m.def("flow", &flow, py::arg("options"),
        "rg::flow_study: the document of `critnet rg-flow --json`");
  m.def("load_data", &load_data, py::arg("spec"), py::arg("split"), py::arg("limit"),
        "data::load_split: one split");
  m.def("load_checkpoint", &load_checkpoint, py::arg("path"),
        "train::load_model: the MLP's weights, biases, activation, epoch, config, data spec");
}
