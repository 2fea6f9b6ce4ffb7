// `critnet fit FILE`: the Clauset-Shalizi-Newman power-law analysis of a column of numbers
// (critnet::analysis::analyse), printed as a table or JSON.
#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/validate.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"

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
  std::size_t min_tail = 5;
  bool no_compare = false;
  double significance = 0.1;
  bool json = false;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\"'");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\"'");
  return s.substr(b, e - b + 1);
}

// Splits a line on commas, semicolons, tabs or runs of spaces.
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  const bool delimited = line.find_first_of(",;\t") != std::string::npos;
  if (delimited) {
    std::string cur;
    for (char c : line) {
      if (c == ',' || c == ';' || c == '\t') {
        out.push_back(trim(cur));
        cur.clear();
      } else {
        cur += c;
      }
    }
    out.push_back(trim(cur));
  } else {
    std::istringstream in(line);
    std::string f;
    while (in >> f) out.push_back(trim(f));
  }
  return out;
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Reads the selected column; throws DataError naming the file and line.
std::vector<double> read_column(const FitArgs& args, std::string& column_name) {
  std::ifstream file;
  std::istream* in = &std::cin;
  const std::string name = args.file == "-" ? "<stdin>" : args.file;
  if (args.file != "-") {
    file.open(args.file);
    CRITNET_CHECK_DATA(file.good(), name, ": cannot open the file");
    in = &file;
  }
  long index = -1;  // 0-based column index once known
  {
    double v;
    if (parse_number(args.column, v)) {  // a number is an index, never a header name
      CRITNET_CHECK(v >= 1 && v == std::floor(v), "--column ", args.column,
                    ": a column index is an integer >= 1 (or give a header name)");
      index = static_cast<long>(v) - 1;
      column_name = "column " + args.column;
    }
  }
  std::vector<double> values;
  std::string line;
  std::size_t line_no = 0;
  bool first = true;
  while (std::getline(*in, line)) {
    ++line_no;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto fields = split_fields(line);
    if (first) {
      first = false;
      // Header: the line has a non-number where the data would be.
      bool header = false;
      if (index < 0) {
        for (std::size_t i = 0; i < fields.size(); ++i)
          if (fields[i] == args.column) index = static_cast<long>(i);
        CRITNET_CHECK_DATA(index >= 0, name, ":", line_no, ": no column named '", args.column,
                           "' in the header");
        column_name = args.column;
        header = true;
      } else {
        double v;
        header = static_cast<std::size_t>(index) < fields.size() &&
                 !parse_number(fields[static_cast<std::size_t>(index)], v);
        if (header) column_name = fields[static_cast<std::size_t>(index)];
      }
      if (header) continue;
    }
    CRITNET_CHECK_DATA(static_cast<std::size_t>(index) < fields.size(), name, ":", line_no,
                       ": has ", fields.size(), " field(s), no column ", index + 1);
    const std::string& f = fields[static_cast<std::size_t>(index)];
    double v;
    CRITNET_CHECK_DATA(parse_number(f, v), name, ":", line_no, ": '", f, "' is not a number");
    CRITNET_CHECK_DATA(std::isfinite(v), name, ":", line_no, ": ", f,
                       " is not finite (a power law needs finite values)");
    CRITNET_CHECK_DATA(v > 0, name, ":", line_no, ": ", f,
                       " is not > 0 (a power law needs positive values)");
    CRITNET_CHECK_DATA(!args.discrete || v == std::floor(v), name, ":", line_no, ": ", f,
                       " is not an integer (--discrete needs integers >= 1)");
    values.push_back(v);
  }
  CRITNET_CHECK_DATA(!values.empty(), name, ": no data values found");
  return values;
}

std::string fmt_num(double v) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:.6g}", v);
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
  o.min_tail = args.min_tail;
  o.compare = !args.no_compare;
  o.significance = args.significance;
  // Each value's range was checked by its validator (setup_fit); this one needs two options.
  CRITNET_CHECK(!args.discrete || std::isnan(args.xmin) || args.xmin == std::floor(args.xmin),
                "--xmin must be an integer with --discrete, got ", args.xmin);

  std::string column_name;
  std::vector<double> data = read_column(args, column_name);
  const std::string name = args.file == "-" ? "<stdin>" : args.file;
  {
    const auto [lo, hi] = std::minmax_element(data.begin(), data.end());
    CRITNET_CHECK_DATA(*lo != *hi, name, ": all ", data.size(), " values equal ", *lo,
                       "; there is nothing to fit");
  }
  analysis::FitResult r;
  try {
    r = analysis::analyse(data, o);
  } catch (const InvalidArgument& e) {
    // Without a fixed x_min, a fit that cannot start is the data's fault (too few points).
    if (std::isnan(args.xmin)) throw DataError(name + ": " + e.what());
    throw;
  }
  if (args.json) {
    nlohmann::json j = analysis::to_json(r);
    j["file"] = name;
    j["column"] = column_name;
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{} ({}): {} power law, n = {}\n", name, column_name,
             r.discrete ? "discrete" : "continuous", r.n);
  fmt::print(
      "  x_min        {}{}\n", fmt_num(r.xmin),
      r.xmin_fixed ? "   (fixed)" : fmt::format("   (min KS over {} candidates)", r.candidates));
  fmt::print("  alpha        {:.4f} ± {:.4f}\n", r.alpha, r.alpha_se);
  fmt::print("  n_tail       {}\n", r.n_tail);
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
  cmd->add_option("--min-tail", args->min_tail, "Smallest tail a candidate x_min may leave (>= 5)")
      ->check(integer(5));
  cmd->add_flag("--no-compare", args->no_compare, "Skip the likelihood-ratio tests");
  cmd->add_option("--significance", args->significance,
                  "p below this names a favoured model in comparisons, in (0, 1) (default 0.1)")
      ->check(real(0, 1, Ends::kOpen));
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->callback([args] { run_fit(*args); });
}

}  // namespace critnet::cli
