#include "report/detail/page.h"

#include <fmt/format.h>

#include "critnet/core/io.h"
#include "report/detail/text.h"

namespace critnet::report::detail {
namespace {

const char* const kCss = R"css(
:root { --fg:#1d232b; --muted:#5b6573; --line:#d9dee5; --bg:#ffffff; --soft:#f5f7fa;
        --yes:#1a7f37; --yes-bg:#e6f4ea; --no:#b42318; --no-bg:#fdecea; --na:#6b7280; --na-bg:#f1f3f5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 1.9rem; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 1.35rem; margin: 44px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
.sub { color: var(--muted); margin: 0 0 22px; }
.verdict { border: 1px solid var(--line); border-left: 6px solid #3b6fd8; background: var(--soft);
           border-radius: 8px; padding: 16px 20px; margin: 18px 0 26px; }
.verdict h2 { margin: 0 0 8px; border: 0; padding: 0; font-size: 1.2rem; }
.verdict p { margin: 6px 0; }
.question { color: var(--muted); }
.headline { font-size: 1.05rem; }
.headline .badge { font-size: 0.95rem; font-weight: 600; }
ul.atlas-lead { margin: 4px 0 10px; padding-left: 22px; }
table.matrix { margin-top: 10px; }
table.matrix caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.matrix td.cell { text-align: center; font-weight: 700; min-width: 3.2em; }
.legend { color: var(--muted); font-size: 0.85rem; margin-top: 2px; }
summary { cursor: pointer; color: #3b6fd8; }
.rule { color: var(--muted); font-size: 0.92rem; }
table { border-collapse: collapse; margin: 10px 0 14px; font-size: 0.9rem;
        font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 5px 9px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; }
th.arm { text-align: center; border-bottom: 2px solid #9aa5b4; }
td.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.82rem;
         font-weight: 600; white-space: nowrap; }
.yes { color: var(--yes); background: var(--yes-bg); }
.no { color: var(--no); background: var(--no-bg); }
.na { color: var(--na); background: var(--na-bg); }
.why { color: var(--muted); font-size: 0.78rem; line-height: 1.3; display: inline-block; }
.nowrap { white-space: nowrap; }
table.fits { font-size: 0.84rem; }
table.fits td, table.fits th { padding: 4px 7px; }
figure { margin: 14px 0 8px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 6px; }
figcaption a { color: var(--muted); }
details { margin: 10px 0; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px;
      overflow-x: auto; font-size: 0.85rem; }
.scroll { overflow-x: auto; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 48px; }
)css";

}  // namespace

std::string page_head(std::string_view title, std::string_view extra_css) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  h += fmt::format("<title>{}</title>\n<style>{}{}</style>\n</head>\n<body>\n<main>\n",
                   html_escape(title), kCss, extra_css);
  return h;
}

std::string page_end() {
  return "</main>\n</body>\n</html>\n";
}

std::string figure_html(const Figure& fig, const RenderedFigure& r) {
  const std::string svg = io::read_text_file(r.svg);
  std::string links = fmt::format("<a href=\"figures/{0}.svg\">SVG</a>", fig.name);
  if (!r.png.empty()) links += fmt::format(" · <a href=\"figures/{0}.png\">PNG</a>", fig.name);
  links += fmt::format(" · <a href=\"figures/{0}.gp\">gnuplot script</a> · data: figures/{0}.*.csv",
                       fig.name);
  return fmt::format(
      "<figure><img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\"/>\n"
      "<figcaption>{} <span class=\"why\">({})</span></figcaption></figure>\n",
      html_escape(fig.title), base64(svg), html_escape(fig.caption), links);
}

}  // namespace critnet::report::detail
