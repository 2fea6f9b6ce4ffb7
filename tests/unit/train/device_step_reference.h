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

 private:
  nn::Mlp model_;
  train::DeviceStepOptions options_;
  torch::optim::Adam adam_;
};

/// Relative max-norm distance ‖a - b‖∞ / max(‖b‖∞, 1e-30), both moved to the CPU in float64.
inline double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  auto x = a.detach().to(torch::kCPU, torch::kFloat64);
  auto y = b.detach().to(torch::kCPU, torch::kFloat64);
  return (x - y).abs().max().item<double>() / std::max(y.abs().max().item<double>(), 1e-30);
}

}  // namespace critnet::test_support
