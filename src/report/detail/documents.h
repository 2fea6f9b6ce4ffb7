#pragma once
// What report.html and summary.md both state about a run, in the same words: accuracy, α over
// seeds, the verdict rule, and the configuration as it travels with the report.
#include <nlohmann/json.hpp>
#include <string>

#include "critnet/report/results.h"
#include "critnet/report/verdict.h"
#include "report/detail/cases.h"

namespace critnet::report::detail {

// "85.12 %", or over several seeds "85.12 ± 0.31 % (3 seeds)" (mean ± sd).
std::string accuracy_text(const Arm& arm);

// α of one arm in one case: ± se for one seed, mean ± sd over the seeds with a fit otherwise.
std::string alpha_text(const ArmCase& ac);

// The rule as the report states it: the fit rule, and the seed rule when there are seeds.
std::string rule_text(const Results& results, const VerdictRule& rule);

// The run's configuration as a report shows it: the run directory (every "out_dir") is the
// report's own ("."), never the absolute path of the machine that made it, so that the report
// travels.
nlohmann::json travelling_config(nlohmann::json config);

}  // namespace critnet::report::detail
