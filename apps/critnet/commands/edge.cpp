// `critnet edge`: the mean-field edge of chaos of signal propagation (rg/edge.h) at one point
// of the (σ_w², σ_b²) plane, or the critical line χ₁ = 1, as text or JSON, with the phase
// diagram as a figure.
#include "critnet/rg/edge.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/parse_list.h"
#include "commands/plot.h"
#include "commands/validate.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/report/csv.h"

namespace critnet::cli {
namespace {

struct EdgeArgs {
  std::string activation = "tanh";
  double sigma_w2 = 0.0;
  std::string sigma_b2 = "0";
  int depth = 0;
  bool critical_line = false;
  double critical_tolerance = 1e-8;
  bool json = false;
  std::string plot;
};

constexpr int kGrid = 24;  // the phase diagram's cells per axis

std::string value(const std::optional<double>& v, const char* none) {
  return v ? fmt::format("{:.6g}", *v) : std::string(none);
}

void print_point(const rg::EdgeResult& r) {
  std::string out = fmt::format("{} at σ_w² = {:g}, σ_b² = {:g}: {} (χ₁ = {:.6g})\n",
                                rg::to_string(r.options.activation), r.options.sigma_w2,
                                r.options.sigma_b2, r.phase, r.chi1);
  out += fmt::format("  q*       {}\n", value(r.q_star, "diverges (q^l → ∞)"));
  out += fmt::format("  c*       {}\n", value(r.c_star, "-"));
  out += fmt::format("  ξ_q      {}\n", value(r.xi_q, "∞"));
  out += fmt::format("  ξ_c      {}\n", value(r.xi_c, r.q_star ? "∞" : "-"));
  out += fmt::format("  μ₂/μ₁²   {:.6g}  (μ₁ = E[φ'²] = {:.6g}, μ₂ = E[φ'⁴] = {:.6g})\n",
                     r.mu2_over_mu1_sq, r.mu1, r.mu2);
  if (r.jacobian_mean)
    out += fmt::format(
        "  depth {}: the Jacobian's squared singular values have mean {:.6g} and variance "
        "{:.6g} (Gaussian weights) or {:.6g} (orthogonal)\n",
        r.options.depth, *r.jacobian_mean, *r.jacobian_variance, *r.jacobian_variance_orthogonal);
  io::write_stdout(out);
}

// The phase diagram: σ_b² across, σ_w² up, log₁₀ ξ_c as colour (clipped to [−1, 3]; the
// critical point itself, where ξ_c is infinite, at 3), the critical line over it.
void plot_phase_diagram(rg::Activation phi, const std::vector<double>& b2s,
                        const std::vector<rg::CriticalPoint>& given, double tolerance,
                        const std::filesystem::path& dir) {
  const double b_max = *std::max_element(b2s.begin(), b2s.end()) > 0
                           ? *std::max_element(b2s.begin(), b2s.end())
                           : 0.1;
  std::vector<double> bs;
  for (int i = 0; i <= kGrid; ++i) bs.push_back(b_max * i / kGrid);
  const std::vector<rg::CriticalPoint> line = rg::critical_line(phi, bs);
  double w_hi = 0;
  for (const auto& p : line) w_hi = std::max(w_hi, p.sigma_w2);
  w_hi *= 2;
  const std::string name = "edge_" + rg::to_string(phi);
  std::vector<double> x, y, z;
  std::cerr << fmt::format("critnet: edge: phase diagram, {} points\n", (kGrid + 1) * kGrid);
  for (int j = 1; j <= kGrid; ++j) {
    for (double b : bs) {
      rg::EdgeOptions o;
      o.activation = phi;
      o.sigma_w2 = w_hi * j / kGrid;
      o.sigma_b2 = b;
      o.critical_tolerance = tolerance;
      const rg::EdgeResult r = rg::edge(o);
      x.push_back(b);
      y.push_back(o.sigma_w2);
      z.push_back(r.xi_c ? std::clamp(std::log10(std::max(*r.xi_c, 1e-300)), -1.0, 3.0)
                  : r.phase == "critical" ? 3.0
                                          : NAN);
    }
  }
  report::write_csv(dir / (name + ".grid.csv"), {"sigma_b2", "sigma_w2", "log10_xi_c"}, {x, y, z});
  std::vector<double> lb, lw, gb, gw;
  for (const auto& p : line) lb.push_back(p.sigma_b2), lw.push_back(p.sigma_w2);
  for (const auto& p : given) gb.push_back(p.sigma_b2), gw.push_back(p.sigma_w2);
  report::write_csv(dir / (name + ".line.csv"), {"sigma_b2", "sigma_w2"}, {lb, lw});
  report::write_csv(dir / (name + ".points.csv"), {"sigma_b2", "sigma_w2"}, {gb, gw});

  report::Figure fig;
  fig.name = name;
  fig.title = fmt::format("Edge of chaos: {} (mean field)", rg::to_string(phi));
  report::Panel panel;
  panel.title = "ordered below the critical line, chaotic above";
  panel.x_label = "σ_b²";
  panel.y_label = "σ_w²";
  panel.key = report::KeyPosition::kBelow;
  panel.x_min = 0.0;
  panel.x_max = b_max;
  panel.y_min = 0.0;
  panel.y_max = w_hi;
  report::Series heat{"log10 ξ_c (correlation depth)", dir / (name + ".grid.csv"), "sigma_b2",
                      "sigma_w2", report::SeriesStyle::kHeatmap};
  heat.z_column = "log10_xi_c";
  panel.series.push_back(heat);
  panel.series.push_back({"critical line χ₁ = 1", dir / (name + ".line.csv"), "sigma_b2",
                          "sigma_w2", report::SeriesStyle::kLines, "#000000"});
  panel.series.push_back({"given σ_b²", dir / (name + ".points.csv"), "sigma_b2", "sigma_w2",
                          report::SeriesStyle::kPoints, "#000000"});
  fig.panels.push_back(panel);
  fig.panel_width_px = 640;
  fig.height_px = 520;
  fig.shared_axes = false;
  render_figure(fig, dir);
}

void run_edge(const EdgeArgs& a) {
  const rg::Activation phi = rg::parse_activation(a.activation);
  const std::vector<double> b2s = parse_list<double>(a.sigma_b2, "--sigma-b2");
  CRITNET_CHECK(!b2s.empty(), "--sigma-b2 needs at least one value");
  if (!a.critical_line) {
    CRITNET_CHECK(a.sigma_w2 > 0, "--sigma-w2 is required (or give --critical-line)");
    CRITNET_CHECK(b2s.size() == 1, "--sigma-b2 takes one value without --critical-line, got ",
                  a.sigma_b2);
    CRITNET_CHECK(a.plot.empty(), "--plot draws the phase diagram: give --critical-line");
    rg::EdgeOptions o;
    o.activation = phi;
    o.sigma_w2 = a.sigma_w2;
    o.sigma_b2 = b2s.front();
    o.depth = a.depth;
    o.critical_tolerance = a.critical_tolerance;
    const rg::EdgeResult r = rg::edge(o);
    if (a.json)
      io::write_stdout(r.to_json().dump(2) + "\n");
    else
      print_point(r);
    return;
  }
  CRITNET_CHECK(a.sigma_w2 == 0, "--sigma-w2 and --critical-line exclude each other");
  CRITNET_CHECK(a.depth == 0, "--depth needs a point (--sigma-w2), not --critical-line");
  for (double b : b2s) CRITNET_CHECK(b >= 0, "--sigma-b2 values must be >= 0, got ", b);
  prepare_plot_dir(a.plot);
  const std::vector<rg::CriticalPoint> line = rg::critical_line(phi, b2s);
  if (a.json) {
    io::write_stdout(rg::critical_line_json(phi, line).dump(2) + "\n");
  } else {
    std::string out = fmt::format("critical line of {} (χ₁ = 1)\n{:>12} {:>14}\n",
                                  rg::to_string(phi), "sigma_b2", "sigma_w2");
    for (const auto& p : line) out += fmt::format("{:>12.6g} {:>14.10g}\n", p.sigma_b2, p.sigma_w2);
    io::write_stdout(out);
  }
  if (!a.plot.empty())
    plot_phase_diagram(phi, b2s, line, a.critical_tolerance, std::filesystem::path(a.plot));
}

}  // namespace

void setup_edge(CLI::App& app) {
  auto a = std::make_shared<EdgeArgs>();
  auto* cmd = app.add_subcommand(
      "edge",
      "The edge of chaos in mean field (Schoenholz et al. 2017): q*, c*, χ₁, the depth scales "
      "ξ_q and ξ_c and the phase at (σ_w², σ_b²), the Jacobian's moments at a depth, or the "
      "critical line χ₁ = 1");
  cmd->add_option("--activation", a->activation,
                  "linear | relu | tanh (default) | erf | elu | sigmoid | selu")
      ->check(CLI::IsMember({"linear", "relu", "tanh", "erf", "elu", "sigmoid", "selu"}));
  cmd->add_option("--sigma-w2", a->sigma_w2, "Weight variance σ_w² (weights ~ N(0, σ_w²/N)), > 0")
      ->check(real(0, 1e4, Ends::kOpenLow));
  cmd->add_option("--sigma-b2", a->sigma_b2,
                  "Bias variance σ_b² >= 0 (default 0); a comma-separated list with "
                  "--critical-line")
      ->check(real_list());
  cmd->add_option("--depth", a->depth,
                  "Depth L: the input-output Jacobian's predicted moments (default none)")
      ->check(integer(1, 1000000));
  cmd->add_flag("--critical-line", a->critical_line,
                "The σ_w² with χ₁ = 1 at each --sigma-b2 instead of one point");
  cmd->add_option("--critical-tolerance", a->critical_tolerance,
                  "|χ₁ − 1| up to this is 'critical' (default 1e-8)")
      ->check(real(0, 1, Ends::kOpen));
  cmd->add_flag("--json", a->json, "Print JSON (docs/cli.md)");
  add_plot_option(cmd, a->plot);
  cmd->callback([a] { run_edge(*a); });
}

}  // namespace critnet::cli
