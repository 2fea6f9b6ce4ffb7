#pragma once
/// Which layers of a module tree to observe, and the weights around each: the one rule of
/// `critnet probe --model` (probe/scripted.h) and Python's critnet.probe.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "critnet/probe/probe.h"

namespace critnet::probe {

/// One submodule of a model, in the module tree's order (named_modules() in Python and
/// TorchScript: the root "" first, then depth-first in registration order).
struct ModuleEntry {
  std::string name;
  /// The module's class name ("ReLU", "Linear", "Conv2d", ...).
  std::string type;
  /// True when the module has no children.
  bool leaf = false;
  /// Its `weight` when that is a tensor of 2 or more dimensions, else undefined.
  torch::Tensor weight;
};

/// The activation modules observed by default: ReLU, ELU, Tanh, Sigmoid, GELU, LeakyReLU, SiLU.
bool is_activation_type(const std::string& type);

/// The observed layers of `tree`, in the order of `names` (submodule names such as
/// "features.1"; empty: every leaf activation module with a weight before and after it).
/// A layer's incoming weight is its own weight, else the nearest one before it; its outgoing
/// weight is the first one after it. Throws critnet::InvalidArgument naming a layer that is
/// missing or has no weight around it, or when the default finds no layer.
std::vector<ObservedLayer> choose_layers(const std::vector<ModuleEntry>& tree,
                                         const std::vector<std::string>& names);

}  // namespace critnet::probe
