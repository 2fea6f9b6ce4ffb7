// report.html of a run (critnet/report/report.h): the answer first, then the Atlas, accuracy,
// one section per measure (figure and fits) and the configuration.
#include "report/detail/html.h"

#include <fmt/format.h>

#include <algorithm>

#include "critnet/core/version.h"
#include "report/detail/atlas_view.h"
#include "report/detail/cases.h"
#include "report/detail/documents.h"
#include "report/detail/headline.h"
#include "report/detail/page.h"
#include "report/detail/text.h"

namespace critnet::report::detail {
namespace {

std::string alternative_html(const FitVerdict& v) {
  if (!v.best_alternative) return "–";
  const auto& b = *v.best_alternative;
  return fmt::format("{}<br/><span class=\"nowrap\">R = {}, p = {}</span>",
                     html_escape(b.alternative), number(b.R, 3), number(b.p, 2));
}

std::string badge(const FitVerdict& v, bool short_text = false) {
  const char* cls = v.scale_invariant()                      ? "yes"
                    : v.plausibility == Plausibility::kNoFit ? "na"
                                                             : "no";
  std::string text = v.scale_invariant()                          ? "scale invariant"
                     : v.plausibility == Plausibility::kNoFit     ? "no fit"
                     : v.plausibility == Plausibility::kTooNarrow ? "too narrow"
                                                                  : "rejected";
  if (!short_text && (v.plausibility == Plausibility::kRejectedByGof ||
                      v.plausibility == Plausibility::kAlternativeFavoured))
    text = "power law " + text;
  return fmt::format("<span class=\"badge {}\" title=\"{}\">{}</span>", cls, html_escape(v.reason),
                     text);
}

// One seed: the verdict's badge; several: "k/n seeds", green for a majority.
std::string seed_badge(const detail::ArmCase& ac, bool short_text = false) {
  if (ac.verdicts.size() == 1) return badge(ac.verdicts.front(), short_text);
  const SeedCount& n = ac.count;
  const char* cls = n.majority() ? "yes" : 2 * n.fitted <= n.seeds ? "na" : "no";
  std::string why;
  for (std::size_t s = 0; s < ac.verdicts.size(); ++s)
    why += fmt::format("{}seed {}: {}", s ? "; " : "", s, to_string(ac.verdicts[s].plausibility));
  return fmt::format("<span class=\"badge {}\" title=\"{}\">{}</span>", cls, html_escape(why),
                     html_escape(short_text ? seeds_text(n) : "scale invariant " + seeds_text(n)));
}

std::string contrast_badge(Contrast c, const std::string& baseline, const std::string& treatment,
                           bool short_text = false, bool name_arm = false) {
  const char* cls = c == Contrast::kTreatmentOnly                            ? "yes"
                    : c == Contrast::kIncomplete || c == Contrast::kUntested ? "na"
                                                                             : "no";
  std::string text = describe(c, baseline, treatment);
  if (short_text) {
    switch (c) {
      case Contrast::kTreatmentOnly:
        text = treatment + " only";
        break;
      case Contrast::kBaselineOnly:
        text = baseline + " only";
        break;
      case Contrast::kBoth:
        text = "both";
        break;
      case Contrast::kNeither:
        text = "neither";
        break;
      case Contrast::kIncomplete:
        text = "incomplete";
        break;
      case Contrast::kUntested:
        text = "not tested";
        break;
    }
    if (name_arm) text = treatment + ": " + text;
  }
  return fmt::format("<span class=\"badge {}\" title=\"{}\">{}</span>", cls,
                     html_escape(describe(c, baseline, treatment)), html_escape(text));
}

// The explicit fitted curves of a measure (e.g. the two-point function's), per arm and layer.
std::string curves_html(const Results& results, const MeasureSpec& spec) {
  std::string rows;
  for (const auto& arm : results.arms) {
    for (const auto& r : arm.results) {
      if (r.measure != spec.id) continue;
      for (const auto& c : r.curves) {
        const bool power = c.model == FitCurve::Model::kPowerLaw;
        rows += fmt::format(
            "<tr><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"nowrap\">{}</td>"
            "<td class=\"num\">[{}, {}]</td></tr>\n",
            html_escape(arm.name), html_escape(layer_name(r.layer)),
            html_escape(c.label.empty() ? (power ? "power law" : "exponential") : c.label),
            power ? fmt::format("{} · x<sup>−{}</sup>", number(c.c, 3), number(c.exponent, 3))
                  : fmt::format("{} · e<sup>−x/{}</sup>", number(c.c, 3), number(c.exponent, 3)),
            number(c.x_from, 3), number(c.x_to, 3));
      }
    }
  }
  if (rows.empty()) return "";
  return "<div class=\"scroll\"><table class=\"fits\">\n<thead><tr><th>arm</th><th>layer</th>"
         "<th>fit</th><th>curve</th><th>on x in</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table></div>\n";
}

// The rendered figure named `name` as HTML; empty when there is none.
std::string figure_named(const std::vector<Figure>& figures,
                         const std::vector<RenderedFigure>& rendered, const std::string& name) {
  std::string h;
  for (std::size_t i = 0; i < figures.size(); ++i)
    if (figures[i].name == name) h += figure_html(figures[i], rendered[i]);
  return h;
}

// The title and the line under it.
std::string title_html(const Results& results) {
  std::string h = page_head(results.title);
  h += fmt::format("<h1>{}</h1>\n<p class=\"sub\">critnet {} · baseline arm: <b>{}</b> · arms: ",
                   html_escape(results.title), html_escape(version()),
                   html_escape(results.baseline_arm));
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    h += (a ? ", " : "") + html_escape(results.arms[a].name);
  }
  return h + "</p>\n";
}

// Every case per arm and seed, and each treatment's contrast with the baseline (collapsed).
std::string every_case_html(const Results& results, const std::vector<Case>& cases) {
  const auto& base = results.baseline_arm;
  std::string h = "<details><summary>Every case, per arm and seed</summary>\n";
  h += "<div class=\"scroll\"><table>\n<thead><tr><th>measure</th><th>layer</th>";
  for (const auto& arm : results.arms) h += "<th>" + html_escape(arm.name) + "</th>";
  for (const Arm* t : treatments(results)) {
    h += "<th>" + html_escape(t->name) + " vs " + html_escape(base) + "</th>";
  }
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& c : cases) {
    h += fmt::format("<tr><td><a href=\"#{}\">{}</a></td><td>{}</td>", safe(c.spec->id),
                     html_escape(c.spec->title), html_escape(layer_name(c.layer)));
    for (const auto& ac : c.seeds) h += "<td>" + seed_badge(ac) + "</td>";
    for (const Arm* t : treatments(results)) {
      h += "<td>" + contrast_badge(c.contrasts.at(t->name), base, t->name) + "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</tbody></table></div>\n</details>\n";
}

// The answer first: the question, a headline per arm, the atlas's sentences, the matrices; the
// rule and every case one click below.
std::string answer_html(const Results& results, const VerdictRule& rule,
                        const std::vector<Case>& cases, const std::vector<AtlasArm>& atlas) {
  const auto tally = tallies(results, cases);
  const auto& base = results.baseline_arm;
  std::string h = "<section class=\"verdict\" id=\"verdict\">\n<h2>Answer</h2>\n";
  h += "<p class=\"question\">" + html_escape(question(results)) + "</p>\n";
  if (cases.empty()) h += "<p>No measure was recorded: there is nothing to test.</p>\n";
  for (const auto& line : headlines(results, cases))
    h += fmt::format("<p class=\"headline\"><span class=\"badge {}\">{}</span> {}</p>\n",
                     line.yes ? "yes" : "no", html_escape(line.verdict), html_escape(line.detail));
  if (!atlas.empty()) {
    h += "<p class=\"atlas-lead\"><b>Which notions of criticality each arm reaches</b> (<a "
         "href=\"#atlas\">Atlas</a>):</p>\n<ul class=\"atlas-lead\">\n";
    for (const auto& a : atlas) h += "<li>" + html_escape(a.sentence) + "</li>\n";
    h += "</ul>\n";
  }
  if (!cases.empty())
    for (const Arm* t : treatments(results)) h += matrix_html(results, cases, t->name);
  h += "<details><summary>The rule</summary>\n<p class=\"rule\"><b>Rule.</b> " +
       html_escape(rule_text(results, rule)) +
       " The fits are read from the run, never judged by eye.</p>\n";
  for (const Arm* t : treatments(results))
    h += "<p class=\"rule\"><b>" + html_escape(t->name) + " vs " + html_escape(base) + ":</b> " +
         html_escape(statement(base, t->name, tally.at(t->name))) + "</p>\n";
  h += "</details>\n";
  if (!cases.empty()) h += every_case_html(results, cases);
  return h + "</section>\n";
}

// Test accuracy per arm, then the training curves.
std::string accuracy_html(const Results& results, const std::string& training_figure) {
  std::string h =
      "<h2 id=\"accuracy\">Accuracy</h2>\n<table><thead><tr><th>arm</th><th>test accuracy</th>"
      "</tr></thead><tbody>\n";
  for (const auto& arm : results.arms) {
    h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td></tr>\n", html_escape(arm.name),
                     html_escape(accuracy_text(arm)));
  }
  return h + "</tbody></table>\n" + training_figure;
}

// One row of a measure's fits table: a layer, each arm's fit and verdict, the contrasts.
std::string fits_row(const Results& results, const Case& c) {
  std::string h = "<tr><td class=\"nowrap\">" + html_escape(layer_name(c.layer)) + "</td>";
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    const MeasureResult* r = c.results[a];
    if (r && r->fit) {
      const CsnFit& f = *r->fit;
      h += fmt::format(
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td>{}</td>",
          value_pm(f.alpha, f.alpha_se), number(f.x_min, 4), f.n_tail, number(f.p_value, 2),
          alternative_html(c.verdicts[a]));
    } else {
      h += "<td colspan=\"5\"><span class=\"why\">–</span></td>";
    }
    h += "<td>" + badge(c.verdicts[a], true) + "<br/><span class=\"why\">" +
         html_escape(c.verdicts[a].reason) + "</span>";
    if (c.seeds[a].verdicts.size() > 1)
      h += "<br/>" + seed_badge(c.seeds[a], true) + "<br/><span class=\"why\">α " +
           html_escape(alpha_text(c.seeds[a])) + "</span>";
    h += "</td>";
  }
  if (results.arms.size() > 1) {
    h += "<td>";
    for (const Arm* t : treatments(results)) {
      h += contrast_badge(c.contrasts.at(t->name), results.baseline_arm, t->name, true,
                          results.arms.size() > 2) +
           " ";
    }
    h += "</td>";
  }
  return h + "</tr>\n";
}

// A measure's fits side by side, one row per layer; empty when no arm has a CSN fit.
std::string fits_html(const Results& results, const MeasureSpec& spec,
                      const std::vector<Case>& cases) {
  const bool any_fit = std::any_of(cases.begin(), cases.end(), [&](const Case& c) {
    return c.spec == &spec &&
           std::any_of(c.results.begin(), c.results.end(), [](auto* r) { return r && r->fit; });
  });
  if (!any_fit) return "";
  std::string h;
  if (multi_seed(results))
    h += "<p class=\"why\">The fits of each arm's first seed; under each verdict, the count of "
         "seeds that are scale invariant and α as mean ± sd over the seeds with a fit.</p>\n";
  h += "<div class=\"scroll\"><table class=\"fits\">\n<thead><tr><th rowspan=\"2\">layer</th>";
  for (const auto& arm : results.arms) {
    h += "<th class=\"arm\" colspan=\"6\">" + html_escape(arm.name) + "</th>";
  }
  if (results.arms.size() > 1) h += "<th rowspan=\"2\">verdict</th>";
  h += "</tr>\n<tr>";
  for (std::size_t a = 0; a < results.arms.size(); ++a) {
    h += "<th>α ± se</th><th>x<sub>min</sub></th><th>n<sub>tail</sub></th><th>p</th>"
         "<th>best alternative</th><th>power law?</th>";
  }
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& c : cases)
    if (c.spec == &spec) h += fits_row(results, c);
  return h + "</tbody></table></div>\n";
}

// The configuration and the footer.
std::string config_html(const Results& results) {
  std::string h =
      "<h2 id=\"config\">Configuration</h2>\n<details open><summary>results.json "
      "<code>config</code></summary><pre>" +
      html_escape(travelling_config(results.config).dump(2)) + "</pre></details>\n";
  h += fmt::format(
      "<footer>Built by <code>critnet report</code> (critnet {}) from results.json; the data "
      "behind every figure, its gnuplot script, summary.md and summary.json sit beside this "
      "file.</footer>\n",
      html_escape(version()));
  return h;
}

}  // namespace

std::string html_report(const Results& results, const VerdictRule& rule,
                        const AtlasRule& atlas_rule, const std::vector<Figure>& figures,
                        const std::vector<RenderedFigure>& rendered) {
  const auto cases = cases_of(results, rule);
  const auto atlas = atlas_of(results, atlas_rule);
  std::string h = title_html(results) + answer_html(results, rule, cases, atlas);
  if (!atlas.empty()) h += atlas_html(atlas, atlas_rule, figure_named(figures, rendered, "atlas"));
  h += accuracy_html(results, figure_named(figures, rendered, "training"));
  // One section per measure: figure, then the fits side by side.
  for (const MeasureSpec* spec : measures_used(results)) {
    h += fmt::format("<h2 id=\"{}\">{}</h2>\n", safe(spec->id), html_escape(spec->title));
    h += figure_named(figures, rendered, safe(spec->id));
    h += curves_html(results, *spec);
    h += fits_html(results, *spec, cases);
  }
  return h + config_html(results) + page_end();
}

}  // namespace critnet::report::detail
