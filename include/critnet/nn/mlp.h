#pragma once
/// The feed-forward network of the paper (section 3): Linear layers with an elementwise
/// activation after every hidden layer, logits out.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace critnet::nn {

/// Elementwise nonlinearity after each hidden layer.
enum class Activation { kRelu, kElu, kTanh, kLinear };
/// Weight initialisation of every Linear layer (biases: LibTorch's default, or zero for kHe
/// and kOrthogonal).
enum class Init { kDefault, kHe, kOrthogonal };

/// Parses "relu" | "elu" | "tanh" | "linear"; throws critnet::InvalidArgument otherwise.
Activation parse_activation(const std::string& name);
std::string to_string(Activation activation);
/// Parses "default" | "he" | "orthogonal"; throws critnet::InvalidArgument otherwise.
Init parse_init(const std::string& name);
std::string to_string(Init init);

/// Options of an Mlp; defaults are the paper's 600-400-200-100 ReLU net.
struct MlpOptions {
  MlpOptions(int64_t input_size, int64_t output_size)
      : input_size_(input_size), output_size_(output_size) {}
  /// Number of input features (784 for Fashion-MNIST, 3072 for CIFAR-10).
  TORCH_ARG(int64_t, input_size);
  /// Widths of the hidden layers, input side first.
  TORCH_ARG(std::vector<int64_t>, hidden_sizes) = std::vector<int64_t>{600, 400, 200, 100};
  /// Number of outputs (classes).
  TORCH_ARG(int64_t, output_size);
  TORCH_ARG(Activation, activation) = Activation::kRelu;
  TORCH_ARG(Init, init) = Init::kDefault;
};

/// Called with (hidden layer index, post-activation output [batch, width]).
using LayerObserver = std::function<void(int64_t, const torch::Tensor&)>;

/// Multi-layer perceptron: input -> hidden_sizes... -> output_size.
/// Layer l (0-based) maps width(l) -> width(l+1); the last one is the output layer and has no
/// activation.
class MlpImpl : public torch::nn::Cloneable<MlpImpl> {
 public:
  explicit MlpImpl(MlpOptions options);
  MlpImpl(int64_t input_size, int64_t output_size) : MlpImpl(MlpOptions(input_size, output_size)) {}

  void reset() override;

  /// Logits [batch, output_size] of a [batch, input_size] input.
  torch::Tensor forward(torch::Tensor x);

  /// Like forward(), and calls observer(l, h_l) with each hidden layer's post-activation
  /// output. The plain forward() carries no observer overhead.
  torch::Tensor forward_observed(torch::Tensor x, const LayerObserver& observer);

  /// Applies the activation of the hidden layers.
  torch::Tensor activate(const torch::Tensor& x) const;

  /// All Linear layers, the output layer last.
  const std::vector<torch::nn::Linear>& linears() const { return linears_; }
  /// Number of hidden layers (linears().size() - 1).
  int64_t num_hidden() const { return static_cast<int64_t>(linears_.size()) - 1; }
  /// Weight [out, in] of Linear layer l.
  torch::Tensor weight(int64_t l) const { return linears_.at(l)->weight; }

  MlpOptions options;

 private:
  std::vector<torch::nn::Linear> linears_;
};
TORCH_MODULE(Mlp);

}  // namespace critnet::nn
