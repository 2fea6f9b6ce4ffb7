#include "train/detail/adam_state.h"

#include <memory>
#include <sstream>
#include <string>
#include <type_traits>

#include "critnet/core/error.h"

namespace critnet::train::detail {
namespace {

// The key of a parameter in Optimizer::state(): a string in LibTorch 1.x (what its
// c10::guts::to_string of the TensorImpl pointer gives; that function is gone from 2.x's
// headers), the TensorImpl pointer in 2.x.
template <typename Map>
typename Map::key_type state_key(const Map&, const torch::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;
    key << static_cast<const void*>(p.unsafeGetTensorImpl());
    return key.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

}  // namespace

void flatten_parameters(std::vector<torch::Tensor>& params, torch::Tensor& flat,
                        torch::Tensor& flat_grad) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& p : params) {
    const int64_t n = p.numel();
    auto view = flat.narrow(0, offset, n).view(p.sizes());
    view.copy_(p);
    p.set_data(view);
    p.mutable_grad() = flat_grad.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
}

int64_t attach_flat_adam_state(torch::optim::Adam& optimizer,
                               const std::vector<torch::Tensor>& params, torch::Tensor& exp_avg,
                               torch::Tensor& exp_avg_sq, const char* who) {
  auto& groups = optimizer.param_groups();
  CRITNET_CHECK(groups.size() == 1, who, ": the optimizer must have one parameter group");
  const auto& ps = groups[0].params();
  CRITNET_CHECK(ps.size() == params.size(), who, ": the optimizer holds ", ps.size(),
                " parameters, the model ", params.size());
  auto& state = optimizer.state();
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  int64_t step = -1;
  for (size_t i = 0; i < ps.size(); ++i) {
    CRITNET_CHECK(ps[i].unsafeGetTensorImpl() == params[i].unsafeGetTensorImpl(), who,
                  ": the optimizer's parameter ", i, " is not the model's");
    const int64_t n = ps[i].numel();
    auto m = exp_avg.narrow(0, offset, n).view(ps[i].sizes());
    auto v = exp_avg_sq.narrow(0, offset, n).view(ps[i].sizes());
    const auto key = state_key(state, ps[i]);
    auto it = state.find(key);
    if (it == state.end()) {
      m.zero_();
      v.zero_();
      auto s = std::make_unique<torch::optim::AdamParamState>();
      s->step(0);
      s->exp_avg(m);
      s->exp_avg_sq(v);
      state[key] = std::move(s);
      if (step < 0) step = 0;
    } else {
      auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
      m.copy_(s.exp_avg());
      v.copy_(s.exp_avg_sq());
      s.exp_avg(m);
      s.exp_avg_sq(v);
      if (step < 0) step = s.step();
    }
    offset += n;
  }
  return std::max<int64_t>(step, 0);
}

void sync_adam_steps(torch::optim::Adam& optimizer, int64_t steps) {
  auto& state = optimizer.state();
  for (const auto& p : optimizer.param_groups()[0].params()) {
    auto it = state.find(state_key(state, p));
    if (it != state.end()) static_cast<torch::optim::AdamParamState&>(*it->second).step(steps);
  }
}

}  // namespace critnet::train::detail
