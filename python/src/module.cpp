// critnet._critnet: the pybind11 extension under the Python package critnet (python/critnet).
// It binds library calls and adds no logic of its own (docs/python.md): the penalty's value and
// analytic gradient, the CSN analysis with its verdict, the RG analysis of a layer, and the
// library's error types as Python exceptions with the same one-line messages.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <torch/extension.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "critnet/analysis/column_reader.h"
#include "critnet/core/error.h"
#include "critnet/core/version.h"
#include "critnet/regularizers/critical.h"
#include "critnet/report/fit_report.h"
#include "critnet/rg/couplings.h"

namespace py = pybind11;

namespace critnet::python {
namespace {

reg::RegularizerOptions penalty_options(const std::string& preset, double beta,
                                        const std::string& side, const std::string& n,
                                        const std::vector<double>& coefficients, int64_t probes) {
  return reg::RegularizerOptions()
      .preset(reg::parse_preset(preset))
      .beta(beta)
      .gram_side(reg::parse_gram_side(side))
      .n_convention(reg::parse_n_convention(n))
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
  auto options = penalty_options(preset, beta, side, n, coefficients, probes);
  options.strength(strength).interval(interval);
  options.validate();
  return reg::warning(options);
}

// The literal formula with autograd through the full Gram matrix (reference and benchmark).
torch::Tensor penalty_naive(const torch::Tensor& weight, const std::string& preset, double beta,
                            const std::string& side, const std::string& n,
                            const std::vector<double>& coefficients) {
  const auto options = penalty_options(preset, beta, side, n, coefficients, 0);
  return reg::penalty_naive(reg::weight_matrix(weight), options);
}

// report::fit_report as the JSON text of `critnet fit --json` (without file and column).
std::string fit_json(py::array_t<double, py::array::c_style | py::array::forcecast> values,
                     bool discrete, double xmin, double xmax, int bootstrap, std::uint64_t seed,
                     int threads, bool compare, double significance, std::size_t max_candidates,
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
  py::gil_scoped_release no_gil;
  return report::fit_report(std::move(data), o, rule).to_json().dump();
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

py::dict analyse_layer(const torch::Tensor& weight, double beta, double field,
                       const std::string& side, const std::string& n, double tol_trivial,
                       double tol_critical, double tol_near) {
  rg::CouplingOptions copts;
  copts.beta(beta)
      .field(field)
      .gram_side(reg::parse_gram_side(side))
      .n_convention(reg::parse_n_convention(n));
  rg::ClassifyOptions cls;
  cls.tol_trivial(tol_trivial).tol_critical(tol_critical).tol_near(tol_near);
  cls.validate();
  rg::LayerAnalysis an;
  {
    const torch::Tensor v = reg::weight_matrix(weight.detach());
    py::gil_scoped_release no_gil;
    an = rg::analyse_layer(v, copts, cls);
  }
  const rg::Couplings& c = an.couplings;
  std::vector<std::string> classes;
  for (auto m : an.mode_class) classes.push_back(rg::to_string(m));
  py::dict counts;
  for (int k = 0; k < 7; ++k) {
    counts[py::str(rg::to_string(static_cast<rg::ModeClass>(k)))] =
        an.class_counts[static_cast<size_t>(k)];
  }
  py::dict out;
  out["shape"] = an.shape;
  out["beta"] = c.beta;
  out["a"] = c.a;
  out["n"] = c.n;
  out["g"] = c.g;
  out["dimension"] = c.dimension;
  out["structural_zeros"] = c.structural_zeros;
  out["lambda"] = c.lambda;
  out["x"] = c.x;
  out["r"] = c.r;
  out["u_modes"] = c.u_modes;
  out["u_sites"] = c.u_sites;
  out["r_tolerance"] = c.r_tolerance;
  out["xi"] = an.xi;
  out["mode_class"] = classes;
  out["mode_counts"] = counts;
  out["phase"] = rg::to_string(an.phase);
  out["x_max"] = an.x_max;
  out["critical_temperature"] = an.critical_temperature;
  out["distance_min"] = an.distance_min;
  out["distance_median"] = an.distance_median;
  return out;
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
  py::register_exception<critnet::NumericalError>(m, "NumericalError", error.ptr());

  const std::vector<double> none;
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
        "RegularizerOptions::validate(); returns reg::warning() or None");
  m.def("fit_json", &fit_json, py::arg("values"), py::arg("discrete"), py::arg("xmin"),
        py::arg("xmax"), py::arg("bootstrap"), py::arg("seed"), py::arg("threads"),
        py::arg("compare"), py::arg("significance"), py::arg("max_candidates"),
        py::arg("scan_min_tail"), py::arg("min_decades"), py::arg("min_tail"),
        "report::fit_report(...).to_json() as text");
  m.def("read_column", &read_column, py::arg("path"), py::arg("name"), py::arg("index"),
        py::arg("integers"), "analysis::read_column_file: (values, column name)");
  m.def("analyse_layer", &analyse_layer, py::arg("weight"), py::arg("beta"), py::arg("field"),
        py::arg("side"), py::arg("n"), py::arg("tol_trivial"), py::arg("tol_critical"),
        py::arg("tol_near"), "rg::analyse_layer of a weight [out, in, ...]");
}
