#pragma once
// The one place where the RG commands (`critnet rg`, `critnet meanfield`) get weight matrices
// from a checkpoint file. Re-point load_weights() here when the checkpoint format changes.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace critnet::cli {

/// The weight [out, in] of every Linear layer, input side first, in float64 on the CPU.
/// `path` is either a run directory / checkpoint directory (loaded with train::load_model: the
/// last completed checkpoint) or a single LibTorch archive file (as written by
/// torch::save(module, path), e.g. an nn::Mlp or a checkpoint's model-EEEEEE.pt: every 2-d
/// `weight` at any nesting depth, submodules in natural order of their names fc0, fc1, ..,
/// fc10). Throws DataError when nothing readable is there.
std::vector<torch::Tensor> load_weights(const std::string& path);

}  // namespace critnet::cli
