#include "critnet/report/fit_report.h"

#include <utility>

#include "critnet/report/results.h"

namespace critnet::report {

nlohmann::json FitReport::to_json() const {
  nlohmann::json j = analysis::to_json(fit);
  j["verdict"] = {{"label", to_string(verdict.plausibility)},
                  {"scale_invariant", verdict.scale_invariant()},
                  {"reason", verdict.reason},
                  {"rule", report::to_json(rule)}};
  return j;
}

FitReport fit_report(std::vector<double> data, const analysis::FitOptions& options,
                     VerdictRule rule) {
  rule.validate();
  FitReport out;
  out.fit = analysis::analyse(std::move(data), options);
  rule.lr_p_max = options.significance;  // checked by analyse()
  out.rule = rule;
  out.verdict = assess(csn_fit(out.fit), rule);
  return out;
}

}  // namespace critnet::report
