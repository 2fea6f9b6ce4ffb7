// `critnet meanfield CHECKPOINT | --coupling J --size N`: the mean-field consistency equation
// (eq. 6) solved along a temperature sweep; CSV of T, m, chi, iterations, converged; T_c.
#include "critnet/rg/meanfield.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
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
  double t_min = 0.5;  // in units of T_c
  double t_max = 1.5;
  int64_t steps = 20;
  double field = 0.0;
  double damping = 0.5;
  double tolerance = 1e-10;
  int64_t max_iterations = 100000;
  std::string out;
  std::string plot;
};

void run_meanfield(const MeanFieldArgs& args) {
  const bool cw = !std::isnan(args.coupling) || args.size > 0;
  CRITNET_CHECK(cw != !args.checkpoint.empty(),
                "give either CHECKPOINT or --coupling J --size N, not both or neither");
  if (cw) {
    CRITNET_CHECK(!std::isnan(args.coupling) && args.size > 0,
                  "--coupling and --size go together (got coupling ", args.coupling, ", size ",
                  args.size, ")");
  }
  CRITNET_CHECK(args.t_min > 0 && args.t_max > args.t_min,
                "need 0 < --t-min < --t-max (units of T_c), got ", args.t_min, ", ", args.t_max);
  check_unique(args.layers, "--layer");
  rg::MeanFieldOptions mo;
  mo.damping(args.damping).tolerance(args.tolerance).max_iterations(args.max_iterations);
  mo.validate();

  struct System {
    std::string name;
    torch::Tensor w;
    double n;
  };
  std::vector<System> systems;
  if (cw) {
    systems.push_back(
        {"cw", rg::curie_weiss_coupling(args.size, args.coupling), static_cast<double>(args.size)});
  } else {
    const auto side = parse_gram_side(args.gram_side);
    const auto conv = parse_n_convention(args.n_convention);
    const std::vector<torch::Tensor> weights = load_weights(args.checkpoint);
    std::vector<int64_t> layers = args.layers;
    if (layers.empty()) {
      for (size_t l = 0; l + 1 < weights.size(); ++l) layers.push_back(static_cast<int64_t>(l));
    }
    for (int64_t l : layers) {
      CRITNET_CHECK(l >= 0 && l < static_cast<int64_t>(weights.size()), "--layer ", l,
                    " out of range: the checkpoint has ", weights.size(), " Linear layers");
      const torch::Tensor& v = weights[static_cast<size_t>(l)];
      const torch::Tensor w = side == GramSide::kIn ? torch::mm(v.t(), v) : torch::mm(v, v.t());
      systems.push_back({std::to_string(l), w, static_cast<double>(rg::unit_count(v, conv))});
    }
  }

  TextOutput output(args.out);
  std::ostream& os = output.stream();
  prepare_plot_dir(args.plot);
  namespace fs = std::filesystem;
  report::Panel m_panel, chi_panel;
  double chi_lo = INFINITY, chi_hi = 0.0, m_hi = 0.0;
  std::vector<double> tcs;
  os << "layer,T,T_over_Tc,m,chi,m_top,chi_top,iterations,converged,residual\n";
  for (const System& s : systems) {
    const double tc = rg::critical_temperature(s.w, s.n);
    // lambda_max within round-off of 0 (an all-zero layer) is no T_c.
    const double noise =
        1e-12 * static_cast<double>(s.w.size(0)) * s.w.abs().max().item<double>() / s.n;
    CRITNET_CHECK_AS(NumericalError, tc > noise, "layer ", s.name,
                     ": T_c = lambda_max(w)/N must be > 0 (beyond round-off), got ", tc);
    fmt::print(stderr, "{}: N = {}, size {}, T_c = lambda_max(w)/N = {:.8g}\n", s.name, s.n,
               s.w.size(0), tc);
    std::vector<double> temps;
    for (int64_t i = 0; i < args.steps; ++i) {
      temps.push_back(tc * (args.t_min + (args.t_max - args.t_min) * static_cast<double>(i) /
                                             static_cast<double>(args.steps - 1)));
    }
    int64_t not_converged = 0;
    std::vector<double> t_rel, m_col, chi_col;
    const std::vector<rg::SweepPoint> sweep =
        rg::temperature_sweep(s.w, s.n, args.field, temps, mo);
    for (const rg::SweepPoint& p : sweep) {
      t_rel.push_back(p.temperature / tc);
      if (!p.converged) {  // left out of the figure (the CSV on stdout keeps it)
        m_col.push_back(NAN);
        chi_col.push_back(NAN);
        continue;
      }
      // The order parameter and the susceptibility of the top mode (for Curie-Weiss the top
      // eigenvector is uniform and they equal m and chi).
      m_col.push_back(p.top_magnetisation);
      chi_col.push_back(p.top_susceptibility);
      m_hi = std::max(m_hi, std::isfinite(p.top_magnetisation) ? p.top_magnetisation : 0.0);
      if (std::isfinite(p.top_susceptibility) && p.top_susceptibility > 0) {
        chi_lo = std::min(chi_lo, p.top_susceptibility);
        chi_hi = std::max(chi_hi, p.top_susceptibility);
      }
    }
    if (!args.plot.empty()) {
      const fs::path csv = fs::path(args.plot) / fmt::format("meanfield_{}.csv", s.name);
      report::write_csv(csv, {"T_over_Tc", "m_top", "chi_top"}, {t_rel, m_col, chi_col});
      const std::string label = cw ? fmt::format("CW J = {}, N = {}", args.coupling, args.size)
                                   : fmt::format("layer {} (T_c = {:.4g})", s.name, tc);
      report::Series sm;
      sm.label = label;
      sm.csv = csv;
      sm.x_column = "T_over_Tc";
      sm.y_column = "m_top";
      sm.style = report::SeriesStyle::kLinesPoints;
      report::Series sc = sm;
      sc.y_column = "chi_top";
      m_panel.series.push_back(sm);
      chi_panel.series.push_back(sc);
      tcs.push_back(tc);
    }
    for (const rg::SweepPoint& p : sweep) {
      os << fmt::format("{},{:.10g},{:.10g},{:.10g},{:.10g},{:.10g},{:.10g},{},{},{:.3g}\n", s.name,
                        p.temperature, p.temperature / tc, p.magnetisation, p.susceptibility,
                        p.top_magnetisation, p.top_susceptibility, p.iterations,
                        p.converged ? 1 : 0, p.residual);
      if (!p.converged) ++not_converged;
    }
    if (not_converged > 0) {
      fmt::print(stderr,
                 "{}: {} of {} temperatures did not converge within {} iterations "
                 "(critical slowing down near T_c)\n",
                 s.name, not_converged, temps.size(), args.max_iterations);
    }
  }
  output.commit();
  if (!args.plot.empty()) {
    const fs::path dir(args.plot);
    const std::string tc_label = "T_c";
    m_panel.series.push_back(reference_line(dir / "meanfield_tc_m.csv", tc_label, "#000000", 1.0,
                                            0.0, 1.0, std::max(m_hi, 1e-3)));
    if (chi_hi > 0) {
      chi_panel.series.push_back(reference_line(dir / "meanfield_tc_chi.csv", tc_label, "#000000",
                                                1.0, chi_lo, 1.0, chi_hi));
    }
    const std::string which = cw ? "" : " (top mode of w)";
    m_panel.title = "order parameter" + which;
    m_panel.x_label = "T / T_c";
    m_panel.y_label = cw ? "m" : "m_top = |e_max . V| / sqrt(N)";
    m_panel.key = report::KeyPosition::kTopRight;
    m_panel.x_min = args.t_min;
    m_panel.x_max = args.t_max;
    chi_panel.title = "susceptibility" + which;
    chi_panel.x_label = "T / T_c";
    chi_panel.y_label = cw ? "chi = dm/dh" : "chi_top (field along e_max)";
    chi_panel.scale = report::Scale::kLogY;
    chi_panel.key = report::KeyPosition::kTopLeft;
    if (tcs.size() > 3) m_panel.key = chi_panel.key = report::KeyPosition::kBelow;
    chi_panel.x_min = args.t_min;
    chi_panel.x_max = args.t_max;
    if (chi_hi > 0) chi_panel.y_max = 3.0 * chi_hi;  // headroom: the largest χ not on the border
    report::Figure fig;
    fig.name = "meanfield";
    fig.title =
        cw ? fmt::format("mean field (eq. 6): Curie-Weiss, J = {}, N = {}", args.coupling,
                         args.size)
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
  cmd->add_option("--steps", args->steps, "Number of temperatures, 2 .. 1000000")
      ->capture_default_str()
      ->check(integer(2, 1000000));
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
  add_plot_option(cmd, args->plot);
  cmd->callback([args] { run_meanfield(*args); });
}

}  // namespace critnet::cli
