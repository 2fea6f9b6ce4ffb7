#pragma once
/// Small CSV helpers for the data behind figures: a row writer, a column writer and a reader
/// of numeric tables with a header line. Comma separated, '.' decimal point, no quoting of
/// numbers; header names are quoted only when they contain a comma or a quote (RFC 4180).
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace critnet::report {

/// Writes a CSV file row by row: `CsvWriter w(path, {"rank", "count"}); w.row({1, 420});`.
/// Values are written with 17 significant digits (round-trip exact); NaN as "nan",
/// infinities as "inf" / "-inf". Rows are kept in memory and the file is written atomically
/// by close() (io::write_file_atomic): it is whole or absent, never cut mid-line. Throws
/// io::OutputError when the file cannot be written and critnet::InvalidArgument when a
/// row's length differs from the header's.
class CsvWriter {
 public:
  CsvWriter(const std::filesystem::path& path, std::vector<std::string> header);
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  /// Appends one row; `values.size()` must equal the header's size.
  void row(const std::vector<double>& values);
  /// Flushes and closes; throws critnet::Error when the write failed. Called by the destructor
  /// (which swallows errors), so call it explicitly to see them.
  void close();
  /// Rows written so far.
  std::size_t rows() const { return rows_; }

 private:
  std::filesystem::path path_;
  std::size_t columns_;
  std::size_t rows_ = 0;
  std::string buffer_;
  bool open_ = true;
};

/// Writes equally long columns as a CSV file: `write_csv(p, {"x", "y"}, {xs, ys})`.
void write_csv(const std::filesystem::path& path, const std::vector<std::string>& header,
               const std::vector<std::vector<double>>& columns);

/// A numeric CSV table: the header's names and the rows (cells that do not parse as numbers,
/// e.g. empty ones, read as NaN).
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;

  /// Index of the column named `name`; throws critnet::DataError naming the file's columns
  /// when there is none. `source` names the file in the message.
  std::size_t column(const std::string& name, const std::string& source = "") const;
};

/// Reads a CSV file with a header line. Throws critnet::DataError when the file is missing or
/// unreadable, has no header, or a row has a different number of cells than the header.
CsvTable read_csv(const std::filesystem::path& path);

/// Quotes one CSV field per RFC 4180 when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace critnet::report
