#pragma once
// The one place where the RG commands (`critnet rg`, `critnet meanfield`) get weight matrices
// from a checkpoint file. Re-point load_weights() here when the checkpoint format changes.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "critnet/regularizers/critical.h"

namespace critnet::cli {

/// The 2-d `weight` tensors of every Linear layer in a LibTorch archive (as written by
/// torch::save(module, path), e.g. an nn::Mlp, at any nesting depth), input side first
/// (submodules in natural order of their names: fc0, fc1, ..., fc10). Throws DataError when
/// the file is missing, is not a LibTorch archive, or holds no weight matrix.
std::vector<torch::Tensor> load_weights(const std::string& path);

/// "in" | "out" and "fan-in" | "fan-out" | "one" (the regulariser's option values).
reg::GramSide parse_gram_side_option(const std::string& name);
reg::NConvention parse_n_convention_option(const std::string& name);

}  // namespace critnet::cli
