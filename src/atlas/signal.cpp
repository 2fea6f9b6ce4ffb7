#include "critnet/atlas/signal.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/core.h>

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
  const torch::Tensor a64 = a.to(torch::kFloat64);
  const torch::Tensor g =
      outputs <= inputs ? a64.matmul(a64.transpose(1, 2)) : a64.transpose(1, 2).matmul(a64);
  const torch::Tensor ev = torch::linalg_eigvalsh(g).clamp_min(0).flatten();
  s.samples = m;
  s.mean = ev.mean().item<double>();
  s.variance = ev.var(/*unbiased=*/false).item<double>();
  s.max = ev.max().item<double>();
  s.min = ev.min().item<double>();
  return s;
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
  check_chain(weights, biases, inputs);
  torch::NoGradGuard no_grad;
  const std::size_t L = weights.size();
  const int64_t n = inputs.size(0);
  std::vector<torch::Tensor> w, b, w64, col2;
  for (std::size_t l = 0; l < L; ++l) {
    w.push_back(weights[l].detach().to(torch::kCPU, torch::kFloat32).contiguous());
    b.push_back(biases.empty() || !biases[l].defined()
                    ? torch::Tensor()
                    : biases[l].detach().to(torch::kCPU, torch::kFloat32).flatten());
    w64.push_back(weights[l].detach().to(torch::kCPU, torch::kFloat64));
    col2.push_back(w64.back().pow(2).sum(0));  // ‖W_{:,j}‖²
  }
  // The first layer's Jacobian is W¹ itself: the same χ₁ for every input.
  const double chi_first = col2[0].sum().item<double>() / static_cast<double>(w[0].size(0));
  std::vector<std::vector<double>> chi(L);
  std::vector<double> q_sum(L, 0.0);
  const int64_t m = std::min(o.jacobian_samples, n);
  std::vector<torch::Tensor> d_kept(L > 1 ? L - 1 : 0);  // φ'(h^k) of the first m inputs
  for (int64_t start = 0; start < n; start += o.batch_size) {
    const int64_t end = std::min(n, start + o.batch_size);
    torch::Tensor h = inputs.slice(0, start, end).to(torch::kCPU, torch::kFloat32);
    for (std::size_t l = 0; l < L; ++l) {
      torch::Tensor pre;
      if (l == 0) {
        pre = torch::matmul(h, w[0].t());
        chi[0].insert(chi[0].end(), static_cast<std::size_t>(end - start), chi_first);
      } else {
        const torch::Tensor d = rg::activation_derivative(o.activation, h);
        const torch::Tensor per =
            d.to(torch::kFloat64).pow(2).matmul(col2[l]) / static_cast<double>(w[l].size(0));
        chi[l].insert(chi[l].end(), per.data_ptr<double>(), per.data_ptr<double>() + per.numel());
        if (start < m) {
          const torch::Tensor keep = d.slice(0, 0, std::min(end, m) - start);
          d_kept[l - 1] = d_kept[l - 1].defined() ? torch::cat({d_kept[l - 1], keep}) : keep;
        }
        pre = torch::matmul(rg::activation(o.activation, h), w[l].t());
      }
      if (b[l].defined()) pre = pre + b[l];
      q_sum[l] += pre.to(torch::kFloat64).pow(2).mean(1).sum().item<double>();
      h = pre;
    }
  }

  SignalResult r;
  r.options = o;
  r.samples = n;
  double log_sum = 0;
  int log_terms = 0;
  for (std::size_t l = 0; l < L; ++l) {
    SignalLayer s;
    s.layer = static_cast<int64_t>(l) + 1;
    s.fan_in = w[l].size(1);
    s.width = w[l].size(0);
    double sum = 0;
    for (double v : chi[l]) sum += v;
    s.chi1 = sum / static_cast<double>(n);
    std::tie(s.chi1_low, s.chi1_high) = bootstrap_interval(chi[l], o.bootstrap, o.seed + l);
    s.sigma_w2 = static_cast<double>(s.fan_in) * w64[l].var(/*unbiased=*/false).item<double>();
    s.sigma_b2 = b[l].defined() && b[l].numel() > 1
                     ? b[l].to(torch::kFloat64).var(/*unbiased=*/false).item<double>()
                     : 0.0;
    s.q = q_sum[l] / static_cast<double>(n);
    try {
      s.chi1_mean_field = s.sigma_w2 > 0 && s.sigma_w2 <= 1e4
                              ? rg::chi1(o.activation, s.sigma_w2, s.sigma_b2)
                              : NAN;
    } catch (const Error&) {
      s.chi1_mean_field = NAN;
    }
    s.phase = rg::phase(s.chi1, o.critical_tolerance);
    s.apjn = l == 0 ? 1.0 : 0.0;
    if (l > 0 && s.chi1 > 0) log_sum += std::log(s.chi1), ++log_terms;
    r.layers.push_back(s);
  }
  r.chi1_geometric_mean = log_terms ? std::exp(log_sum / log_terms) : r.layers[0].chi1;
  r.phase = rg::phase(r.chi1_geometric_mean, o.critical_tolerance);
  if (m > 0) {
    r.jacobian = jacobian(w, d_kept);
    // APJN from the first layer's pre-activation: v ~ N(0, I) pushed up the chain.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    torch::Tensor v = torch::randn({m * o.apjn_probes, w[0].size(0)}, gen,
                                   torch::TensorOptions().dtype(torch::kFloat32));
    for (std::size_t l = 1; l < L; ++l) {
      v = (v * d_kept[l - 1].repeat({o.apjn_probes, 1})).matmul(w[l].t());
      const torch::Tensor e =
          v.to(torch::kFloat64).pow(2).sum(1) / static_cast<double>(w[l].size(0));
      r.layers[l].apjn = e.mean().item<double>();
      r.layers[l].apjn_se =
          e.numel() > 1 ? e.std().item<double>() / std::sqrt(static_cast<double>(e.numel())) : 0.0;
    }
  }
  return r;
}

nlohmann::json SignalResult::row_json(const SignalLayer& s) {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"layer", s.layer},
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
        fmt::format("not computed (rank {} > {} or no sample)", jacobian.rank, kMaxJacobianRank);
  return {{"samples", samples},
          {"activation", rg::to_string(options.activation)},
          {"critical_tolerance", options.critical_tolerance},
          {"chi1_geometric_mean", chi1_geometric_mean},
          {"phase", phase},
          {"layers", rows},
          {"jacobian", jac},
          {"apjn", apjn}};
}

}  // namespace critnet::atlas
