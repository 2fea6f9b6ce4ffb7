#include "report/detail/cases.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "report/detail/text.h"

namespace critnet::report::detail {

bool layer_less(const std::string& a, const std::string& b) {
  auto as_int = [](const std::string& s) -> std::optional<long> {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stol(s);
  };
  const auto ia = as_int(a), ib = as_int(b);
  if (ia && ib) return *ia < *ib;
  if (ia || ib) return static_cast<bool>(ia);
  return a < b;
}

std::string layer_name(const std::string& layer) {
  return layer.find_first_not_of("0123456789") == std::string::npos ? "layer " + layer : layer;
}

const MeasureResult* find_result(const std::vector<MeasureResult>& results,
                                 const std::string& measure, const std::string& layer) {
  for (const auto& r : results) {
    if (r.measure == measure && r.layer == layer) return &r;
  }
  return nullptr;
}

std::vector<std::string> layers_of(const Results& results, const std::string& measure) {
  std::set<std::string> seen;
  for (const auto& arm : results.arms) {
    for (const auto* seed : arm.seed_results())
      for (const auto& r : *seed)
        if (r.measure == measure) seen.insert(r.layer);
  }
  std::vector<std::string> layers(seen.begin(), seen.end());
  std::sort(layers.begin(), layers.end(), layer_less);
  return layers;
}

std::vector<const MeasureSpec*> measures_used(const Results& results) {
  std::vector<const MeasureSpec*> out;
  for (const auto& m : results.measures) {
    if (!layers_of(results, m.id).empty()) out.push_back(&m);
  }
  return out;
}

std::vector<const Arm*> treatments(const Results& results) {
  std::vector<const Arm*> out;
  for (const auto& a : results.arms) {
    if (a.name != results.baseline_arm) out.push_back(&a);
  }
  return out;
}

std::string mean_sd_text(const std::vector<double>& values) {
  const MeanSd m = mean_sd(values);
  if (m.n == 0) return "–";
  if (m.n == 1) return number(m.mean);
  return number(m.mean) + " ± " + (m.sd < 1e-9 * std::abs(m.mean) ? "0" : number(m.sd, 2));
}

MeanSd mean_sd(const std::vector<double>& values) {
  MeanSd m;
  m.n = values.size();
  if (values.empty()) return m;
  for (double v : values) m.mean += v;
  m.mean /= static_cast<double>(m.n);
  if (m.n < 2) return m;
  double ss = 0.0;
  for (double v : values) ss += (v - m.mean) * (v - m.mean);
  m.sd = std::sqrt(ss / static_cast<double>(m.n - 1));
  return m;
}

std::vector<double> ArmCase::alphas() const {
  std::vector<double> out;
  for (const auto* r : results)
    if (r && r->fit) out.push_back(r->fit->alpha);
  return out;
}

namespace {

// One arm's results and verdicts on `measure` and `layer`, seed by seed.
ArmCase arm_case(const Arm& arm, const std::string& measure, const std::string& layer,
                 const VerdictRule& rule) {
  ArmCase ac;
  for (const auto* seed : arm.seed_results()) {
    const MeasureResult* r = find_result(*seed, measure, layer);
    FitVerdict v = r ? assess_entry({r->fit, r->fit_error}, rule) : assess(std::nullopt, rule);
    if (!r) v.reason = "not measured";
    ac.results.push_back(r);
    ac.verdicts.push_back(v);
  }
  ac.count = count_seeds(ac.verdicts);
  return ac;
}

}  // namespace

std::vector<Case> cases_of(const Results& results, const VerdictRule& rule) {
  std::vector<Case> cases;
  const Arm* base = results.arm(results.baseline_arm);
  std::size_t base_index = 0;
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    if (&results.arms[a] == base) base_index = a;
  }
  for (const MeasureSpec* spec : measures_used(results)) {
    for (const auto& layer : layers_of(results, spec->id)) {
      Case c{spec, layer, {}, {}, {}, {}};
      for (const auto& arm : results.arms) {
        c.seeds.push_back(arm_case(arm, spec->id, layer, rule));
        c.results.push_back(c.seeds.back().results.front());
        c.verdicts.push_back(c.seeds.back().verdicts.front());
      }
      for (std::size_t a = 0; a < results.arms.size(); ++a) {
        if (a == base_index) continue;
        c.contrasts[results.arms[a].name] = contrast(c.seeds[base_index].count, c.seeds[a].count);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

bool multi_seed(const Results& results) {
  return std::any_of(results.arms.begin(), results.arms.end(),
                     [](const Arm& a) { return a.seed_results().size() > 1; });
}

std::string seeds_text(const SeedCount& c) {
  return fmt::format("{}/{} seed{}", c.scale_invariant, c.seeds, c.seeds == 1 ? "" : "s");
}

std::map<std::string, Tally> tallies(const Results& results, const std::vector<Case>& cases) {
  std::map<std::string, Tally> out;
  const bool seeds = multi_seed(results);
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    const Arm& t = results.arms[a];
    if (t.name == results.baseline_arm) continue;
    std::size_t b = 0;
    while (results.arms[b].name != results.baseline_arm) ++b;
    Tally& tally = out[t.name];
    tally.seeds = seeds;
    for (const auto& c : cases) {
      const Contrast con = c.contrasts.at(t.name);
      if (con == Contrast::kUntested) continue;
      std::string where = fmt::format("{} ({})", c.spec->title, layer_name(c.layer));
      if (seeds)
        where += fmt::format(" [{}: {}, {}: {}]", t.name, seeds_text(c.seeds[a].count),
                             results.baseline_arm, seeds_text(c.seeds[b].count));
      tally.where[con].push_back(where);
      ++tally.total;
    }
  }
  return out;
}

std::string statement(const std::string& baseline, const std::string& treatment,
                      const Tally& tally) {
  auto count = [&](Contrast c) {
    const auto it = tally.where.find(c);
    return it == tally.where.end() ? std::size_t{0} : it->second.size();
  };
  const std::size_t only = count(Contrast::kTreatmentOnly);
  std::string s =
      tally.seeds ? fmt::format(
                        "By the CSN tests, the tail-width rule and the seed rule, {} is scale "
                        "invariant in a majority of seeds where {} is so in a minority in {} of "
                        "{} measure × layer cases",
                        treatment, baseline, only, tally.total)
                  : fmt::format(
                        "By the CSN tests and the tail-width rule, {} is scale invariant where "
                        "{} is not in {} of {} measure × layer cases",
                        treatment, baseline, only, tally.total);
  if (only > 0) {
    s += ": ";
    const auto& list = tally.where.at(Contrast::kTreatmentOnly);
    for (std::size_t i = 0; i < list.size(); ++i) s += (i ? "; " : "") + list[i];
  }
  s += fmt::format(
      ". Scale invariant in both arms in {}, in neither in {}, in {} only in {}; "
      "{} incomplete.",
      count(Contrast::kBoth), count(Contrast::kNeither), baseline, count(Contrast::kBaselineOnly),
      count(Contrast::kIncomplete));
  return s;
}

}  // namespace critnet::report::detail
