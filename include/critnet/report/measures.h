#pragma once
/// The measure catalogue: every measure the report draws (paper Fig. 3-8 and docs/methods.md,
/// "Probes") with its title, caption, plot kind, CSV columns and axes, defined once. `critnet
/// reproduce` writes results.json's "measures" from it and parse_results reads a document over it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "critnet/report/results.h"

namespace critnet::report {

/// Values the captions state when they are known: k, the units of the random subset whose
/// activation patterns are counted, and β of the spectrum's a = β/N (the same for every arm).
struct MeasureContext {
  std::optional<int64_t> subset_size;
  std::optional<double> beta;
};

/// The catalogue in display order, captions stating the context's values where given.
/// default_measures() (results.h) is measure_catalogue({}).
std::vector<MeasureSpec> measure_catalogue(const MeasureContext& context = {});

/// A spec as an entry of results.json's "measures" (every field: id, title, caption, kind,
/// x, y, x_label, y_label, scale), and a list of them.
nlohmann::json measure_json(const MeasureSpec& spec);
nlohmann::json measures_json(const std::vector<MeasureSpec>& specs);

}  // namespace critnet::report
