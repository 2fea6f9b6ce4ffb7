// The device-generic step on the CPU: hand-written backprop, the penalty's analytic gradient,
// Adam with its step count on the device and device-resident batches, against LibTorch's
// autograd + torch::optim::Adam (float64) and the fast CPU step; the trainer's device path.
// Its CUDA side (fused Adam, CUDA graphs) is tested in device_step_cuda_test.cpp.
#include "critnet/train/device_step.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "critnet/core/error.h"
#include "critnet/data/batches.h"
#include "critnet/train/train.h"
#include "device_step_reference.h"
#include "support/error_bounds.h"
#include "support/mlp_error_bounds.h"
#include "support/temp_dir.h"
#include "support/train_options.h"

namespace fs = std::filesystem;
using namespace critnet;
using critnet::test_support::AdamErrorBound;
using critnet::test_support::AutogradReference;
using critnet::test_support::copy_step_state;
using critnet::test_support::flat_grads;
using critnet::test_support::gamma_n;
using critnet::test_support::make_device_step_model;
using critnet::test_support::mlp_step_bounds;
using critnet::test_support::MlpStepBounds;
using critnet::test_support::rel_diff;
using critnet::test_support::unit_roundoff;
using critnet::test_support::within_bound;
using critnet::train::DeviceMlpStep;
using critnet::train::DeviceStepOptions;

namespace {

DeviceStepOptions options(const train::PenaltySchedule& r, int64_t max_batch = 8) {
  DeviceStepOptions o;
  o.max_batch = max_batch;
  o.adam.lr = 1e-2;
  o.adam.weight_decay = 1e-3;
  o.reg = r;
  o.layers = {0, 1, 2};
  return o;
}

// N explicit batches (sizes vary, the last partial) through both; penalty on steps
// step % interval == 0.
//
// Without a penalty each step starts from the reference's state (parameters, moments) and the
// two computations of one step are compared within twice the one-sided bound of the step:
// mlp_step_bounds for the loss and the gradient, AdamErrorBound for the update fed that
// gradient bound (mlp_error_bounds.h; several steps in a row have no derivable bound: the
// gradient's error would pass through the loss's Hessian).
// With a penalty (the analytic gradient against autograd of penalty_naive) the trajectory of
// 6 steps is compared with rel_diff < 1e-10: a stability check, not yet an error bound.
void expect_matches_autograd(nn::Activation act, const train::PenaltySchedule& r) {
  const auto o = options(r);
  const bool bounded = !r.enabled();
  const double u = unit_roundoff(torch::kFloat64);
  AutogradReference ref(make_device_step_model(act, torch::kFloat64, 5), o);
  auto model = make_device_step_model(act, torch::kFloat64, 5);
  DeviceMlpStep step(model, o);
  torch::optim::Adam adam(model->parameters());
  step.attach(adam);
  AdamErrorBound adam_bound(o.adam.lr, o.adam.beta1, o.adam.beta2, o.adam.eps, o.adam.weight_decay,
                            u);
  double ref_sum = 0, ref_abs_sum = 0, loss_bound = 0;
  const std::vector<int64_t> sizes{8, 8, 5, 8, 3, 8};
  for (size_t s = 0; s < sizes.size(); ++s) {
    torch::manual_seed(100 + s);
    auto x = torch::randn({sizes[s], 12}, torch::kFloat64);
    auto y = torch::randint(0, 5, {sizes[s]}, torch::kInt64);
    const bool pen = static_cast<int64_t>(s) % r.interval() == 0;
    const int64_t seed = r.penalty().probes() > 0 ? 1000 + static_cast<int64_t>(s) : -1;
    if (bounded) copy_step_state(ref.model(), ref.adam(), model, adam);
    const torch::Tensor p0 = ref.flat();
    const MlpStepBounds mb = mlp_step_bounds(ref.model(), x, y, u);
    const double batch_loss = ref.step(x, y, pen, seed);
    ref_sum += batch_loss;
    ref_abs_sum += std::abs(batch_loss);
    // Each side's batch sum is b·mean: the mean's bound, the product.
    loss_bound += static_cast<double>(sizes[s]) * mb.loss + u * std::abs(batch_loss);
    if (seed >= 0) torch::manual_seed(static_cast<uint64_t>(seed));
    step.step_on(x, y, pen);
    if (!bounded) continue;
    std::vector<torch::Tensor> gb;
    for (const auto& g : mb.grads) gb.push_back(g.reshape({-1}));
    adam_bound.reset_errors();
    adam_bound.step(p0, flat_grads(ref.model()), torch::cat(gb));
    EXPECT_TRUE(within_bound(step.flat_parameters(), ref.flat(), 2 * adam_bound.param_error()))
        << nn::to_string(act) << " step " << s;
  }
  if (!bounded) {
    EXPECT_LT(rel_diff(step.flat_parameters(), ref.flat()), 1e-10)
        << nn::to_string(act) << " " << reg::to_string(r.penalty().preset()) << " interval "
        << r.interval() << " probes " << r.penalty().probes();
  }
  const auto totals = step.take_totals();
  EXPECT_EQ(totals.steps, 6);
  EXPECT_EQ(totals.samples, 40);
  if (bounded) {
    // The 6 batch sums' bounds on each side, and the two accumulations of 6 terms.
    EXPECT_NEAR(totals.data_loss_sum, ref_sum, 2 * (loss_bound + gamma_n(6, u) * ref_abs_sum));
  } else {
    EXPECT_NEAR(totals.data_loss_sum, ref_sum, 1e-9 * std::abs(ref_sum));
  }
  EXPECT_EQ(step.steps(), 6);
}

TEST(DeviceStepTest, EqualsAutogradAdamFloat64) {
  for (auto act : {nn::Activation::kRelu, nn::Activation::kTanh, nn::Activation::kElu,
                   nn::Activation::kLinear}) {
    expect_matches_autograd(act, train::PenaltySchedule{});
  }
}

TEST(DeviceStepTest, PenaltyGradientEqualsAutogradFloat64) {
  using reg::Preset;
  const std::vector<train::PenaltySchedule> regs{
      train::PenaltySchedule(reg::PenaltyOptions().preset(Preset::kPaper).beta(2), 1e-2),
      train::PenaltySchedule(
          reg::PenaltyOptions().preset(Preset::kPaper).beta(-3).gram_side(reg::GramSide::kOut),
          1e-2),
      train::PenaltySchedule(reg::PenaltyOptions().preset(Preset::kPaperEq33).beta(2), 1e-2),
      train::PenaltySchedule(reg::PenaltyOptions().preset(Preset::kCw).beta(4), 1e-2).interval(3),
      train::PenaltySchedule(
          reg::PenaltyOptions().preset(Preset::kPoly).coefficients({1, 0.5, 0, 0.2}), 1e-2),
      train::PenaltySchedule(reg::PenaltyOptions().preset(Preset::kL2), 1e-2).interval(2),
      train::PenaltySchedule(reg::PenaltyOptions().preset(Preset::kL1), 1e-3)};
  for (const auto& r : regs) expect_matches_autograd(nn::Activation::kRelu, r);
}

TEST(DeviceStepTest, StochasticPenaltyEqualsAutogradWithTheSameProbes) {
  using reg::Preset;
  expect_matches_autograd(
      nn::Activation::kRelu,
      train::PenaltySchedule(reg::PenaltyOptions().preset(Preset::kPaper).beta(2).probes(3), 1e-2));
  expect_matches_autograd(nn::Activation::kTanh,
                          train::PenaltySchedule(reg::PenaltyOptions()
                                                     .preset(Preset::kPaperEq33)
                                                     .beta(2)
                                                     .probes(2)
                                                     .gram_side(reg::GramSide::kOut),
                                                 1e-2));
}

TEST(DeviceStepTest, PenaltyTotalsPerLayer) {
  const auto r =
      train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(2), 0.5);
  auto o = options(r);
  o.layers = {2, 0};
  auto model = make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 3);
  DeviceMlpStep step(model, o);
  torch::optim::Adam adam(model->parameters());
  step.attach(adam);
  // R before the step (the step's gradient uses the weights it starts from).
  const double r2 = reg::penalty_naive(model->weight(2), r.penalty()).item<double>();
  const double r0 = reg::penalty_naive(model->weight(0), r.penalty()).item<double>();
  step.step_on(torch::randn({6, 12}, torch::kFloat64), torch::randint(0, 5, {6}), true);
  step.step_on(torch::randn({4, 12}, torch::kFloat64), torch::randint(0, 5, {4}), false);
  const auto t = step.take_totals();
  EXPECT_EQ(t.penalty_steps, 1);
  ASSERT_EQ(t.penalty_sums.size(), 2u);
  EXPECT_NEAR(t.penalty_sums[0], r2, 1e-10 * r2);
  EXPECT_NEAR(t.penalty_sums[1], r0, 1e-10 * r0);
  EXPECT_NEAR(t.reg_term_sum, 0.5 * (r2 + r0) * 6, 1e-9 * (r2 + r0));
  // take_totals() resets.
  const auto z = step.take_totals();
  EXPECT_EQ(z.steps, 0);
  EXPECT_EQ(z.data_loss_sum, 0.0);
  EXPECT_EQ(z.penalty_sums[0], 0.0);
}

// The same forward and backward pass (FlatMlp: the same gemm calls on the same inputs) with a
// different loss gradient (log_softmax here, a loop there), activation derivative (ATen's
// kernels, loops) and Adam (tensor operations, the fused kernel): each step starts from the
// fast step's state and the two are compared within twice the one-sided bound of one step
// (mlp_step_bounds for the gradient, AdamErrorBound for the update).
TEST(DeviceStepTest, EqualsFastStep) {
  auto a = make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 7);
  auto b = make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 7);
  auto o = options(train::PenaltySchedule{});
  const double u = unit_roundoff(torch::kFloat64);
  train::FastMlpStep fast(a, o.max_batch);
  DeviceMlpStep dev(b, o);
  torch::optim::Adam adam_a(a->parameters()), adam_b(b->parameters());
  fast.attach(adam_a);
  dev.attach(adam_b);
  AdamErrorBound bound(o.adam.lr, o.adam.beta1, o.adam.beta2, o.adam.eps, o.adam.weight_decay, u);
  for (int s = 0; s < 5; ++s) {
    auto x = torch::randn({s == 4 ? 3 : 8, 12}, torch::kFloat64);
    auto y = torch::randint(0, 5, {x.size(0)});
    copy_step_state(a, adam_a, b, adam_b);
    const torch::Tensor p0 = fast.flat_parameters().clone();
    const MlpStepBounds mb = mlp_step_bounds(a, x, y, u);
    fast.forward(x, y);
    fast.backward();
    std::vector<torch::Tensor> gb;
    for (const auto& g : mb.grads) gb.push_back(g.reshape({-1}));
    bound.reset_errors();
    bound.step(p0, fast.flat_gradients(), torch::cat(gb));
    fast.adam_step(o.adam);
    dev.step_on(x, y, false);
    EXPECT_TRUE(
        within_bound(dev.flat_parameters(), fast.flat_parameters(), 2 * bound.param_error()))
        << "step " << s;
  }
  EXPECT_EQ(dev.steps(), fast.steps());
}

// Resident data, batches chosen on the device by a device-side counter: the same steps as
// explicit batches order[j·B, j·B + b), the last one partial; an epoch can start mid-way.
TEST(DeviceStepTest, ResidentBatchesFollowTheEpochOrder) {
  const auto r =
      train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(2), 1e-2);
  auto o = options(r, 4);
  torch::manual_seed(1);
  auto inputs = torch::randn({10, 12}, torch::kFloat32);  // converted to float64 by set_data
  auto labels = torch::randint(0, 5, {10});
  auto model = make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 5);
  DeviceMlpStep step(model, o);
  torch::optim::Adam adam(model->parameters());
  step.attach(adam);
  step.set_data(inputs, labels);
  EXPECT_EQ(step.batches_per_epoch(), 3);
  AutogradReference ref(make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 5), o);
  const auto x64 = inputs.to(torch::kFloat64);
  int64_t s = 0;
  for (int64_t epoch = 1; epoch <= 2; ++epoch) {
    const auto order = data::epoch_order(10, 3, epoch);
    const int64_t first = epoch == 2 ? 1 : 0;  // the second epoch resumes at batch 1
    step.begin_epoch(order, first);
    for (int64_t j = first; j < 3; ++j, ++s) {
      EXPECT_EQ(step.next_batch_size(), j == 2 ? 2 : 4);
      auto idx = order.slice(0, j * 4, std::min<int64_t>(10, j * 4 + 4));
      ref.step(x64.index_select(0, idx), labels.index_select(0, idx), s % 2 == 0);
      step.step(s % 2 == 0);
    }
    EXPECT_EQ(step.next_batch_size(), 0);
  }
  // A stability check over 5 steps with the penalty (not yet an error bound: the penalty's
  // analytic gradient has no bound in tests/support).
  EXPECT_LT(rel_diff(step.flat_parameters(), ref.flat()), 1e-10);
  EXPECT_EQ(step.take_totals().samples, 10 + 6);
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no throw";
}

TEST(DeviceStepTest, Errors) {
  auto model = [] { return make_device_step_model(nn::Activation::kRelu, torch::kFloat32, 1); };
  auto o = options(train::PenaltySchedule{});
  o.max_batch = 0;
  EXPECT_EQ(error_of([&] { DeviceMlpStep(model(), o); }),
            "device step: max batch must be > 0, got 0");
  o = options(train::PenaltySchedule{});
  o.layers = {4};
  EXPECT_EQ(error_of([&] { DeviceMlpStep(model(), o); }),
            "device step: penalised layer 4 out of range: the net has Linear layers 0..3");
  o = options(train::PenaltySchedule{});
  o.cuda_graph = true;
  const std::string graph_error = error_of([&] { DeviceMlpStep(model(), o); });
  if (train::cuda_graphs_available()) {
    EXPECT_EQ(graph_error,
              "CUDA graphs need a CUDA device; the model is on cpu (use --cuda-graph off, or "
              "--device cuda)");
  } else {
    EXPECT_EQ(graph_error,
              "CUDA graphs asked for (device cpu), but this critnet was built against a LibTorch "
              "without CUDA (use --cuda-graph off; docs/cuda.md says how to build against a "
              "CUDA LibTorch)");
  }
  EXPECT_EQ(train::cuda_graphs_available(), CRITNET_WITH_CUDA == 1);

  o = options(train::PenaltySchedule{});
  DeviceMlpStep step(model(), o);
  EXPECT_EQ(error_of([&] { step.step(false); }), "device step: step() before attach()");
  torch::optim::Adam adam(std::vector<torch::Tensor>{});
  EXPECT_EQ(error_of([&] { step.attach(adam); }),
            "device step: the optimizer holds 0 parameters, the model 8");
  nn::Mlp m = model();
  DeviceMlpStep ok(m, o);
  torch::optim::Adam adam2(m->parameters());
  ok.attach(adam2);
  EXPECT_EQ(error_of([&] { ok.step(false); }),
            "device step: no batch left in this epoch (set_data() and begin_epoch())");
  EXPECT_EQ(error_of([&] { ok.begin_epoch(torch::arange(3)); }),
            "device step: begin_epoch() before set_data()");
  EXPECT_EQ(error_of([&] {
              ok.set_data(torch::zeros({3, 11}), torch::zeros({3}, torch::kInt64));
            }),
            "device step: inputs of shape [3, 11] for a net with 12 inputs");
  EXPECT_EQ(error_of([&] {
              ok.set_data(torch::zeros({3, 12}), torch::zeros({3}));
            }),
            "device step: labels must be int64 [3]");
  EXPECT_EQ(error_of([&] {
              ok.set_data(torch::zeros({3, 12}), torch::full({3}, 5, torch::kInt64));
            }),
            "label out of range [0, 5): found 5");
  ok.set_data(torch::zeros({3, 12}), torch::zeros({3}, torch::kInt64));
  EXPECT_EQ(error_of([&] { ok.begin_epoch(torch::arange(4)); }),
            "device step: the epoch's order must be int64 [3]");
  EXPECT_EQ(error_of([&] { ok.begin_epoch(torch::arange(3), 2); }),
            "device step: first batch 2 out of range [0, 1]");
  EXPECT_EQ(error_of([&] {
              ok.step_on(torch::zeros({9, 12}), torch::zeros({9}, torch::kInt64), false);
            }),
            "device step: batch of 9 samples, at most 8");
}

class DeviceTrainTest : public ::testing::Test {
 protected:
  static train::TrainOptions tiny(int64_t epochs, bool device_step) {
    train::TrainOptions o = test_support::tiny_train_options(epochs);
    o.device_step = device_step;
    return o;
  }
  critnet::test_support::TempDir tmp_{"device_train_test"};
};

// The trainer's device path on the CPU trains like the fast step (with and without the
// penalty) and its checkpoints resume. Stability checks over 20 steps, not error bounds (one
// step of each is compared within its bound in EqualsFastStep).
TEST_F(DeviceTrainTest, DeviceAndFastPathsAgree) {
  const std::vector<train::PenaltySchedule> regs{
      train::PenaltySchedule{},
      train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(2), 1e-3)
          .interval(2)};
  for (const auto& r : regs) {
    auto a = tiny(2, true);
    auto b = tiny(2, false);
    a.reg = r;
    b.reg = r;
    const auto ra = train::train(a);
    const auto rb = train::train(b);
    EXPECT_EQ(ra.config.at("step_path"), "device");
    EXPECT_EQ(rb.config.at("step_path"), "fast");
    ASSERT_EQ(ra.history.size(), 2u);
    for (int e = 0; e < 2; ++e) {
      EXPECT_EQ(ra.history[e].samples, 300);
      EXPECT_NEAR(ra.history[e].train_loss, rb.history[e].train_loss, 1e-5);
      EXPECT_NEAR(ra.history[e].data_loss, rb.history[e].data_loss, 1e-5);
      EXPECT_NEAR(ra.history[e].reg_loss, rb.history[e].reg_loss, 1e-6);
      ASSERT_EQ(ra.history[e].reg_penalty.size(), rb.history[e].reg_penalty.size());
      for (size_t i = 0; i < ra.history[e].reg_penalty.size(); ++i) {
        EXPECT_NEAR(ra.history[e].reg_penalty[i].second, rb.history[e].reg_penalty[i].second,
                    1e-4 * std::abs(rb.history[e].reg_penalty[i].second));
      }
      EXPECT_NEAR(ra.history[e].test_loss, rb.history[e].test_loss, 1e-5);
    }
    auto pa = ra.model->parameters();
    auto pb = rb.model->parameters();
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_LT(rel_diff(pa[i], pb[i]), 1e-4) << i;
  }
}

TEST_F(DeviceTrainTest, ResumesWithinAnEpoch) {
  const auto straight = train::train(tiny(2, true));
  auto first = tiny(2, true);
  first.max_steps = 13;  // 10 batches per epoch: stops within epoch 2
  first.out_dir = tmp_.file("split");
  train::train(first);
  auto more = train::resume_options(tmp_.file("split"));
  more.max_steps = 0;
  const auto b = train::train(more);
  ASSERT_EQ(b.history.size(), 2u);
  auto pa = straight.model->parameters();
  auto pb = b.model->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_LT(rel_diff(pb[i], pa[i]), 1e-6) << i;
}

TEST_F(DeviceTrainTest, NonFiniteLossIsReportedPerEpoch) {
  auto o = tiny(1, true);
  o.lr = 1e30;
  o.weight_decay = 0;
  o.reg = train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(2), 1e30);
  try {
    train::train(o);
    FAIL() << "no throw";
  } catch (const NumericalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("non-finite loss in epoch 1 (steps 1 to 10; the device step reads its "
                        "losses once per epoch)"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("summed penalties by layer: 0 = "), std::string::npos) << what;
  }
}

}  // namespace
