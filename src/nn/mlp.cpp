#include "critnet/nn/mlp.h"

#include "critnet/core/error.h"

namespace critnet::nn {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "elu") return Activation::kElu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "linear") return Activation::kLinear;
  throw InvalidArgument("unknown activation '" + name + "' (expected relu, elu, tanh or linear)");
}

std::string to_string(Activation activation) {
  switch (activation) {
    case Activation::kRelu:
      return "relu";
    case Activation::kElu:
      return "elu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kLinear:
      return "linear";
  }
  return "?";
}

Init parse_init(const std::string& name) {
  if (name == "default") return Init::kDefault;
  if (name == "he" || name == "kaiming") return Init::kHe;
  if (name == "orthogonal") return Init::kOrthogonal;
  throw InvalidArgument("unknown init '" + name + "' (expected default, he or orthogonal)");
}

std::string to_string(Init init) {
  switch (init) {
    case Init::kDefault:
      return "default";
    case Init::kHe:
      return "he";
    case Init::kOrthogonal:
      return "orthogonal";
  }
  return "?";
}

MlpImpl::MlpImpl(MlpOptions options_) : options(std::move(options_)) {
  reset();
}

void MlpImpl::reset() {
  CRITNET_CHECK(options.input_size() > 0, "Mlp input_size must be > 0, got ", options.input_size());
  CRITNET_CHECK(options.output_size() > 0, "Mlp output_size must be > 0, got ",
                options.output_size());
  for (auto h : options.hidden_sizes()) {
    CRITNET_CHECK(h > 0, "Mlp hidden sizes must be > 0, got ", h);
  }
  linears_.clear();
  std::vector<int64_t> widths{options.input_size()};
  widths.insert(widths.end(), options.hidden_sizes().begin(), options.hidden_sizes().end());
  widths.push_back(options.output_size());
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    auto linear = torch::nn::Linear(widths[l], widths[l + 1]);
    torch::NoGradGuard no_grad;
    switch (options.init()) {
      case Init::kDefault:
        break;
      case Init::kHe:
        torch::nn::init::kaiming_normal_(linear->weight, 0.0, torch::kFanIn, torch::kReLU);
        linear->bias.zero_();
        break;
      case Init::kOrthogonal:
        torch::nn::init::orthogonal_(linear->weight);
        linear->bias.zero_();
        break;
    }
    linears_.push_back(register_module("fc" + std::to_string(l), linear));
  }
}

torch::Tensor MlpImpl::activate(const torch::Tensor& x) const {
  switch (options.activation()) {
    case Activation::kRelu:
      return torch::relu(x);
    case Activation::kElu:
      return torch::elu(x);
    case Activation::kTanh:
      return torch::tanh(x);
    case Activation::kLinear:
      return x;
  }
  return x;
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  const auto last = linears_.size() - 1;
  for (size_t l = 0; l < last; ++l) x = activate(linears_[l]->forward(x));
  return linears_[last]->forward(x);
}

torch::Tensor MlpImpl::forward_observed(torch::Tensor x, const LayerObserver& observer) {
  const auto last = linears_.size() - 1;
  for (size_t l = 0; l < last; ++l) {
    x = activate(linears_[l]->forward(x));
    observer(static_cast<int64_t>(l), x);
  }
  return linears_[last]->forward(x);
}

}  // namespace critnet::nn
