#include "critnet/regularizers/gradient.h"

#include <vector>

#include "critnet/core/error.h"
#include "regularizers/detail/penalty_kernels.h"

namespace critnet::reg {

PenaltyAndGradient penalty_and_gradient(const torch::Tensor& weight,
                                        const RegularizerOptions& options) {
  CRITNET_CHECK(weight.defined() && weight.dim() == 2,
                "the critical penalty expects a 2-D weight [out, in], got ",
                weight.defined() ? weight.dim() : 0, " dimensions");
  CRITNET_CHECK(weight.is_floating_point(),
                "the critical penalty expects a floating-point weight, got ", weight.dtype());
  torch::NoGradGuard no_grad;
  const torch::Tensor v = weight.detach();
  const double a = coupling_scale(v, options);
  const GramSide side = options.gram_side();
  const int64_t probes = options.probes();
  detail::ValueAndGrad r;
  switch (options.preset()) {
    case Preset::kNone:
      return {torch::zeros({}, v.options()), torch::zeros_like(v)};
    case Preset::kL1:
      return {v.abs().sum(), v.sign()};
    case Preset::kL2:
      return {v.square().sum(), v * 2.0};
    case Preset::kPaperEq33:
      r = probes > 0 ? detail::stochastic_eq33(v, side, a, probes, /*need_grad=*/true)
                     : detail::exact_eq33(v, side, a, /*need_grad=*/true);
      break;
    case Preset::kPaper:
    case Preset::kCw:
    case Preset::kPoly: {
      const std::vector<double> c = polynomial_coefficients(options);
      r = probes > 0 ? detail::stochastic_polynomial(v, side, a, c, probes, /*need_grad=*/true)
                     : detail::exact_polynomial(v, side, a, c, /*need_grad=*/true);
      break;
    }
  }
  return {r.value, r.grad};
}

}  // namespace critnet::reg
