#include "critnet/probe/measures.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "critnet/core/coupling.h"
#include "critnet/core/error.h"
#include "critnet/core/numerics.h"
#include "critnet/core/stats.h"

namespace critnet::probe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct LineFit {
  double intercept, slope, rss, r2;
};

// Ordinary least squares y = intercept + slope·x.
LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  LineFit f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  f.rss = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = y[i] - f.intercept - f.slope * x[i];
    f.rss += r * r;
  }
  f.r2 = syy > 0.0 ? 1.0 - f.rss / syy : kNaN;
  return f;
}

}  // namespace

void ProbeOptions::validate() const {
  CRITNET_CHECK(std::isfinite(threshold_), "probe threshold must be finite, got ", threshold_);
  CRITNET_CHECK(subset_size_ >= 1 && subset_size_ <= 64,
                "probe subset size must be in [1, 64], got ", subset_size_);
  CRITNET_CHECK(num_subsets_ >= 0, "probe number of subsets must be >= 0, got ", num_subsets_);
  CRITNET_CHECK(max_patterns_ >= 1, "probe max_patterns must be >= 1, got ", max_patterns_);
  CRITNET_CHECK(std::isfinite(beta_) && beta_ != 0.0,
                "probe beta must be finite and non-zero, got ", beta_);
  CRITNET_CHECK(std::isfinite(cw_tolerance_) && cw_tolerance_ > 0.0,
                "probe CW tolerance must be > 0, got ", cw_tolerance_);
  CRITNET_CHECK(fit_max_separation_ > 0.0 && fit_max_separation_ <= 1.0,
                "probe fit_max_separation must be in (0, 1], got ", fit_max_separation_);
}

DecayFit fit_decay(const std::vector<int64_t>& separations, const std::vector<double>& values,
                   int64_t max_separation) {
  CRITNET_CHECK(separations.size() == values.size(), "fit_decay: ", separations.size(),
                " separations but ", values.size(), " values");
  std::vector<double> d, log_d, log_g;
  for (size_t i = 0; i < values.size(); ++i) {
    if (separations[i] >= 1 && separations[i] <= max_separation && values[i] > 0.0 &&
        std::isfinite(values[i])) {
      d.push_back(static_cast<double>(separations[i]));
      log_d.push_back(std::log(static_cast<double>(separations[i])));
      log_g.push_back(std::log(values[i]));
    }
  }
  DecayFit fit;
  fit.num_points = static_cast<int64_t>(d.size());
  if (d.size() < 3) {
    fit.power_amplitude = fit.eta = fit.power_rss = fit.power_r2 = kNaN;
    fit.exp_amplitude = fit.xi = fit.exp_rss = fit.exp_r2 = kNaN;
    fit.rss_ratio = fit.delta_aic = kNaN;
    fit.better = "none";
    return fit;
  }
  fit.ok = true;
  const LineFit p = fit_line(log_d, log_g);
  const LineFit e = fit_line(d, log_g);
  fit.power_amplitude = std::exp(p.intercept);
  fit.eta = -p.slope;
  fit.power_rss = p.rss;
  fit.power_r2 = p.r2;
  fit.exp_amplitude = std::exp(e.intercept);
  fit.xi = -1.0 / e.slope;  // negative when G grows with d
  fit.exp_rss = e.rss;
  fit.exp_r2 = e.r2;
  fit.better = p.rss <= e.rss ? "power" : "exponential";
  const double lo = std::min(p.rss, e.rss), hi = std::max(p.rss, e.rss);
  fit.rss_ratio = lo > 0.0 ? hi / lo : std::numeric_limits<double>::infinity();
  fit.delta_aic =
      (p.rss > 0.0 && e.rss > 0.0) ? static_cast<double>(d.size()) * std::log(e.rss / p.rss) : kNaN;
  return fit;
}

TwoPointFunction two_point_function(const torch::Tensor& cov, const std::vector<int64_t>& order,
                                    const std::string& order_name, double fit_max_separation) {
  CRITNET_CHECK(cov.dim() == 2 && cov.size(0) == cov.size(1), "covariance must be square, got ",
                cov.sizes());
  const torch::Tensor c = cov.to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t w = c.size(0);
  const double* data = c.data_ptr<double>();
  const auto m = static_cast<int64_t>(order.size());
  for (int64_t u : order) CRITNET_CHECK(u >= 0 && u < w, "unit ", u, " outside [0, ", w, ")");
  TwoPointFunction tp;
  tp.order = order_name;
  const int64_t dmax = std::max<int64_t>(m - 1, 0);
  tp.separation.resize(dmax);
  tp.pairs.assign(dmax, 0);
  std::vector<double> sum_c(dmax, 0.0), sum_r(dmax, 0.0), sum_abs_r(dmax, 0.0);
  for (int64_t p = 0; p < m; ++p) {
    const int64_t k = order[p];
    const double ckk = data[k * w + k];
    for (int64_t q = p + 1; q < m; ++q) {
      const int64_t l = order[q];
      const double ckl = data[k * w + l];
      const double r = ckl / std::sqrt(ckk * data[l * w + l]);
      const int64_t d = q - p - 1;
      sum_c[d] += ckl;
      sum_r[d] += r;
      sum_abs_r[d] += std::abs(r);
      ++tp.pairs[d];
    }
  }
  for (int64_t d = 0; d < dmax; ++d) {
    tp.separation[d] = d + 1;
    const double np = static_cast<double>(tp.pairs[d]);
    tp.mean_c.push_back(sum_c[d] / np);
    tp.mean_r.push_back(sum_r[d] / np);
    tp.mean_abs_r.push_back(sum_abs_r[d] / np);
  }
  const auto max_sep =
      static_cast<int64_t>(std::floor(fit_max_separation * static_cast<double>(m)));
  tp.fit_c = fit_decay(tp.separation, tp.mean_c, max_sep);
  tp.fit_r = fit_decay(tp.separation, tp.mean_r, max_sep);
  return tp;
}

std::vector<int64_t> spectral_seriation(const torch::Tensor& similarity) {
  CRITNET_CHECK(similarity.dim() == 2 && similarity.size(0) == similarity.size(1),
                "similarity must be square, got ", similarity.sizes());
  const int64_t m = similarity.size(0);
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  if (m <= 2) return order;
  torch::Tensor s = similarity.to(torch::kCPU, torch::kFloat64).clone();
  CRITNET_CHECK(torch::isfinite(s).all().item<bool>(), "similarity has non-finite entries");
  s.fill_diagonal_(0.0);
  const torch::Tensor laplacian = torch::diag(s.sum(1)) - s;
  const auto eig = torch::linalg_eigh(laplacian, "L");  // eigenvalues ascending
  torch::Tensor fiedler = std::get<1>(eig).select(1, 1).contiguous();
  const int64_t big = fiedler.abs().argmax().item<int64_t>();
  if (fiedler[big].item<double>() < 0.0) fiedler = -fiedler;
  const double* f = fiedler.data_ptr<double>();
  std::stable_sort(order.begin(), order.end(), [f](int64_t a, int64_t b) { return f[a] < f[b]; });
  return order;
}

Spectrum weight_spectrum(const torch::Tensor& weight, const ProbeOptions& options) {
  CRITNET_CHECK(weight.dim() == 2, "weight must be [out, in], got ", weight.sizes());
  const torch::Tensor v = weight.detach().to(torch::kCPU, torch::kFloat64);
  Spectrum sp;
  sp.rows = v.size(0);
  sp.cols = v.size(1);
  sp.n = unit_count(sp.rows, sp.cols, options.n_convention());
  sp.a = coupling_scale(options.beta(), sp.rows, sp.cols, options.n_convention());
  const bool in_side = options.gram_side() == GramSide::kIn;
  sp.gram_side = to_string(options.gram_side());
  const torch::Tensor s = torch::linalg_svdvals(v).contiguous();  // descending
  // Singular values at or below the rank tolerance are rounding noise of the stored weight:
  // numerically zero modes, counted but kept out of the values (and so of the CCDF and fits).
  sp.rank_tolerance =
      rank_tolerance(s.numel() ? s[0].item<double>() : 0.0, sp.rows, sp.cols, weight.scalar_type());
  for (int64_t i = 0; i < s.numel(); ++i) {
    const double sv = s.data_ptr<double>()[i];
    if (sv > sp.rank_tolerance)
      sp.singular_values.push_back(sv);
    else
      ++sp.num_numerical_zero_modes;
  }
  const int64_t side = in_side ? sp.cols : sp.rows;
  sp.num_zero_modes = side - s.numel();
  double sum_sq = 0.0, max_sq = 0.0;
  std::vector<double> distance;
  for (double sv : sp.singular_values) {
    const double lambda = sp.a * sv * sv;
    sp.eigenvalues.push_back(lambda);
    distance.push_back(std::abs(lambda - 1.0));
    sum_sq += sv * sv;
    max_sq = std::max(max_sq, sv * sv);
  }
  // The eigenvalues of a·w are descending when a > 0, ascending when a < 0.
  std::sort(sp.eigenvalues.begin(), sp.eigenvalues.end(), std::greater<double>());
  for (int64_t i = 0; i < sp.num_zero_modes + sp.num_numerical_zero_modes; ++i)
    distance.push_back(1.0);
  std::sort(distance.begin(), distance.end());
  sp.cw_tolerance = options.cw_tolerance();
  sp.cw_distance_min = distance.front();
  const size_t nd = distance.size();
  sp.cw_distance_median = median(distance);
  const auto within = std::count_if(distance.begin(), distance.end(),
                                    [&](double x) { return x <= options.cw_tolerance(); });
  sp.cw_fraction_within = static_cast<double>(within) / static_cast<double>(nd);
  sp.stable_rank = max_sq > 0.0 ? sum_sq / max_sq : 0.0;
  return sp;
}

void in_degrees(const torch::Tensor& weight, std::vector<double>& abs_sums,
                std::vector<double>& signed_sums) {
  CRITNET_CHECK(weight.dim() == 2, "weight must be [out, in], got ", weight.sizes());
  const torch::Tensor v = weight.detach().to(torch::kCPU, torch::kFloat64);
  const torch::Tensor a = v.abs().sum(1).contiguous(), s = v.sum(1).contiguous();
  abs_sums.assign(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
  signed_sums.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
}

void out_degrees(const torch::Tensor& weight, std::vector<double>& abs_sums,
                 std::vector<double>& signed_sums) {
  CRITNET_CHECK(weight.dim() == 2, "weight must be [out, in], got ", weight.sizes());
  const torch::Tensor v = weight.detach().to(torch::kCPU, torch::kFloat64);
  const torch::Tensor a = v.abs().sum(0).contiguous(), s = v.sum(0).contiguous();
  abs_sums.assign(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
  signed_sums.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
}

}  // namespace critnet::probe
