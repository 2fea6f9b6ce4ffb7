// `critnet rg CHECKPOINT`: per layer, the spectrum of a·w, the couplings of eq. 13, the
// classification of section 2.5, ξ per mode and the distance to the CW critical point.
// `critnet rg-flow`: the mode flow dλ/dτ = 2λ(1 - aλ)/(1 - 2aλ) (eq. 26), RK45 and closed form.
#include <fmt/core.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
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
#include "critnet/rg/flow.h"

namespace critnet::cli {
namespace {

struct RgArgs {
  std::string checkpoint;
  double beta = 1.0;
  double field = 0.0;
  std::string gram_side = "in";
  std::string n_convention = "fan-in";
  std::vector<int64_t> layers;
  double tol_trivial = 1e-2;
  double tol_critical = 1e-2;
  double tol_near = 0.1;
  bool json = false;
  std::string plot;
};

std::vector<double> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// A number of rg::to_json's document ("inf" / "nan" strings and null back to doubles).
double number_of(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return std::strtod(v.get<std::string>().c_str(), nullptr);
  return NAN;
}

// The table's title lines and header (the text output).
void print_rg_header(const RgArgs& args) {
  fmt::print("checkpoint {}  beta {}  h {}  gram side {}  N {}\n", args.checkpoint, args.beta,
             args.field, args.gram_side, args.n_convention);
  fmt::print(
      "x = a*lambda (a = beta/N); modes: zero/disordered/near/critical/ordered/frozen/"
      "negative; xi = sqrt(g/r) (inf: r = 0, nan: r < 0)\n");
  fmt::print(
      "{:>5} {:>11} {:>6} {:>10} {:>10} {:>10} {:>10} {:>15} {:>9} {:>9} {:>26} {:>9} "
      "{:>9} {:>9} {:>10}\n",
      "layer", "shape", "N", "a", "x_min", "x_median", "x_max", "phase", "|x-1|min", "|x-1|med",
      "modes z/d/n/c/o/f/-", "xi_med", "xi_inf", "xi_nan", "T_c");
}

// One layer's row of the table (`doc` is rg::to_json(an)).
void print_rg_row(int64_t l, bool output_layer, const rg::LayerAnalysis& an,
                  const nlohmann::json& doc) {
  const rg::Couplings& c = an.couplings;
  const auto& k = an.class_counts;
  fmt::print(
      "{:>5} {:>11} {:>6} {:>10.4g} {:>10.4g} {:>10.4g} {:>10.4g} {:>15} {:>9.3g} "
      "{:>9.3g} {:>26} {:>9.3g} {:>9} {:>9} {:>10.4g}{}\n",
      l, fmt::format("{}x{}", an.shape[0], an.shape[1]), c.n, c.a, number_of(doc["x_min"]),
      number_of(doc["x_median"]), an.x_max, rg::to_string(an.phase), an.distance_min,
      an.distance_median,
      fmt::format("{}/{}/{}/{}/{}/{}/{}", k[0], k[1], k[2], k[3], k[4], k[5], k[6]),
      number_of(doc["xi_median_finite"]), doc["xi_inf"].get<int64_t>(),
      doc["xi_nan"].get<int64_t>(), an.critical_temperature,
      output_layer ? "  (output layer)" : "");
  if (c.structural_zeros > 0) {
    fmt::print("      ({} structural zero modes of the {}x{} Gram matrix counted as zero)\n",
               c.structural_zeros, c.dimension, c.dimension);
  }
}

// The figure rg_spectrum: each layer's shared modes' a*lambda, descending, against their rank,
// with the Curie-Weiss critical point a*lambda = 1.
class SpectrumFigure {
 public:
  explicit SpectrumFigure(const RgArgs& args) : args_(args), dir_(args.plot) {}

  void add(int64_t l, bool output_layer, const rg::LayerAnalysis& an) {
    const rg::Couplings& c = an.couplings;
    std::vector<double> xs_desc = to_vector(c.x.slice(0, c.structural_zeros));
    std::sort(xs_desc.rbegin(), xs_desc.rend());
    std::vector<double> ranks;
    for (size_t i = 0; i < xs_desc.size(); ++i) ranks.push_back(static_cast<double>(i + 1));
    const std::filesystem::path csv = dir_ / fmt::format("rg_spectrum_layer{}.csv", l);
    report::write_csv(csv, {"rank", "x"}, {ranks, xs_desc});
    max_rank_ = std::max<int64_t>(max_rank_, static_cast<int64_t>(xs_desc.size()));
    if (!xs_desc.empty() && std::isfinite(xs_desc[0])) x_top_ = std::max(x_top_, xs_desc[0]);
    report::Series series;
    series.label = fmt::format("layer {} ({}x{}, {}){}", l, an.shape[0], an.shape[1],
                               rg::to_string(an.phase), output_layer ? ", output" : "");
    series.csv = csv;
    series.x_column = "rank";
    series.y_column = "x";
    series.style = report::SeriesStyle::kLinesPoints;
    spectrum_.series.push_back(series);
  }

  void render() {
    spectrum_.title = fmt::format("spectrum of a w per layer (beta = {}, N = {})", args_.beta,
                                  args_.n_convention);
    spectrum_.x_label = "rank (descending a lambda)";
    spectrum_.y_label = "a lambda";
    spectrum_.scale = report::Scale::kLogLog;
    spectrum_.key = report::KeyPosition::kBottomLeft;
    spectrum_.series.push_back(
        reference_line(dir_ / "rg_spectrum_cw.csv", "a lambda = 1 (CW critical point)", "#000000",
                       1.0, 1.0, static_cast<double>(std::max<int64_t>(2, max_rank_)), 1.0));
    report::Figure fig;
    fig.name = "rg_spectrum";
    fig.title =
        fmt::format("critnet rg {}", std::filesystem::path(args_.checkpoint).filename().string());
    fig.caption = fmt::format(
        "Eigenvalues a*lambda of a*w (w = V^T V, gram side {}) per layer, sorted descending, "
        "against their rank; the black line is the Curie-Weiss critical point a*lambda = 1 "
        "(largest a*lambda over the layers: {:.4g}). Structural zero modes are left out.",
        args_.gram_side, x_top_);
    fig.panels.push_back(spectrum_);
    fig.panel_width_px = 760;
    fig.height_px = 520;
    render_figure(fig, dir_);
  }

 private:
  const RgArgs& args_;
  std::filesystem::path dir_;
  report::Panel spectrum_;
  int64_t max_rank_ = 1;
  double x_top_ = 0.0;
};

void run_rg(const RgArgs& args) {
  rg::CouplingOptions copts;
  copts.beta(args.beta)
      .field(args.field)
      .gram_side(parse_gram_side(args.gram_side))
      .n_convention(parse_n_convention(args.n_convention));
  rg::ClassifyOptions cls;
  cls.tol_trivial(args.tol_trivial).tol_critical(args.tol_critical).tol_near(args.tol_near);
  cls.validate();
  check_unique(args.layers, "--layer");
  const std::vector<torch::Tensor> weights = load_weights(args.checkpoint);
  std::vector<int64_t> layers = args.layers;
  if (layers.empty()) {
    for (size_t l = 0; l < weights.size(); ++l) layers.push_back(static_cast<int64_t>(l));
  }
  const int64_t num_layers = static_cast<int64_t>(weights.size());
  for (int64_t l : layers) {
    CRITNET_CHECK(l >= 0 && l < num_layers, "--layer ", l, " out of range: the checkpoint has ",
                  num_layers, " Linear layers");
  }

  prepare_plot_dir(args.plot);
  SpectrumFigure figure(args);
  nlohmann::json out = {
      {"checkpoint", args.checkpoint},
      {"beta", args.beta},
      {"field", args.field},
      {"gram_side", args.gram_side},
      {"n_convention", args.n_convention},
      {"tolerances",
       {{"trivial", args.tol_trivial}, {"critical", args.tol_critical}, {"near", args.tol_near}}},
      {"layers", nlohmann::json::array()}};
  if (!args.json) print_rg_header(args);
  for (int64_t l : layers) {
    const bool output_layer = l == num_layers - 1;
    const rg::LayerAnalysis an = rg::analyse_layer(weights[static_cast<size_t>(l)], copts, cls);
    nlohmann::json doc = rg::to_json(an);  // the one schema, Python's too
    if (!args.plot.empty()) figure.add(l, output_layer, an);
    if (args.json) {
      doc["layer"] = l;
      doc["output_layer"] = output_layer;
      out["layers"].push_back(std::move(doc));
    } else {
      print_rg_row(l, output_layer, an, doc);
    }
  }
  if (args.json) fmt::print("{}\n", out.dump(2));
  if (!args.plot.empty()) figure.render();
}

struct FlowArgs {
  rg::FlowStudyOptions study;  // the library's defaults
  bool json = false;
  std::string out;
  std::string plot;
};

// The figure data of one trajectory: τ, RK45 and closed form. A flow that ends on the pole at
// τ* gets that end point too, so that it reaches the pole line in the figure even when τ* lies
// between two output points.
report::Series flow_series(const rg::FlowStudy& study, const rg::FlowTrajectory& t,
                           const std::filesystem::path& csv) {
  std::vector<double> t_col, rk_col, closed;
  bool pole_added = false;
  for (size_t i = 0; i < study.taus.size(); ++i) {
    if (t.rk45.hit_pole && !pole_added && std::abs(study.taus[i]) > std::abs(t.rk45.tau_reached)) {
      t_col.push_back(t.rk45.tau_reached);
      rk_col.push_back(study.pole);
      closed.push_back(study.pole);
      pole_added = true;
    }
    t_col.push_back(study.taus[i]);
    rk_col.push_back(t.rk45.lambda[i]);
    closed.push_back(t.closed[i]);
  }
  report::write_csv(csv, {"tau", "lambda_rk45", "lambda_closed"}, {t_col, rk_col, closed});
  report::Series series;
  series.label =
      fmt::format("lambda0 = {:.4g} (a lambda0 = {:.4g})", t.lambda0, study.a * t.lambda0);
  series.csv = csv;
  series.x_column = "tau";
  series.y_column = "lambda_rk45";
  series.style = report::SeriesStyle::kLines;
  return series;
}

// λ(τ) of every λ0 with the fixed points and the pole as grey lines.
void plot_flow(const rg::FlowStudy& study, const std::filesystem::path& dir) {
  report::Panel panel;
  for (const rg::FlowTrajectory& t : study.trajectories)
    panel.series.push_back(
        flow_series(study, t, dir / fmt::format("rg_flow_{}.csv", panel.series.size() + 1)));
  const double t0 = std::min(0.0, study.taus.back()), t1 = std::max(0.0, study.taus.back());
  const double a = study.a;
  panel.series.push_back(reference_line(dir / "rg_flow_fixed_zero.csv",
                                        "lambda = 0 (fixed point, trivial)", "#000000", t0, 0.0, t1,
                                        0.0));
  if (a != 0.0) {
    panel.series.push_back(
        reference_line(dir / "rg_flow_fixed_cw.csv",
                       fmt::format("lambda = 1/a = {:.4g} (fixed point, CW)", 1.0 / a), "#555555",
                       t0, 1.0 / a, t1, 1.0 / a));
    panel.series.push_back(reference_line(
        dir / "rg_flow_pole.csv", fmt::format("lambda = 1/(2a) = {:.4g} (pole)", study.pole),
        "#aaaaaa", t0, study.pole, t1, study.pole));
  }
  panel.title = fmt::format("dlambda/dtau = 2 lambda (1 - a lambda)/(1 - 2 a lambda), a = {}", a);
  panel.x_label = "tau (RG time)";
  panel.y_label = "lambda (RK45)";
  panel.key = report::KeyPosition::kBelow;
  report::Figure fig;
  fig.name = "rg_flow";
  fig.title = "critnet rg-flow (eq. 26)";
  fig.caption = fmt::format(
      "lambda(tau) by RK45 for each lambda0 (a = {}); grey lines: the fixed points lambda = 0 "
      "and lambda = 1/a and the pole lambda = 1/(2a), where the flow ends in finite tau.",
      a);
  fig.panels.push_back(panel);
  fig.panel_width_px = 760;
  fig.height_px = 560;
  render_figure(fig, dir);
}

// The fixed points and the pole, then one line per λ0 (stderr).
void print_flow_summary(const rg::FlowStudy& study) {
  fmt::print(stderr, "a = {}: fixed points", study.a);
  for (const auto& fp : study.fixed_points)
    fmt::print(stderr, "  {} lambda = {} (exponent {})", fp.name, fp.lambda, fp.exponent);
  fmt::print(stderr, "; pole lambda = 1/(2a) = {}\n", study.pole);
  for (const rg::FlowTrajectory& t : study.trajectories)
    fmt::print(
        stderr,
        "lambda0 = {}: x0 = {}, pole time {}, rk45 {} steps ({} rejected){}, max "
        "|rk45 - closed| / max(1, |closed|) = {:.3g}\n",
        t.lambda0, study.a * t.lambda0, t.pole_time, t.rk45.steps, t.rk45.rejected,
        t.rk45.hit_pole ? fmt::format(", hit the pole at tau = {:.8g}", t.rk45.tau_reached) : "",
        t.max_difference);
}

void run_rg_flow(const FlowArgs& args) {
  prepare_plot_dir(args.plot);
  const rg::FlowStudy study = rg::flow_study(args.study);
  print_flow_summary(study);
  TextOutput output(args.out);
  std::ostream& os = output.stream();
  if (args.json) {
    os << study.to_json().dump(2) << "\n";
  } else {
    os << "lambda0,tau,lambda_rk45,lambda_closed,x,r\n";
    for (const rg::FlowTrajectory& t : study.trajectories)
      for (size_t i = 0; i < study.taus.size(); ++i) {
        const double x = study.a * t.closed[i];
        os << fmt::format("{},{},{},{},{},{}\n", t.lambda0, study.taus[i], t.rk45.lambda[i],
                          t.closed[i], x, x * (1.0 - x));
      }
  }
  output.commit();
  if (!args.plot.empty()) plot_flow(study, args.plot);
}

}  // namespace

void setup_rg(CLI::App& app) {
  auto args = std::make_shared<RgArgs>();
  auto* cmd = app.add_subcommand(
      "rg", "Per layer: spectrum of a*w, couplings (eq. 13), flow classification (sec. 2.5), xi");
  cmd->add_option("checkpoint", args->checkpoint, "Checkpoint file (LibTorch archive)")->required();
  cmd->add_option("--beta", args->beta, "Inverse temperature beta (finite, not 0); a = beta/N")
      ->capture_default_str()
      ->check(nonzero_real());
  cmd->add_option("--field", args->field, "External field h (enters u only)")
      ->capture_default_str()
      ->check(real());
  cmd->add_option("--gram-side", args->gram_side, "w = V^T V (in) or V V^T (out)")
      ->capture_default_str();
  cmd->add_option("--n-convention", args->n_convention, "N = fan-in | fan-out | one")
      ->capture_default_str();
  cmd->add_option("--layer", args->layers, "Linear layer indices, each once (default: all)")
      ->delimiter(',')
      ->check(integer(0));
  cmd->add_option("--tol-trivial", args->tol_trivial, "Mode at 0 when |x| <= tol, in (0, 1)")
      ->capture_default_str()
      ->check(real(0, 1, Ends::kOpen));
  cmd->add_option("--tol-critical", args->tol_critical,
                  "Mode critical when |x-1| <= tol, in (0, --tol-near]")
      ->capture_default_str()
      ->check(real(0, 1, Ends::kOpen));
  cmd->add_option("--tol-near", args->tol_near, "Mode near-critical when |x-1| <= tol, in (0, 1)")
      ->capture_default_str()
      ->check(real(0, 1, Ends::kOpen));
  cmd->add_flag("--json", args->json, "Print JSON (with every mode) instead of a table");
  add_plot_option(cmd, args->plot);
  cmd->callback([args] { run_rg(*args); });
}

void setup_rg_flow(CLI::App& app) {
  auto args = std::make_shared<FlowArgs>();
  auto* cmd = app.add_subcommand(
      "rg-flow", "Integrate dlambda/dtau = 2 lambda (1 - a lambda)/(1 - 2 a lambda) (eq. 26); CSV");
  cmd->add_option("--lambda", args->study.lambdas, "Initial eigenvalues lambda0 (comma separated)")
      ->delimiter(',')
      ->required()
      ->check(real());
  cmd->add_option("--a", args->study.a, "a = beta/N")->capture_default_str()->check(real());
  cmd->add_option("--tau-max", args->study.tau_max,
                  "Integrate over [0, tau-max] (not 0; < 0: towards the UV)")
      ->capture_default_str()
      ->check(nonzero_real());
  cmd->add_option("--steps", args->study.steps,
                  fmt::format("Output points after tau = 0, at most {}", kMaxFlowSteps))
      ->capture_default_str()
      ->check(integer(1, kMaxFlowSteps));
  cmd->add_option("--rtol", args->study.solver.rtol, "RK45 relative tolerance, in (0, 1)")
      ->capture_default_str()
      ->check(real(0, 1, Ends::kOpen));
  cmd->add_option("--out", args->out, "Write the CSV here instead of stdout");
  cmd->add_flag("--json", args->json,
                "Print the study as JSON (rg::FlowStudy::to_json: every trajectory) instead of "
                "the CSV");
  add_plot_option(cmd, args->plot);
  cmd->callback([args] { run_rg_flow(*args); });
}

}  // namespace critnet::cli
