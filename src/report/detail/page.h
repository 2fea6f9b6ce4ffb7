#pragma once
// The HTML pieces every critnet report page shares (report.html of a run, report.html of a
// sweep): the page's head with its style sheet, its end, and a figure embedded in the page.
#include <string>
#include <string_view>

#include "critnet/report/figure.h"

namespace critnet::report::detail {

// "<!DOCTYPE html>" up to the opening <main>: the title, the shared style sheet and then
// `extra_css` (a page's own rules).
std::string page_head(std::string_view title, std::string_view extra_css = {});

// Closes what page_head opened.
std::string page_end();

// A rendered figure as a <figure>: its SVG inline (base64, so that the page stays one file and
// gnuplot's SVG ids cannot clash), its caption, and links to figures/NAME.svg, the PNG when
// there is one, the gnuplot script and the data (figures/NAME.*.csv). The page sits beside
// the figures/ folder.
std::string figure_html(const Figure& fig, const RenderedFigure& r);

}  // namespace critnet::report::detail
