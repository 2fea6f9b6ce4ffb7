#include "critnet/atlas/htsr.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "critnet/core/error.h"
#include "critnet/core/limits.h"
#include "critnet/core/numerics.h"
#include "critnet/core/runtime.h"

namespace critnet::atlas {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// The weight as rf slices [out, in] in float64.
torch::Tensor slices(const torch::Tensor& weight) {
  CRITNET_CHECK(weight.dim() >= 2, "a layer weight needs 2 or more dimensions, got ",
                weight.sizes());
  torch::Tensor w = weight.detach().to(torch::kCPU, torch::kFloat64);
  w = w.reshape({w.size(0), w.size(1), -1});  // [out, in, rf]
  return w.permute({2, 0, 1}).contiguous();   // [rf, out, in]
}

// The eigenvalues of the smaller Gram side of every slice, pooled: ascending, above `floor`.
std::vector<double> pooled_eigenvalues(const torch::Tensor& s, double floor) {
  const bool rows = s.size(1) <= s.size(2);  // W Wᵀ [out, out] when out ≤ in
  const torch::Tensor gram = rows ? s.matmul(s.transpose(1, 2)) : s.transpose(1, 2).matmul(s);
  const torch::Tensor ev = torch::linalg_eigvalsh(gram).flatten();
  const torch::Tensor kept = std::get<0>(ev.masked_select(ev > floor).sort());
  return {kept.data_ptr<double>(), kept.data_ptr<double>() + kept.numel()};
}

// numpy's matrix_rank per slice: singular values above ε·s_max·max(out, in), ε of the weight's
// dtype; summed over the slices.
int64_t matrix_rank(const torch::Tensor& weight, const torch::Tensor& s) {
  const torch::Tensor sv = torch::linalg_svdvals(s);  // [rf, M], descending
  const torch::Tensor tol = sv.select(1, 0).unsqueeze(1) *
                            rank_tolerance(1.0, s.size(1), s.size(2), weight.scalar_type());
  return (sv > tol).sum().item<int64_t>();
}

// log10 Σ λ^α without overflow.
double log10_power_sum(const std::vector<double>& x, double alpha) {
  double top = -std::numeric_limits<double>::infinity();
  for (double v : x) top = std::max(top, alpha * std::log(v));
  double sum = 0;
  for (double v : x) sum += std::exp(alpha * std::log(v) - top);
  return (top + std::log(sum)) / std::log(10.0);
}

// Normalised spectral entropy: −Σ p ln p / ln R, p = λ/Σλ.
double spectral_entropy(const std::vector<double>& x, double norm) {
  if (x.size() < 2) return kNan;
  double h = 0;
  for (double v : x) {
    const double p = v / norm;
    if (p > 0) h -= p * std::log(p);
  }
  return h / std::log(static_cast<double>(x.size()));
}

std::string format_p(double p) {
  return fmt::format("{:.3g}", p);
}

// critnet's label from the MP test and the CSN verdict on the tail.
std::string critnet_label(const HtsrRow& r, const report::VerdictRule& rule) {
  if (r.fit.xmin <= 0) return "no fit";
  if (r.mp_bulk()) return "MP bulk: no tail";
  if (!r.csn) return "no CSN fit: " + r.csn_error;
  const report::FitVerdict& v = r.csn->verdict;
  if (std::isnan(r.csn->fit.p)) return "untested (no bootstrap)";
  switch (v.plausibility) {
    case report::Plausibility::kScaleInvariant:
      return fmt::format("heavy-tailed: power law not rejected over ≥ {:g} decade{}",
                         rule.min_decades, rule.min_decades == 1 ? "" : "s");
    case report::Plausibility::kAlternativeFavoured:
      return "tail rejected (" +
             (v.best_alternative ? v.best_alternative->alternative : std::string("alternative")) +
             " favoured)";
    case report::Plausibility::kRejectedByGof:
      return "tail rejected (p = " + format_p(r.csn->fit.p) + " < " + format_p(rule.gof_p_min) +
             ")";
    case report::Plausibility::kTooNarrow:
      return "power law not rejected but too narrow (" + v.reason + ")";
    case report::Plausibility::kNoFit:
      break;
  }
  return "no fit: " + v.reason;
}

std::string ww_label(double alpha) {
  if (alpha < 2) return "α < 2: over-trained (WeightWatcher heuristic)";
  if (alpha > 6) return "α > 6: under-trained (WeightWatcher heuristic)";
  return "2 ≤ α ≤ 6: well trained (WeightWatcher heuristic)";
}

// The CSN analysis of the tail the HTSR fit chose.
void csn_statistics(const std::vector<double>& evals, const HtsrOptions& o, HtsrRow& r) {
  analysis::FitOptions f;
  f.xmin = r.fit.xmin;
  f.bootstrap = o.bootstrap;
  f.seed = o.seed;
  f.threads = o.threads;
  f.min_tail = 5;
  try {
    r.csn = report::fit_report(evals, f, o.rule);
  } catch (const InvalidArgument& e) {
    r.csn_error = e.what();
  } catch (const NumericalError& e) {
    r.csn_error = e.what();
  }
}

}  // namespace

void HtsrOptions::validate() const {
  CRITNET_CHECK(std::isfinite(eval_floor) && eval_floor >= 0,
                "eigenvalue floor must be finite and >= 0, got ", eval_floor);
  CRITNET_CHECK(min_evals >= 3, "min eigenvalues must be >= 3, got ", min_evals);
  CRITNET_CHECK(bootstrap >= 0 && bootstrap <= kMaxBootstrap, "bootstrap replicates must be in 0..",
                kMaxBootstrap, ", got ", bootstrap);
  check_threads(threads);
  rule.validate();
}

HtsrFit htsr_fit(const std::vector<double>& x) {
  const auto n = static_cast<int64_t>(x.size());
  CRITNET_CHECK(
      n >= 2 && x.front() > 0 && std::is_sorted(x.begin(), x.end()) && x.front() < x.back(),
      "the HTSR fit needs ascending positive values, at least two distinct");
  // Σ ln x over x[i..n): the MLE of every candidate in O(1).
  std::vector<double> tail_log(static_cast<std::size_t>(n) + 1, 0.0);
  for (int64_t i = n - 1; i >= 0; --i) tail_log[i] = tail_log[i + 1] + std::log(x[i]);
  HtsrFit best;
  best.D = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i + 1 < n; ++i) {  // every eigenvalue but the largest
    const double xmin = x[i];
    const int64_t nt = n - i;
    const double s = tail_log[i] - static_cast<double>(nt) * std::log(xmin);
    if (!(s > 0)) continue;  // the tail is one repeated value
    const double alpha = 1.0 + static_cast<double>(nt) / s;
    double d = 0;
    for (int64_t j = 0; j < nt; ++j) {
      const double cdf = 1.0 - std::pow(x[i + j] / xmin, 1.0 - alpha);
      d = std::max(d, std::abs(static_cast<double>(j) / static_cast<double>(nt) - cdf));
    }
    if (d < best.D) best = HtsrFit{alpha, xmin, d, nt};
  }
  CRITNET_CHECK(std::isfinite(best.D), "the HTSR fit found no candidate x_min");
  return best;
}

MpFit fit_marchenko_pastur(const std::vector<double>& x, int64_t N, int64_t M) {
  CRITNET_CHECK(!x.empty() && N >= M && M >= 1, "the MP fit needs eigenvalues and N >= M >= 1");
  const double n = static_cast<double>(N), m = static_cast<double>(M);
  // Johnstone (2001): centre and scale of the largest eigenvalue of a real N × M Wishart
  // matrix with unit variance; the bound is 4 scale units above the centre.
  const double a = std::sqrt(n - 0.5), b = std::sqrt(m - 0.5);
  const double centre = (a + b) * (a + b), scale = (a + b) * std::cbrt(1.0 / a + 1.0 / b);
  MpFit f;
  std::size_t bulk = x.size();
  for (int round = 0; round < 50; ++round) {
    const double mean = std::accumulate(x.begin(), x.begin() + bulk, 0.0) / bulk;
    f.sigma2 = mean / n;  // the MP mean of WᵀW's eigenvalues is σ²·N
    f.lambda_plus = f.sigma2 * (std::sqrt(n) + std::sqrt(m)) * (std::sqrt(n) + std::sqrt(m));
    f.tw_edge = f.sigma2 * (centre + 4.0 * scale);
    const auto below =
        static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), f.tw_edge) - x.begin());
    if (below == bulk || below == 0) break;
    bulk = below;
  }
  return f;
}

std::vector<double> layer_eigenvalues(const torch::Tensor& weight, double floor) {
  return pooled_eigenvalues(slices(weight), floor);
}

HtsrRow analyse_layer(const std::string& name, const std::string& type, const torch::Tensor& weight,
                      const HtsrOptions& o) {
  o.validate();
  HtsrRow r;
  r.layer = name;
  r.type = type;
  CRITNET_CHECK(weight.defined() && weight.dim() >= 2, "layer '", name,
                "': a weight of 2 or more dimensions is needed");
  r.N = std::max(weight.size(0), weight.size(1));
  r.M = std::min(weight.size(0), weight.size(1));
  r.rf = weight.numel() / (weight.size(0) * weight.size(1));
  if (!torch::isfinite(weight).all().item<bool>()) {
    r.error = "non-finite weights";
    return r;
  }
  const torch::Tensor s = slices(weight);  // once: the eigenvalues and the rank read it
  const std::vector<double> ev = pooled_eigenvalues(s, o.eval_floor);
  r.num_evals = static_cast<int64_t>(ev.size());
  if (r.num_evals < o.min_evals || ev.front() == ev.back()) {
    r.error = fmt::format("{} eigenvalues above {:g} (at least {} distinct needed)", r.num_evals,
                          o.eval_floor, o.min_evals);
    return r;
  }
  r.fit = htsr_fit(ev);
  r.sigma = (r.fit.alpha - 1.0) / std::sqrt(static_cast<double>(r.fit.n_tail));
  r.lambda_max = ev.back();
  r.norm = std::accumulate(ev.begin(), ev.end(), 0.0);
  r.log_norm = std::log10(r.norm);
  r.log_spectral_norm = std::log10(r.lambda_max);
  r.alpha_weighted = r.fit.alpha * r.log_spectral_norm;
  r.log_alpha_norm = log10_power_sum(ev, r.fit.alpha);
  r.stable_rank = r.norm / r.lambda_max;
  r.entropy = spectral_entropy(ev, r.norm);
  r.matrix_rank = matrix_rank(weight, s);
  r.mp = fit_marchenko_pastur(ev, r.N, r.M);
  r.mp_softrank = r.mp.lambda_plus / r.lambda_max;
  r.num_spikes =
      static_cast<int64_t>(ev.end() - std::upper_bound(ev.begin(), ev.end(), r.mp.lambda_plus));
  if (!r.mp_bulk()) csn_statistics(ev, o, r);
  r.label = critnet_label(r, o.rule);
  r.ww_label = ww_label(r.fit.alpha);
  return r;
}

std::vector<HtsrRow> analyse_layers(const std::vector<LayerWeight>& layers,
                                    const HtsrOptions& options) {
  options.validate();
  CRITNET_CHECK(!layers.empty(), "the model has no Linear or Conv layer");
  std::vector<HtsrRow> rows;
  for (const auto& l : layers) rows.push_back(analyse_layer(l.name, l.type, l.weight, options));
  return rows;
}

nlohmann::json HtsrRow::to_json() const {
  using nlohmann::json;
  const auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json j = {{"layer", layer}, {"type", type}, {"N", N},
            {"M", M},         {"rf", rf},     {"num_evals", num_evals}};
  if (!error.empty()) {
    j["error"] = error;
    return j;
  }
  j.update({{"alpha", num(fit.alpha)},
            {"xmin", num(fit.xmin)},
            {"D", num(fit.D)},
            {"sigma", num(sigma)},
            {"num_pl_spikes", fit.n_tail},
            {"lambda_max", num(lambda_max)},
            {"norm", num(norm)},
            {"log_norm", num(log_norm)},
            {"log_spectral_norm", num(log_spectral_norm)},
            {"alpha_weighted", num(alpha_weighted)},
            {"log_alpha_norm", num(log_alpha_norm)},
            {"stable_rank", num(stable_rank)},
            {"entropy", num(entropy)},
            {"matrix_rank", matrix_rank},
            {"mp_softrank", num(mp_softrank)},
            {"num_spikes", num_spikes},
            {"mp",
             {{"sigma2", num(mp.sigma2)},
              {"lambda_plus", num(mp.lambda_plus)},
              {"tw_edge", num(mp.tw_edge)}}},
            {"mp_bulk", mp_bulk()},
            {"label", label},
            {"ww_label", ww_label}});
  if (csn) {
    j["p"] = num(csn->fit.p);
    j["verdict"] = report::to_string(csn->verdict.plausibility);
    j["csn"] = csn->to_json();
  } else {
    j["p"] = nullptr;
    j["verdict"] = nullptr;
    if (!csn_error.empty()) j["csn_error"] = csn_error;
  }
  return j;
}

}  // namespace critnet::atlas
