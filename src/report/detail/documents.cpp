#include "report/detail/documents.h"

#include <fmt/format.h>

#include "report/detail/text.h"

namespace critnet::report::detail {

std::string accuracy_text(const Arm& arm) {
  const MeanSd m = mean_sd(arm.seed_accuracies());
  if (m.n == 0) return "–";
  if (m.n == 1) return fmt::format("{:.2f} %", 100.0 * m.mean);
  return fmt::format("{:.2f} ± {:.2f} % ({} seeds)", 100.0 * m.mean, 100.0 * m.sd, m.n);
}

std::string alpha_text(const ArmCase& ac) {
  const std::vector<double> alphas = ac.alphas();
  if (ac.results.size() == 1 || alphas.size() < 2) {
    const MeasureResult* r = ac.results.front();
    return r && r->fit ? value_pm(r->fit->alpha, r->fit->alpha_se) : "–";
  }
  const MeanSd m = mean_sd(alphas);
  return value_pm(m.mean, m.sd) + fmt::format(" (sd, {} fits)", m.n);
}

std::string rule_text(const Results& results, const VerdictRule& rule) {
  return rule.describe() + (multi_seed(results) ? " " + seed_rule_text() : "");
}

nlohmann::json travelling_config(nlohmann::json config) {
  if (!config.is_object()) return config;
  for (auto& [key, value] : config.items())
    value = key == "out_dir" && value.is_string() ? nlohmann::json(".") : travelling_config(value);
  return config;
}

}  // namespace critnet::report::detail
