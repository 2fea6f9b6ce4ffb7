#pragma once
/// A TorchScript module saved by Python (`torch.jit.save(torch.jit.script(model), FILE)`),
/// probed at named submodules: `critnet probe --model FILE --layers NAMES`.
///
/// The taps: the module's forward graph is copied, the calls of the submodules on the path to
/// each named one are inlined, and the named submodules' outputs become extra outputs of a new
/// function on the same module, so one forward pass yields every observed activation. A named
/// submodule must be called exactly once, outside loops and branches.
///
/// The weights of an observed layer (its degrees and spectrum): its own `weight` when it has
/// one of 2 or more dimensions (a Linear or Conv, observed before its activation), else the
/// nearest such weight before it in the module tree's order (model.named_modules() in Python);
/// the outgoing weight is the first one after it.
#include <torch/script.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "critnet/atlas/signal.h"
#include "critnet/probe/layers.h"
#include "critnet/probe/probe.h"
#include "critnet/rg/edge.h"

namespace torch::jit {
struct GraphFunction;
}

namespace critnet::probe {

class ScriptedModel {
 public:
  /// Loads `file` (DataError when it is not a TorchScript archive) and prepares the taps of
  /// `layers`: submodule names as in named_modules() ("features.1"). Empty: every activation
  /// module (ReLU, ELU, Tanh, Sigmoid, GELU, LeakyReLU, SiLU) with a weight before and after
  /// it. InvalidArgument names a layer that is missing, called more than once or has no
  /// weight around it.
  ScriptedModel(const std::filesystem::path& file, std::vector<std::string> layers);
  ~ScriptedModel();
  ScriptedModel(ScriptedModel&&) noexcept;
  ScriptedModel& operator=(ScriptedModel&&) noexcept;

  /// The observed layers, with their weights, in the order of `layers`.
  const std::vector<ObservedLayer>& layers() const { return layers_; }
  /// Moves the module to `device` (the weights of layers() follow).
  void to(const torch::Device& device);
  /// The observed layers' outputs for the input x (eval mode, no grad).
  std::vector<torch::Tensor> forward(const torch::Tensor& x);

 private:
  void find_weights();
  torch::jit::Module module_;
  std::string file_;
  std::vector<std::string> names_;
  std::vector<ObservedLayer> layers_;
  std::unique_ptr<torch::jit::GraphFunction> taps_;
};

/// The model in a TorchScript file seen through its weight layers, for activation measures
/// (atlas/signal.h).
struct TappedModel {
  /// The leaf Linear and Conv modules, in the order the forward pass calls them.
  std::vector<atlas::WeightLayer> layers;
  /// Their outputs and then the model's output, for a batch; autograd records when it is on.
  /// DataError when the model rejects the batch.
  atlas::TappedForward forward;
  /// The activation, when every activation module is of one type critnet's theory knows
  /// (ReLU, Tanh, ELU with α = 1, Sigmoid, SELU); else none (no mean-field χ₁).
  std::optional<rg::Activation> activation;
};

/// Loads `file` and taps its weight layers. DataError when it is not a TorchScript archive;
/// InvalidArgument when it has no weight layer or one is called other than exactly once
/// (outside loops and branches).
TappedModel tap_weight_layers(const std::filesystem::path& file);

/// The module tree of the TorchScript file `file` (named_modules() order: name, class name,
/// leaf, weight), loaded on the CPU; DataError when it is not a TorchScript archive. For
/// weight-only measures (atlas/htsr.h), which need no forward pass.
std::vector<ModuleEntry> read_module_tree(const std::filesystem::path& file);

}  // namespace critnet::probe
