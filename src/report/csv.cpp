#include "critnet/report/csv.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "critnet/core/error.h"
#include "critnet/core/io.h"

namespace critnet::report {
namespace {

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.17g}", v);
}

// Splits one CSV line into fields, honouring RFC 4180 double quotes.
std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

double parse_cell(const std::string& cell) {
  const std::string t = trim(cell);
  if (t.empty()) return std::nan("");
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str() || *end != '\0') return std::nan("");
  return v;
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

CsvWriter::CsvWriter(const std::filesystem::path& path, std::vector<std::string> header)
    : path_(path), columns_(header.size()) {
  CRITNET_CHECK(!header.empty(), "CsvWriter: the header of ", path.string(), " is empty");
  if (path.has_parent_path()) io::create_directories(path.parent_path());
  for (std::size_t i = 0; i < header.size(); ++i) {
    buffer_ += (i ? "," : "") + csv_field(header[i]);
  }
  buffer_ += '\n';
}

CsvWriter::~CsvWriter() {
  try {
    close();
  } catch (...) {
  }
}

void CsvWriter::row(const std::vector<double>& values) {
  CRITNET_CHECK(values.size() == columns_, "CsvWriter: row ", rows_ + 1, " of ", path_.string(),
                " has ", values.size(), " values, the header has ", columns_);
  CRITNET_CHECK_AS(Error, open_, "CsvWriter: ", path_.string(), " is already closed");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) buffer_ += ',';
    buffer_ += format_number(values[i]);
  }
  buffer_ += '\n';
  ++rows_;
}

void CsvWriter::close() {
  if (!open_) return;
  open_ = false;
  io::write_file_atomic(path_, buffer_);
  buffer_.clear();
  buffer_.shrink_to_fit();
}

void write_csv(const std::filesystem::path& path, const std::vector<std::string>& header,
               const std::vector<std::vector<double>>& columns) {
  CRITNET_CHECK(columns.size() == header.size(), "write_csv: ", header.size(), " names but ",
                columns.size(), " columns for ", path.string());
  const std::size_t n = columns.empty() ? 0 : columns.front().size();
  for (std::size_t c = 0; c < columns.size(); ++c) {
    CRITNET_CHECK(columns[c].size() == n, "write_csv: column '", header[c], "' of ", path.string(),
                  " has ", columns[c].size(), " values, column '", header[0], "' has ", n);
  }
  CsvWriter w(path, header);
  std::vector<double> row(columns.size());
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < columns.size(); ++c) row[c] = columns[c][r];
    w.row(row);
  }
  w.close();
}

std::size_t CsvTable::column(const std::string& name, const std::string& source) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  std::string names;
  for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
  throw DataError(fmt::format("CSV file {} has no column '{}' (columns: {})",
                              source.empty() ? "?" : source, name, names));
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  CRITNET_CHECK_DATA(in.good(), "cannot read CSV file ", path.string(),
                     std::filesystem::exists(path) ? " (unreadable)" : " (no such file)");
  CsvTable table;
  std::string line;
  CRITNET_CHECK_DATA(static_cast<bool>(std::getline(in, line)) && !trim(line).empty(), "CSV file ",
                     path.string(), " has no header line");
  for (const auto& f : split_line(trim(line))) table.header.push_back(trim(f));
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    const auto fields = split_line(trim(line));
    CRITNET_CHECK_DATA(fields.size() == table.header.size(), "CSV file ", path.string(), " line ",
                       line_no, " has ", fields.size(), " cells, the header has ",
                       table.header.size());
    std::vector<double> row;
    row.reserve(fields.size());
    for (const auto& f : fields) row.push_back(parse_cell(f));
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace critnet::report
