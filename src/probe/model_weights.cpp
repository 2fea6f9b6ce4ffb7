#include "critnet/probe/model_weights.h"

#include <filesystem>

#include "critnet/core/error.h"
#include "critnet/probe/scripted.h"
#include "critnet/train/checkpoint.h"

namespace critnet::probe {

std::vector<atlas::LayerWeight> model_weights(const std::string& path) {
  std::vector<atlas::LayerWeight> out;
  if (std::filesystem::is_directory(path)) {
    const train::LoadedModel m = train::load_model(path);
    const auto& linears = m.model->linears();
    for (std::size_t i = 0; i < linears.size(); ++i)
      out.push_back({"linears." + std::to_string(i), "Linear", linears[i]->weight});
    return out;
  }
  for (const auto& e : read_module_tree(path)) {
    const bool weighted = e.type == "Linear" || e.type.rfind("Conv", 0) == 0;
    if (weighted && e.weight.defined()) out.push_back({e.name, e.type, e.weight});
  }
  CRITNET_CHECK_DATA(!out.empty(), "model ", path, ": no Linear or Conv layer");
  return out;
}

}  // namespace critnet::probe
