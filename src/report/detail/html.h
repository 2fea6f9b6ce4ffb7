#pragma once
// report.html of a run: the answer first, then the Atlas, accuracy, one section per measure
// (its figure and fits) and the configuration; self-contained (the figures' SVGs inline).
#include <string>
#include <vector>

#include "critnet/report/atlas.h"
#include "critnet/report/figure.h"
#include "critnet/report/results.h"
#include "critnet/report/verdict.h"

namespace critnet::report::detail {

// `figures` and `rendered` side by side, as build_report rendered them.
std::string html_report(const Results& results, const VerdictRule& rule,
                        const AtlasRule& atlas_rule, const std::vector<Figure>& figures,
                        const std::vector<RenderedFigure>& rendered);

}  // namespace critnet::report::detail
