// `critnet report RUN_DIR`: rebuilds the figures, report.html, summary.md and summary.json of a
// run from RUN_DIR/results.json, without retraining or refitting.
#include "critnet/report/report.h"

#include <fmt/core.h>

#include <string>

#include "commands/command.h"
#include "commands/validate.h"
#include "commands/verdict_options.h"

namespace critnet::cli {
namespace {

struct ReportArgs {
  std::string run_dir;
  report::VerdictRule rule;
  bool no_png = false;
};

void run_report(const ReportArgs& args) {
  report::ReportOptions options;
  options.rule = args.rule;
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
  cmd->add_option("--gof-p", args->rule.gof_p_min,
                  "Bootstrap p-value below which a power law is rejected")
      ->capture_default_str()
      ->check(real(0, 1));
  cmd->add_option("--lr-p", args->rule.lr_p_max,
                  "Likelihood-ratio p below which an alternative with R < 0 is favoured")
      ->capture_default_str()
      ->check(real(0, 1));
  add_tail_width_options(cmd, args->rule);
  cmd->add_flag("--no-png", args->no_png, "Write SVG figures only");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace critnet::cli
