#include "report/detail/headline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "report/detail/text.h"

namespace critnet::report::detail {
namespace {

// The measures and the layers of the cases, in display order.
std::pair<std::vector<const MeasureSpec*>, std::vector<std::string>> axes(
    const std::vector<Case>& cases) {
  std::vector<const MeasureSpec*> measures;
  std::vector<std::string> layers;
  for (const auto& c : cases) {
    if (std::find(measures.begin(), measures.end(), c.spec) == measures.end())
      measures.push_back(c.spec);
    if (std::find(layers.begin(), layers.end(), c.layer) == layers.end()) layers.push_back(c.layer);
  }
  std::sort(layers.begin(), layers.end(), layer_less);
  return {measures, layers};
}

const Case* find_case(const std::vector<Case>& cases, const MeasureSpec* spec,
                      const std::string& layer) {
  for (const auto& c : cases)
    if (c.spec == spec && c.layer == layer) return &c;
  return nullptr;
}

std::size_t arm_index(const Results& results, const std::string& name) {
  for (std::size_t a = 0; a < results.arms.size(); ++a)
    if (results.arms[a].name == name) return a;
  return 0;
}

const char* css_class(Contrast c) {
  switch (c) {
    case Contrast::kTreatmentOnly:
      return "yes";
    case Contrast::kBaselineOnly:
    case Contrast::kBoth:
    case Contrast::kNeither:
      return "no";
    default:
      return "na";
  }
}

}  // namespace

std::string question(const Results& results) {
  std::string arms;
  const auto t = treatments(results);
  for (std::size_t i = 0; i < t.size(); ++i)
    arms += (i == 0 ? "" : i + 1 == t.size() ? " or " : ", ") + t[i]->name;
  return fmt::format(
      "Does {} make the trained network scale invariant (a quantity whose distribution is a "
      "power law that passes the statistical tests) where {} is not? Each measure of each "
      "layer is one case.",
      arms.empty() ? "a penalised arm" : arms, results.baseline_arm);
}

namespace {

// Cases grouped by measure (in display order): measure title → layer labels with the seeds of
// `arm` ("2 (3/3 seeds)").
using Places = std::vector<std::pair<std::string, std::vector<std::string>>>;

void add_place(Places& where, const Case& c, std::size_t arm) {
  const SeedCount& n = c.seeds[arm].count;
  if (where.empty() || where.back().first != c.spec->title) where.push_back({c.spec->title, {}});
  const bool numbered = layer_name(c.layer) != c.layer;  // "layer 2", not "pooled"
  where.back().second.push_back((numbered ? c.layer : layer_name(c.layer)) +
                                (n.seeds > 1 ? " (" + seeds_text(n) + ")" : ""));
}

// "Eigenvalue spectrum, layers 2 and 3; Activation frequency ranks, pooled".
std::string places_text(const Places& where) {
  std::string t;
  for (std::size_t i = 0; i < where.size(); ++i) {
    const auto& [title, layers] = where[i];
    const bool numbered =
        !layers.front().empty() && std::isdigit(static_cast<unsigned char>(layers.front().front()));
    t += (i ? "; " : "") + title + ", " +
         (!numbered           ? ""
          : layers.size() > 1 ? "layers "
                              : "layer ");
    for (std::size_t k = 0; k < layers.size(); ++k)
      t += (k == 0 ? "" : k + 1 == layers.size() ? " and " : ", ") + layers[k];
  }
  return t;
}

}  // namespace

std::vector<Headline> headlines(const Results& results, const std::vector<Case>& cases) {
  std::vector<Headline> out;
  const std::string& base = results.baseline_arm;
  const std::size_t b = arm_index(results, base);
  for (const Arm* t : treatments(results)) {
    const std::size_t a = arm_index(results, t->name);
    std::size_t total = 0;
    std::map<Contrast, std::size_t> count;
    Places treatment_only, baseline_only;
    for (const auto& c : cases) {
      const auto it = c.contrasts.find(t->name);
      if (it == c.contrasts.end() || it->second == Contrast::kUntested) continue;
      ++total;
      ++count[it->second];
      if (it->second == Contrast::kTreatmentOnly) add_place(treatment_only, c, a);
      if (it->second == Contrast::kBaselineOnly) add_place(baseline_only, c, b);
    }
    Headline h;
    h.arm = t->name;
    h.yes = !treatment_only.empty();
    h.verdict = fmt::format("{} vs {}: {}", t->name, base, h.yes ? "yes" : "no");
    h.detail = h.yes ? fmt::format("in {} of {} cases: {}", count[Contrast::kTreatmentOnly], total,
                                   places_text(treatment_only))
                     : fmt::format("in none of {} cases", total);
    h.detail += fmt::format(" (scale invariant in both in {}, in neither in {}, in {} only in {}",
                            count[Contrast::kBoth], count[Contrast::kNeither], base,
                            count[Contrast::kBaselineOnly]);
    if (!baseline_only.empty()) h.detail += ": " + places_text(baseline_only);
    if (count[Contrast::kIncomplete] > 0)
      h.detail += fmt::format("; {} incomplete", count[Contrast::kIncomplete]);
    h.detail += ").";
    out.push_back(std::move(h));
  }
  return out;
}

const char* contrast_symbol(Contrast c) {
  switch (c) {
    case Contrast::kTreatmentOnly:
      return "✓";
    case Contrast::kBoth:
      return "=";
    case Contrast::kNeither:
      return "✗";
    case Contrast::kBaselineOnly:
      return "◀";
    case Contrast::kIncomplete:
      return "?";
    case Contrast::kUntested:
      return "–";
  }
  return "–";
}

std::string matrix_legend(const std::string& baseline, const std::string& treatment) {
  return fmt::format(
      "✓ scale invariant in {1} only · = in both · ✗ in neither · ◀ in {0} only · ? incomplete · "
      "– not tested",
      baseline, treatment);
}

std::string matrix_html(const Results& results, const std::vector<Case>& cases,
                        const std::string& treatment) {
  const auto [measures, layers] = axes(cases);
  std::string h = fmt::format(
      "<div class=\"scroll\"><table class=\"matrix\">\n<caption>{} vs {}</caption>\n<thead><tr>"
      "<th>measure</th>",
      html_escape(treatment), html_escape(results.baseline_arm));
  for (const auto& l : layers) h += "<th>" + html_escape(layer_name(l)) + "</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const MeasureSpec* m : measures) {
    h += fmt::format("<tr><td><a href=\"#{}\">{}</a></td>", html_escape(m->id),
                     html_escape(m->title));
    for (const auto& l : layers) {
      const Case* c = find_case(cases, m, l);
      const auto it =
          c ? c->contrasts.find(treatment) : std::map<std::string, Contrast>::const_iterator();
      if (!c || it == c->contrasts.end()) {
        h += "<td></td>";
        continue;
      }
      h += fmt::format("<td class=\"cell {}\" title=\"{}\">{}</td>", css_class(it->second),
                       html_escape(describe(it->second, results.baseline_arm, treatment)),
                       contrast_symbol(it->second));
    }
    h += "</tr>\n";
  }
  h += "</tbody></table></div>\n<p class=\"legend\">" +
       html_escape(matrix_legend(results.baseline_arm, treatment)) + "</p>\n";
  return h;
}

std::string matrix_markdown(const Results& results, const std::vector<Case>& cases,
                            const std::string& treatment) {
  const auto [measures, layers] = axes(cases);
  std::string m = "| " + md_cell(treatment) + " vs " + md_cell(results.baseline_arm) + " |";
  std::string rule = "|---|";
  for (const auto& l : layers) {
    m += " " + md_cell(layer_name(l)) + " |";
    rule += ":-:|";
  }
  m += "\n" + rule + "\n";
  for (const MeasureSpec* spec : measures) {
    m += "| " + md_cell(spec->title) + " |";
    for (const auto& l : layers) {
      const Case* c = find_case(cases, spec, l);
      const auto it =
          c ? c->contrasts.find(treatment) : std::map<std::string, Contrast>::const_iterator();
      m += std::string(" ") + (c && it != c->contrasts.end() ? contrast_symbol(it->second) : "") +
           " |";
    }
    m += "\n";
  }
  return m + "\n" + matrix_legend(results.baseline_arm, treatment) + "\n";
}

}  // namespace critnet::report::detail
