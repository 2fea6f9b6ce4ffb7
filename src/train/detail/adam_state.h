#pragma once
/// The flat storage of the hand-written steps (FastMlpStep, DeviceMlpStep): parameters and
/// gradients as views of two flat buffers, and torch::optim::Adam's state shared with the
/// steps' flat moment buffers (the optimizer's per-parameter exp_avg / exp_avg_sq become
/// views of them, so that checkpoints written through the optimizer hold the flat step's
/// moments and either step can resume the other's run).
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace critnet::train::detail {

/// Copies each parameter into `flat` (allocated with the parameters' total size) and makes
/// it a view of it (Tensor::set_data), and its gradient a view of `flat_grad`, in order.
void flatten_parameters(std::vector<torch::Tensor>& params, torch::Tensor& flat,
                        torch::Tensor& flat_grad);

/// Points the optimizer's state of each of `params` (the model's parameters, in the order
/// of the flat buffers, which the optimizer must hold as its one group) at views of
/// `exp_avg` / `exp_avg_sq`, copying any state the optimizer already had (a resumed run)
/// into the buffers and zeroing them otherwise. Returns the optimizer's step count (0 for a
/// fresh optimizer). `who` names the caller in errors ("fast step", "device step").
int64_t attach_flat_adam_state(torch::optim::Adam& optimizer,
                               const std::vector<torch::Tensor>& params, torch::Tensor& exp_avg,
                               torch::Tensor& exp_avg_sq, const char* who);

/// Writes `steps` into the optimizer's per-parameter step counts (before a checkpoint).
void sync_adam_steps(torch::optim::Adam& optimizer, int64_t steps);

}  // namespace critnet::train::detail
