#pragma once
/// The Gaussian model's two-point function on a periodic lattice (paper eq. 62-65, appendix C;
/// docs/theory.md).
///
/// On the periodic d-dimensional lattice of side L (d = 1, 2, 3) the continuum propagator
/// 1/(r + g q²) of eq. 62 becomes 1/(r + g q̂²) with the lattice momentum
/// q̂² = Σ_μ 2(1 - cos q_μ), q_μ = 2π n_μ / L, and
///   G(x) = (1/L^d) Σ_q e^{iqx} / (r + g q̂²),
/// which is computed exactly (to round-off) by one inverse FFT. G solves
/// (r - g Δ) G = δ with Δ the lattice Laplacian. eq. 62's prefactor β is left out (G is per
/// unit β). At r = 0 the q = 0 term is infinite: it is removed, so that G solves
/// -g Δ G = δ - 1/L^d; G is then defined up to that choice and contains the quadratic
/// background |x|²/(2 d g L^d) (−g Δ of it is −1/L^d) plus a constant, and
/// G̃ = G - |x|²/(2 d g L^d) is what approaches the infinite-lattice law
/// -|x|/(2g) (d = 1), -ln|x|/(2πg) (d = 2), 1/(4πg|x|) (d = 3), each up to a constant.
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace critnet::rg {

/// π to double precision (the expected amplitudes 1/(4πg), 1/(2πg) and the momenta 2πn/L).
inline constexpr double kPi = 3.14159265358979323846;

struct GaussianOptions {
  TORCH_ARG(int64_t, dim) = 3;  ///< d ∈ {1, 2, 3}
  /// L ≥ 2 sites per side; L^d ≤ 2^24 for the whole lattice, ≤ 2^30 for the axis profile.
  TORCH_ARG(int64_t, size) = 64;
  TORCH_ARG(double, r) = 0.0;  ///< mass term r ≥ 0
  TORCH_ARG(double, g) = 1.0;  ///< gradient coupling g > 0
  /// Throws critnet::InvalidArgument naming the bad value (validate: whole lattice limits;
  /// validate_axis: axis-profile limits).
 public:
  void validate() const;
  void validate_axis() const;
};

/// G on the whole lattice: float64 tensor of shape [L] * d, G[0, ..., 0] = G(0).
torch::Tensor two_point_lattice(const GaussianOptions& options);

/// G along a lattice axis, x = (x, 0, ..., 0) for x = 0 .. L-1, exact without the whole
/// lattice: G(x, 0, ..) = (1/L) Σ_{q_1} e^{i q_1 x} S(q_1) with the transverse mean
/// S(q_1) = (1/L^{d-1}) Σ_{q_⊥} 1/(r + g(q̂_1² + q̂_⊥²)): O(L^d) time, O(L^{d-1}) memory,
/// one inverse real FFT. Float64 [L].
torch::Tensor two_point_axis_values(const GaussianOptions& options);

/// G along a lattice axis for x = 0 .. floor(L/2), from two_point_axis_values().
struct TwoPointProfile {
  std::vector<double> x;
  std::vector<double> value;       ///< G(x)
  std::vector<double> subtracted;  ///< G(x) - x²/(2 d g L^d) when the zero mode is removed,
                                   ///< else G(x)
  bool zero_mode_removed = false;  ///< r == 0
};
TwoPointProfile two_point_axis(const GaussianOptions& options);

/// Exact closed form of the periodic 1-d lattice Green's function at integer 0 ≤ x < L:
///   r > 0: G(x) = cosh(μ (L/2 - x)) / (2 g sinh μ sinh(μ L / 2)),  cosh μ = 1 + r/(2g)
///          (the image sum of the infinite-lattice e^{-μ|x|} / (2 g sinh μ));
///   r = 0 (zero mode removed): G(x) = ((L² - 1)/12 - x (L - x)/2) / (g L).
double two_point_1d(double x, int64_t size, double r, double g);

/// The correlation length of the continuum propagator 1/(r + g q²): sqrt(g / r).
double continuum_correlation_length(double r, double g);
/// The exact decay length along a lattice axis, 1/μ with cosh μ = 1 + r/(2g) (the pole of
/// 1/(r + g q̂²) at imaginary q_1 with q_⊥ = 0). Equals sqrt(g/r) (1 + O(r/g)).
double lattice_correlation_length(double r, double g);

/// Fit of y ≈ A x^{-p} e^{-x/ξ} with the prefactor power p fixed, by least squares on
/// ln(y x^p) = ln A - x / ξ over x_min ≤ x ≤ x_max (y > 0 there). p = (d - 1)/2 is the
/// Ornstein-Zernike large-distance form (exact in the continuum for d = 1 and d = 3).
struct ExponentialFit {
  double xi = 0.0;
  double amplitude = 0.0;
  double prefactor_power = 0.0;
  double x_min = 0.0, x_max = 0.0;
  int64_t points = 0;
  double rms_log_residual = 0.0;  ///< rms of ln y - fit
};
ExponentialFit fit_exponential(const std::vector<double>& x, const std::vector<double>& y,
                               double x_min, double x_max, double prefactor_power);

/// Fit of y ≈ A x^{-η} + C over x_min ≤ x ≤ x_max by least squares (A, C linear for each η;
/// η ∈ [-4, 6] scanned, then refined by golden section). The offset absorbs the constant that
/// the zero-mode removal adds.
struct PowerLawFit {
  double eta = 0.0;
  double amplitude = 0.0;
  double offset = 0.0;
  double x_min = 0.0, x_max = 0.0;
  int64_t points = 0;
  double max_rel_residual = 0.0;  ///< max |y - fit| / |A x^{-η}| over the range
};
PowerLawFit fit_power_law(const std::vector<double>& x, const std::vector<double>& y, double x_min,
                          double x_max);

/// Fit of y ≈ -B ln x + C over x_min ≤ x ≤ x_max (eq. 65 at d = 2: B = 1/(2πg)).
struct LogFit {
  double slope = 0.0;  ///< B
  double offset = 0.0;
  double x_min = 0.0, x_max = 0.0;
  int64_t points = 0;
  double max_rel_residual = 0.0;  ///< max |y - fit| / |B ln x| over the range
};
LogFit fit_log(const std::vector<double>& x, const std::vector<double>& y, double x_min,
               double x_max);

/// `critnet gaussian`: the profile along an axis and the fit of its large-distance law.
struct GaussianStudyOptions {
  int64_t dim = 3;   ///< d ∈ {1, 2, 3}
  int64_t size = 0;  ///< L; 0 = 256 for d = 3, 1024 for d = 1, 2 (L^d ≤ 2^30)
  double r = 0.0;    ///< mass term r ≥ 0
  double g = 1.0;    ///< gradient coupling g > 0
  /// The fit range [fit_min, fit_max]; 0 = the default: from x = 6 (lattice corrections to the
  /// continuum law are O(1/x²): 0.7% along an axis in d = 3) to min(60, floor(L/4)) (images of
  /// the periodic box stay small).
  double fit_min = 0.0;
  double fit_max = 0.0;

  /// L: size, or for 0 the default of d.
  int64_t resolved_size() const { return size > 0 ? size : (dim == 3 ? 256 : 1024); }
  /// Throws critnet::InvalidArgument naming the first bad value: d, then L and L^d <= 2^30, r,
  /// g (GaussianOptions::validate_axis), then the fit range against the profile's end L/2.
  void validate() const;
};

/// The study's result: the profile, and for r > 0 the Ornstein-Zernike fit A x^{-(d-1)/2}
/// e^{-x/ξ} (and the plain exponential), for r = 0 the power law A x^{-η} + C of G̃ (and for
/// d = 2 the logarithm -B ln x + C); d = 1 also has the closed form at every x.
struct GaussianStudy {
  int64_t dim = 3, size = 0;
  double r = 0.0, g = 1.0;
  double x_min = 0.0, x_max = 0.0;  ///< the fit range used
  TwoPointProfile profile;
  std::optional<ExponentialFit> ornstein_zernike, plain_exponential;  ///< r > 0
  std::optional<PowerLawFit> power_law;                               ///< r = 0
  std::optional<LogFit> log_fit;                                      ///< r = 0, d = 2
  std::vector<double> closed_form;  ///< d = 1: two_point_1d at profile.x; else empty

  /// The fit's document: model, range and fitted values beside the expected ones.
  nlohmann::json fit_json() const;
  /// The document of `critnet gaussian --json`: dim, size, r, g, zero_mode_removed, fit, x, G,
  /// G_subtracted and (d = 1) G_closed_form.
  nlohmann::json to_json() const;
  /// One line: the fitted law against the expected one.
  std::string summary() const;
};

/// Runs the study; InvalidArgument naming the bad value (sizes, a negative or NaN fit_min or
/// fit_max, an empty fit range, one past the profile's end x = L/2).
GaussianStudy gaussian_study(const GaussianStudyOptions& options);

}  // namespace critnet::rg
