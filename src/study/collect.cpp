// Collects a sweep's done cells into a tidy table (CSV, JSON) and its report (the report's
// pages and figures: study/detail/sweep_report.h).
#include "critnet/study/collect.h"

#include <fmt/core.h>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/study/run_dir.h"
#include "study/detail/sweep_report.h"

namespace critnet::study {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string csv_field(const json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  return v.dump();  // numbers: shortest round-trip form
}

}  // namespace

const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> c = {"cell_id",
                                             "preset",
                                             "beta",
                                             "beta_fraction",
                                             "lambda",
                                             "epochs",
                                             "seed",
                                             "test_accuracy",
                                             "measure",
                                             "layer",
                                             "n",
                                             "n_tail",
                                             "xmin",
                                             "alpha",
                                             "alpha_ci_low",
                                             "alpha_ci_high",
                                             "p",
                                             "tail_max",
                                             "tail_decades",
                                             "verdict",
                                             "scale_invariant",
                                             "median_distance_cw",
                                             "dead_units",
                                             "htsr_alpha",
                                             "htsr_verdict",
                                             "chi1",
                                             "hash"};
  return c;
}

std::vector<json> cell_rows(const json& cell) {
  std::vector<json> rows;
  for (const auto& r : cell.at("results")) {
    json row;
    row["cell_id"] = cell.at("id");
    for (const char* k : {"preset", "beta", "beta_fraction", "lambda", "epochs", "seed",
                          "test_accuracy", "median_distance_cw", "dead_units", "hash"})
      row[k] = cell.value(k, json(nullptr));
    for (const char* k : {"measure", "layer", "n", "n_tail", "xmin", "alpha", "alpha_ci_low",
                          "alpha_ci_high", "p", "tail_max", "tail_decades", "verdict"})
      row[k] = r.value(k, json(nullptr));
    row["scale_invariant"] = r.at("scale_invariant").get<bool>() ? 1 : 0;
    // The HTSR row of the layer's incoming weight (layers are numbers in cell.json's
    // "layers", strings in its "results"; "pooled" has none).
    row["htsr_alpha"] = row["htsr_verdict"] = row["chi1"] = nullptr;
    for (const auto& l : cell.value("layers", json::array()))
      if (l.contains("layer") && l["layer"].dump() == r.at("layer").get<std::string>()) {
        row["htsr_alpha"] = l.value("htsr_alpha", json(nullptr));
        row["htsr_verdict"] = l.value("htsr_verdict", json(nullptr));
        row["chi1"] = l.value("chi1", json(nullptr));
      }
    rows.push_back(row);
  }
  return rows;
}

CollectResult collect(const fs::path& sweep_dir) {
  // The tables and the report are written into the sweep directory under its lock (which
  // also clears critnet temporary files a killed collect left).
  const io::RunLock lock(sweep_dir, "critnet sweep collect", kDirectoryLockWait);
  const Grid grid = load_sweep_grid(sweep_dir);
  CollectResult out;
  std::vector<json> cells;
  for (const auto& c : grid.expand()) {
    const fs::path file = cell_dir(sweep_dir, c) / "cell.json";
    if (!cell_done(file, c)) {
      out.missing.push_back(c.id);
      continue;
    }
    cells.push_back(io::read_json_file(file, "cell.json"));
    out.done.push_back(c.id);
  }
  // Rows keep the CSV's column order (nlohmann::json would sort the keys).
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  std::string csv;
  for (const auto& col : table_columns()) csv += (csv.empty() ? "" : ",") + col;
  csv += "\n";
  for (const auto& c : cells) {
    try {
      for (const auto& row : cell_rows(c)) {
        std::string line;
        nlohmann::ordered_json ordered;
        for (std::size_t i = 0; i < table_columns().size(); ++i) {
          const json& v = row.at(table_columns()[i]);
          line += (i ? "," : "") + csv_field(v);
          ordered[table_columns()[i]] = nlohmann::ordered_json::parse(v.dump());
        }
        csv += line + "\n";
        table.push_back(std::move(ordered));
      }
    } catch (const json::exception& e) {
      throw DataError(fmt::format("{}: malformed cell.json: {}",
                                  (sweep_dir / "cells" / c.value("id", "?")).string(), e.what()));
    }
  }
  out.rows = table.size();
  out.csv = sweep_dir / "table.csv";
  out.json = sweep_dir / "table.json";
  out.html = sweep_dir / "report.html";
  io::write_file_atomic(out.csv, csv);
  io::write_file_atomic(out.json, table.dump(1) + "\n");
  // The report's figures need gnuplot, as the run report's do; the tables do not.
  CRITNET_CHECK_AS(Error, report::gnuplot_available(),
                   "the report's figures need gnuplot (set CRITNET_GNUPLOT or apt-get install "
                   "gnuplot-nox); the tables are written: ",
                   out.csv.string(), ", ", out.json.string());
  // Every figure is drawn anew: one of an earlier collect that this one does not draw (a preset
  // or epochs gone from the grid) must not stay beside the report.
  std::error_code ec;
  fs::remove_all(sweep_dir / "figures", ec);
  CRITNET_CHECK_AS(io::OutputError, !ec, "cannot clear ", (sweep_dir / "figures").string(), ": ",
                   ec.message());
  detail::SweepReport report = detail::sweep_report(sweep_dir, to_json(grid), cells, out.missing);
  io::write_file_atomic(out.html, report.html);
  out.figures = std::move(report.figures);
  return out;
}

}  // namespace critnet::study
