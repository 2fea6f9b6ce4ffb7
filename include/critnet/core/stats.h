#pragma once
/// Small statistics shared by the areas.
#include <vector>

namespace critnet {

/// The q-quantile of `v` (R's type 7: linear between order statistics); NaN for fewer than 2
/// values.
double quantile(std::vector<double> v, double q);

/// critnet's one median, used for every "median" it reports: the middle value of the sorted
/// values, the mean of the two middle ones for an even count (R's median(), type 7 at q = 1/2);
/// the one value for one; NaN for none.
double median(std::vector<double> v);

}  // namespace critnet
