// `critnet gaussian`: the Gaussian model's two-point function on a periodic lattice (eq. 62)
// along an axis, as CSV, with the fitted correlation length (r > 0, eq. 64) or power-law
// exponent (r = 0, eq. 65).
#include "critnet/rg/gaussian.h"

#include <fmt/core.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/plot.h"
#include "commands/text_output.h"
#include "commands/validate.h"
#include "critnet/core/error.h"
#include "critnet/report/csv.h"

namespace critnet::cli {
namespace {

struct GaussianArgs {
  rg::GaussianStudyOptions study;  // the flags bind to its fields (and take its defaults)
  bool json = false;
  std::string out;
  std::string plot;
};

// The figure's data: x, the plotted G (per case), the fit (NaN outside the fit range) and, for
// r > 0, both multiplied by x^p.
void write_gaussian_csv(const std::filesystem::path& csv, const rg::GaussianStudy& st) {
  const rg::TwoPointProfile& p = st.profile;
  const rg::ExponentialFit oz = st.ornstein_zernike.value_or(rg::ExponentialFit{});
  const rg::PowerLawFit pl = st.power_law.value_or(rg::PowerLawFit{});
  const rg::LogFit lf = st.log_fit.value_or(rg::LogFit{});
  const double nan = std::nan("");
  const double p_oz = 0.5 * static_cast<double>(st.dim - 1);
  std::vector<double> y, fitted, scaled, fitted_scaled;
  for (size_t i = 0; i < p.x.size(); ++i) {
    const double x = p.x[i];
    const bool in = x >= st.x_min && x <= st.x_max;
    double f = nan;
    if (st.r > 0) {
      y.push_back(p.value[i]);
      scaled.push_back(p.value[i] * std::pow(x, p_oz));
      if (in) f = oz.amplitude * std::pow(x, -p_oz) * std::exp(-x / oz.xi);
    } else if (st.dim == 3) {
      y.push_back(p.subtracted[i] - pl.offset);
      if (in) f = pl.amplitude * std::pow(x, -pl.eta);
    } else if (st.dim == 2) {
      y.push_back(p.subtracted[i]);
      if (in) f = -lf.slope * std::log(x) + lf.offset;
    } else {
      y.push_back(p.subtracted[i]);
      if (in) f = pl.amplitude * std::pow(x, -pl.eta) + pl.offset;
    }
    fitted.push_back(f);
    fitted_scaled.push_back(st.r > 0 ? f * std::pow(x, p_oz) : nan);
  }
  if (scaled.empty()) scaled.assign(p.x.size(), nan);
  report::write_csv(csv, {"x", "G", "fit", "x_p_G", "fit_x_p"},
                    {p.x, y, fitted, scaled, fitted_scaled});
}

// The figure `gaussian`: G(x) along an axis with the fitted law drawn over its fit range.
// The fitted curve is the CSV's `fit` column (NaN outside the fit range), drawn in red over the
// data points (a FitCurve would take the data's colour and vanish under dense points).
//  r > 0: log-log G with the fitted A x^-p exp(-x/xi), and beside it x^p G on a log y axis,
//         where the fit is the straight line A e^{-x/xi};
//  r = 0, d = 3: log-log G~ - C (the zero mode's background and the fitted offset removed) with
//         the power law A x^-eta;
//  r = 0, d = 1, 2: G~ on a linear (d = 1) or log x (d = 2) axis with the fitted line / log.
void plot_gaussian(const std::string& plot_dir, const rg::GaussianStudy& st) {
  namespace fs = std::filesystem;
  const fs::path dir(plot_dir);
  const fs::path csv = dir / "gaussian.csv";
  const int64_t d = st.dim, size = st.size;
  const double r = st.r, g = st.g, x_min = st.x_min, x_max = st.x_max;
  const rg::ExponentialFit oz = st.ornstein_zernike.value_or(rg::ExponentialFit{});
  const rg::PowerLawFit pl = st.power_law.value_or(rg::PowerLawFit{});
  const rg::LogFit lf = st.log_fit.value_or(rg::LogFit{});
  const double p_oz = 0.5 * static_cast<double>(d - 1);
  write_gaussian_csv(csv, st);

  auto series = [&](const std::string& label, const std::string& column, report::SeriesStyle st,
                    const std::string& color) {
    report::Series s;
    s.label = label;
    s.csv = csv;
    s.x_column = "x";
    s.y_column = column;
    s.style = st;
    s.color = color;
    return s;
  };
  const std::string data_color = "#1f77b4", fit_color = "#d62728";
  report::Figure fig;
  fig.name = "gaussian";
  fig.title =
      fmt::format("Gaussian two-point function, d = {}, L = {}, r = {}, g = {}", d, size, r, g);
  report::Panel main;
  main.x_label = "|x| (lattice units, along an axis)";
  main.key = report::KeyPosition::kBelow;
  if (r > 0) {
    const double xi_c = rg::continuum_correlation_length(r, g);
    main.title = "G(x), log-log";
    main.y_label = "G(x)";
    main.scale = report::Scale::kLogLog;
    main.series.push_back(
        series("G(x) (FFT, exact)", "G", report::SeriesStyle::kPoints, data_color));
    main.series.push_back(
        series(fmt::format("fit A x^-{:g} exp(-x/xi) on [{:g}, {:g}]: xi = {:.4g}", p_oz, x_min,
                           x_max, oz.xi),
               "fit", report::SeriesStyle::kLines, fit_color));
    report::Panel semi;
    semi.title = fmt::format("x^{:g} G(x), log y: exponential decay", p_oz);
    semi.x_label = main.x_label;
    semi.y_label = fmt::format("x^{:g} G(x)", p_oz);
    semi.scale = report::Scale::kLogY;
    semi.key = report::KeyPosition::kBelow;
    semi.series.push_back(series(fmt::format("x^{:g} G(x)", p_oz), "x_p_G",
                                 report::SeriesStyle::kPoints, data_color));
    semi.series.push_back(series(fmt::format("fit A exp(-x/xi): xi = {:.4g}, sqrt(g/r) = {:.4g} "
                                             "({:+.2f}%)",
                                             oz.xi, xi_c, 100.0 * (oz.xi / xi_c - 1.0)),
                                 "fit_x_p", report::SeriesStyle::kLines, fit_color));
    fig.panels = {main, semi};
    fig.caption = fmt::format(
        "G(x) of eq. 62 on the periodic lattice (d = {}, L = {}, r = {}, g = {}) with the "
        "Ornstein-Zernike fit A x^-(d-1)/2 exp(-x/xi) over x in [{}, {}]: xi = {:.5g} against "
        "sqrt(g/r) = {:.5g}.",
        d, size, r, g, x_min, x_max, oz.xi, xi_c);
  } else if (d == 3) {
    main.title = "G~(x) - C, log-log: power law";
    main.y_label = "G~(x) - C";
    main.scale = report::Scale::kLogLog;
    main.series.push_back(series(fmt::format("G~ - C (C = {:.4g}: fitted offset)", pl.offset), "G",
                                 report::SeriesStyle::kPoints, data_color));
    main.series.push_back(
        series(fmt::format("fit A x^-eta: eta = {:.4f} (d-2 = 1), A = {:.4g} (1/(4 pi g) = {:.4g})",
                           pl.eta, pl.amplitude, 1.0 / (4.0 * rg::kPi * g)),
               "fit", report::SeriesStyle::kLines, fit_color));
    fig.panels = {main};
    fig.caption = fmt::format(
        "G~ = G - x^2/(2 d g L^d) minus the fitted offset C at r = 0 (d = 3, L = {}): the |x|^-1 "
        "law of eq. 65, fitted over x in [{}, {}] ({:.2f} decades): eta = {:.5g}.",
        size, x_min, x_max, std::log10(x_max / x_min), pl.eta);
  } else {
    main.title = d == 2 ? "G~(x), log x: logarithm" : "G~(x): linear";
    main.y_label = "G~(x) = G - x^2/(2 d g L^d)";
    main.scale = d == 2 ? report::Scale::kLogX : report::Scale::kLinear;
    main.series.push_back(series("G~(x)", "G", report::SeriesStyle::kPoints, data_color));
    main.series.push_back(series(
        d == 2 ? fmt::format("fit -B ln x + C: B = {:.4g} (1/(2 pi g) = {:.4g})", lf.slope,
                             1.0 / (2.0 * rg::kPi * g))
               : fmt::format("fit A x^-eta + C: eta = {:.4f} (-1), A = {:.4g} (-1/(2g) = {:.4g})",
                             pl.eta, pl.amplitude, -1.0 / (2.0 * g)),
        "fit", report::SeriesStyle::kLines, fit_color));
    fig.panels = {main};
    fig.caption = fmt::format("G~(x) at r = 0 (d = {}, L = {}) with the fit over x in [{}, {}].", d,
                              size, x_min, x_max);
  }
  fig.panel_width_px = 640;
  fig.height_px = 520;
  render_figure(fig, dir);
}

void run_gaussian(const GaussianArgs& args) {
  const rg::GaussianStudy st = rg::gaussian_study(args.study);
  prepare_plot_dir(args.plot);
  if (args.json) {
    fmt::print("{}\n", st.to_json().dump(2));
  } else {
    const bool closed = !st.closed_form.empty();
    const rg::TwoPointProfile& p = st.profile;
    TextOutput output(args.out);
    std::ostream& os = output.stream();
    os << "x,G,G_subtracted" << (closed ? ",G_closed_form" : "") << "\n";
    for (size_t i = 0; i < p.x.size(); ++i) {
      os << fmt::format("{},{:.17g},{:.17g}", p.x[i], p.value[i], p.subtracted[i]);
      if (closed) os << fmt::format(",{:.17g}", st.closed_form[i]);
      os << "\n";
    }
    output.commit();
  }
  fmt::print(stderr, "{}\n", st.summary());
  if (!args.plot.empty()) plot_gaussian(args.plot, st);
}

}  // namespace

void setup_gaussian(CLI::App& app) {
  auto args = std::make_shared<GaussianArgs>();
  auto* cmd = app.add_subcommand(
      "gaussian", "Two-point function of the Gaussian model on a periodic lattice (eq. 62), CSV");
  cmd->add_option("--dim", args->study.dim, "Lattice dimension d (1, 2, 3)")
      ->capture_default_str()
      ->check(integer(1, 3));
  cmd->add_option("--size", args->study.size,
                  "Sites per side L >= 2, L^d <= 2^30 (default 256 for d = 3, 1024 otherwise)")
      ->check(integer(2, int64_t{1} << 30));
  cmd->add_option("--r", args->study.r, "Mass term r >= 0 (r = 0: zero mode removed)")
      ->capture_default_str()
      ->check(real(0));
  cmd->add_option("--g", args->study.g, "Gradient coupling g > 0")
      ->capture_default_str()
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--fit-min", args->study.fit_min, "Fit range start > 0 (default 6)")
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--fit-max", args->study.fit_max,
                  "Fit range end, in (--fit-min, L/2] (default min(60, floor(L/4)))")
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_flag("--json", args->json, "Print JSON (fit and profile) instead of CSV");
  cmd->add_option("--out", args->out, "Write the CSV here instead of stdout");
  add_plot_option(cmd, args->plot);
  cmd->callback([args] { run_gaussian(*args); });
}

}  // namespace critnet::cli
