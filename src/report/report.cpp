// build_report (critnet/report/report.h): renders the figures and writes the run's three
// documents. The jobs live apart: figure planning in figures.cpp, report.html in html.cpp,
// summary.json and summary.md in summary_json.cpp and summary_md.cpp.
#include "critnet/report/report.h"

#include <system_error>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/report/csv.h"
#include "report/detail/figures.h"
#include "report/detail/html.h"

namespace critnet::report {

namespace fs = std::filesystem;

ReportFiles build_report(const Results& results, const fs::path& run_dir,
                         const ReportOptions& options) {
  const fs::path dir = run_dir / "figures";
  std::error_code ec;
  fs::create_directories(dir, ec);
  CRITNET_CHECK_AS(Error, fs::is_directory(dir), "cannot create ", dir.string(), ": ",
                   ec.message());
  const detail::FigurePlan plan = detail::plan_figures(results, dir, options.atlas);
  for (const auto& c : plan.csvs) write_csv(c.path, c.header, c.columns);
  for (const auto& [from, to] : plan.copies) {
    if (fs::exists(to) && fs::equivalent(from, to)) continue;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    CRITNET_CHECK_AS(Error, !ec, "cannot copy ", from.string(), " to ", to.string(), ": ",
                     ec.message());
  }
  ReportFiles files;
  for (const auto& fig : plan.figures) files.figures.push_back(render(fig, dir, options.png));
  files.html = run_dir / "report.html";
  files.summary_md = run_dir / "summary.md";
  files.summary_json = run_dir / "summary.json";
  io::write_file_atomic(files.html, detail::html_report(results, options.rule, options.atlas,
                                                        plan.figures, files.figures));
  io::write_file_atomic(files.summary_md, summary_markdown(results, options.rule, options.atlas));
  io::write_file_atomic(files.summary_json,
                        summary_json(results, options.rule, options.atlas).dump(2) + "\n");
  return files;
}

ReportFiles build_report(const fs::path& run_dir, const ReportOptions& options) {
  return build_report(load_results(run_dir), run_dir, options);
}

}  // namespace critnet::report
