#include "critnet/train/fast_step.h"

#include <cmath>

#include "critnet/core/error.h"
#include "train/detail/adam_kernel.h"
#include "train/detail/adam_state.h"
#include "train/detail/flat_mlp.h"

namespace critnet::train {
namespace {

// Mean cross-entropy of logits [b, c] against labels, and its gradient (softmax - onehot) / b
// into d [b, c]; one pass per row.
template <typename T>
double cross_entropy(const T* z, const int64_t* y, T* d, int64_t b, int64_t c) {
  double loss = 0;
  const T inv_b = T(1) / static_cast<T>(b);
  for (int64_t i = 0; i < b; ++i) {
    const T* row = z + i * c;
    T* drow = d + i * c;
    const int64_t label = y[i];
    CRITNET_CHECK_DATA(label >= 0 && label < c, "label ", label, " out of range [0, ", c, ")");
    T mx = row[0];
    for (int64_t j = 1; j < c; ++j) mx = std::max(mx, row[j]);
    T sum = 0;
    for (int64_t j = 0; j < c; ++j) {
      drow[j] = std::exp(row[j] - mx);
      sum += drow[j];
    }
    const T lse = mx + std::log(sum);
    loss += static_cast<double>(lse - row[label]);
    const T scale = inv_b / sum;
    for (int64_t j = 0; j < c; ++j) drow[j] *= scale;
    drow[label] -= inv_b;
  }
  return loss / static_cast<double>(b);
}

}  // namespace

FastMlpStep::FastMlpStep(nn::Mlp model, int64_t max_batch)
    : net_(std::make_unique<detail::FlatMlp>(std::move(model), max_batch, "fast step",
                                             /*cpu_only=*/true,
                                             detail::activation_backward_loops)) {}

FastMlpStep::~FastMlpStep() = default;

double FastMlpStep::forward(const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  const int64_t b = x.size(0);
  CRITNET_CHECK(x.dim() == 2 && x.size(1) == net_->inputs(), "fast step: input of shape ",
                x.sizes(), " for a net with ", net_->inputs(), " inputs");
  CRITNET_CHECK(b > 0 && b <= net_->max_batch(), "fast step: batch of ", b, " samples, at most ",
                net_->max_batch());
  CRITNET_CHECK(y.dim() == 1 && y.size(0) == b && y.scalar_type() == torch::kInt64,
                "fast step: labels must be int64 [", b, "]");
  const auto dtype = net_->flat_parameters().scalar_type();
  const torch::Tensor logits =
      net_->forward(x.scalar_type() == dtype ? x.contiguous() : x.to(dtype));
  labels_ = y.contiguous();
  torch::Tensor dlogits = net_->logits_grad();
  double loss = 0;
  AT_DISPATCH_FLOATING_TYPES(dtype, "critnet_cross_entropy", [&] {
    loss = cross_entropy<scalar_t>(logits.data_ptr<scalar_t>(), labels_.data_ptr<int64_t>(),
                                   dlogits.data_ptr<scalar_t>(), b, net_->classes());
  });
  return loss;
}

void FastMlpStep::backward() {
  CRITNET_CHECK(net_->batch() > 0, "fast step: backward() before forward()");
  torch::NoGradGuard no_grad;
  net_->backward();
}

void FastMlpStep::attach(torch::optim::Adam& optimizer) {
  steps_ = net_->attach(optimizer, "fast step");
  attached_ = true;
}

void FastMlpStep::adam_step(const AdamSettings& s) {
  CRITNET_CHECK(attached_, "fast step: adam_step() before attach()");
  ++steps_;
  const double bc1 = 1 - std::pow(s.beta1, static_cast<double>(steps_));
  const double bc2 = 1 - std::pow(s.beta2, static_cast<double>(steps_));
  const double step_size = s.lr / bc1;
  const double sqrt_bc2 = std::sqrt(bc2);
  const torch::Tensor& flat = net_->flat_parameters();
  AT_DISPATCH_FLOATING_TYPES(flat.scalar_type(), "critnet_fused_adam", [&] {
    const detail::AdamScalars<scalar_t> scalars{
        static_cast<scalar_t>(s.beta1),        static_cast<scalar_t>(s.beta2),
        static_cast<scalar_t>(1 - s.beta1),    static_cast<scalar_t>(1 - s.beta2),
        static_cast<scalar_t>(s.weight_decay), static_cast<scalar_t>(step_size),
        static_cast<scalar_t>(sqrt_bc2),       static_cast<scalar_t>(s.eps)};
    detail::fused_adam(flat.data_ptr<scalar_t>(), net_->flat_gradients().data_ptr<scalar_t>(),
                       net_->exp_avg().data_ptr<scalar_t>(),
                       net_->exp_avg_sq().data_ptr<scalar_t>(), flat.numel(), scalars);
  });
}

void FastMlpStep::sync_state(torch::optim::Adam& optimizer) const {
  detail::sync_adam_steps(optimizer, steps_);
}

const torch::Tensor& FastMlpStep::flat_parameters() const {
  return net_->flat_parameters();
}

const torch::Tensor& FastMlpStep::flat_gradients() const {
  return net_->flat_gradients();
}

}  // namespace critnet::train
