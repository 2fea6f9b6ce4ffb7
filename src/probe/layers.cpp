#include "critnet/probe/layers.h"

#include <set>

#include "critnet/core/error.h"

namespace critnet::probe {

bool is_activation_type(const std::string& type) {
  static const std::set<std::string> kActivations = {"ReLU", "ELU",       "Tanh", "Sigmoid",
                                                     "GELU", "LeakyReLU", "SiLU"};
  return kActivations.count(type) > 0;
}

std::vector<ObservedLayer> choose_layers(const std::vector<ModuleEntry>& tree,
                                         const std::vector<std::string>& requested) {
  auto index_of = [&](const std::string& name) {
    for (size_t i = 0; i < tree.size(); ++i)
      if (tree[i].name == name) return static_cast<int64_t>(i);
    return int64_t{-1};
  };
  auto index_before = [&](int64_t i) {  // its own weight, else the nearest one before it
    for (int64_t j = i; j >= 0; --j)
      if (tree[j].weight.defined()) return j;
    return int64_t{-1};
  };
  auto weight_before = [&](int64_t i) {
    const int64_t j = index_before(i);
    return j < 0 ? torch::Tensor() : tree[j].weight;
  };
  auto weight_after = [&](int64_t i) {
    for (size_t j = i + 1; j < tree.size(); ++j)
      if (tree[j].weight.defined()) return tree[j].weight;
    return torch::Tensor();
  };
  std::vector<std::string> names = requested;
  if (names.empty()) {
    for (size_t i = 0; i < tree.size(); ++i) {
      const auto at = static_cast<int64_t>(i);
      if (tree[i].leaf && is_activation_type(tree[i].type) && weight_before(at).defined() &&
          weight_after(at).defined())
        names.push_back(tree[i].name);
    }
    CRITNET_CHECK(!names.empty(),
                  "the model has no activation module (ReLU, ELU, Tanh, ...) between two "
                  "weighted layers; name the layers to observe with --layers");
  }
  std::vector<ObservedLayer> layers;
  for (const auto& name : names) {
    const int64_t i = index_of(name);
    CRITNET_CHECK(i > 0, "layer '", name, "': the model has no submodule of that name");
    const int64_t before = index_before(i);
    ObservedLayer layer{name, weight_before(i), weight_after(i),
                        before < 0 ? std::string() : tree[before].name};
    CRITNET_CHECK(layer.incoming.defined(), "layer '", name,
                  "': no Linear or Conv weight at or before it");
    CRITNET_CHECK(layer.outgoing.defined(), "layer '", name,
                  "': no Linear or Conv weight after it (observe a hidden layer)");
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace critnet::probe
