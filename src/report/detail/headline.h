#pragma once
// The answer a report leads with: the question in plain words, a headline per treatment arm
// ("cw vs baseline: yes, in 1 of 21 cases: eigenvalues, layer 1 (3/3 seeds)") and the compact
// matrix of its contrasts with the baseline (measures × layers, a symbol and a colour per cell,
// so it reads in grey print). report.html and summary.md put them first; the detail follows.
#include <string>
#include <vector>

#include "report/detail/cases.h"

namespace critnet::report::detail {

struct Headline {
  std::string arm;
  bool yes = false;     ///< scale invariant where the baseline is not in at least one case
  std::string verdict;  ///< "cw vs baseline: yes" / "paper vs baseline: no"
  std::string detail;   ///< the rest of the sentence, from "in 1 of 21 cases" on
  std::string text() const { return verdict + ", " + detail; }
};

/// The question the verdict answers, in words a reader outside the field follows.
std::string question(const Results& results);

/// One headline per treatment arm, in the order of the arms.
std::vector<Headline> headlines(const Results& results, const std::vector<Case>& cases);

/// The symbol of a contrast in the matrix: ✓ treatment only, = both, ✗ neither, ◀ baseline
/// only, ? incomplete, – not tested.
const char* contrast_symbol(Contrast c);

/// The legend of the symbols, naming the arms.
std::string matrix_legend(const std::string& baseline, const std::string& treatment);

/// The matrix of one treatment arm: a row per measure, a column per layer.
std::string matrix_html(const Results& results, const std::vector<Case>& cases,
                        const std::string& treatment);
std::string matrix_markdown(const Results& results, const std::vector<Case>& cases,
                            const std::string& treatment);

}  // namespace critnet::report::detail
