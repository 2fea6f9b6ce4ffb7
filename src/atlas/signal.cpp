#include "critnet/atlas/signal.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/core.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "critnet/core/error.h"
#include "critnet/core/stats.h"

namespace critnet::atlas {
namespace {

// The exact Jacobian is computed when min(outputs, inputs) is at most this.
constexpr int64_t kMaxJacobianRank = 256;

// The 2.5% and 97.5% quantiles (critnet::quantile) of the bootstrap means of `values`.
std::pair<double, double> bootstrap_interval(const std::vector<double>& values, int64_t replicates,
                                             std::uint64_t seed) {
  if (replicates <= 0 || values.empty()) return {NAN, NAN};
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  std::vector<double> means;
  for (int64_t r = 0; r < replicates; ++r) {
    double s = 0;
    for (std::size_t i = 0; i < values.size(); ++i) s += values[pick(gen)];
    means.push_back(s / static_cast<double>(values.size()));
  }
  return {quantile(means, 0.025), quantile(means, 0.975)};
}

void check_chain(const std::vector<torch::Tensor>& w, const std::vector<torch::Tensor>& b,
                 const torch::Tensor& inputs) {
  CRITNET_CHECK(!w.empty(), "the network has no Linear layer");
  CRITNET_CHECK(b.empty() || b.size() == w.size(), "biases: ", b.size(), " for ", w.size(),
                " layers");
  CRITNET_CHECK(inputs.defined() && inputs.dim() == 2 && inputs.size(0) >= 1,
                "inputs must be [n >= 1, features]");
  for (std::size_t l = 0; l < w.size(); ++l) {
    CRITNET_CHECK(w[l].defined() && w[l].dim() == 2, "layer ", l + 1, ": weight must be [out, in]");
    const int64_t in = l == 0 ? inputs.size(1) : w[l - 1].size(0);
    CRITNET_CHECK(w[l].size(1) == in, "layer ", l + 1, ": weight ", w[l].sizes(), " takes ",
                  w[l].size(1), " inputs, the previous layer gives ", in);
    CRITNET_CHECK_DATA(torch::isfinite(w[l]).all().item<bool>(), "layer ", l + 1,
                       ": the weight has non-finite entries");
    if (!b.empty() && b[l].defined())
      CRITNET_CHECK(b[l].numel() == w[l].size(0), "layer ", l + 1, ": bias of ", b[l].numel(),
                    " for ", w[l].size(0), " outputs");
  }
  CRITNET_CHECK_DATA(torch::isfinite(inputs).all().item<bool>(),
                     "the inputs have non-finite entries");
}

// The statistics of the squared singular values `ev` pooled over `samples` inputs.
JacobianSummary summarise_eigenvalues(const torch::Tensor& ev, int64_t samples, int64_t rank) {
  JacobianSummary s;
  s.samples = samples;
  s.rank = rank;
  s.mean = ev.mean().item<double>();
  s.variance = ev.var(/*unbiased=*/false).item<double>();
  s.max = ev.max().item<double>();
  s.min = ev.min().item<double>();
  return s;
}

// The eigenvalues of the smaller Gram matrix of each Jacobian a [m, outputs, inputs].
torch::Tensor squared_singular_values(const torch::Tensor& a) {
  const torch::Tensor a64 = a.to(torch::kFloat64);
  const torch::Tensor g =
      a.size(1) <= a.size(2) ? a64.matmul(a64.transpose(1, 2)) : a64.transpose(1, 2).matmul(a64);
  return torch::linalg_eigvalsh(g).clamp_min(0).flatten();
}

// The squared singular values of J = W_L D_{L−1} W_{L−1} ... D_1 W_1 for each of the stored
// inputs (d[k]: φ'(h^k) of hidden layer k, [m, N_k]), from the output down.
JacobianSummary jacobian(const std::vector<torch::Tensor>& w, const std::vector<torch::Tensor>& d) {
  JacobianSummary s;
  const int64_t outputs = w.back().size(0), inputs = w.front().size(1);
  s.rank = std::min(outputs, inputs);
  if (d.empty() && w.size() > 1) return s;
  const int64_t m = w.size() > 1 ? d.front().size(0) : 1;
  if (s.rank > kMaxJacobianRank || m == 0) return s;
  torch::Tensor a = w.back().unsqueeze(0).expand({m, outputs, w.back().size(1)});
  for (int64_t k = static_cast<int64_t>(w.size()) - 2; k >= 0; --k)
    a = (a * d[static_cast<std::size_t>(k)].unsqueeze(1)).matmul(w[static_cast<std::size_t>(k)]);
  return summarise_eigenvalues(squared_singular_values(a), m, s.rank);
}

// One layer's measurements before the summary.
struct LayerSums {
  std::string name;
  int64_t fan_in = 0, width = 0;  // width: values of h^l per sample
  double sigma_w2 = 0, sigma_b2 = 0, q_sum = 0;
  std::vector<double> chi;   // per input
  std::vector<double> apjn;  // per (Hutchinson vector, input)
};

LayerSums layer_sums(const std::string& name, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  LayerSums s;
  s.name = name;
  const torch::Tensor w64 = weight.detach().to(torch::kCPU, torch::kFloat64);
  s.width = w64.size(0);
  s.fan_in = w64.numel() / w64.size(0);
  s.sigma_w2 = static_cast<double>(s.fan_in) * w64.var(/*unbiased=*/false).item<double>();
  s.sigma_b2 = bias.defined() && bias.numel() > 1
                   ? bias.detach().to(torch::kCPU, torch::kFloat64).var(false).item<double>()
                   : 0.0;
  return s;
}

void append(std::vector<double>& to, const torch::Tensor& values) {
  const torch::Tensor v = values.detach().to(torch::kCPU, torch::kFloat64).contiguous().flatten();
  to.insert(to.end(), v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
}

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? NAN : sum / static_cast<double>(v.size());
}

// rg::chi1 at a layer's (σ_w², σ_b²); NaN without an activation or outside the theory's range.
double mean_field_chi1(const std::optional<rg::Activation>& a, double w2, double b2) {
  if (!a || !(w2 > 0 && w2 <= 1e4)) return NAN;
  try {
    return rg::chi1(*a, w2, b2);
  } catch (const Error&) {
    return NAN;
  }
}

SignalResult summarise(std::vector<LayerSums> sums, const JacobianSummary& jac, int64_t n,
                       int64_t chi1_probes, const SignalOptions& o) {
  SignalResult r;
  r.options = o;
  r.samples = n;
  r.chi1_probes = chi1_probes;
  r.jacobian = jac;
  double log_sum = 0;
  int log_terms = 0;
  for (std::size_t l = 0; l < sums.size(); ++l) {
    LayerSums& m = sums[l];
    SignalLayer s;
    s.layer = static_cast<int64_t>(l) + 1;
    s.name = std::move(m.name);
    s.fan_in = m.fan_in;
    s.width = m.width;
    s.chi1 = mean_of(m.chi);
    std::tie(s.chi1_low, s.chi1_high) = bootstrap_interval(m.chi, o.bootstrap, o.seed + l);
    s.sigma_w2 = m.sigma_w2;
    s.sigma_b2 = m.sigma_b2;
    s.q = m.q_sum / static_cast<double>(n);
    s.chi1_mean_field = mean_field_chi1(o.activation, s.sigma_w2, s.sigma_b2);
    s.phase = rg::phase(s.chi1, o.critical_tolerance);
    if (l == 0) {
      s.apjn = 1.0;
    } else if (!m.apjn.empty()) {
      s.apjn = mean_of(m.apjn);
      double ss = 0;
      for (double e : m.apjn) ss += (e - s.apjn) * (e - s.apjn);
      const auto k = static_cast<double>(m.apjn.size());
      s.apjn_se = k > 1 ? std::sqrt(ss / (k - 1) / k) : 0.0;
    }
    if (l > 0 && s.chi1 > 0) log_sum += std::log(s.chi1), ++log_terms;
    r.layers.push_back(std::move(s));
  }
  r.chi1_geometric_mean = log_terms ? std::exp(log_sum / log_terms) : r.layers[0].chi1;
  r.phase = rg::phase(r.chi1_geometric_mean, o.critical_tolerance);
  return r;
}

void check_tapped(const std::vector<WeightLayer>& layers, const torch::Tensor& inputs) {
  CRITNET_CHECK(!layers.empty(), "the model has no Linear or Conv layer");
  CRITNET_CHECK(inputs.defined() && inputs.dim() >= 2 && inputs.size(0) >= 1,
                "inputs must be [n >= 1, ...]");
  for (const auto& l : layers) {
    CRITNET_CHECK(l.weight.defined() && l.weight.dim() >= 2 && l.weight.size(0) >= 1, "layer '",
                  l.name, "': the weight must be [out, in, ...]");
    CRITNET_CHECK_DATA(torch::isfinite(l.weight.detach()).all().item<bool>(), "layer '", l.name,
                       "': the weight has non-finite entries");
    CRITNET_CHECK_DATA(!l.bias.defined() || torch::isfinite(l.bias.detach()).all().item<bool>(),
                       "layer '", l.name, "': the bias has non-finite entries");
  }
  CRITNET_CHECK_DATA(torch::isfinite(inputs).all().item<bool>(),
                     "the inputs have non-finite entries");
}

// The forward pass's tensors, checked; records each layer's values per sample.
std::vector<torch::Tensor> checked_taps(std::vector<torch::Tensor> taps,
                                        std::vector<LayerSums>& sums, int64_t batch) {
  CRITNET_CHECK(taps.size() == sums.size() + 1, "the forward pass gave ", taps.size(),
                " tensors for ", sums.size(), " layers and the output");
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const torch::Tensor& t = taps[i];
    const std::string what = i < sums.size() ? "layer '" + sums[i].name + "'" : "the output";
    CRITNET_CHECK(t.defined() && t.dim() >= 1 && t.size(0) == batch && t.numel() > 0, what,
                  " gave no [", batch, ", ...] tensor for a batch of ", batch);
    CRITNET_CHECK(t.requires_grad(), what, " does not depend on the input");
    CRITNET_CHECK_DATA(torch::isfinite(t.detach()).all().item<bool>(), what,
                       " has non-finite values");
    if (i < sums.size()) sums[i].width = t[0].numel();
  }
  return taps;
}

// Hutchinson's estimate of (1/N) ‖∂h/∂prev‖²_F for the first `rows` samples, N the values of h
// per sample: ‖(∂h/∂prev)ᵀ u‖² / N with u ~ N(0, I), one row [rows] per vector ([probes, rows]).
torch::Tensor hutchinson(const torch::Tensor& h, const torch::Tensor& prev, int64_t rows,
                         int64_t probes, at::Generator& gen) {
  const double width = static_cast<double>(h[0].numel());
  std::vector<torch::Tensor> out;
  for (int64_t k = 0; k < probes; ++k) {
    torch::Tensor u = torch::randn(h.sizes(), gen, torch::TensorOptions().dtype(h.dtype()));
    if (rows < h.size(0)) u.slice(0, rows).zero_();
    const torch::Tensor g = torch::autograd::grad({h}, {prev}, {u}, /*retain_graph=*/true,
                                                  /*create_graph=*/false, /*allow_unused=*/true)[0];
    out.push_back(g.defined()
                      ? g.slice(0, 0, rows).to(torch::kFloat64).pow(2).flatten(1).sum(1) / width
                      : torch::zeros({rows}, torch::kFloat64));
  }
  return torch::stack(out);
}

// The squared singular values of ∂out/∂x for the first `rows` samples, row by row of the
// Jacobian (one backward pass per output value).
torch::Tensor jacobian_eigenvalues(const torch::Tensor& out, const torch::Tensor& x, int64_t rows) {
  const int64_t outputs = out[0].numel();
  std::vector<torch::Tensor> jrows;
  for (int64_t k = 0; k < outputs; ++k) {
    torch::Tensor u = torch::zeros_like(out).flatten(1);
    u.slice(0, 0, rows).select(1, k).fill_(1);
    const torch::Tensor g =
        torch::autograd::grad({out}, {x}, {u.view_as(out)}, true, false, true)[0];
    jrows.push_back(g.defined() ? g.slice(0, 0, rows).flatten(1)
                                : torch::zeros({rows, x[0].numel()}, x.options()));
  }
  return squared_singular_values(torch::stack(jrows, 1));
}

}  // namespace

void SignalOptions::validate() const {
  CRITNET_CHECK(jacobian_samples >= 0 && jacobian_samples <= 100000,
                "jacobian samples must be in 0..100000, got ", jacobian_samples);
  CRITNET_CHECK(apjn_probes >= 1 && apjn_probes <= 1000, "APJN probes must be in 1..1000, got ",
                apjn_probes);
  CRITNET_CHECK(bootstrap >= 0 && bootstrap <= 1000000, "bootstrap must be in 0..1000000, got ",
                bootstrap);
  CRITNET_CHECK(
      std::isfinite(critical_tolerance) && critical_tolerance > 0 && critical_tolerance < 1,
      "critical tolerance must be in (0, 1), got ", critical_tolerance);
  CRITNET_CHECK(batch_size >= 1, "batch size must be >= 1, got ", batch_size);
}

SignalResult measure_signal(const std::vector<torch::Tensor>& weights,
                            const std::vector<torch::Tensor>& biases, const torch::Tensor& inputs,
                            const SignalOptions& o) {
  o.validate();
  CRITNET_CHECK(o.activation.has_value(), "a chain of Linear layers needs its activation");
  check_chain(weights, biases, inputs);
  torch::NoGradGuard no_grad;
  const std::size_t L = weights.size();
  const int64_t n = inputs.size(0);
  std::vector<torch::Tensor> w, b, col2;
  std::vector<LayerSums> sums(L);
  for (std::size_t l = 0; l < L; ++l) {
    w.push_back(weights[l].detach().to(torch::kCPU, torch::kFloat32).contiguous());
    b.push_back(biases.empty() || !biases[l].defined()
                    ? torch::Tensor()
                    : biases[l].detach().to(torch::kCPU, torch::kFloat32).flatten());
    sums[l] = layer_sums("", weights[l], b[l]);
    sums[l].width = w[l].size(0);
    col2.push_back(weights[l].detach().to(torch::kCPU, torch::kFloat64).pow(2).sum(0));
  }
  // The first layer's Jacobian is W¹ itself: the same χ₁ for every input.
  const double chi_first = col2[0].sum().item<double>() / static_cast<double>(w[0].size(0));
  const int64_t m = std::min(o.jacobian_samples, n);
  std::vector<torch::Tensor> d_kept(L > 1 ? L - 1 : 0);  // φ'(h^k) of the first m inputs
  for (int64_t start = 0; start < n; start += o.batch_size) {
    const int64_t end = std::min(n, start + o.batch_size);
    torch::Tensor h = inputs.slice(0, start, end).to(torch::kCPU, torch::kFloat32);
    for (std::size_t l = 0; l < L; ++l) {
      torch::Tensor pre;
      if (l == 0) {
        pre = torch::matmul(h, w[0].t());
        sums[0].chi.insert(sums[0].chi.end(), static_cast<std::size_t>(end - start), chi_first);
      } else {
        const torch::Tensor d = rg::activation_derivative(*o.activation, h);
        append(sums[l].chi,
               d.to(torch::kFloat64).pow(2).matmul(col2[l]) / static_cast<double>(w[l].size(0)));
        if (start < m) {
          const torch::Tensor keep = d.slice(0, 0, std::min(end, m) - start);
          d_kept[l - 1] = d_kept[l - 1].defined() ? torch::cat({d_kept[l - 1], keep}) : keep;
        }
        pre = torch::matmul(rg::activation(*o.activation, h), w[l].t());
      }
      if (b[l].defined()) pre = pre + b[l];
      sums[l].q_sum += pre.to(torch::kFloat64).pow(2).mean(1).sum().item<double>();
      h = pre;
    }
  }
  JacobianSummary jac;
  jac.rank = std::min(w.back().size(0), w.front().size(1));
  if (m > 0) {
    jac = jacobian(w, d_kept);
    // APJN from the first layer's pre-activation: v ~ N(0, I) pushed up the chain.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    torch::Tensor v = torch::randn({m * o.apjn_probes, w[0].size(0)}, gen,
                                   torch::TensorOptions().dtype(torch::kFloat32));
    for (std::size_t l = 1; l < L; ++l) {
      v = (v * d_kept[l - 1].repeat({o.apjn_probes, 1})).matmul(w[l].t());
      append(sums[l].apjn, v.to(torch::kFloat64).pow(2).sum(1) / static_cast<double>(w[l].size(0)));
    }
  }
  return summarise(std::move(sums), jac, n, /*chi1_probes=*/0, o);
}

SignalResult measure_signal(const TappedForward& forward, const std::vector<WeightLayer>& layers,
                            const torch::Tensor& inputs, const SignalOptions& o) {
  o.validate();
  check_tapped(layers, inputs);
  const std::size_t L = layers.size();
  const int64_t n = inputs.size(0), m = std::min(o.jacobian_samples, n);
  std::vector<LayerSums> sums;
  for (const auto& layer : layers) sums.push_back(layer_sums(layer.name, layer.weight, layer.bias));
  torch::AutoGradMode grad_mode(true);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  std::vector<torch::Tensor> eigenvalues;
  JacobianSummary jac;
  for (int64_t start = 0; start < n; start += o.batch_size) {
    const int64_t end = std::min(n, start + o.batch_size);
    const torch::Tensor x =
        inputs.slice(0, start, end).to(torch::kCPU, torch::kFloat32).detach().requires_grad_(true);
    const std::vector<torch::Tensor> taps = checked_taps(forward(x), sums, end - start);
    for (std::size_t l = 0; l < L; ++l) {
      const torch::Tensor& h = taps[l];
      sums[l].q_sum +=
          h.detach().to(torch::kFloat64).pow(2).flatten(1).mean(1).sum().item<double>();
      append(sums[l].chi,
             hutchinson(h, l == 0 ? x : taps[l - 1], end - start, o.apjn_probes, gen).mean(0));
      if (l > 0 && start < m)
        append(sums[l].apjn,
               hutchinson(h, taps[0], std::min(end, m) - start, o.apjn_probes, gen).flatten());
    }
    jac.rank = std::min(taps[L][0].numel(), x[0].numel());
    if (start < m && taps[L][0].numel() <= kMaxJacobianRank)
      eigenvalues.push_back(jacobian_eigenvalues(taps[L], x, std::min(end, m) - start));
  }
  if (!eigenvalues.empty()) jac = summarise_eigenvalues(torch::cat(eigenvalues), m, jac.rank);
  return summarise(std::move(sums), jac, n, o.apjn_probes, o);
}

nlohmann::json SignalResult::row_json(const SignalLayer& s) {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json row = {{"layer", s.layer},
                        {"fan_in", s.fan_in},
                        {"width", s.width},
                        {"chi1", num(s.chi1)},
                        {"chi1_ci_low", num(s.chi1_low)},
                        {"chi1_ci_high", num(s.chi1_high)},
                        {"sigma_w2", num(s.sigma_w2)},
                        {"sigma_b2", num(s.sigma_b2)},
                        {"q", num(s.q)},
                        {"chi1_mean_field", num(s.chi1_mean_field)},
                        {"phase", s.phase},
                        {"apjn", num(s.apjn)},
                        {"apjn_se", num(s.apjn_se)}};
  if (!s.name.empty()) row["name"] = s.name;
  return row;
}

nlohmann::json SignalResult::to_json() const {
  nlohmann::json rows = nlohmann::json::array(), apjn = nlohmann::json::array();
  for (const auto& s : layers) {
    rows.push_back(row_json(s));
    apjn.push_back({{"layer", s.layer}, {"apjn", s.apjn}, {"apjn_se", s.apjn_se}});
  }
  nlohmann::json jac = {{"samples", jacobian.samples}, {"rank", jacobian.rank}};
  if (jacobian.samples > 0)
    jac.update({{"mean", jacobian.mean},
                {"variance", jacobian.variance},
                {"max", jacobian.max},
                {"min", jacobian.min}});
  else
    jac["note"] =
        fmt::format("not computed (more than {} outputs per sample, rank {} > {}, or no sample)",
                    kMaxJacobianRank, jacobian.rank, kMaxJacobianRank);
  return {{"samples", samples},
          {"activation", options.activation ? nlohmann::json(rg::to_string(*options.activation))
                                            : nlohmann::json()},
          {"critical_tolerance", options.critical_tolerance},
          {"chi1_estimator", chi1_probes > 0 ? "hutchinson" : "exact"},
          {"chi1_probes", chi1_probes},
          {"chi1_geometric_mean", chi1_geometric_mean},
          {"phase", phase},
          {"layers", rows},
          {"jacobian", jac},
          {"apjn", apjn}};
}

}  // namespace critnet::atlas
