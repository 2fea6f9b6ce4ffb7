// probe::choose_layers: the layer-choosing rule of `critnet probe --model` and critnet.probe.
#include "critnet/probe/layers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "critnet/core/error.h"

namespace critnet::probe {
namespace {

// features = Sequential(Conv2d, ReLU, Conv2d, Tanh), head = Linear.
std::vector<ModuleEntry> cnn_tree() {
  return {{"", "Net", false, {}},
          {"features", "Sequential", false, {}},
          {"features.0", "Conv2d", true, torch::ones({6, 1, 3, 3})},
          {"features.1", "ReLU", true, {}},
          {"features.2", "Conv2d", true, torch::ones({5, 6, 3, 3})},
          {"features.3", "Tanh", true, {}},
          {"head", "Linear", true, torch::ones({3, 80})}};
}

TEST(ChooseLayers, DefaultIsEveryActivationBetweenTwoWeights) {
  const auto layers = choose_layers(cnn_tree(), {});
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].name, "features.1");
  EXPECT_EQ(layers[0].incoming.sizes(), torch::IntArrayRef({6, 1, 3, 3}));
  EXPECT_EQ(layers[0].outgoing.sizes(), torch::IntArrayRef({5, 6, 3, 3}));
  EXPECT_EQ(layers[1].name, "features.3");
  EXPECT_EQ(layers[1].outgoing.sizes(), torch::IntArrayRef({3, 80}));
}

TEST(ChooseLayers, ANamedWeightedLayerUsesItsOwnWeight) {
  const auto layers = choose_layers(cnn_tree(), {"features.2"});
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].incoming.size(0), 5);
  EXPECT_EQ(layers[0].outgoing.size(0), 3);
}

TEST(ChooseLayers, BadNamesThrowOneLineMessages) {
  EXPECT_THROW(
      {
        try {
          choose_layers(cnn_tree(), {"nope"});
        } catch (const InvalidArgument& e) {
          EXPECT_STREQ(e.what(), "layer 'nope': the model has no submodule of that name");
          throw;
        }
      },
      InvalidArgument);
  EXPECT_THROW(choose_layers(cnn_tree(), {"head"}), InvalidArgument);
  EXPECT_THROW(choose_layers({{"", "Linear", true, torch::ones({2, 3})}}, {}), InvalidArgument);
}

}  // namespace
}  // namespace critnet::probe
