#include "critnet/train/fast_step.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "critnet/core/error.h"
#include "train/detail/activation.h"
#include "train/detail/adam_state.h"

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

// d ← d ⊙ f'(pre-activation), from the post-activation h (in place, elementwise).
template <typename T>
void activation_backward(nn::Activation act, const T* h, T* d, int64_t n) {
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

// torch::optim::Adam's update (no amsgrad) over [begin, end) of flat arrays, one pass:
//   g += wd·p; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
//   p -= step_size · m / (sqrt(v) / sqrt(bc2) + eps).
template <typename T>
void adam_range(T* p, const T* g, T* m, T* v, int64_t begin, int64_t end, T b1, T b2, T c1, T c2,
                T wd, T step_size, T sqrt_bc2, T eps) {
  int64_t i = begin;
#if defined(__SSE2__)
  if constexpr (std::is_same_v<T, float>) {
    const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), vc1 = _mm_set1_ps(c1),
                 vc2 = _mm_set1_ps(c2), vwd = _mm_set1_ps(wd), vss = _mm_set1_ps(step_size),
                 vsb = _mm_set1_ps(sqrt_bc2), veps = _mm_set1_ps(eps);
    const bool decay = wd != T(0);
    for (; i + 4 <= end; i += 4) {
      __m128 pi = _mm_loadu_ps(p + i);
      __m128 gi = _mm_loadu_ps(g + i);
      if (decay) gi = _mm_add_ps(gi, _mm_mul_ps(pi, vwd));
      __m128 mi = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(m + i), vb1), _mm_mul_ps(gi, vc1));
      __m128 vi =
          _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + i), vb2), _mm_mul_ps(_mm_mul_ps(gi, gi), vc2));
      __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), vsb), veps);
      pi = _mm_sub_ps(pi, _mm_mul_ps(vss, _mm_div_ps(mi, denom)));
      _mm_storeu_ps(m + i, mi);
      _mm_storeu_ps(v + i, vi);
      _mm_storeu_ps(p + i, pi);
    }
  }
#endif
  for (; i < end; ++i) {
    T gi = g[i];
    if (wd != T(0)) gi += wd * p[i];
    m[i] = m[i] * b1 + gi * c1;
    v[i] = v[i] * b2 + gi * gi * c2;
    const T denom = std::sqrt(v[i]) / sqrt_bc2 + eps;
    p[i] -= step_size * (m[i] / denom);
  }
}

}  // namespace

FastMlpStep::FastMlpStep(nn::Mlp model, int64_t max_batch)
    : model_(std::move(model)), activation_(model_->options.activation()), max_batch_(max_batch) {
  CRITNET_CHECK(max_batch > 0, "fast step: max batch must be > 0, got ", max_batch);
  auto params = model_->parameters();
  CRITNET_CHECK(!params.empty(), "fast step: the model has no parameters");
  const auto options = params.front().options();
  CRITNET_CHECK(options.device().is_cpu(), "fast step: the model must be on the CPU, it is on ",
                options.device().str());
  CRITNET_CHECK(options.dtype() == torch::kFloat32 || options.dtype() == torch::kFloat64,
                "fast step: the model must be float32 or float64, it is ",
                c10::toString(params.front().scalar_type()));
  int64_t total = 0;
  for (const auto& p : params) total += p.numel();
  flat_ = torch::empty({total}, options);
  flat_grad_ = torch::zeros({total}, options);
  exp_avg_ = torch::zeros({total}, options);
  exp_avg_sq_ = torch::zeros({total}, options);
  detail::flatten_parameters(params, flat_, flat_grad_);
  for (const auto& linear : model_->linears()) {
    weights_.push_back(linear->weight);
    biases_.push_back(linear->bias);
    weight_grads_.push_back(linear->weight.grad());
    bias_grads_.push_back(linear->bias.grad());
    CRITNET_CHECK(linear->bias.defined(), "fast step: every Linear layer needs a bias");
  }
  const int64_t layers = static_cast<int64_t>(weights_.size());
  acts_.resize(layers + 1);
  deltas_.resize(layers);
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t width = weights_[l].size(0);
    acts_[l + 1] = torch::empty({max_batch, width}, options);
    deltas_[l] = torch::empty({max_batch, width}, options);
  }
}

double FastMlpStep::forward(const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  const int64_t b = x.size(0);
  CRITNET_CHECK(x.dim() == 2 && x.size(1) == weights_[0].size(1), "fast step: input of shape ",
                x.sizes(), " for a net with ", weights_[0].size(1), " inputs");
  CRITNET_CHECK(b > 0 && b <= max_batch_, "fast step: batch of ", b, " samples, at most ",
                max_batch_);
  CRITNET_CHECK(y.dim() == 1 && y.size(0) == b && y.scalar_type() == torch::kInt64,
                "fast step: labels must be int64 [", b, "]");
  batch_ = b;
  acts_[0] = x.scalar_type() == flat_.scalar_type() ? x.contiguous() : x.to(flat_.scalar_type());
  labels_ = y.contiguous();
  const size_t layers = weights_.size();
  for (size_t l = 0; l < layers; ++l) {
    auto out = acts_[l + 1].narrow(0, 0, b);
    at::addmm_out(out, biases_[l], acts_[l].narrow(0, 0, b), weights_[l].t());
    if (l + 1 < layers) detail::activate_(activation_, out);
  }
  auto logits = acts_[layers].narrow(0, 0, b);
  auto dlogits = deltas_[layers - 1].narrow(0, 0, b);
  const int64_t c = logits.size(1);
  double loss = 0;
  AT_DISPATCH_FLOATING_TYPES(flat_.scalar_type(), "critnet_cross_entropy", [&] {
    loss = cross_entropy<scalar_t>(logits.data_ptr<scalar_t>(), labels_.data_ptr<int64_t>(),
                                   dlogits.data_ptr<scalar_t>(), b, c);
  });
  return loss;
}

void FastMlpStep::backward() {
  CRITNET_CHECK(batch_ > 0, "fast step: backward() before forward()");
  torch::NoGradGuard no_grad;
  const int64_t b = batch_;
  for (int64_t l = static_cast<int64_t>(weights_.size()) - 1; l >= 0; --l) {
    auto delta = deltas_[l].narrow(0, 0, b);
    auto input = acts_[l].narrow(0, 0, b);
    at::mm_out(weight_grads_[l], delta.t(), input);
    at::sum_out(bias_grads_[l], delta, {0});
    if (l == 0) break;
    auto below = deltas_[l - 1].narrow(0, 0, b);
    at::mm_out(below, delta, weights_[l]);
    AT_DISPATCH_FLOATING_TYPES(flat_.scalar_type(), "critnet_activation_backward", [&] {
      activation_backward<scalar_t>(activation_, input.data_ptr<scalar_t>(),
                                    below.data_ptr<scalar_t>(), below.numel());
    });
  }
}

void FastMlpStep::attach(torch::optim::Adam& optimizer) {
  steps_ = detail::attach_flat_adam_state(optimizer, model_->parameters(), exp_avg_, exp_avg_sq_,
                                          "fast step");
  attached_ = true;
}

void FastMlpStep::adam_step(const AdamSettings& s) {
  CRITNET_CHECK(attached_, "fast step: adam_step() before attach()");
  ++steps_;
  const double bc1 = 1 - std::pow(s.beta1, static_cast<double>(steps_));
  const double bc2 = 1 - std::pow(s.beta2, static_cast<double>(steps_));
  const double step_size = s.lr / bc1;
  const double sqrt_bc2 = std::sqrt(bc2);
  const int64_t n = flat_.numel();
  AT_DISPATCH_FLOATING_TYPES(flat_.scalar_type(), "critnet_fused_adam", [&] {
    auto* p = flat_.data_ptr<scalar_t>();
    const auto* g = flat_grad_.data_ptr<scalar_t>();
    auto* m = exp_avg_.data_ptr<scalar_t>();
    auto* v = exp_avg_sq_.data_ptr<scalar_t>();
    // Memory-bound: chunks of 256k entries (1 MiB of float32 per array) over the threads.
    at::parallel_for(0, n, int64_t{1} << 18, [&](int64_t begin, int64_t end) {
      adam_range<scalar_t>(p, g, m, v, begin, end, static_cast<scalar_t>(s.beta1),
                           static_cast<scalar_t>(s.beta2), static_cast<scalar_t>(1 - s.beta1),
                           static_cast<scalar_t>(1 - s.beta2),
                           static_cast<scalar_t>(s.weight_decay), static_cast<scalar_t>(step_size),
                           static_cast<scalar_t>(sqrt_bc2), static_cast<scalar_t>(s.eps));
    });
  });
}

void FastMlpStep::sync_state(torch::optim::Adam& optimizer) const {
  detail::sync_adam_steps(optimizer, steps_);
}

}  // namespace critnet::train
