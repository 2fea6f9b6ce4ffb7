#include "critnet/regularizers/critical.h"

#include <cmath>
#include <functional>
#include <optional>
#include <utility>

#include "critnet/core/error.h"
#include "regularizers/detail/penalty_kernels.h"

namespace critnet::reg {
namespace {

using detail::GradRequest;
using detail::ValueAndGrad;
using Kernel = std::function<ValueAndGrad(const torch::Tensor&, const GradRequest&)>;

// One autograd node for the exact penalty: the forward computes the value and the gradient
// together (they share the Gram matrix and its powers) and keeps the gradient for backward.
struct ExactPenaltyFunction : public torch::autograd::Function<ExactPenaltyFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& weight,
                               const Kernel& kernel) {
    ValueAndGrad result = kernel(weight, GradRequest::returned());
    ctx->saved_data["grad"] = result.grad;
    return result.value;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    torch::Tensor grad = ctx->saved_data["grad"].toTensor();
    return {grad * grad_outputs[0], torch::Tensor()};
  }
};

torch::Tensor run_kernel(const torch::Tensor& weight, const Kernel& kernel) {
  if (torch::GradMode::is_enabled() && weight.requires_grad()) {
    return ExactPenaltyFunction::apply(weight, kernel);
  }
  torch::NoGradGuard no_grad;
  return kernel(weight, GradRequest::none()).value;
}

void check_weight(const torch::Tensor& weight) {
  CRITNET_CHECK(weight.defined() && weight.dim() == 2,
                "the critical penalty expects a 2-D weight [out, in], got ",
                weight.defined() ? weight.dim() : 0, " dimensions");
  CRITNET_CHECK(weight.is_floating_point(),
                "the critical penalty expects a floating-point weight, got ", weight.dtype());
}

// The full coupling matrix of the requested side (naive reference only).
torch::Tensor full_gram(const torch::Tensor& weight, GramSide side) {
  return side == GramSide::kIn ? weight.t().mm(weight) : weight.mm(weight.t());
}

}  // namespace

Preset parse_preset(const std::string& name) {
  if (name == "none") return Preset::kNone;
  if (name == "paper") return Preset::kPaper;
  if (name == "paper-eq33") return Preset::kPaperEq33;
  if (name == "cw") return Preset::kCw;
  if (name == "poly") return Preset::kPoly;
  if (name == "l1") return Preset::kL1;
  if (name == "l2") return Preset::kL2;
  CRITNET_CHECK(false, "unknown regulariser preset '", name,
                "' (expected none, paper, paper-eq33, cw, poly, l1 or l2)");
  return Preset::kNone;
}

std::string to_string(Preset preset) {
  switch (preset) {
    case Preset::kNone:
      return "none";
    case Preset::kPaper:
      return "paper";
    case Preset::kPaperEq33:
      return "paper-eq33";
    case Preset::kCw:
      return "cw";
    case Preset::kPoly:
      return "poly";
    case Preset::kL1:
      return "l1";
    case Preset::kL2:
      return "l2";
  }
  return "?";
}

std::vector<double> parse_coefficients(const std::string& text) {
  std::vector<double> values;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t used = 0;
    double value = 0.0;
    bool ok = true;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      ok = false;
    }
    ok = ok && item.find_first_not_of(" \t", used) == std::string::npos && std::isfinite(value);
    CRITNET_CHECK(ok, "poly coefficient ", values.size(), " of '", text,
                  "' is not a finite number: '", item, "'");
    values.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  CRITNET_CHECK(values.size() <= 5, "the poly preset needs 1 to 5 coefficients c_0..c_4, got ",
                values.size(), " in '", text, "'");
  return values;
}

void PenaltyOptions::validate() const {
  CRITNET_CHECK(std::isfinite(beta_), "regulariser beta must be finite, got ", beta_);
  CRITNET_CHECK(probes_ >= 0, "regulariser probes must be >= 0 (0 = exact), got ", probes_);
  if (preset_ == Preset::kPoly) {
    CRITNET_CHECK(!coefficients_.empty() && coefficients_.size() <= 5,
                  "the poly preset needs 1 to 5 coefficients c_0..c_4, got ", coefficients_.size());
    for (size_t k = 0; k < coefficients_.size(); ++k) {
      CRITNET_CHECK(std::isfinite(coefficients_[k]), "poly coefficient c_", k,
                    " must be finite, got ", coefficients_[k]);
    }
  } else {
    CRITNET_CHECK(coefficients_.empty(), "coefficients are only used by the poly preset, got ",
                  coefficients_.size(), " with preset ", to_string(preset_));
  }
}

torch::Tensor weight_matrix(const torch::Tensor& weight) {
  CRITNET_CHECK(weight.defined() && weight.dim() >= 2,
                "a layer weight has at least 2 dimensions [out, in, ...], got ",
                weight.defined() ? weight.dim() : 0);
  return weight.dim() == 2 ? weight : weight.flatten(1);
}

std::vector<double> polynomial_coefficients(const PenaltyOptions& options) {
  switch (options.preset()) {
    case Preset::kPaper:
      return {1.0, 1.0, 2.0};
    case Preset::kCw:
      return {1.0, -1.0};
    case Preset::kPoly:
      return options.coefficients();
    default:
      return {};
  }
}

std::optional<std::string> warning(const PenaltyOptions& options) {
  if (options.preset() == Preset::kPaper && options.beta() > 0.0) {
    return ::critnet::detail::concat(
        "regulariser preset paper with beta = ", options.beta(),
        " > 0: 1 + x + 2x^2 >= 1 for every mode x = a*s^2 >= 0, so the penalty can never reach "
        "zero (R >= N_side per layer) and only shrinks the weights; with beta < 0 it pulls "
        "every a*s^2 toward -1/4. Running as asked.");
  }
  return std::nullopt;
}

double coupling_scale(const torch::Tensor& weight, const PenaltyOptions& options) {
  check_weight(weight);
  return ::critnet::coupling_scale(options.beta(), weight.size(0), weight.size(1),
                                   options.n_convention());
}

namespace {

// R(V) of the presets without a coupling matrix (none, l1, l2), differentiable through
// autograd; nullopt for the Gram-matrix presets.
std::optional<torch::Tensor> elementwise_penalty(const torch::Tensor& weight, Preset preset) {
  switch (preset) {
    case Preset::kNone:
      return torch::zeros({}, weight.options().requires_grad(false));
    case Preset::kL1:
      return weight.abs().sum();
    case Preset::kL2:
      return weight.square().sum();
    default:
      return std::nullopt;
  }
}

// The kernel of a Gram-matrix preset (paper, paper-eq33, cw, poly) under the options.
Kernel gram_kernel(const torch::Tensor& weight, const PenaltyOptions& options) {
  const double a = coupling_scale(weight, options);
  const GramSide side = options.gram_side();
  const int64_t probes = options.probes();
  if (options.preset() == Preset::kPaperEq33) {
    if (probes > 0) {
      return [side, a, probes](const torch::Tensor& v, const GradRequest& grad) {
        return detail::stochastic_eq33(v, side, a, probes, grad);
      };
    }
    return [side, a](const torch::Tensor& v, const GradRequest& grad) {
      return detail::exact_eq33(v, side, a, grad);
    };
  }
  std::vector<double> c = polynomial_coefficients(options);
  if (probes > 0) {
    return [side, a, c, probes](const torch::Tensor& v, const GradRequest& grad) {
      return detail::stochastic_polynomial(v, side, a, c, probes, grad);
    };
  }
  return [side, a, c](const torch::Tensor& v, const GradRequest& grad) {
    return detail::exact_polynomial(v, side, a, c, grad);
  };
}

}  // namespace

torch::Tensor penalty(const torch::Tensor& weight, const PenaltyOptions& options) {
  check_weight(weight);
  options.validate();
  if (std::optional<torch::Tensor> r = elementwise_penalty(weight, options.preset())) return *r;
  return run_kernel(weight, gram_kernel(weight, options));
}

torch::Tensor penalty_add_gradient(const torch::Tensor& weight, const PenaltyOptions& options,
                                   torch::Tensor& grad, double scale) {
  check_weight(weight);
  options.validate();
  CRITNET_CHECK(grad.defined() && grad.sizes() == weight.sizes() &&
                    grad.scalar_type() == weight.scalar_type() && grad.device() == weight.device(),
                "penalty_add_gradient: the gradient must match the weight ", weight.sizes(), " (",
                weight.dtype(), ", ", weight.device().str(), ")");
  torch::NoGradGuard no_grad;
  const torch::Tensor v = weight.detach();
  switch (options.preset()) {
    case Preset::kNone:
      return torch::zeros({}, weight.options().requires_grad(false));
    case Preset::kL1:
      grad.add_(v.sign(), scale);
      return v.abs().sum();
    case Preset::kL2:
      grad.add_(v, 2.0 * scale);
      return v.square().sum();
    case Preset::kPaperEq33:
    case Preset::kPaper:
    case Preset::kCw:
    case Preset::kPoly:
      return gram_kernel(weight, options)(v, GradRequest::added_to(grad, scale)).value;
  }
  return torch::zeros({}, weight.options());
}

torch::Tensor penalty_naive(const torch::Tensor& weight, const PenaltyOptions& options) {
  check_weight(weight);
  options.validate();
  if (std::optional<torch::Tensor> r = elementwise_penalty(weight, options.preset())) return *r;
  const double a = coupling_scale(weight, options);
  if (options.preset() == Preset::kPaperEq33) {
    torch::Tensor w = full_gram(weight, options.gram_side());
    torch::Tensor p = torch::diag_embed(1.0 + a * w.diagonal()) + 2.0 * a * a * w.mm(w);
    return p.square().sum();
  }
  // paper, cw, poly: P = Σ_k c_k (a·w)^k.
  std::vector<double> c = polynomial_coefficients(options);
  torch::Tensor x = a * full_gram(weight, options.gram_side());
  torch::Tensor eye = torch::eye(x.size(0), x.options());
  torch::Tensor p = c[0] * eye;
  torch::Tensor power = eye;
  for (size_t k = 1; k < c.size(); ++k) {
    power = power.mm(x);
    p = p + c[k] * power;
  }
  return p.square().sum();
}

}  // namespace critnet::reg
