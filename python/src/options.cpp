// The option classes of critnet._critnet: one OptionClass per library struct, each field with
// the library's default (T{}) and check (T::validate), documented with its unit.
#include "options.h"

#include <cstdint>
#include <string>
#include <vector>

#include "critnet/analysis/powerlaw.h"
#include "critnet/atlas/htsr.h"
#include "critnet/atlas/signal.h"
#include "critnet/core/coupling.h"
#include "critnet/data/dataset.h"
#include "critnet/probe/options.h"
#include "critnet/probe/recipe.h"
#include "critnet/regularizers/critical.h"
#include "critnet/report/verdict.h"
#include "critnet/rg/couplings.h"
#include "critnet/rg/edge.h"
#include "critnet/rg/flow.h"
#include "critnet/rg/gaussian.h"
#include "critnet/rg/meanfield.h"
#include "option_class.h"

namespace critnet::python {
namespace {

using SideConvert = NamedConvert<GramSide, parse_gram_side, to_string>;
using NConvert = NamedConvert<NConvention, parse_n_convention, to_string>;
using PresetConvert = NamedConvert<reg::Preset, reg::parse_preset, reg::to_string>;
using ActivationConvert = NamedConvert<rg::Activation, rg::parse_activation, rg::to_string>;

// A plain member as a field accessor.
template <class T, class F>
auto member(F T::*m) {
  return [m](auto& o) -> auto& {
    return o.*m;
  };
}

// A TORCH_ARG member (o.name() is a reference) as a field accessor.
#define ARG(name)        \
  [](auto& o) -> auto& { \
    return o.name();     \
  }

template <class T>
void validated(const T& o) {
  o.validate();
}

// β, the Gram side and the N convention of a = β / N: the fields every TORCH_ARG struct that
// reads a weight's spectrum shares (probe, couplings, penalty).
template <class T>
OptionClass<T>& spectrum_fields(OptionClass<T>& c) {
  return c.template field<double>("beta", ARG(beta), "inverse temperature; a = beta / N")
      .template field<GramSide, SideConvert>("gram_side", ARG(gram_side),
                                             "\"in\" (w = V^T V) or \"out\" (V V^T)")
      .template field<NConvention, NConvert>(
          "n_convention", ARG(n_convention),
          "N of a = beta / N: \"fan-in\", \"fan-out\" or \"one\"");
}

void bind_fit(py::module_& m) {
  using analysis::FitOptions;
  OptionClass<FitOptions>(m, "FitOptions",
                          "analysis::FitOptions: one Clauset-Shalizi-Newman power-law fit",
                          validated<FitOptions>)
      .field<bool>("discrete", member(&FitOptions::discrete),
                   "the discrete power law (data integers >= 1)")
      .field<double>("xmin", member(&FitOptions::xmin), "a fixed x_min; nan: the minimum-KS scan")
      .field<double>("xmax", member(&FitOptions::xmax), "the largest x_min candidate (inf: no cap)")
      .field<std::size_t>("max_candidates", member(&FitOptions::max_candidates),
                          "at most this many x_min candidates (0: every unique value)")
      .field<std::size_t>("min_tail", member(&FitOptions::min_tail),
                          "a candidate leaves at least this many points in the tail (>= 5)")
      .field<int>("bootstrap", member(&FitOptions::bootstrap),
                  "semi-parametric bootstrap replicates of the goodness-of-fit p (0: none)")
      .field<std::uint64_t>("seed", member(&FitOptions::seed), "the bootstrap's seed")
      .field<int>("threads", member(&FitOptions::threads),
                  "the bootstrap's worker threads (0: every core); p does not depend on it")
      .field<bool>("compare", member(&FitOptions::compare),
                   "the likelihood-ratio tests against the alternatives")
      .field<double>("significance", member(&FitOptions::significance),
                     "a comparison with p below this names a favoured model, in (0, 1)")
      .finish();
  using report::VerdictRule;
  OptionClass<VerdictRule>(m, "VerdictRule", "report::VerdictRule: verdict rule 2's thresholds",
                           validated<VerdictRule>)
      .field<double>("gof_p_min", member(&VerdictRule::gof_p_min),
                     "a bootstrap p below this rejects the power law")
      .field<double>("lr_p_max", member(&VerdictRule::lr_p_max),
                     "an alternative with R < 0 and p below this is favoured")
      .field<double>("min_decades", member(&VerdictRule::min_decades),
                     "the tail spans at least this many decades")
      .field<long long>("min_tail", member(&VerdictRule::min_tail),
                        "the tail holds at least this many points")
      .finish();
}

void bind_probe(py::module_& m) {
  using probe::ProbeOptions;
  OptionClass<ProbeOptions> probe(m, "ProbeOptions", "probe::ProbeOptions: what a probe measures",
                                  validated<ProbeOptions>);
  probe
      .field<double>("threshold", ARG(threshold),
                     "a unit is active on a sample when its activation is above this")
      .field<int64_t>("subset_size", ARG(subset_size), "units per random subset, 1..64")
      .field<int64_t>("num_subsets", ARG(num_subsets), "random subsets per layer (0: none)")
      .field<std::uint64_t>("seed", ARG(seed), "the subsets' seed")
      .field<int64_t>("max_patterns", ARG(max_patterns), "distinct patterns each counter stores");
  spectrum_fields(probe)
      .field<double>("cw_tolerance", ARG(cw_tolerance),
                     "|a s^2 - 1| at most this is at the Curie-Weiss point")
      .field<double>("fit_max_separation", ARG(fit_max_separation),
                     "the two-point decay fits' largest separation, a fraction of the units")
      .finish();
  using probe::ProbeRecipe;
  OptionClass<ProbeRecipe>(m, "ProbeRecipe",
                           "probe::ProbeRecipe: the probe settings every study shares",
                           [](const ProbeRecipe& r) { r.validate(); })
      .field<int64_t>("limit", member(&ProbeRecipe::limit), "samples streamed (0: all)")
      .field<int>("bootstrap", member(&ProbeRecipe::bootstrap),
                  "bootstrap replicates per fit (0: no p-value)")
      .field<int64_t>("max_candidates", member(&ProbeRecipe::max_candidates),
                      "x_min candidates per fit (0: every one)")
      .field<int64_t>("subset_size", member(&ProbeRecipe::subset_size),
                      "units per random subset, 1..64")
      .field<double>("min_tail_fraction", member(&ProbeRecipe::min_tail_fraction),
                     "a fit's tail holds at least this fraction of the values, in [0, 1)")
      .finish();
}

void bind_rg(py::module_& m) {
  using rg::CouplingOptions;
  OptionClass<CouplingOptions> couplings(m, "CouplingOptions",
                                         "rg::CouplingOptions: how a weight becomes (w, a, h)",
                                         validated<CouplingOptions>);
  spectrum_fields(couplings).field<double>("field", ARG(field), "external field h").finish();
  using rg::ClassifyOptions;
  OptionClass<ClassifyOptions>(m, "ClassifyOptions", "rg::ClassifyOptions: the modes' classes",
                               validated<ClassifyOptions>)
      .field<double>("tol_trivial", ARG(tol_trivial), "|x| at most this is trivial")
      .field<double>("tol_critical", ARG(tol_critical), "|x - 1| at most this is critical")
      .field<double>("tol_near", ARG(tol_near), "|x - 1| at most this is near-critical")
      .finish();
  using reg::PenaltyOptions;
  OptionClass<PenaltyOptions> penalty(
      m, "PenaltyOptions", "reg::PenaltyOptions: the critical penalty", validated<PenaltyOptions>);
  penalty.field<reg::Preset, PresetConvert>(
      "preset", ARG(preset),
      "\"paper\", \"paper-eq33\", \"cw\", \"poly\", \"l1\", \"l2\" or \"none\"");
  spectrum_fields(penalty)
      .field<std::vector<double>>("coefficients", ARG(coefficients),
                                  "c_0..c_K of \"poly\" (1 to 5); empty for the others")
      .field<int64_t>("probes", ARG(probes),
                      "Rademacher probes of the Hutchinson estimate (0: exact)")
      .finish();
}

void bind_theory(py::module_& m) {
  using rg::EdgeOptions;
  OptionClass<EdgeOptions>(m, "EdgeOptions", "rg::EdgeOptions: one point of the edge of chaos",
                           validated<EdgeOptions>)
      .field<rg::Activation, ActivationConvert>("activation", member(&EdgeOptions::activation),
                                                "the activation (\"tanh\", \"relu\", ...)")
      .field<double>("sigma_w2", member(&EdgeOptions::sigma_w2), "weight variance x N, > 0")
      .field<double>("sigma_b2", member(&EdgeOptions::sigma_b2), "bias variance, >= 0")
      .field<int>("depth", member(&EdgeOptions::depth),
                  "L >= 1: the Jacobian's predicted moments (0: none)")
      .field<double>("critical_tolerance", member(&EdgeOptions::critical_tolerance),
                     "|chi1 - 1| at most this is critical")
      .finish();
  using rg::MeanFieldStudyOptions;
  OptionClass<MeanFieldStudyOptions>(
      m, "MeanFieldStudyOptions", "rg::MeanFieldStudyOptions: the mean-field sweep",
      [](const MeanFieldStudyOptions& o) { o.validate(!o.curie_weiss()); })
      .field<std::optional<double>>("coupling", member(&MeanFieldStudyOptions::coupling),
                                    "Curie-Weiss J > 0 (with size); None: weights")
      .field<std::optional<int64_t>>("size", member(&MeanFieldStudyOptions::size),
                                     "Curie-Weiss N (with coupling)")
      .field<std::vector<int64_t>>("layers", member(&MeanFieldStudyOptions::layers),
                                   "weights: layer indices, each once (empty: all but the last)")
      .field<GramSide, SideConvert>("gram_side", member(&MeanFieldStudyOptions::side),
                                    "\"in\" (w = V^T V) or \"out\" (V V^T)")
      .field<NConvention, NConvert>("n_convention", member(&MeanFieldStudyOptions::convention),
                                    "N: \"fan-in\", \"fan-out\" or \"one\"")
      .field<double>(
          "t_min", [](auto& o) -> auto& { return o.range.t_min; },
          "the sweep's first temperature, in units of T_c (> 0)")
      .field<double>(
          "t_max", [](auto& o) -> auto& { return o.range.t_max; },
          "the sweep's last temperature, in units of T_c")
      .field<int64_t>(
          "steps", [](auto& o) -> auto& { return o.range.steps; }, "temperatures, 2..10**6")
      .field<double>("field", member(&MeanFieldStudyOptions::field), "external field h")
      .field<double>(
          "damping", [](auto& o) -> auto& { return o.solver.damping(); },
          "of the fixed-point iteration, in (0, 1]")
      .field<double>(
          "tolerance", [](auto& o) -> auto& { return o.solver.tolerance(); },
          "converged when the residual is at most this")
      .field<int64_t>(
          "max_iterations", [](auto& o) -> auto& { return o.solver.max_iterations(); },
          "iterations per temperature")
      .finish();
  using rg::GaussianStudyOptions;
  OptionClass<GaussianStudyOptions>(m, "GaussianStudyOptions",
                                    "rg::GaussianStudyOptions: the Gaussian model's two-point "
                                    "function",
                                    validated<GaussianStudyOptions>)
      .field<int64_t>("dim", member(&GaussianStudyOptions::dim), "d in {1, 2, 3}")
      .field<int64_t>("size", member(&GaussianStudyOptions::size),
                      "L sites per side (0: 256 for d = 3, 1024 for d = 1, 2)")
      .field<double>("r", member(&GaussianStudyOptions::r), "mass term >= 0")
      .field<double>("g", member(&GaussianStudyOptions::g), "gradient coupling > 0")
      .field<double>("fit_min", member(&GaussianStudyOptions::fit_min),
                     "the fit range's start in lattice units (0: 6)")
      .field<double>("fit_max", member(&GaussianStudyOptions::fit_max),
                     "the fit range's end (0: min(60, floor(L/4)))")
      .finish();
  using rg::FlowStudyOptions;
  OptionClass<FlowStudyOptions>(m, "FlowStudyOptions",
                                "rg::FlowStudyOptions: the RG flow of eigenvalues",
                                validated<FlowStudyOptions>)
      .field<std::vector<double>>("lambdas", member(&FlowStudyOptions::lambdas),
                                  "the initial eigenvalues, at least one")
      .field<double>("a", member(&FlowStudyOptions::a), "beta / N")
      .field<double>("tau_max", member(&FlowStudyOptions::tau_max),
                     "the RG time reached, not 0 (< 0: towards the UV)")
      .field<int64_t>("steps", member(&FlowStudyOptions::steps), "output points after tau = 0")
      .field<double>(
          "rtol", [](auto& o) -> auto& { return o.solver.rtol; },
          "RK45's relative tolerance, in (0, 1)")
      .finish();
}

void bind_atlas(py::module_& m) {
  using atlas::HtsrOptions;
  OptionClass<HtsrOptions>(m, "HtsrOptions", "atlas::HtsrOptions: the HTSR analysis",
                           validated<HtsrOptions>)
      .field<double>("eval_floor", member(&HtsrOptions::eval_floor),
                     "eigenvalues at or below this are dropped")
      .field<int64_t>("min_evals", member(&HtsrOptions::min_evals),
                      "a layer with fewer eigenvalues gets no fit")
      .field<int>("bootstrap", member(&HtsrOptions::bootstrap),
                  "bootstrap replicates of the tail's p (0: none)")
      .field<std::uint64_t>("seed", member(&HtsrOptions::seed), "the bootstrap's seed")
      .field<int>("threads", member(&HtsrOptions::threads), "the bootstrap's threads (0: all)")
      .field<report::VerdictRule>("rule", member(&HtsrOptions::rule), "verdict rule 2")
      .finish();
  using atlas::SignalOptions;
  OptionClass<SignalOptions>(m, "SignalOptions",
                             "atlas::SignalOptions: signal propagation measured",
                             validated<SignalOptions>)
      .field<std::optional<rg::Activation>, OptionalConvert<rg::Activation, ActivationConvert>>(
          "activation", member(&SignalOptions::activation),
          "the activation between the layers (None: a tapped model without chi1's theory)")
      .field<int64_t>("jacobian_samples", member(&SignalOptions::jacobian_samples),
                      "inputs whose full Jacobian is computed")
      .field<int64_t>("apjn_probes", member(&SignalOptions::apjn_probes),
                      "Hutchinson vectors per input")
      .field<int64_t>("bootstrap", member(&SignalOptions::bootstrap),
                      "replicates of chi1's 95% interval (0: none)")
      .field<std::uint64_t>("seed", member(&SignalOptions::seed), "the bootstrap's seed")
      .field<double>("critical_tolerance", member(&SignalOptions::critical_tolerance),
                     "|chi1 - 1| at most this is critical")
      .field<int64_t>("batch_size", member(&SignalOptions::batch_size), "inputs per forward pass")
      .finish();
}

void bind_data(py::module_& m) {
  using data::DataSpec;
  // Checked where it is used: the source's name and files when the data are read.
  OptionClass<DataSpec>(m, "DataSpec", "data::DataSpec: a run's data (config.json's \"data\")")
      .field<std::string>("source", member(&DataSpec::source),
                          "\"fashion-mnist\", \"mnist\", \"cifar10\" or \"synthetic:D\"")
      .field<std::string>("data_dir", member(&DataSpec::data_dir),
                          "the files' directory (\"\": the source's default)")
      .field<std::uint64_t>("seed", member(&DataSpec::seed), "the synthetic data's seed")
      .field<int64_t>("synthetic_train", member(&DataSpec::synthetic_train),
                      "synthetic train samples")
      .field<int64_t>("synthetic_test", member(&DataSpec::synthetic_test), "synthetic test samples")
      .field<int64_t>("train_limit", member(&DataSpec::train_limit),
                      "the first n train samples (0: all)")
      .field<int64_t>("test_limit", member(&DataSpec::test_limit),
                      "the first n test samples (0: all)")
      .finish();
}

#undef ARG

}  // namespace

void bind_options(py::module_& m) {
  bind_fit(m);
  bind_probe(m);
  bind_rg(m);
  bind_theory(m);
  bind_atlas(m);
  bind_data(m);
}

}  // namespace critnet::python
