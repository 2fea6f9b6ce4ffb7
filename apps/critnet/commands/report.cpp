// `critnet report RUN_DIR`: rebuilds the figures, report.html, summary.md and summary.json of a
// run from RUN_DIR/results.json, without retraining or refitting.
#include "critnet/report/report.h"

#include <fmt/core.h>

#include <string>

#include "commands/command.h"
#include "commands/validate.h"

namespace critnet::cli {
namespace {

struct ReportArgs {
  std::string run_dir;
  double gof_p_min = 0.1;
  double lr_p_max = 0.1;
  bool no_png = false;
};

void run_report(const ReportArgs& args) {
  report::ReportOptions options;
  options.rule.gof_p_min = args.gof_p_min;
  options.rule.lr_p_max = args.lr_p_max;
  options.png = !args.no_png;
  const report::ReportFiles files = report::build_report(args.run_dir, options);
  fmt::print(stderr, "critnet report: {} figure(s) in {}/figures\n", files.figures.size(),
             args.run_dir);
  fmt::print("{}\n{}\n{}\n", files.html.string(), files.summary_md.string(),
             files.summary_json.string());
}

}  // namespace

void setup_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "Rebuild figures, report.html, summary.md and summary.json from RUN_DIR/results.json");
  cmd->add_option("run_dir", args->run_dir, "Run directory holding results.json")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--gof-p", args->gof_p_min,
                  "Bootstrap p-value below which a power law is rejected")
      ->capture_default_str()
      ->check(real(0, 1));
  cmd->add_option("--lr-p", args->lr_p_max,
                  "Likelihood-ratio p below which an alternative with R < 0 is favoured")
      ->capture_default_str()
      ->check(real(0, 1));
  cmd->add_flag("--no-png", args->no_png, "Write SVG figures only");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace critnet::cli
