// The probe recipe: one default, one check and one JSON form per probe setting.
#include "critnet/probe/recipe.h"

#include <fmt/core.h>

#include <cmath>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/core/limits.h"

namespace critnet::probe {

void ProbeRecipe::validate(const std::string& prefix) const {
  CRITNET_CHECK(limit >= 0, prefix, "limit: must be >= 0 (0 = all), got ", limit);
  CRITNET_CHECK(bootstrap >= 0 && bootstrap <= kMaxBootstrap, prefix, "bootstrap: must be in 0..",
                kMaxBootstrap, ", got ", bootstrap);
  CRITNET_CHECK(max_candidates >= 0, prefix, "max_candidates: must be >= 0 (0 = all), got ",
                max_candidates);
  CRITNET_CHECK(subset_size >= 1 && subset_size <= 64, prefix,
                "subset_size: must be in 1..64, got ", subset_size);
  CRITNET_CHECK(std::isfinite(min_tail_fraction) && min_tail_fraction >= 0 && min_tail_fraction < 1,
                prefix, "min_tail_fraction: must be in [0, 1), got ", min_tail_fraction);
}

void ProbeRecipe::apply(ProbeCheckpointOptions& options) const {
  options.limit = limit;
  options.probe.subset_size(subset_size);
  options.fit.bootstrap = bootstrap;
  options.fit.max_candidates = static_cast<std::size_t>(max_candidates);
  options.min_tail_fraction = min_tail_fraction;
}

void to_json(nlohmann::json& j, const ProbeRecipe& r) {
  j = {{"limit", r.limit},
       {"bootstrap", r.bootstrap},
       {"max_candidates", r.max_candidates},
       {"subset_size", r.subset_size},
       {"min_tail_fraction", r.min_tail_fraction}};
}

ProbeRecipe probe_recipe_from_json(const nlohmann::json& j, const std::string& prefix) {
  CRITNET_CHECK(j.is_object(), prefix.empty() ? "the probe recipe" : prefix,
                " must be an object, got ", j.dump());
  ProbeRecipe r;
  for (const auto& [key, v] : j.items()) {
    const std::string name = prefix + key;
    if (key == "limit") {
      r.limit = critnet::detail::json_value<int64_t>(v, name);
    } else if (key == "bootstrap") {
      r.bootstrap = critnet::detail::json_value<int>(v, name);
    } else if (key == "max_candidates") {
      r.max_candidates = critnet::detail::json_value<int64_t>(v, name);
    } else if (key == "subset_size") {
      r.subset_size = critnet::detail::json_value<int64_t>(v, name);
    } else if (key == "min_tail_fraction") {
      r.min_tail_fraction = critnet::detail::json_value<double>(v, name);
    } else {
      throw InvalidArgument(fmt::format("unknown key '{}'", name));
    }
  }
  return r;
}

}  // namespace critnet::probe
