// The device step on CUDA: eager (fused Adam and the in-place Adam) against autograd +
// torch::optim::Adam on the CPU in float64; whole-step CUDA graphs against eager steps; the
// trainer's CUDA path. Every test skips itself without a CUDA device (and the graph tests
// without a CUDA build); docs/cuda.md says how to run them on a GPU machine.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "critnet/data/batches.h"
#include "critnet/train/device_step.h"
#include "critnet/train/train.h"
#include "device_step_reference.h"

using namespace critnet;
using critnet::test_support::AutogradReference;
using critnet::test_support::make_device_step_model;
using critnet::test_support::rel_diff;
using critnet::train::DeviceMlpStep;
using critnet::train::DeviceStepOptions;

namespace {

#define CRITNET_REQUIRE_CUDA()                                          \
  do {                                                                  \
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"; \
  } while (0)

DeviceStepOptions options(const train::PenaltySchedule& r, int64_t max_batch) {
  DeviceStepOptions o;
  o.max_batch = max_batch;
  o.adam.lr = 1e-2;
  o.adam.weight_decay = 1e-3;
  o.reg = r;
  o.layers = {0, 1, 2};
  return o;
}

const train::PenaltySchedule kPaper =
    train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kPaper).beta(2), 1e-2);

TEST(DeviceStepCudaTest, EagerEqualsCpuAutogradFloat64) {
  CRITNET_REQUIRE_CUDA();
  const torch::Device cuda(torch::kCUDA);
  for (bool fused : {true, false}) {
    for (const auto& r : {train::PenaltySchedule{}, kPaper}) {
      auto o = options(r, 8);
      o.fused_adam = fused;
      AutogradReference ref(make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 5), o);
      auto model = make_device_step_model(nn::Activation::kRelu, torch::kFloat64, 5, cuda);
      DeviceMlpStep step(model, o);
      torch::optim::Adam adam(model->parameters());
      step.attach(adam);
      for (int s = 0; s < 6; ++s) {
        auto x = torch::randn({s == 5 ? 3 : 8, 12}, torch::kFloat64);
        auto y = torch::randint(0, 5, {x.size(0)});
        ref.step(x, y, true);
        step.step_on(x.to(cuda), y.to(cuda), true);
      }
      EXPECT_LT(rel_diff(step.flat_parameters(), ref.flat()), 1e-9)
          << "fused " << fused << " " << reg::to_string(r.penalty().preset());
    }
  }
}

// n = 7 full batches + a partial one, two epochs, the penalty every other step: graph replays
// (and the eager partial batches) give the parameters eager steps give.
void run_epochs(DeviceMlpStep& step, const train::PenaltySchedule& r) {
  int64_t s = 0;
  for (int64_t epoch = 1; epoch <= 2; ++epoch) {
    step.begin_epoch(data::epoch_order(7 * 64 + 20, 5, epoch));
    while (step.next_batch_size() > 0) step.step(r.enabled() && s++ % r.interval() == 0);
  }
}

TEST(DeviceStepCudaTest, GraphEqualsEager) {
  CRITNET_REQUIRE_CUDA();
  if (!train::cuda_graphs_available()) GTEST_SKIP() << "critnet built without CUDA graphs";
  const torch::Device cuda(torch::kCUDA);
  torch::manual_seed(2);
  auto inputs = torch::randn({7 * 64 + 20, 12});
  auto labels = torch::randint(0, 5, {7 * 64 + 20});
  // float64: the same kernels in the same order, so equal to rounding; float32: Adam can turn
  // rounding-level gradient differences of near-zero gradients into lr-sized steps.
  for (const auto& [dtype, tol] :
       {std::pair{torch::kFloat64, 1e-9}, std::pair{torch::kFloat32, 1e-3}}) {
    for (const auto& r : {train::PenaltySchedule{}, train::PenaltySchedule(kPaper).interval(2)}) {
      std::vector<torch::Tensor> flats;
      for (bool graph : {false, true}) {
        auto o = options(r, 64);
        o.cuda_graph = graph;
        o.graph_warmup = 2;
        auto model = make_device_step_model(nn::Activation::kRelu, dtype, 5, cuda);
        DeviceMlpStep step(model, o);
        torch::optim::Adam adam(model->parameters());
        step.attach(adam);
        step.set_data(inputs, labels);
        run_epochs(step, r);
        const auto totals = step.take_totals();
        EXPECT_EQ(totals.samples, 2 * (7 * 64 + 20));
        EXPECT_TRUE(std::isfinite(totals.data_loss_sum));
        if (graph) {
          EXPECT_TRUE(step.graph_captured(false));
          EXPECT_EQ(step.graph_captured(true), r.enabled());
        }
        flats.push_back(step.flat_parameters().clone());
      }
      EXPECT_LT(rel_diff(flats[1], flats[0]), tol)
          << reg::to_string(r.penalty().preset()) << " " << c10::toString(dtype);
    }
  }
}

// The Hutchinson estimate inside a graph: its probes come from the CUDA generator, advanced by
// every replay (docs/cuda.md); the run is finite and the penalty positive.
TEST(DeviceStepCudaTest, StochasticPenaltyInAGraph) {
  CRITNET_REQUIRE_CUDA();
  if (!train::cuda_graphs_available()) GTEST_SKIP() << "critnet built without CUDA graphs";
  const torch::Device cuda(torch::kCUDA);
  auto r = kPaper;
  r.penalty().probes(2);
  auto o = options(r, 64);
  o.cuda_graph = true;
  auto model = make_device_step_model(nn::Activation::kRelu, torch::kFloat32, 5, cuda);
  DeviceMlpStep step(model, o);
  torch::optim::Adam adam(model->parameters());
  step.attach(adam);
  step.set_data(torch::randn({7 * 64 + 20, 12}), torch::randint(0, 5, {7 * 64 + 20}));
  run_epochs(step, r);
  EXPECT_TRUE(step.graph_captured(true));
  const auto t = step.take_totals();
  EXPECT_EQ(t.penalty_steps, 16);
  for (double v : t.penalty_sums) EXPECT_TRUE(std::isfinite(v) && v > 0) << v;
}

TEST(DeviceStepCudaTest, TrainerUsesGraphsOnCuda) {
  CRITNET_REQUIRE_CUDA();
  train::TrainOptions o;
  o.data.source = "synthetic:12";
  o.data.synthetic_train = 300;
  o.data.synthetic_test = 100;
  o.hidden_sizes = {16, 8};
  o.batch_size = 32;
  o.epochs = 2;
  o.device = "cuda";
  o.reg = train::PenaltySchedule(kPaper).interval(2);
  o.cuda_graph = train::cuda_graphs_available();
  const auto graphed = train::train(o);
  EXPECT_EQ(graphed.config.at("step_path"), o.cuda_graph ? "device+cuda-graph" : "device");
  o.cuda_graph = false;
  const auto eager = train::train(o);
  EXPECT_EQ(eager.config.at("step_path"), "device");
  ASSERT_EQ(graphed.history.size(), 2u);
  for (int e = 0; e < 2; ++e) {
    EXPECT_NEAR(graphed.history[e].train_loss, eager.history[e].train_loss, 1e-4);
    EXPECT_NEAR(graphed.history[e].test_accuracy, eager.history[e].test_accuracy, 1e-2);
  }
}

}  // namespace
