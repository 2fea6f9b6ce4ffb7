// summary.json of a run (critnet/report/report.h; its schema: docs/report-schema.md).
#include <cmath>

#include "critnet/core/version.h"
#include "critnet/report/report.h"
#include "report/detail/cases.h"

namespace critnet::report {
namespace {

using nlohmann::json;

// The seed counts of one arm in one case ("fit", "verdict" and "reason" are the first seed's).
void add_seeds(json& ja, const detail::ArmCase& ac) {
  const detail::MeanSd alpha = detail::mean_sd(ac.alphas());
  ja["seeds"] = ac.count.seeds;
  ja["fitted_seeds"] = ac.count.fitted;
  ja["scale_invariant_seeds"] = ac.count.scale_invariant;
  ja["alpha_mean"] = alpha.n ? json(alpha.mean) : json();
  ja["alpha_sd"] = alpha.n ? json(alpha.sd) : json();
  ja["per_seed"] = json::array();
  for (std::size_t s = 0; s < ac.verdicts.size(); ++s) {
    const MeasureResult* r = ac.results[s];
    ja["per_seed"].push_back({{"verdict", to_string(ac.verdicts[s].plausibility)},
                              {"alpha", r && r->fit ? json(r->fit->alpha) : json()}});
  }
}

// One case: each arm's fit, verdict and seeds, and each treatment's contrast with the baseline.
json case_json(const Results& results, const detail::Case& c) {
  json jc = {{"measure", c.spec->id}, {"title", c.spec->title}, {"layer", c.layer}};
  jc["arms"] = json::object();
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    const MeasureResult* r = c.results[a];
    const FitVerdict& v = c.verdicts[a];
    json ja = {{"fit", r && r->fit ? to_json(*r->fit) : json()},
               {"verdict", to_string(v.plausibility)},
               {"scale_invariant", c.seeds[a].count.majority()},
               {"reason", v.reason}};
    add_seeds(ja, c.seeds[a]);
    if (v.best_alternative) {
      const auto& b = *v.best_alternative;
      ja["best_alternative"] = {{"alternative", b.alternative},
                                {"R", std::isfinite(b.R) ? json(b.R) : json()},
                                {"p", std::isfinite(b.p) ? json(b.p) : json()}};
    } else {
      ja["best_alternative"] = nullptr;
    }
    jc["arms"][results.arms[a].name] = ja;
  }
  jc["contrasts"] = json::object();
  for (const auto& [name, con] : c.contrasts) {
    jc["contrasts"][name] = {{"contrast", to_string(con)},
                             {"text", describe(con, results.baseline_arm, name)}};
  }
  return jc;
}

// Per treatment arm, the count of cases by contrast and the overall statement.
json overall_json(const Results& results, const std::vector<detail::Case>& cases) {
  json overall = json::object();
  for (const auto& [name, t] : detail::tallies(results, cases)) {
    json jt = {{"cases", t.total}, {"statement", detail::statement(results.baseline_arm, name, t)}};
    for (Contrast con : {Contrast::kTreatmentOnly, Contrast::kBoth, Contrast::kNeither,
                         Contrast::kBaselineOnly, Contrast::kIncomplete, Contrast::kUntested}) {
      const auto it = t.where.find(con);
      jt[to_string(con)] = it == t.where.end() ? 0 : it->second.size();
    }
    overall[name] = jt;
  }
  return overall;
}

}  // namespace

json summary_json(const Results& results, const VerdictRule& rule, const AtlasRule& atlas_rule) {
  const auto cases = detail::cases_of(results, rule);
  json j;
  j["schema"] = "critnet.summary/1";
  j["title"] = results.title;
  j["critnet_version"] = version();
  j["config"] = results.config;
  j["baseline_arm"] = results.baseline_arm;
  j["rule"] = to_json(rule);
  j["rule"]["seed_rule"] = seed_rule_text();
  j["arms"] = json::array();
  for (const auto& arm : results.arms) {
    const detail::MeanSd acc = detail::mean_sd(arm.seed_accuracies());
    j["arms"].push_back({{"name", arm.name},
                         {"seeds", arm.seed_results().size()},
                         {"test_accuracy", acc.n ? json(acc.mean) : json()},
                         {"test_accuracy_sd", acc.n ? json(acc.sd) : json()}});
  }
  j["cases"] = json::array();
  for (const auto& c : cases) j["cases"].push_back(case_json(results, c));
  j["overall"] = overall_json(results, cases);
  if (const auto atlas = atlas_of(results, atlas_rule); !atlas.empty())
    j["atlas"] = atlas_json(atlas, atlas_rule);
  return j;
}

}  // namespace critnet::report
