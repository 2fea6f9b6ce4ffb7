// `critnet meanfield CHECKPOINT | --coupling J --size N`: the mean-field consistency equation
// (eq. 6) solved along a temperature sweep; CSV of T, m, chi, iterations, converged; T_c.
#include "critnet/rg/meanfield.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/checkpoint_weights.h"
#include "commands/command.h"
#include "commands/plot.h"
#include "commands/text_output.h"
#include "commands/validate.h"
#include "critnet/core/coupling.h"
#include "critnet/core/error.h"
#include "critnet/report/csv.h"
#include "critnet/rg/couplings.h"

namespace critnet::cli {
namespace {

struct MeanFieldArgs {
  std::string checkpoint;
  double coupling = NAN;
  int64_t size = 0;
  std::string gram_side = "in";
  std::string n_convention = "fan-in";
  std::vector<int64_t> layers;
  // The library's defaults (rg::TemperatureRange, rg::MeanFieldOptions); T in units of T_c.
  double t_min = rg::TemperatureRange().t_min;
  double t_max = rg::TemperatureRange().t_max;
  int64_t steps = rg::TemperatureRange().steps;
  double field = rg::MeanFieldStudyOptions().field;
  double damping = rg::MeanFieldOptions().damping();
  double tolerance = rg::MeanFieldOptions().tolerance();
  int64_t max_iterations = rg::MeanFieldOptions().max_iterations();
  std::string out;
  std::string plot;
  bool json = false;
};

// The study the arguments name (rg::MeanFieldStudyOptions: Curie-Weiss, or layers of a
// checkpoint, and the sweep).
rg::MeanFieldStudyOptions study_of(const MeanFieldArgs& args) {
  rg::MeanFieldStudyOptions o;
  if (!std::isnan(args.coupling)) o.coupling = args.coupling;
  if (args.size > 0) o.size = args.size;
  o.layers = args.layers;
  o.side = parse_gram_side(args.gram_side);
  o.convention = parse_n_convention(args.n_convention);
  o.range.t_min = args.t_min;
  o.range.t_max = args.t_max;
  o.range.steps = args.steps;
  o.field = args.field;
  o.solver.damping(args.damping).tolerance(args.tolerance).max_iterations(args.max_iterations);
  return o;
}

// The CSV rows of one curve (every temperature, converged or not).
void write_rows(std::ostream& os, const rg::MeanFieldCurve& c) {
  for (const rg::SweepPoint& p : c.points) {
    os << fmt::format("{},{:.10g},{:.10g},{:.10g},{:.10g},{:.10g},{:.10g},{},{},{:.3g}\n", c.name,
                      p.temperature, p.temperature / c.critical_temperature, p.magnetisation,
                      p.susceptibility, p.top_magnetisation, p.top_susceptibility, p.iterations,
                      p.converged ? 1 : 0, p.residual);
  }
}

// The order parameter and susceptibility of the top mode (for Curie-Weiss the top eigenvector
// is uniform and they equal m and chi) against T/T_c, one line per curve; temperatures that
// did not converge are left out of the figure (the CSV keeps them).
void plot_meanfield(const MeanFieldArgs& args, bool cw,
                    const std::vector<rg::MeanFieldCurve>& curves) {
  namespace fs = std::filesystem;
  const fs::path dir(args.plot);
  report::Panel m_panel, chi_panel;
  double chi_lo = INFINITY, chi_hi = 0.0, m_hi = 0.0;
  for (const rg::MeanFieldCurve& c : curves) {
    std::vector<double> t_rel, m_col, chi_col;
    for (const rg::SweepPoint& p : c.points) {
      t_rel.push_back(p.temperature / c.critical_temperature);
      m_col.push_back(p.converged ? p.top_magnetisation : NAN);
      chi_col.push_back(p.converged ? p.top_susceptibility : NAN);
      if (!p.converged) continue;
      m_hi = std::max(m_hi, std::isfinite(p.top_magnetisation) ? p.top_magnetisation : 0.0);
      if (std::isfinite(p.top_susceptibility) && p.top_susceptibility > 0) {
        chi_lo = std::min(chi_lo, p.top_susceptibility);
        chi_hi = std::max(chi_hi, p.top_susceptibility);
      }
    }
    const fs::path csv = dir / fmt::format("meanfield_{}.csv", c.name);
    report::write_csv(csv, {"T_over_Tc", "m_top", "chi_top"}, {t_rel, m_col, chi_col});
    report::Series sm;
    sm.label = cw ? fmt::format("CW J = {}, N = {}", args.coupling, args.size)
                  : fmt::format("layer {} (T_c = {:.4g})", c.name, c.critical_temperature);
    sm.csv = csv;
    sm.x_column = "T_over_Tc";
    sm.y_column = "m_top";
    sm.style = report::SeriesStyle::kLinesPoints;
    report::Series sc = sm;
    sc.y_column = "chi_top";
    m_panel.series.push_back(sm);
    chi_panel.series.push_back(sc);
  }
  const std::string tc_label = "T_c";
  m_panel.series.push_back(reference_line(dir / "meanfield_tc_m.csv", tc_label, "#000000", 1.0, 0.0,
                                          1.0, std::max(m_hi, 1e-3)));
  if (chi_hi > 0) {
    chi_panel.series.push_back(reference_line(dir / "meanfield_tc_chi.csv", tc_label, "#000000",
                                              1.0, chi_lo, 1.0, chi_hi));
  }
  const std::string which = cw ? "" : " (top mode of w)";
  m_panel.title = "order parameter" + which;
  m_panel.x_label = "T / T_c";
  m_panel.y_label = cw ? "m" : "m_top = |e_max . V| / sqrt(N)";
  m_panel.key = report::KeyPosition::kTopRight;
  chi_panel.title = "susceptibility" + which;
  chi_panel.x_label = "T / T_c";
  chi_panel.y_label = cw ? "chi = dm/dh" : "chi_top (field along e_max)";
  chi_panel.scale = report::Scale::kLogY;
  chi_panel.key = report::KeyPosition::kTopLeft;
  if (curves.size() > 3) m_panel.key = chi_panel.key = report::KeyPosition::kBelow;
  m_panel.x_min = chi_panel.x_min = args.t_min;
  m_panel.x_max = chi_panel.x_max = args.t_max;
  if (chi_hi > 0) chi_panel.y_max = 3.0 * chi_hi;  // headroom: the largest χ not on the border
  report::Figure fig;
  fig.name = "meanfield";
  fig.title =
      cw ? fmt::format("mean field (eq. 6): Curie-Weiss, J = {}, N = {}", args.coupling, args.size)
         : fmt::format("mean field (eq. 6): {}", fs::path(args.checkpoint).filename().string());
  fig.caption =
      "Solutions of V = tanh(beta (w V/N + h)) along a temperature sweep: the order parameter "
      "and the linear-response susceptibility (top mode of w; for Curie-Weiss m and chi) "
      "against T/T_c; the black line marks T_c (J for Curie-Weiss, lambda_max(w)/N in "
      "general), where chi diverges as 1/(T - T_c) from above. Temperatures whose iteration "
      "did not converge (critical slowing down at T_c) are left out of the figure.";
  fig.panels = {m_panel, chi_panel};
  render_figure(fig, dir);
}

void run_meanfield(const MeanFieldArgs& args) {
  check_unique(args.layers, "--layer");
  const rg::MeanFieldStudyOptions study = study_of(args);
  study.validate(!args.checkpoint.empty());  // before the checkpoint is read
  const bool cw = study.curie_weiss();
  const std::vector<rg::MeanFieldSystem> systems =
      rg::meanfield_systems(study, args.checkpoint.empty() ? std::vector<torch::Tensor>{}
                                                           : load_weights(args.checkpoint));

  TextOutput output(args.out);
  std::ostream& os = output.stream();
  prepare_plot_dir(args.plot);
  if (!args.json) os << "layer,T,T_over_Tc,m,chi,m_top,chi_top,iterations,converged,residual\n";
  std::vector<rg::MeanFieldCurve> curves;
  nlohmann::json doc = nlohmann::json::array();
  for (const rg::MeanFieldSystem& s : systems) {
    curves.push_back(rg::meanfield_curve(s, study.range, study.field, study.solver));
    const rg::MeanFieldCurve& c = curves.back();
    fmt::print(stderr, "{}: N = {}, size {}, T_c = lambda_max(w)/N = {:.8g}\n", c.name, c.n, c.size,
               c.critical_temperature);
    if (args.json)
      doc.push_back(c.to_json());
    else
      write_rows(os, c);
    if (c.not_converged() > 0) {
      fmt::print(stderr,
                 "{}: {} of {} temperatures did not converge within {} iterations "
                 "(critical slowing down near T_c)\n",
                 s.name, c.not_converged(), c.points.size(), args.max_iterations);
    }
  }
  if (args.json) os << doc.dump(2) << "\n";
  output.commit();
  if (!args.plot.empty()) plot_meanfield(args, cw, curves);
}

}  // namespace

void setup_meanfield(CLI::App& app) {
  auto args = std::make_shared<MeanFieldArgs>();
  auto* cmd = app.add_subcommand(
      "meanfield", "Mean-field equation (eq. 6) along a temperature sweep: T, m, chi; T_c");
  cmd->add_option("checkpoint", args->checkpoint, "Checkpoint file (w = V^T V of each layer)");
  // J <= 0 has no ordered phase (T_c = 0): refused rather than reporting round-off as T_c.
  cmd->add_option("--coupling", args->coupling, "Constant coupling J > 0 (Curie-Weiss, T_c = J)")
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--size", args->size, "Number of units N, at most 16384 (with --coupling)")
      ->check(integer(1, kMaxMeanFieldSize));
  cmd->add_option("--gram-side", args->gram_side, "w = V^T V (in) or V V^T (out)")
      ->capture_default_str();
  cmd->add_option("--n-convention", args->n_convention, "N = fan-in | fan-out | one")
      ->capture_default_str();
  cmd->add_option("--layer", args->layers,
                  "Layer indices, each once (default: all but the output layer)")
      ->delimiter(',')
      ->check(integer(0));
  cmd->add_option("--t-min", args->t_min, "Lowest T in units of T_c, > 0")
      ->capture_default_str()
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--t-max", args->t_max, "Highest T in units of T_c, > --t-min")
      ->capture_default_str()
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--steps", args->steps,
                  fmt::format("Number of temperatures, 2 .. {}", kMaxMeanFieldSteps))
      ->capture_default_str()
      ->check(integer(2, kMaxMeanFieldSteps));
  cmd->add_option("--field", args->field, "External field h")->capture_default_str()->check(real());
  cmd->add_option("--damping", args->damping, "Damping of the fixed-point iteration (0, 1]")
      ->capture_default_str()
      ->check(real(0, 1, Ends::kOpenLow));
  cmd->add_option("--tolerance", args->tolerance, "Max residual for convergence, > 0")
      ->capture_default_str()
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--max-iterations", args->max_iterations, "Iteration limit per temperature")
      ->capture_default_str()
      ->check(integer(1));
  cmd->add_option("--out", args->out, "Write the CSV here instead of stdout");
  cmd->add_flag("--json", args->json,
                "Print the curves as JSON (rg::MeanFieldCurve::to_json) instead of the CSV");
  add_plot_option(cmd, args->plot);
  cmd->callback([args] { run_meanfield(*args); });
}

}  // namespace critnet::cli
