#pragma once
// The library's option structs as Python classes (option_class.h): FitOptions, VerdictRule,
// ProbeOptions, ProbeRecipe, CouplingOptions, ClassifyOptions, PenaltyOptions, HtsrOptions,
// SignalOptions, EdgeOptions, MeanFieldStudyOptions, GaussianStudyOptions, FlowStudyOptions,
// DataSpec. The extension's calls take them instead of positional walls of values.
#include <pybind11/pybind11.h>

namespace critnet::python {

void bind_options(pybind11::module_& m);

}  // namespace critnet::python
