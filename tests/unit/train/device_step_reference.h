#pragma once
// References for the device step's tests (CPU and CUDA): LibTorch autograd +
// torch::optim::Adam with the critical penalty through its literal formula
// (reg::penalty_naive), or through reg::penalty() for the stochastic estimate.
#include <torch/torch.h>

#include <vector>

#include "critnet/nn/mlp.h"
#include "critnet/regularizers/critical.h"
#include "critnet/train/device_step.h"

namespace critnet::test_support {

inline nn::Mlp make_device_step_model(nn::Activation act, torch::Dtype dtype, uint64_t seed,
                                      const torch::Device& device = torch::kCPU) {
  torch::manual_seed(seed);
  nn::Mlp m(nn::MlpOptions(12, 5).hidden_sizes({16, 9, 7}).activation(act));
  m->to(device, dtype);
  return m;
}

/// An autograd model with its Adam, stepping like DeviceMlpStep::step_on().
class AutogradReference {
 public:
  AutogradReference(nn::Mlp model, const train::DeviceStepOptions& o)
      : model_(std::move(model)),
        options_(o),
        adam_(model_->parameters(), torch::optim::AdamOptions(o.adam.lr)
                                        .betas(std::make_tuple(o.adam.beta1, o.adam.beta2))
                                        .eps(o.adam.eps)
                                        .weight_decay(o.adam.weight_decay)) {}

  /// One step on (x, y); the penalty (scaled by interval·λ) when with_penalty. Returns the
  /// batch's summed cross-entropy. probe_seed >= 0 seeds torch's generator before the
  /// penalty (stochastic estimate).
  double step(const torch::Tensor& x, const torch::Tensor& y, bool with_penalty,
              int64_t probe_seed = -1) {
    adam_.zero_grad();
    auto data = torch::nn::functional::cross_entropy(model_->forward(x), y);
    auto loss = data;
    const auto& r = options_.reg;
    if (with_penalty && r.enabled()) {
      if (probe_seed >= 0) torch::manual_seed(static_cast<uint64_t>(probe_seed));
      const double scale = static_cast<double>(r.interval()) * r.strength();
      for (auto l : options_.layers) {
        auto w = model_->weight(l);
        loss = loss + scale * (r.penalty().probes() > 0 ? reg::penalty(w, r.penalty())
                                                        : reg::penalty_naive(w, r.penalty()));
      }
    }
    loss.backward();
    adam_.step();
    return data.item<double>() * static_cast<double>(x.size(0));
  }

  torch::Tensor flat() const {
    std::vector<torch::Tensor> ps;
    for (const auto& p : model_->parameters()) ps.push_back(p.detach().reshape({-1}));
    return torch::cat(ps);
  }
  nn::Mlp& model() { return model_; }
  torch::optim::Adam& adam() { return adam_; }

 private:
  nn::Mlp model_;
  train::DeviceStepOptions options_;
  torch::optim::Adam adam_;
};

/// Makes `to`'s parameters and Adam moments those of `from` (both Adams over their models'
/// parameters, in order; moments copied where `from` has them), so that the next step of
/// each starts from one state.
inline void copy_step_state(nn::Mlp& from, torch::optim::Adam& from_adam, nn::Mlp& to,
                            torch::optim::Adam& to_adam) {
  torch::NoGradGuard no_grad;
  auto pf = from->parameters();
  auto pt = to->parameters();
  for (size_t i = 0; i < pf.size(); ++i) {
    pt[i].copy_(pf[i]);
    const auto key_from = c10::guts::to_string(pf[i].unsafeGetTensorImpl());
    const auto key_to = c10::guts::to_string(pt[i].unsafeGetTensorImpl());
    if (from_adam.state().count(key_from) == 0 || to_adam.state().count(key_to) == 0) continue;
    auto& sf = static_cast<torch::optim::AdamParamState&>(*from_adam.state().at(key_from));
    auto& st = static_cast<torch::optim::AdamParamState&>(*to_adam.state().at(key_to));
    st.exp_avg().copy_(sf.exp_avg());
    st.exp_avg_sq().copy_(sf.exp_avg_sq());
  }
}

/// The parameters' gradients of a model, flat, float64.
inline torch::Tensor flat_grads(const nn::Mlp& m) {
  std::vector<torch::Tensor> gs;
  for (const auto& p : m->parameters()) gs.push_back(p.grad().detach().reshape({-1}));
  return torch::cat(gs).to(torch::kFloat64);
}

/// Relative max-norm distance ‖a - b‖∞ / max(‖b‖∞, 1e-30), both moved to the CPU in float64.
inline double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  auto x = a.detach().to(torch::kCPU, torch::kFloat64);
  auto y = b.detach().to(torch::kCPU, torch::kFloat64);
  return (x - y).abs().max().item<double>() / std::max(y.abs().max().item<double>(), 1e-30);
}

}  // namespace critnet::test_support
