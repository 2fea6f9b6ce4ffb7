// `critnet gaussian`'s study in the library: the axis profile of the Gaussian model's two-point
// function and the fit of its large-distance law, with one document and one summary line.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "critnet/core/error.h"
#include "critnet/rg/gaussian.h"

namespace critnet::rg {
namespace {

// The fit range: the options' or the defaults (GaussianStudyOptions), checked against the
// profile's last x = floor(L/2).
std::pair<double, double> fit_range(const GaussianStudyOptions& o, int64_t size) {
  // 0 asks for the default; a negative or NaN end is refused, not replaced by the default.
  CRITNET_CHECK(o.fit_min >= 0 && o.fit_max >= 0,
                "fit_min and fit_max must be > 0 (0 = the default), got ", o.fit_min, " and ",
                o.fit_max);
  const double x_min = o.fit_min > 0 ? o.fit_min : 6.0;
  const double x_max =
      o.fit_max > 0 ? o.fit_max : std::min(60.0, std::floor(static_cast<double>(size) / 4.0));
  CRITNET_CHECK(x_max > x_min, "fit range [", x_min, ", ", x_max,
                "] is empty: use a larger size or set fit_min/fit_max");
  const double x_end = static_cast<double>(size / 2);
  CRITNET_CHECK(x_max <= x_end, "fit_max ", x_max,
                " is past the end of the profile (x <= L/2 = ", x_end, " for L = ", size, ")");
  return {x_min, x_max};
}

// The axis profile's options of a study.
GaussianOptions profile_options(const GaussianStudyOptions& o) {
  GaussianOptions p;
  p.dim(o.dim).size(o.resolved_size()).r(o.r).g(o.g);
  return p;
}

}  // namespace

void GaussianStudyOptions::validate() const {
  profile_options(*this).validate_axis();  // d first, then L and L^d <= 2^30, r, g
  fit_range(*this, resolved_size());
}

GaussianStudy gaussian_study(const GaussianStudyOptions& options) {
  options.validate();
  GaussianStudy s;
  s.dim = options.dim;
  s.size = options.resolved_size();
  s.r = options.r;
  s.g = options.g;
  const GaussianOptions o = profile_options(options);
  std::tie(s.x_min, s.x_max) = fit_range(options, s.size);
  s.profile = two_point_axis(o);
  const TwoPointProfile& p = s.profile;
  if (s.r > 0) {
    const double p_oz = 0.5 * static_cast<double>(s.dim - 1);
    s.ornstein_zernike = fit_exponential(p.x, p.subtracted, s.x_min, s.x_max, p_oz);
    s.plain_exponential = fit_exponential(p.x, p.subtracted, s.x_min, s.x_max, 0.0);
  } else {
    s.power_law = fit_power_law(p.x, p.subtracted, s.x_min, s.x_max);
    if (s.dim == 2) s.log_fit = fit_log(p.x, p.subtracted, s.x_min, s.x_max);
  }
  if (s.dim == 1) {
    for (double x : p.x) s.closed_form.push_back(two_point_1d(x, s.size, s.r, s.g));
  }
  return s;
}

nlohmann::json GaussianStudy::fit_json() const {
  nlohmann::json fit = {{"x_min", x_min}, {"x_max", x_max}};
  if (ornstein_zernike) {
    const ExponentialFit& oz = *ornstein_zernike;
    const double xi_c = continuum_correlation_length(r, g);
    fit["model"] = "G = A x^-p exp(-x/xi), p = (d-1)/2 (Ornstein-Zernike)";
    fit["xi"] = oz.xi;
    fit["prefactor_power"] = oz.prefactor_power;
    fit["amplitude"] = oz.amplitude;
    fit["rms_log_residual"] = oz.rms_log_residual;
    fit["points"] = oz.points;
    fit["xi_no_prefactor"] = plain_exponential->xi;
    fit["xi_continuum"] = xi_c;
    fit["xi_lattice"] = lattice_correlation_length(r, g);
    fit["relative_error_vs_continuum"] = oz.xi / xi_c - 1.0;
    return fit;
  }
  const PowerLawFit& pl = *power_law;
  fit["model"] = "G~ = G - x^2/(2 d g L^d) = A x^-eta + C (zero mode removed)";
  fit["eta"] = pl.eta;
  fit["eta_expected"] = static_cast<double>(dim - 2);
  fit["amplitude"] = pl.amplitude;
  fit["offset"] = pl.offset;
  fit["max_rel_residual"] = pl.max_rel_residual;
  fit["points"] = pl.points;
  fit["decades"] = std::log10(x_max / x_min);
  if (dim == 3) fit["amplitude_expected"] = 1.0 / (4.0 * kPi * g);
  if (dim == 1) fit["amplitude_expected"] = -1.0 / (2.0 * g);
  if (log_fit) {
    fit["log_slope"] = log_fit->slope;
    fit["log_slope_expected"] = 1.0 / (2.0 * kPi * g);
    fit["log_max_rel_residual"] = log_fit->max_rel_residual;
  }
  return fit;
}

nlohmann::json GaussianStudy::to_json() const {
  nlohmann::json j = {{"dim", dim},
                      {"size", size},
                      {"r", r},
                      {"g", g},
                      {"zero_mode_removed", profile.zero_mode_removed},
                      {"fit", fit_json()},
                      {"x", profile.x},
                      {"G", profile.value},
                      {"G_subtracted", profile.subtracted}};
  if (!closed_form.empty()) j["G_closed_form"] = closed_form;
  return j;
}

std::string GaussianStudy::summary() const {
  if (ornstein_zernike) {
    const ExponentialFit& oz = *ornstein_zernike;
    const double xi_c = continuum_correlation_length(r, g);
    return fmt::format(
        "gaussian d={} L={} r={} g={}: fit G = A x^-{} exp(-x/xi) over x in [{}, {}] ({} points): "
        "xi = {:.6g} (rms log residual {:.2g}); sqrt(g/r) = {:.6g} (rel. error {:+.3f}%); "
        "lattice 1/acosh(1+r/2g) = {:.6g}; without the prefactor xi = {:.6g}",
        dim, size, r, g, oz.prefactor_power, x_min, x_max, oz.points, oz.xi, oz.rms_log_residual,
        xi_c, 100.0 * (oz.xi / xi_c - 1.0), lattice_correlation_length(r, g),
        plain_exponential->xi);
  }
  const PowerLawFit& pl = *power_law;
  std::string line = fmt::format(
      "gaussian d={} L={} r=0 g={}: fit G~ = A x^-eta + C over x in [{}, {}] ({:.2f} decades, "
      "{} points): eta = {:.5g} (expected d-2 = {}), A = {:.5g}, max rel. residual {:.2g}",
      dim, size, g, x_min, x_max, std::log10(x_max / x_min), pl.points, pl.eta, dim - 2,
      pl.amplitude, pl.max_rel_residual);
  if (dim == 3) return line + fmt::format(" (expected 1/(4 pi g) = {:.5g})", 1.0 / (4.0 * kPi * g));
  if (dim == 1) return line + fmt::format(" (expected -1/(2g) = {:.5g})", -1.0 / (2.0 * g));
  return line + fmt::format(
                    "; fit G~ = -B ln x + C: B = {:.5g} (expected 1/(2 pi g) = {:.5g}), "
                    "max rel. residual {:.2g}",
                    log_fit->slope, 1.0 / (2.0 * kPi * g), log_fit->max_rel_residual);
}

}  // namespace critnet::rg
