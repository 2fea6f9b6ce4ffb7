#pragma once
/// Sharing torch::optim::Adam's state with a step that keeps its moments in flat buffers
/// (FastMlpStep, DeviceMlpStep): the optimizer's per-parameter exp_avg / exp_avg_sq become
/// views of the flat buffers, so that checkpoints written through the optimizer hold the
/// flat step's moments and either step can resume the other's run.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace critnet::train::detail {

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
