#pragma once
/// The weights of a model file for weight-only measures (atlas/htsr.h), which need no data.
#include <string>
#include <vector>

#include "critnet/atlas/htsr.h"

namespace critnet::probe {

/// The Linear and Conv layers of a model file: a TorchScript module (every submodule whose
/// class is Linear or Conv*, in named_modules() order) or a critnet run directory / checkpoint
/// (its MLP's Linear layers, named "linears.I"). Throws critnet::DataError naming a file that
/// is not a model or holds no such layer.
std::vector<atlas::LayerWeight> model_weights(const std::string& path);

}  // namespace critnet::probe
