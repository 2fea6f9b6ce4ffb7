// `critnet fit FILE`: the Clauset-Shalizi-Newman power-law analysis of a column of numbers
// (critnet::analysis::analyse), printed as a table or JSON.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "commands/command.h"
#include "commands/validate.h"
#include "commands/verdict_options.h"
#include "console.h"
#include "critnet/analysis/column_reader.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"
#include "critnet/report/fit_report.h"

namespace critnet::cli {
namespace {

struct FitArgs {
  std::string file;
  std::string column = "1";
  bool discrete = false;
  double xmin = std::numeric_limits<double>::quiet_NaN();
  double xmax = std::numeric_limits<double>::infinity();
  int bootstrap = 0;
  std::uint64_t seed = 42;
  int threads = 0;
  std::size_t max_candidates = 0;
  std::size_t scan_min_tail = 5;
  report::VerdictRule rule;
  bool no_compare = false;
  double significance = 0.1;
  ConsoleFlags console;
};

// --column: a number is a 1-based index, never a header name; anything else is a name.
analysis::ColumnSpec column_spec(const std::string& text) {
  analysis::ColumnSpec spec;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    spec.name = text;
    return spec;
  }
  // The upper bound keeps the cast below defined (no file has 2^31 columns).
  CRITNET_CHECK(v >= 1 && v <= 2147483647.0 && v == std::floor(v), "--column ", text,
                ": a column index is an integer >= 1 (or give a header name)");
  spec.index = static_cast<std::size_t>(v) - 1;
  return spec;
}

std::string fmt_num(double v) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:.6g}", v);
}

void print_table(const analysis::FitResult& r, const std::string& name,
                 const std::string& column_name, const report::FitVerdict& verdict) {
  fmt::print("{} ({}): {} power law, n = {}\n", name, column_name,
             r.discrete ? "discrete" : "continuous", r.n);
  fmt::print(
      "  x_min        {}{}\n", fmt_num(r.xmin),
      r.xmin_fixed ? "   (fixed)" : fmt::format("   (min KS over {} candidates)", r.candidates));
  fmt::print("  alpha        {:.4f} ± {:.4f}{}\n", r.alpha, r.alpha_se,
             std::isnan(r.alpha_ci_low)
                 ? ""
                 : fmt::format("   ({:g}% bootstrap CI {:.4f} .. {:.4f})",
                               100 * analysis::kAlphaCiLevel, r.alpha_ci_low, r.alpha_ci_high));
  fmt::print("  n_tail       {}\n", r.n_tail);
  fmt::print("  tail         {} .. {}   ({:.2f} decades)\n", fmt_num(r.xmin), fmt_num(r.tail_max),
             r.tail_decades);
  fmt::print("  KS D         {:.6f}\n", r.ks);
  if (r.bootstrap > 0)
    fmt::print("  bootstrap p  {:.4f}   ({} replicates, seed {}{})\n", r.p, r.bootstrap, r.seed,
               r.bootstrap_failed ? fmt::format(", {} failed", r.bootstrap_failed) : "");
  else
    fmt::print("  bootstrap p  -        (not run; --bootstrap N)\n");
  fmt::print("  KS           {}\n", r.ks_convention);
  if (!r.comparisons.empty()) {
    fmt::print("\n  {:<22} {:>12} {:>10}  {:<22} {}\n", "alternative", "R", "p", "favoured",
               "parameters");
    for (const auto& c : r.comparisons) {
      std::string params;
      for (const auto& [k, v] : c.parameters) params += fmt::format("{}={} ", k, fmt_num(v));
      fmt::print("  {:<22} {:>12.4f} {:>10.4g}  {:<22} {}\n", c.alternative, c.log_likelihood_ratio,
                 c.p, c.favoured, params);
    }
    fmt::print("  R > 0 favours the power law; p: Vuong (population sd), nested: chi2/2 rule\n");
  }
  if (r.bootstrap == 0)
    fmt::print("\n  verdict      not judged (rule 2 needs the bootstrap p: --bootstrap 200)\n");
  else
    fmt::print("\n  verdict      {} ({})\n", to_string(verdict.plausibility), verdict.reason);
}

void run_fit(const FitArgs& args) {
  analysis::FitOptions o;
  o.discrete = args.discrete;
  o.xmin = args.xmin;
  o.xmax = args.xmax;
  o.bootstrap = args.bootstrap;
  o.seed = args.seed;
  o.threads = args.threads;
  o.max_candidates = args.max_candidates;
  o.min_tail = args.scan_min_tail;
  o.compare = !args.no_compare;
  o.significance = args.significance;
  // Each value's range was checked by its validator (setup_fit); this one needs two options.
  CRITNET_CHECK(!args.discrete || std::isnan(args.xmin) || args.xmin == std::floor(args.xmin),
                "--xmin must be an integer with --discrete, got ", args.xmin);

  const analysis::ColumnSpec column = column_spec(args.column);
  const std::string name = args.file == "-" ? "<stdin>" : args.file;
  analysis::ColumnData read = args.file == "-"
                                  ? analysis::read_column(std::cin, name, column, args.discrete)
                                  : analysis::read_column_file(args.file, column, args.discrete);
  const std::string column_name = read.column_name;
  std::vector<double> data = std::move(read.values);
  {
    const auto [lo, hi] = std::minmax_element(data.begin(), data.end());
    CRITNET_CHECK_DATA(*lo != *hi, name, ": all ", data.size(), " values equal ", *lo,
                       "; there is nothing to fit");
  }
  Console console(args.console);
  o.on_replicate = [&](int64_t done, int64_t total) {
    console.progress("bootstrap", done, total, "replicates");
  };
  report::FitReport rep;
  try {
    rep = report::fit_report(std::move(data), o, args.rule);
    console.clear();
  } catch (const InvalidArgument& e) {
    // Without a fixed x_min, a fit that cannot start is the data's fault (too few points).
    if (std::isnan(args.xmin)) throw DataError(name + ": " + e.what());
    throw;
  }
  if (console.json()) {
    nlohmann::json j = rep.to_json();
    j["file"] = name;
    j["column"] = column_name;
    fmt::print("{}\n", j.dump(2));
    return;
  }
  print_table(rep.fit, name, column_name, rep.verdict);
}

}  // namespace

void setup_fit(CLI::App& app) {
  auto args = std::make_shared<FitArgs>();
  auto* cmd = app.add_subcommand(
      "fit",
      "Fit a power law to a column of numbers (Clauset-Shalizi-Newman: MLE, x_min by KS, "
      "bootstrap p, likelihood-ratio tests)");
  cmd->add_option("file", args->file, "Text/CSV file with the numbers ('-' for stdin)")->required();
  cmd->add_option("--column", args->column, "Column: 1-based index or header name (default 1)");
  cmd->add_flag("--discrete", args->discrete, "Discrete power law (integer data >= 1)");
  cmd->add_option("--xmin", args->xmin,
                  "Fixed x_min > 0 (default: scan for the minimum KS distance)")
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--xmax", args->xmax, "Largest x_min candidate, > 0 (default: no cap)")
      ->check(real(0, kInf, Ends::kOpenLow));
  cmd->add_option("--bootstrap", args->bootstrap,
                  "Bootstrap replicates for the p-value (0 = none; at most 1000000)")
      ->check(integer(0, kMaxBootstrap));
  cmd->add_option("--seed", args->seed, "Bootstrap seed (default 42)")->check(seed_value());
  cmd->add_option("--threads", args->threads, "Bootstrap threads (0 = all cores)")
      ->check(threads_value());
  cmd->add_option("--max-candidates", args->max_candidates,
                  "At most this many x_min candidates (0 = every unique value)")
      ->check(integer(0));
  cmd->add_option("--scan-min-tail", args->scan_min_tail,
                  "Smallest tail a candidate x_min may leave (>= 5; default 5)")
      ->check(integer(5));
  add_tail_width_options(cmd, args->rule);
  cmd->add_flag("--no-compare", args->no_compare, "Skip the likelihood-ratio tests");
  cmd->add_option("--significance", args->significance,
                  "p below this names a favoured model in comparisons, in (0, 1) (default 0.1)")
      ->check(real(0, 1, Ends::kOpen));
  add_console_flags(cmd, args->console, "Print JSON instead of a table");
  cmd->callback([args] { run_fit(*args); });
}

}  // namespace critnet::cli
