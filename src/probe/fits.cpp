#include "critnet/probe/fits.h"

#include "critnet/analysis/distributions.h"
#include "critnet/core/error.h"

namespace critnet::probe {

FittedDistribution fit_distribution(const Distribution& d, analysis::FitOptions options) {
  FittedDistribution f;
  f.distribution = d;
  options.discrete = d.discrete;
  try {
    f.fit = analysis::analyse(d.values, options);
    f.ok = true;
  } catch (const Error& e) {
    f.error = e.what();
  }
  return f;
}

nlohmann::json to_json(const FittedDistribution& f) {
  const Distribution& d = f.distribution;
  nlohmann::json j = {{"measure", d.measure},
                      {"discrete", d.discrete},
                      {"total", d.total},
                      {"fitted", d.values.size()},
                      {"dropped", d.dropped},
                      {"dropped_rule", d.discrete ? "zero counts left out"
                                                  : "values <= 0 left out (power-law support)"}};
  if (d.subset >= 0) j["subset"] = d.subset;
  if (!d.values.empty()) {
    // Log-binned histogram (10 bins per decade) of the fitted values, for plots.
    j["log_histogram"] =
        analysis::to_json(analysis::log_binned_histogram(d.values, 10, d.discrete));
  }
  if (f.ok) {
    j["fit"] = analysis::to_json(f.fit);
  } else {
    j["error"] = f.error;
  }
  return j;
}

std::string comparison_verdict(const analysis::FitResult& fit) {
  std::string out;
  for (const auto& c : fit.comparisons) {
    std::string name = c.alternative;
    if (name == "exponential")
      name = "exp";
    else if (name == "lognormal")
      name = "ln";
    else if (name == "stretched_exponential")
      name = "sexp";
    else if (name == "truncated_power_law")
      name = "tpl";
    const char mark = c.favoured == "power_law" ? '+' : c.favoured == "neither" ? '=' : '-';
    if (!out.empty()) out += ' ';
    out += name + mark;
  }
  return out;
}

}  // namespace critnet::probe
