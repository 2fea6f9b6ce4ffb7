// The fast CPU step: hand-written backprop and fused Adam against LibTorch's autograd and
// torch::optim::Adam; the trainer's two paths agree; checkpoints cross between them.
#include "critnet/train/fast_step.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "critnet/core/error.h"
#include "critnet/train/train.h"
#include "support/error_bounds.h"
#include "support/mlp_error_bounds.h"
#include "support/temp_dir.h"
#include "support/train_options.h"

namespace fs = std::filesystem;
using namespace critnet;
using critnet::test_support::AdamErrorBound;
using critnet::test_support::mlp_step_bounds;
using critnet::test_support::MlpStepBounds;
using critnet::test_support::unit_roundoff;
using critnet::test_support::within_bound;
using critnet::train::AdamSettings;
using critnet::train::FastMlpStep;

namespace {

nn::Mlp make_model(nn::Activation act, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  nn::Mlp m(nn::MlpOptions(12, 5).hidden_sizes({16, 9, 7}).activation(act));
  m->to(dtype);
  return m;
}

// Loss and gradients of both paths on the same net and batch: two computations of one step,
// each within the running error bound of the forward and backward pass (mlp_error_bounds.h,
// u of the dtype both compute in), so they differ by at most twice it.
void expect_same_gradients(nn::Activation act, torch::Dtype dtype) {
  auto ref = make_model(act, dtype, 5);
  auto fast_model = make_model(act, dtype, 5);
  torch::manual_seed(9);
  auto x = torch::randn({23, 12}, torch::TensorOptions().dtype(dtype));
  auto y = torch::randint(0, 5, {23}, torch::kInt64);
  const MlpStepBounds bounds = mlp_step_bounds(ref, x, y, unit_roundoff(dtype));

  auto loss = torch::nn::functional::cross_entropy(ref->forward(x), y);
  loss.backward();

  FastMlpStep step(fast_model, 32);
  const double fast_loss = step.forward(x, y);
  step.backward();
  EXPECT_NEAR(fast_loss, loss.item<double>(), 2 * bounds.loss) << nn::to_string(act);
  auto pr = ref->parameters();
  auto pf = fast_model->parameters();
  ASSERT_EQ(pr.size(), pf.size());
  ASSERT_EQ(bounds.grads.size(), pr.size());
  for (size_t i = 0; i < pr.size(); ++i) {
    ASSERT_EQ(bounds.grads[i].sizes(), pr[i].sizes()) << i;
    EXPECT_TRUE(within_bound(pf[i].grad(), pr[i].grad(), 2 * bounds.grads[i]))
        << nn::to_string(act) << " parameter " << i;
    // The parameters are views of the flat buffer, values unchanged.
    EXPECT_TRUE(torch::equal(pr[i], pf[i]));
  }
}

TEST(FastStepTest, GradientsEqualAutogradFloat64) {
  for (auto act : {nn::Activation::kRelu, nn::Activation::kTanh, nn::Activation::kElu,
                   nn::Activation::kLinear}) {
    expect_same_gradients(act, torch::kFloat64);
  }
}

TEST(FastStepTest, GradientsEqualAutogradFloat32) {
  for (auto act : {nn::Activation::kRelu, nn::Activation::kTanh, nn::Activation::kElu,
                   nn::Activation::kLinear}) {
    expect_same_gradients(act, torch::kFloat32);
  }
}

TEST(FastStepTest, ParametersAndGradientsAreViewsOfFlatBuffers) {
  auto model = make_model(nn::Activation::kRelu, torch::kFloat32, 1);
  FastMlpStep step(model, 8);
  int64_t total = 0;
  for (const auto& p : model->parameters()) {
    EXPECT_EQ(p.data_ptr<float>(), step.flat_parameters().data_ptr<float>() + total);
    EXPECT_EQ(p.grad().data_ptr<float>(), step.flat_gradients().data_ptr<float>() + total);
    total += p.numel();
  }
  EXPECT_EQ(total, step.flat_parameters().numel());
}

torch::Tensor flat(const std::vector<torch::Tensor>& ts) {
  std::vector<torch::Tensor> parts;
  for (const auto& t : ts) parts.push_back(t.detach().reshape({-1}).to(torch::kFloat64));
  return torch::cat(parts);
}

// Fused Adam (with weight decay, the batch size changing) against torch::optim::Adam, both fed
// the fast step's gradients (the gradients are compared above): two computations of Adam's
// update from the same gradients, each within AdamErrorBound's running bound of the exact
// update, so the parameters and moments differ by at most twice it after every step.
TEST(FastStepTest, FusedAdamEqualsTorchAdam) {
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    auto ref = make_model(nn::Activation::kRelu, dtype, 2);
    auto fast_model = make_model(nn::Activation::kRelu, dtype, 2);
    const AdamSettings s{3e-3, 0.8, 0.99, 1e-7, 0.01};
    torch::optim::Adam ref_opt(ref->parameters(), torch::optim::AdamOptions(s.lr)
                                                      .betas(std::make_tuple(s.beta1, s.beta2))
                                                      .eps(s.eps)
                                                      .weight_decay(s.weight_decay));
    FastMlpStep step(fast_model, 16);
    torch::optim::Adam fast_opt(fast_model->parameters(), torch::optim::AdamOptions(s.lr));
    step.attach(fast_opt);
    AdamErrorBound bound(s.lr, s.beta1, s.beta2, s.eps, s.weight_decay, unit_roundoff(dtype));
    torch::manual_seed(4);
    auto pr = ref->parameters();
    auto pf = fast_model->parameters();
    for (int t = 0; t < 6; ++t) {
      const int64_t b = t % 2 ? 16 : 7;
      auto x = torch::randn({b, 12}, torch::TensorOptions().dtype(dtype));
      auto y = torch::randint(0, 5, {b}, torch::kInt64);
      step.forward(x, y);
      step.backward();
      ref_opt.zero_grad();
      for (size_t i = 0; i < pr.size(); ++i) pr[i].mutable_grad() = pf[i].grad().clone();
      bound.step(step.flat_parameters(), step.flat_gradients());
      ref_opt.step();
      step.adam_step(s);
      EXPECT_TRUE(within_bound(step.flat_parameters(), flat(pr), 2 * bound.param_error()))
          << "step " << t;
    }
    EXPECT_EQ(step.steps(), 6);
    // The optimizer's state is the fused step's (views), so saving it saves the moments.
    step.sync_state(fast_opt);
    std::vector<torch::Tensor> mf, mr, vf, vr;
    for (size_t i = 0; i < pr.size(); ++i) {
      const auto key = c10::guts::to_string(pf[i].unsafeGetTensorImpl());
      const auto& sf = static_cast<torch::optim::AdamParamState&>(*fast_opt.state().at(key));
      const auto& sr = static_cast<torch::optim::AdamParamState&>(
          *ref_opt.state().at(c10::guts::to_string(pr[i].unsafeGetTensorImpl())));
      EXPECT_EQ(sf.step(), sr.step());
      mf.push_back(sf.exp_avg());
      mr.push_back(sr.exp_avg());
      vf.push_back(sf.exp_avg_sq());
      vr.push_back(sr.exp_avg_sq());
    }
    EXPECT_TRUE(within_bound(flat(mf), flat(mr), 2 * bound.exp_avg_error()));
    EXPECT_TRUE(within_bound(flat(vf), flat(vr), 2 * bound.exp_avg_sq_error()));
  }
}

TEST(FastStepTest, Errors) {
  auto model = make_model(nn::Activation::kRelu, torch::kFloat32, 1);
  try {
    FastMlpStep bad(model, 0);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: max batch must be > 0, got 0");
  }
  auto half = make_model(nn::Activation::kRelu, torch::kFloat32, 1);
  half->to(torch::kBFloat16);
  try {
    FastMlpStep bad(half, 4);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: the model must be float32 or float64, it is BFloat16");
  }
  FastMlpStep step(model, 4);
  try {
    step.backward();
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: backward() before forward()");
  }
  auto other = make_model(nn::Activation::kRelu, torch::kFloat32, 1);
  torch::optim::Adam foreign(other->parameters(), torch::optim::AdamOptions(1e-3));
  try {
    step.attach(foreign);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: the optimizer's parameter 0 is not the model's");
  }
  auto params = model->parameters();
  torch::optim::Adam fewer(std::vector<torch::Tensor>(params.begin(), params.begin() + 2),
                           torch::optim::AdamOptions(1e-3));
  try {
    step.attach(fewer);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: the optimizer holds 2 parameters, the model 8");
  }
  auto y = torch::zeros({5}, torch::kInt64);
  try {
    step.forward(torch::zeros({5, 12}), y);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: batch of 5 samples, at most 4");
  }
  try {
    step.forward(torch::zeros({2, 11}), y.narrow(0, 0, 2));
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: input of shape [2, 11] for a net with 12 inputs");
  }
  try {
    step.forward(torch::zeros({2, 12}), torch::zeros({2}, torch::kInt32));
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: labels must be int64 [2]");
  }
  try {
    step.forward(torch::zeros({2, 12}), torch::full({2}, 5, torch::kInt64));
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "label 5 out of range [0, 5)");
  }
  try {
    step.adam_step(AdamSettings{});
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "fast step: adam_step() before attach()");
  }
}

class FastTrainTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static train::TrainOptions tiny(int64_t epochs, bool fast) {
    train::TrainOptions o = test_support::tiny_train_options(epochs);
    o.fast_step = fast;
    return o;
  }

  static void expect_close(const nn::Mlp& a, const nn::Mlp& b, double tol) {
    auto pa = a->parameters();
    auto pb = b->parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) {
      EXPECT_LT((pa[i] - pb[i]).abs().max().item<double>(), tol) << "parameter " << i;
    }
  }

  critnet::test_support::TempDir tmp_{"fast_train_test"};
  const fs::path dir_ = tmp_.path();
};

// Both paths train the same net, with and without a penalty (exact, lazy, stochastic).
// A stability check over 2 epochs (20 float32 steps), not an error bound: the trajectories of
// two computations of a step drift apart through the loss's curvature, which no running bound
// here follows; one step of each is compared within its bound above.
TEST_F(FastTrainTest, FastAndAutogradPathsAgree) {
  std::vector<train::PenaltySchedule> regs{
      train::PenaltySchedule{},
      train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(2), 1e-3),
      train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kCw).beta(4), 1e-3)
          .interval(3),
      train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).probes(2), 1e-3)};
  for (const auto& r : regs) {
    auto a = tiny(2, true);
    auto b = tiny(2, false);
    a.reg = r;
    b.reg = r;
    const auto ra = train::train(a);
    const auto rb = train::train(b);
    EXPECT_EQ(ra.config.at("step_path"), "fast");
    EXPECT_EQ(rb.config.at("step_path"), "autograd");
    ASSERT_EQ(ra.history.size(), 2u);
    ASSERT_EQ(rb.history.size(), 2u);
    for (int e = 0; e < 2; ++e) {
      EXPECT_NEAR(ra.history[e].train_loss, rb.history[e].train_loss, 1e-5)
          << reg::to_string(r.penalty().preset());
      EXPECT_NEAR(ra.history[e].reg_loss, rb.history[e].reg_loss, 1e-6);
      EXPECT_NEAR(ra.history[e].test_loss, rb.history[e].test_loss, 1e-5);
    }
    expect_close(ra.model, rb.model, 1e-5);
  }
}

// A checkpoint of one path resumes in the other and continues as if uninterrupted: a
// stability check over the 10 steps of epoch 2 (1e-6), not an error bound. Fast → fast is the
// very same kernels in the same order on the same inputs (the checkpoint's bits), so equal.
TEST_F(FastTrainTest, CheckpointsCrossBetweenPaths) {
  auto straight = tiny(2, true);
  const auto a = train::train(straight);

  auto first = tiny(1, false);
  first.out_dir = path("split");
  train::train(first);
  auto more = train::resume_options(path("split"));
  more.epochs = 2;
  more.fast_step = true;
  const auto b = train::train(more);
  ASSERT_EQ(b.history.size(), 2u);
  expect_close(a.model, b.model, 1e-6);
  EXPECT_NEAR(a.history[1].data_loss, b.history[1].data_loss, 1e-6);

  // And fast → fast is bit for bit.
  auto f1 = tiny(1, true);
  f1.out_dir = path("fast");
  train::train(f1);
  auto f2 = train::resume_options(path("fast"));
  f2.epochs = 2;
  const auto c = train::train(f2);
  auto pa = a.model->parameters();
  auto pc = c.model->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pc[i])) << i;
  EXPECT_EQ(a.history[1].data_loss, c.history[1].data_loss);
}

}  // namespace
