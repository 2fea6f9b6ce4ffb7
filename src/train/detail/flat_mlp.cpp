#include "train/detail/flat_mlp.h"

#include <string>

#include "core/detail/gemm.h"
#include "critnet/core/error.h"
#include "train/detail/activation.h"
#include "train/detail/adam_state.h"

namespace critnet::train::detail {
namespace {

template <typename T>
void activation_backward_loop(nn::Activation act, const T* h, T* d, int64_t n) {
  switch (act) {
    case nn::Activation::kRelu:
      for (int64_t i = 0; i < n; ++i) d[i] = h[i] > T(0) ? d[i] : T(0);
      break;
    case nn::Activation::kTanh:
      for (int64_t i = 0; i < n; ++i) d[i] *= T(1) - h[i] * h[i];
      break;
    case nn::Activation::kElu:  // alpha = 1: f' = 1 (x > 0), exp(x) = f + 1 (x ≤ 0)
      for (int64_t i = 0; i < n; ++i) d[i] *= h[i] > T(0) ? T(1) : h[i] + T(1);
      break;
    case nn::Activation::kLinear:
      break;
  }
}

}  // namespace

void activation_backward_loops(nn::Activation act, const torch::Tensor& h, torch::Tensor& d) {
  AT_DISPATCH_FLOATING_TYPES(d.scalar_type(), "critnet_activation_backward", [&] {
    activation_backward_loop<scalar_t>(act, h.data_ptr<scalar_t>(), d.data_ptr<scalar_t>(),
                                       d.numel());
  });
}

void activation_backward_aten(nn::Activation act, const torch::Tensor& h, torch::Tensor& d) {
  switch (act) {
    case nn::Activation::kRelu:  // h > 0 exactly where the pre-activation is
      at::threshold_backward_out(d, d, h, 0);
      break;
    case nn::Activation::kTanh:
      at::tanh_backward_out(d, d, h);
      break;
    case nn::Activation::kElu:  // alpha = scale = input_scale = 1, from the result
      at::elu_backward_out(d, d, 1.0, 1.0, 1.0, /*is_result=*/true, h);
      break;
    case nn::Activation::kLinear:
      break;
  }
}

FlatMlp::FlatMlp(nn::Mlp model, int64_t max_batch, const char* who, bool cpu_only,
                 ActivationBackward activation_backward)
    : model_(std::move(model)),
      activation_(model_->options.activation()),
      activation_backward_(activation_backward),
      max_batch_(max_batch) {
  CRITNET_CHECK(max_batch > 0, who, ": max batch must be > 0, got ", max_batch);
  auto params = model_->parameters();
  CRITNET_CHECK(!params.empty(), who, ": the model has no parameters");
  const auto options = params.front().options();
  CRITNET_CHECK(!cpu_only || options.device().is_cpu(), who,
                ": the model must be on the CPU, it is on ", options.device().str());
  CRITNET_CHECK(options.dtype() == torch::kFloat32 || options.dtype() == torch::kFloat64, who,
                ": the model must be float32 or float64, it is ",
                c10::toString(params.front().scalar_type()));
  for (const auto& p : params) {
    CRITNET_CHECK(p.device() == options.device(), who, ": the model's parameters are on ",
                  options.device().str(), " and ", p.device().str());
  }
  for (const auto& linear : model_->linears()) {
    CRITNET_CHECK(linear->bias.defined(), who, ": every Linear layer needs a bias");
  }
  int64_t total = 0;
  for (const auto& p : params) total += p.numel();
  flat_ = torch::empty({total}, options);
  flat_grad_ = torch::zeros({total}, options);
  exp_avg_ = torch::zeros({total}, options);
  exp_avg_sq_ = torch::zeros({total}, options);
  flatten_parameters(params, flat_, flat_grad_);
  for (const auto& linear : model_->linears()) {
    weights_.push_back(linear->weight);
    biases_.push_back(linear->bias);
    weight_grads_.push_back(linear->weight.grad());
    bias_grads_.push_back(linear->bias.grad());
  }
  const int64_t layers = num_layers();
  acts_.resize(layers + 1);
  deltas_.resize(layers);
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t width = weights_[l].size(0);
    acts_[l + 1] = torch::empty({max_batch, width}, options);
    deltas_[l] = torch::empty({max_batch, width}, options);
  }
}

torch::Tensor FlatMlp::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0);
  batch_ = b;
  acts_[0] = x;
  const size_t layers = weights_.size();
  for (size_t l = 0; l < layers; ++l) {
    auto out = acts_[l + 1].narrow(0, 0, b);
    out.copy_(biases_[l].expand_as(out));  // out = bias + x·Wᵀ, as addmm computes it
    core::detail::gemm(acts_[l].narrow(0, 0, b), false, weights_[l], true, out, 1.0, 1.0);
    if (l + 1 < layers) activate_(activation_, out);
  }
  return acts_[layers].narrow(0, 0, b);
}

torch::Tensor FlatMlp::logits_grad() const {
  return deltas_.back().narrow(0, 0, batch_);
}

void FlatMlp::backward() {
  static constexpr int64_t kRows[] = {0};
  const int64_t b = batch_;
  for (int64_t l = num_layers() - 1; l >= 0; --l) {
    auto delta = deltas_[l].narrow(0, 0, b);
    auto input = acts_[l].narrow(0, 0, b);
    core::detail::gemm(delta, true, input, false, weight_grads_[l]);
    at::sum_out(bias_grads_[l], delta, at::IntArrayRef(kRows));
    if (l == 0) break;
    auto below = deltas_[l - 1].narrow(0, 0, b);
    core::detail::gemm(delta, false, weights_[l], false, below);
    activation_backward_(activation_, input, below);
  }
}

int64_t FlatMlp::attach(torch::optim::Adam& optimizer, const char* who) {
  return attach_flat_adam_state(optimizer, model_->parameters(), exp_avg_, exp_avg_sq_, who);
}

}  // namespace critnet::train::detail
