// `critnet gaussian`: the Gaussian model's two-point function on a periodic lattice (eq. 62)
// along an axis, as CSV, with the fitted correlation length (r > 0, eq. 64) or power-law
// exponent (r = 0, eq. 65).
#include "critnet/rg/gaussian.h"

#include <fmt/core.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands/command.h"
#include "critnet/core/error.h"

namespace critnet::cli {
namespace {

struct GaussianArgs {
  int64_t dim = 3;
  int64_t size = 0;  // 0: 256 for d = 3, 1024 for d = 1, 2
  double r = 0.0;
  double g = 1.0;
  double fit_min = 0.0;  // 0: default
  double fit_max = 0.0;  // 0: default
  bool json = false;
  std::string out;
};

constexpr double kPi = 3.14159265358979323846;

void run_gaussian(const GaussianArgs& args) {
  const int64_t size = args.size > 0 ? args.size : (args.dim == 3 ? 256 : 1024);
  rg::GaussianOptions o;
  o.dim(args.dim).size(size).r(args.r).g(args.g);
  o.validate_axis();
  const rg::TwoPointProfile p = rg::two_point_axis(o);
  // Default fit range: from x = 6 (lattice corrections to the continuum law are O(1/x²): 0.7%
  // along an axis in d = 3) to min(60, L/4) (images of the periodic box stay small).
  const double x_min = args.fit_min > 0 ? args.fit_min : 6.0;
  const double x_max =
      args.fit_max > 0 ? args.fit_max : std::min(60.0, std::floor(static_cast<double>(size) / 4.0));
  CRITNET_CHECK(x_max > x_min, "fit range [", x_min, ", ", x_max,
                "] is empty: use a larger --size or set --fit-min/--fit-max");
  const int64_t d = args.dim;
  nlohmann::json fit = {{"x_min", x_min}, {"x_max", x_max}};
  std::string summary;
  if (args.r > 0) {
    const double p_oz = 0.5 * static_cast<double>(d - 1);
    const rg::ExponentialFit oz = rg::fit_exponential(p.x, p.subtracted, x_min, x_max, p_oz);
    const rg::ExponentialFit plain = rg::fit_exponential(p.x, p.subtracted, x_min, x_max, 0.0);
    const double xi_c = rg::continuum_correlation_length(args.r, args.g);
    const double xi_l = rg::lattice_correlation_length(args.r, args.g);
    fit["model"] = "G = A x^-p exp(-x/xi), p = (d-1)/2 (Ornstein-Zernike)";
    fit["xi"] = oz.xi;
    fit["prefactor_power"] = p_oz;
    fit["amplitude"] = oz.amplitude;
    fit["rms_log_residual"] = oz.rms_log_residual;
    fit["points"] = oz.points;
    fit["xi_no_prefactor"] = plain.xi;
    fit["xi_continuum"] = xi_c;
    fit["xi_lattice"] = xi_l;
    fit["relative_error_vs_continuum"] = oz.xi / xi_c - 1.0;
    summary = fmt::format(
        "gaussian d={} L={} r={} g={}: fit G = A x^-{} exp(-x/xi) over x in [{}, {}] ({} points): "
        "xi = {:.6g} (rms log residual {:.2g}); sqrt(g/r) = {:.6g} (rel. error {:+.3f}%); "
        "lattice 1/acosh(1+r/2g) = {:.6g}; without the prefactor xi = {:.6g}",
        d, size, args.r, args.g, p_oz, x_min, x_max, oz.points, oz.xi, oz.rms_log_residual, xi_c,
        100.0 * (oz.xi / xi_c - 1.0), xi_l, plain.xi);
  } else {
    const rg::PowerLawFit pl = rg::fit_power_law(p.x, p.subtracted, x_min, x_max);
    fit["model"] = "G~ = G - x^2/(2 d g L^d) = A x^-eta + C (zero mode removed)";
    fit["eta"] = pl.eta;
    fit["eta_expected"] = static_cast<double>(d - 2);
    fit["amplitude"] = pl.amplitude;
    fit["offset"] = pl.offset;
    fit["max_rel_residual"] = pl.max_rel_residual;
    fit["points"] = pl.points;
    fit["decades"] = std::log10(x_max / x_min);
    summary = fmt::format(
        "gaussian d={} L={} r=0 g={}: fit G~ = A x^-eta + C over x in [{}, {}] ({:.2f} decades, "
        "{} points): eta = {:.5g} (expected d-2 = {}), A = {:.5g}, max rel. residual {:.2g}",
        d, size, args.g, x_min, x_max, std::log10(x_max / x_min), pl.points, pl.eta, d - 2,
        pl.amplitude, pl.max_rel_residual);
    if (d == 3) {
      fit["amplitude_expected"] = 1.0 / (4.0 * kPi * args.g);
      summary += fmt::format(" (expected 1/(4 pi g) = {:.5g})", 1.0 / (4.0 * kPi * args.g));
    } else if (d == 1) {
      fit["amplitude_expected"] = -1.0 / (2.0 * args.g);
      summary += fmt::format(" (expected -1/(2g) = {:.5g})", -1.0 / (2.0 * args.g));
    } else {
      const rg::LogFit lf = rg::fit_log(p.x, p.subtracted, x_min, x_max);
      fit["log_slope"] = lf.slope;
      fit["log_slope_expected"] = 1.0 / (2.0 * kPi * args.g);
      fit["log_max_rel_residual"] = lf.max_rel_residual;
      summary += fmt::format(
          "; fit G~ = -B ln x + C: B = {:.5g} (expected 1/(2 pi g) = {:.5g}), "
          "max rel. residual {:.2g}",
          lf.slope, 1.0 / (2.0 * kPi * args.g), lf.max_rel_residual);
    }
  }

  const bool closed = d == 1;
  if (args.json) {
    nlohmann::json j = {{"dim", d},
                        {"size", size},
                        {"r", args.r},
                        {"g", args.g},
                        {"zero_mode_removed", p.zero_mode_removed},
                        {"fit", fit},
                        {"x", p.x},
                        {"G", p.value},
                        {"G_subtracted", p.subtracted}};
    if (closed) {
      std::vector<double> c;
      for (double x : p.x) c.push_back(rg::two_point_1d(x, size, args.r, args.g));
      j["G_closed_form"] = c;
    }
    fmt::print("{}\n", j.dump(2));
  } else {
    std::ofstream file;
    if (!args.out.empty()) {
      file.open(args.out);
      CRITNET_CHECK_AS(Error, file.good(), "cannot write '", args.out, "'");
    }
    std::ostream& os = args.out.empty() ? std::cout : file;
    os << "x,G,G_subtracted" << (closed ? ",G_closed_form" : "") << "\n";
    for (size_t i = 0; i < p.x.size(); ++i) {
      os << fmt::format("{},{:.17g},{:.17g}", p.x[i], p.value[i], p.subtracted[i]);
      if (closed) {
        os << fmt::format(",{:.17g}", rg::two_point_1d(p.x[i], size, args.r, args.g));
      }
      os << "\n";
    }
  }
  fmt::print(stderr, "{}\n", summary);
}

}  // namespace

void setup_gaussian(CLI::App& app) {
  auto args = std::make_shared<GaussianArgs>();
  auto* cmd = app.add_subcommand(
      "gaussian", "Two-point function of the Gaussian model on a periodic lattice (eq. 62), CSV");
  cmd->add_option("--dim", args->dim, "Lattice dimension d (1, 2, 3)")->capture_default_str();
  cmd->add_option("--size", args->size, "Sites per side L (default 256 for d = 3, 1024 otherwise)");
  cmd->add_option("--r", args->r, "Mass term r >= 0 (r = 0: zero mode removed)")
      ->capture_default_str();
  cmd->add_option("--g", args->g, "Gradient coupling g > 0")->capture_default_str();
  cmd->add_option("--fit-min", args->fit_min, "Fit range start (default 6)");
  cmd->add_option("--fit-max", args->fit_max, "Fit range end (default min(60, floor(L/4)))");
  cmd->add_flag("--json", args->json, "Print JSON (fit and profile) instead of CSV");
  cmd->add_option("--out", args->out, "Write the CSV here instead of stdout");
  cmd->callback([args] { run_gaussian(*args); });
}

}  // namespace critnet::cli
