#include "critnet/train/device_step.h"

#include <algorithm>
#include <string>
#include <utility>

#include "critnet/core/error.h"
#include "critnet/regularizers/critical.h"
#include "train/detail/adam_state.h"
#include "train/detail/flat_mlp.h"
#include "train/detail/step_graphs.h"

namespace critnet::train {
namespace {

DeviceStepOptions validated(DeviceStepOptions options) {
  CRITNET_CHECK(options.max_batch > 0, "device step: max batch must be > 0, got ",
                options.max_batch);
  options.reg.validate();
  return options;
}

}  // namespace

bool cuda_graphs_available() {
  return detail::step_graphs_available();
}

DeviceMlpStep::DeviceMlpStep(nn::Mlp model, DeviceStepOptions options)
    : options_(validated(std::move(options))),
      net_(std::make_unique<detail::FlatMlp>(std::move(model), options_.max_batch, "device step",
                                             /*cpu_only=*/false,
                                             detail::activation_backward_aten)) {
  const int64_t num_linears = net_->num_layers();
  penalty_on_ = options_.reg.enabled() && !options_.layers.empty();
  penalty_scale_ = options_.reg.weight();
  for (auto l : options_.layers) {
    CRITNET_CHECK(l >= 0 && l < num_linears, "device step: penalised layer ", l,
                  " out of range: the net has Linear layers 0..", num_linears - 1);
  }
  const auto opts = net_->flat_parameters().options();
  const int64_t total = net_->flat_parameters().numel();
  adam_tmp_ = torch::empty({total}, opts);
  if (options_.adam.weight_decay != 0.0) decayed_grad_ = torch::empty({total}, opts);
  const int64_t b = options_.max_batch;
  const int64_t classes = net_->classes();
  const auto device = opts.device();
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(device);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  inputs_buf_ = torch::empty({b, net_->inputs()}, opts);
  labels_buf_ = torch::zeros({b}, i64);
  log_probs_ = torch::empty({b, classes}, opts);
  picked_ = torch::empty({b, 1}, opts);
  minus_ones_ = torch::full({b, 1}, -1.0, opts);
  arange_ = torch::arange(b, i64);
  positions_ = torch::zeros({b}, i64);
  indices_ = torch::zeros({b}, i64);
  counter_ = torch::zeros({}, i64);
  step_count_ = torch::zeros({}, f64);
  step_count_f32_ = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  data_sum_ = torch::zeros({}, f64);
  reg_sum_ = torch::zeros({}, f64);
  penalty_sums_ = torch::zeros({static_cast<int64_t>(options_.layers.size())}, f64);

  if (options_.cuda_graph) graphs_ = detail::make_step_graphs(device, options_.graph_warmup);
}

DeviceMlpStep::~DeviceMlpStep() = default;

void DeviceMlpStep::attach(torch::optim::Adam& optimizer) {
  steps_ = net_->attach(optimizer, "device step");
  step_count_.fill_(static_cast<double>(steps_));
  step_count_f32_.fill_(static_cast<double>(steps_));
  attached_ = true;
}

void DeviceMlpStep::sync_state(torch::optim::Adam& optimizer) const {
  detail::sync_adam_steps(optimizer, steps_);
}

void DeviceMlpStep::set_data(const torch::Tensor& inputs, const torch::Tensor& labels) {
  CRITNET_CHECK(inputs.dim() == 2 && inputs.size(1) == net_->inputs(),
                "device step: inputs of shape ", inputs.sizes(), " for a net with ", net_->inputs(),
                " inputs");
  CRITNET_CHECK(labels.dim() == 1 && labels.size(0) == inputs.size(0) &&
                    labels.scalar_type() == torch::kInt64,
                "device step: labels must be int64 [", inputs.size(0), "]");
  CRITNET_CHECK(inputs.size(0) > 0, "device step: the training set is empty");
  // A captured graph reads the data's storage: it must not move.
  CRITNET_CHECK(!graph_captured(false) && !graph_captured(true),
                "device step: set_data() after a CUDA graph was captured");
  const torch::Tensor& flat = net_->flat_parameters();
  inputs_ = inputs.to(flat.device(), flat.scalar_type()).contiguous();
  labels_ = labels.to(flat.device()).contiguous();
  const int64_t classes = net_->classes();
  // One read-back at set-up: a step cannot check its labels without one.
  const int64_t lo = labels_.min().item<int64_t>(), hi = labels_.max().item<int64_t>();
  CRITNET_CHECK_DATA(lo >= 0 && hi < classes, "label out of range [0, ", classes, "): found ",
                     lo < 0 ? lo : hi);
  n_ = inputs_.size(0);
  order_ = torch::arange(n_, labels_.options());
  next_batch_ = batches_per_epoch();  // no epoch started
}

int64_t DeviceMlpStep::batches_per_epoch() const {
  return (n_ + options_.max_batch - 1) / options_.max_batch;
}

int64_t DeviceMlpStep::next_batch_size() const {
  if (n_ == 0 || next_batch_ >= batches_per_epoch()) return 0;
  return std::min(options_.max_batch, n_ - next_batch_ * options_.max_batch);
}

void DeviceMlpStep::begin_epoch(const torch::Tensor& order, int64_t first_batch) {
  CRITNET_CHECK(n_ > 0, "device step: begin_epoch() before set_data()");
  CRITNET_CHECK(order.dim() == 1 && order.size(0) == n_ && order.scalar_type() == torch::kInt64,
                "device step: the epoch's order must be int64 [", n_, "]");
  CRITNET_CHECK(first_batch >= 0 && first_batch <= batches_per_epoch(), "device step: first batch ",
                first_batch, " out of range [0, ", batches_per_epoch(), "]");
  order_.copy_(order);  // in place: a captured graph reads order_'s storage
  counter_.fill_(first_batch);
  next_batch_ = first_batch;
}

void DeviceMlpStep::load_batch(int64_t b) {
  // positions = counter·B + [0, b); indices = order[positions]; counter += 1. All on the
  // device: the same launches for every full batch, whatever the counter's value.
  auto pos = positions_.narrow(0, 0, b);
  auto idx = indices_.narrow(0, 0, b);
  at::add_out(pos, arange_.narrow(0, 0, b), counter_, options_.max_batch);
  at::index_select_out(idx, order_, 0, pos);
  auto x = inputs_buf_.narrow(0, 0, b);
  auto y = labels_buf_.narrow(0, 0, b);
  at::index_select_out(x, inputs_, 0, idx);
  at::index_select_out(y, labels_, 0, idx);
  counter_.add_(1);
}

void DeviceMlpStep::compute(int64_t b, bool with_penalty) {
  const torch::Tensor logits = net_->forward(inputs_buf_.narrow(0, 0, b));
  // Cross-entropy: Σ_i -log softmax(z_i)[y_i] into the accumulator; its mean's gradient
  // (softmax - onehot) / b into the logits' delta.
  auto logp = log_probs_.narrow(0, 0, b);
  auto y = labels_buf_.narrow(0, 0, b).unsqueeze(1);
  auto picked = picked_.narrow(0, 0, b);
  at::_log_softmax_out(logp, logits, 1, false);
  at::gather_out(picked, logp, 1, y);
  data_sum_.sub_(picked.sum());
  auto dlogits = net_->logits_grad();
  at::exp_out(dlogits, logp);
  dlogits.scatter_add_(1, y, minus_ones_.narrow(0, 0, b));
  dlogits.mul_(1.0 / static_cast<double>(b));
  net_->backward();  // into the flat gradient's views (overwritten)
  // The penalty: interval·λ·∇R added to the weights' gradients, R summed per layer.
  if (with_penalty && penalty_on_) {
    for (size_t i = 0; i < options_.layers.size(); ++i) {
      const int64_t l = options_.layers[i];
      const torch::Tensor value = reg::penalty_add_gradient(net_->weight(l), options_.reg.penalty(),
                                                            net_->weight_grad(l), penalty_scale_);
      penalty_sums_.select(0, static_cast<int64_t>(i)).add_(value);
      reg_sum_.add_(value, penalty_scale_ * static_cast<double>(b));
    }
  }
  adam_step();
}

void DeviceMlpStep::adam_step() {
  const AdamSettings& s = options_.adam;
  const torch::Tensor& flat = net_->flat_parameters();
  const torch::Tensor& flat_grad = net_->flat_gradients();
  const torch::Tensor& exp_avg = net_->exp_avg();
  const torch::Tensor& exp_avg_sq = net_->exp_avg_sq();
  if (options_.fused_adam && flat.is_cuda()) {
    // One multi-tensor kernel; it reads the (float32) step count on the device and forms the
    // bias corrections itself. The caller increments the count (as torch.optim.Adam does).
    step_count_f32_.add_(1);
    const std::vector<torch::Tensor> params{flat}, grads{flat_grad}, m{exp_avg}, v{exp_avg_sq},
        max_v{}, steps{step_count_f32_};
    at::_fused_adam_(params, grads, m, v, max_v, steps, s.lr, s.beta1, s.beta2, s.weight_decay,
                     s.eps, /*amsgrad=*/false, /*maximize=*/false);
    return;
  }
  // torch::optim::Adam's update with the bias corrections formed on the device:
  //   g += wd·p; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
  //   p -= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps).
  step_count_.add_(1);
  const torch::Tensor bc1 = at::pow(s.beta1, step_count_).neg_().add_(1.0);
  const torch::Tensor sqrt_bc2 = at::pow(s.beta2, step_count_).neg_().add_(1.0).sqrt_();
  const torch::Tensor step_size = bc1.reciprocal().mul_(s.lr);
  torch::Tensor g = flat_grad;
  if (s.weight_decay != 0.0) {
    at::add_out(decayed_grad_, flat_grad, flat, s.weight_decay);
    g = decayed_grad_;
  }
  exp_avg.mul_(s.beta1).add_(g, 1.0 - s.beta1);
  exp_avg_sq.mul_(s.beta2).addcmul_(g, g, 1.0 - s.beta2);
  at::sqrt_out(adam_tmp_, exp_avg_sq);
  adam_tmp_.div_(sqrt_bc2).add_(s.eps);
  at::div_out(adam_tmp_, exp_avg, adam_tmp_);
  adam_tmp_.mul_(step_size);
  flat.sub_(adam_tmp_);
}

void DeviceMlpStep::step(bool with_penalty) {
  CRITNET_CHECK(attached_, "device step: step() before attach()");
  const int64_t b = next_batch_size();
  CRITNET_CHECK(b > 0, "device step: no batch left in this epoch (set_data() and begin_epoch())");
  torch::NoGradGuard no_grad;
  const bool pen = with_penalty && penalty_on_;
  auto body = [this, b, pen] {
    load_batch(b);
    compute(b, pen);
  };
  if (graphs_ && b == options_.max_batch) {
    graphs_->run(pen ? 1 : 0, body);
  } else {
    body();
  }
  ++next_batch_;
  ++steps_;
  ++totals_steps_;
  totals_samples_ += b;
  if (pen) ++totals_penalty_steps_;
}

void DeviceMlpStep::step_on(const torch::Tensor& x, const torch::Tensor& y, bool with_penalty) {
  CRITNET_CHECK(attached_, "device step: step_on() before attach()");
  const int64_t b = x.dim() == 2 ? x.size(0) : 0;
  CRITNET_CHECK(x.dim() == 2 && x.size(1) == net_->inputs(), "device step: input of shape ",
                x.sizes(), " for a net with ", net_->inputs(), " inputs");
  CRITNET_CHECK(b > 0 && b <= options_.max_batch, "device step: batch of ", b, " samples, at most ",
                options_.max_batch);
  CRITNET_CHECK(y.dim() == 1 && y.size(0) == b && y.scalar_type() == torch::kInt64,
                "device step: labels must be int64 [", b, "]");
  torch::NoGradGuard no_grad;
  inputs_buf_.narrow(0, 0, b).copy_(x);
  labels_buf_.narrow(0, 0, b).copy_(y);
  const bool pen = with_penalty && penalty_on_;
  compute(b, pen);
  ++steps_;
  ++totals_steps_;
  totals_samples_ += b;
  if (pen) ++totals_penalty_steps_;
}

StepTotals DeviceMlpStep::take_totals() {
  torch::NoGradGuard no_grad;
  const torch::Tensor all =
      torch::cat({data_sum_.reshape({1}), reg_sum_.reshape({1}), penalty_sums_}).to(torch::kCPU);
  const double* v = all.data_ptr<double>();
  StepTotals t;
  t.steps = totals_steps_;
  t.samples = totals_samples_;
  t.penalty_steps = totals_penalty_steps_;
  t.data_loss_sum = v[0];
  t.reg_term_sum = v[1];
  t.loss_sum = t.data_loss_sum + t.reg_term_sum;
  t.penalty_sums.assign(v + 2, v + all.numel());
  data_sum_.zero_();
  reg_sum_.zero_();
  penalty_sums_.zero_();
  totals_steps_ = totals_samples_ = totals_penalty_steps_ = 0;
  return t;
}

bool DeviceMlpStep::graph_captured(bool with_penalty) const {
  return graphs_ && graphs_->captured(with_penalty ? 1 : 0);
}

const torch::Tensor& DeviceMlpStep::flat_parameters() const {
  return net_->flat_parameters();
}

const torch::Tensor& DeviceMlpStep::flat_gradients() const {
  return net_->flat_gradients();
}

}  // namespace critnet::train
