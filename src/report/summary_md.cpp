// summary.md of a run (critnet/report/report.h): report.html's content as GitHub markdown.
#include <fmt/format.h>

#include <algorithm>

#include "critnet/report/report.h"
#include "report/detail/atlas_view.h"
#include "report/detail/cases.h"
#include "report/detail/documents.h"
#include "report/detail/headline.h"
#include "report/detail/text.h"

namespace critnet::report {
namespace {

using detail::md_cell;
using detail::number;

std::string alternative_text(const FitVerdict& v) {
  if (!v.best_alternative) return "–";
  const auto& b = *v.best_alternative;
  return fmt::format("{}: R = {}, p = {}", b.alternative, number(b.R, 3), number(b.p, 2));
}

// The answer: the question, a headline per arm, the atlas's sentences, the matrices, the rule.
std::string answer_markdown(const Results& results, const VerdictRule& rule,
                            const std::vector<detail::Case>& cases,
                            const std::vector<AtlasArm>& atlas) {
  const auto tally = detail::tallies(results, cases);
  const auto& base = results.baseline_arm;
  std::string m = "## Answer\n\n_Question:_ " + detail::question(results) + "\n\n";
  if (cases.empty()) m += "No measure was recorded: there is nothing to test.\n\n";
  for (const auto& line : detail::headlines(results, cases))
    m += "**" + line.verdict + "**, " + line.detail + "\n\n";
  if (!atlas.empty()) {
    m += "Which notions of criticality each arm reaches (the Atlas below):\n\n";
    for (const auto& a : atlas) m += "- " + md_cell(a.sentence) + "\n";
    m += "\n";
  }
  if (!cases.empty())
    for (const Arm* t : detail::treatments(results))
      m += detail::matrix_markdown(results, cases, t->name) + "\n";
  m += "<details><summary>The rule</summary>\n\n_Rule:_ " + detail::rule_text(results, rule) +
       "\n\n";
  for (const Arm* t : detail::treatments(results))
    m += "**" + t->name + " vs " + base + ":** " +
         detail::statement(base, t->name, tally.at(t->name)) + "\n\n";
  return m + "</details>\n\n";
}

// A measure's table's header and rule rows.
std::string fits_header_markdown(const Results& results, bool seeds) {
  std::string m = "| layer |";
  std::string rule_row = "|---|";
  for (const auto& arm : results.arms) {
    const std::string a = md_cell(arm.name);
    m += fmt::format(
        " {0} α {1} | {0} x_min | {0} p | {0} best alternative | {0} scale "
        "invariant |",
        a, seeds ? "(mean ± sd)" : "± se");
    rule_row += "---:|---:|---:|---|---|";
  }
  if (results.arms.size() > 1) {
    m += " verdict |";
    rule_row += "---|";
  }
  return m + "\n" + rule_row + "\n";
}

// One layer's row of a measure's table.
std::string fits_row_markdown(const Results& results, const detail::Case& c, bool seeds) {
  std::string m = "| " + md_cell(detail::layer_name(c.layer)) + " |";
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    const MeasureResult* r = c.results[a];
    const FitVerdict& v = c.verdicts[a];
    if (r && r->fit) {
      m += fmt::format(" {} | {} | {} | {} |", detail::alpha_text(c.seeds[a]),
                       number(r->fit->x_min, 4), number(r->fit->p_value, 2),
                       md_cell(alternative_text(v)));
    } else {
      m += " – | – | – | – |";
    }
    const SeedCount& n = c.seeds[a].count;
    const std::string si = !seeds ? (v.scale_invariant() ? "**yes**" : to_string(v.plausibility))
                           : n.majority() ? "**" + detail::seeds_text(n) + "**"
                                          : detail::seeds_text(n);
    m += " " + md_cell(si) + " |";
  }
  if (results.arms.size() > 1) {
    std::string verdicts;
    for (const auto& [name, con] : c.contrasts) {
      verdicts += (verdicts.empty() ? "" : "; ") + (c.contrasts.size() > 1 ? name + ": " : "") +
                  describe(con, results.baseline_arm, name);
    }
    m += " " + md_cell(verdicts) + " |";
  }
  return m + "\n";
}

// One measure: its figure and its fits, one row per layer.
std::string measure_markdown(const Results& results, const MeasureSpec& spec,
                             const std::vector<detail::Case>& cases) {
  std::string m = "\n## " + md_cell(spec.title) + "\n\n";
  m += fmt::format("![{0}](figures/{1}.png)\n\n", md_cell(spec.title), detail::safe(spec.id));
  const bool seeds = detail::multi_seed(results);
  if (seeds)
    m += "α: mean ± sd over the seeds with a fit; x_min, p and best alternative: the first "
         "seed; scale invariant: the count of seeds.\n\n";
  m += fits_header_markdown(results, seeds);
  for (const auto& c : cases)
    if (c.spec == &spec) m += fits_row_markdown(results, c, seeds);
  return m;
}

}  // namespace

std::string summary_markdown(const Results& results, const VerdictRule& rule,
                             const AtlasRule& atlas_rule) {
  const auto cases = detail::cases_of(results, rule);
  const auto atlas = atlas_of(results, atlas_rule);
  std::string m = "# " + md_cell(results.title) + "\n\n";
  m += answer_markdown(results, rule, cases, atlas);
  if (!atlas.empty()) m += detail::atlas_markdown(atlas, atlas_rule) + "\n";
  m += "## Accuracy\n\n| arm | test accuracy |\n|---|---:|\n";
  for (const auto& arm : results.arms) {
    m += "| " + md_cell(arm.name) + " | " + detail::accuracy_text(arm) + " |\n";
  }
  for (const MeasureSpec* spec : detail::measures_used(results))
    m += measure_markdown(results, *spec, cases);
  if (std::any_of(results.arms.begin(), results.arms.end(),
                  [](const Arm& a) { return !a.training_curve.empty(); })) {
    m += "\n## Training curves\n\n![training curves](figures/training.png)\n";
  }
  m += "\n## Configuration\n\n```json\n" + detail::travelling_config(results.config).dump(2) +
       "\n```\n";
  return m;
}

}  // namespace critnet::report
