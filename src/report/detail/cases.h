#pragma once
// The cases of a report (one measure × layer each) and their verdicts over arms and seeds,
// shared by the JSON, markdown and HTML writers (critnet/report/verdict.h states the rule).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "critnet/report/results.h"
#include "critnet/report/verdict.h"

namespace critnet::report::detail {

// Layers sort numerically when they are numbers, then by name.
bool layer_less(const std::string& a, const std::string& b);
// "layer 2" for a numbered layer, the name itself otherwise ("pooled").
std::string layer_name(const std::string& layer);

const MeasureResult* find_result(const std::vector<MeasureResult>& results,
                                 const std::string& measure, const std::string& layer);
// The layers of `measure` in any arm and seed, sorted by layer_less.
std::vector<std::string> layers_of(const Results& results, const std::string& measure);
// The measures with data, in display order.
std::vector<const MeasureSpec*> measures_used(const Results& results);
// Every arm but the baseline.
std::vector<const Arm*> treatments(const Results& results);

// Mean and sample standard deviation (n - 1; 0 for one value) of `values`.
struct MeanSd {
  double mean = 0.0;
  double sd = 0.0;
  std::size_t n = 0;
};
MeanSd mean_sd(const std::vector<double>& values);
// "3.1" for one value, "3.1 ± 0.05" for several (the sd 0 when it is below 1e-9 of the mean,
// the rounding of equal values), "–" for none.
std::string mean_sd_text(const std::vector<double>& values);

// One arm in one case, over its seeds.
struct ArmCase {
  std::vector<const MeasureResult*> results;  // per seed, nullptr when absent
  std::vector<FitVerdict> verdicts;           // per seed
  SeedCount count;
  std::vector<double> alphas() const;  // α of the seeds with a usable fit
};

struct Case {
  const MeasureSpec* spec;
  std::string layer;
  std::vector<const MeasureResult*> results;  // per arm, the first seed; nullptr when absent
  std::vector<FitVerdict> verdicts;           // per arm, the first seed
  std::vector<ArmCase> seeds;                 // per arm, every seed
  std::map<std::string, Contrast> contrasts;  // treatment arm -> contrast with the baseline
};

std::vector<Case> cases_of(const Results& results, const VerdictRule& rule);

// True when some arm has more than one seed.
bool multi_seed(const Results& results);

struct Tally {
  std::map<Contrast, std::vector<std::string>> where;  // contrast -> "measure (layer)" list
  std::size_t total = 0;
  bool seeds = false;  // counted over several seeds (the seed rule)
};

// Per treatment arm, the cases by contrast (untested cases are not counted).
std::map<std::string, Tally> tallies(const Results& results, const std::vector<Case>& cases);

// The overall sentence of the verdict for one treatment arm.
std::string statement(const std::string& baseline, const std::string& treatment,
                      const Tally& tally);

// "3/3 seeds".
std::string seeds_text(const SeedCount& c);

}  // namespace critnet::report::detail
