#pragma once
/// Small statistics shared by the areas.
#include <vector>

namespace critnet {

/// The q-quantile of `v` (R's type 7: linear between order statistics); NaN for fewer than 2
/// values.
double quantile(std::vector<double> v, double q);

}  // namespace critnet
