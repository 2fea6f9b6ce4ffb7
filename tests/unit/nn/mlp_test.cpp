#include "critnet/nn/mlp.h"

#include <gtest/gtest.h>

#include "critnet/core/error.h"
#include "support/error_bounds.h"

using critnet::nn::Activation;
using critnet::nn::Init;
using critnet::nn::Mlp;
using critnet::nn::MlpOptions;
namespace test_support = critnet::test_support;

TEST(Mlp, DefaultIsThePapersNet) {
  Mlp net(MlpOptions(3072, 10));
  ASSERT_EQ(net->linears().size(), 5u);
  EXPECT_EQ(net->num_hidden(), 4);
  EXPECT_EQ(net->weight(0).sizes(), (std::vector<int64_t>{600, 3072}));
  EXPECT_EQ(net->weight(4).sizes(), (std::vector<int64_t>{10, 100}));
  auto y = net->forward(torch::randn({7, 3072}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{7, 10}));
}

TEST(Mlp, ObservedForwardMatchesPlainAndSeesEveryHiddenLayer) {
  torch::manual_seed(0);
  Mlp net(MlpOptions(20, 3).hidden_sizes({8, 6}).activation(Activation::kElu));
  auto x = torch::randn({5, 20});
  std::vector<torch::Tensor> seen;
  auto y1 = net->forward_observed(x, [&](int64_t l, const torch::Tensor& h) {
    EXPECT_EQ(l, static_cast<int64_t>(seen.size()));
    seen.push_back(h);
  });
  auto y2 = net->forward(x);
  EXPECT_TRUE(torch::allclose(y1, y2));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].sizes(), (std::vector<int64_t>{5, 8}));
  auto expected =
      torch::elu(torch::nn::functional::linear(x, net->weight(0), net->linears()[0]->bias));
  EXPECT_TRUE(torch::allclose(seen[0], expected));
}

TEST(Mlp, OrthogonalInitGivesOrthonormalRows) {
  torch::manual_seed(1);
  Mlp net(MlpOptions(30, 4).hidden_sizes({10}).init(Init::kOrthogonal));
  auto w = net->weight(0);
  // Householder QR in float32 of a [30, 10] matrix: ‖Q̂ᵀQ̂ − I‖_F ≤ √10·γ_{4·30·10} (Higham
  // §19.3), plus the product W Wᵀ's own γ_30|W||Wᵀ|.
  const double u = test_support::unit_roundoff(torch::kFloat32);
  const torch::Tensor bound = std::sqrt(10.0) * test_support::gamma_n(4 * 30 * 10, u) +
                              test_support::matmul_bound(w, w.t(), u);
  EXPECT_TRUE(test_support::within_bound(torch::mm(w, w.t()), torch::eye(10), bound));
}

TEST(Mlp, HeInitHasTheRightScale) {
  torch::manual_seed(2);
  Mlp net(MlpOptions(2000, 4).hidden_sizes({500}).init(Init::kHe));
  const double var = net->weight(0).var().item<double>();
  EXPECT_NEAR(var, 2.0 / 2000, 0.1 * 2.0 / 2000);
}

TEST(Mlp, RejectsBadOptions) {
  try {
    Mlp net(MlpOptions(10, 2).hidden_sizes({5, 0}));
    FAIL() << "expected InvalidArgument";
  } catch (const critnet::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Mlp hidden sizes must be > 0, got 0");
  }
  EXPECT_THROW(critnet::nn::parse_activation("sigmoid"), critnet::InvalidArgument);
  EXPECT_EQ(critnet::nn::parse_activation("tanh"), Activation::kTanh);
}
