#pragma once
/// Reads one column of numbers from text or CSV (`critnet fit`'s input), as a pure function of
/// the bytes so that it can be tested and fuzzed without files.
///
/// The format: fields separated by `,` `;` or tab (or, on a line with none of these, by runs of
/// spaces); surrounding spaces and quotes of a field are dropped; blank lines and lines starting
/// with `#` are skipped. Lines end in LF, CRLF or a lone CR (old Mac files). A UTF-8 byte-order
/// mark at the start is skipped; UTF-16 text is refused. The first data line is a header when the
/// column is chosen by name, or when its selected field is not a number.
#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace critnet::analysis {

/// Which column to read: by header name (when `name` is not empty) or by 0-based index.
struct ColumnSpec {
  std::string name;       ///< header name; empty = use `index`
  std::size_t index = 0;  ///< 0-based column index when `name` is empty
};

/// The values of one column.
struct ColumnData {
  std::vector<double> values;  ///< every value, in file order; finite and > 0
  std::string column_name;     ///< the header's name of the column, or "column N" (1-based)
  bool header = false;         ///< whether the first data line was a header
};

/// Reads the column `column` from `in`. Every value must be a finite number > 0 (and an integer
/// when `integers` is set). Throws critnet::DataError naming `source` and the 1-based line
/// (`source:LINE: ...`) for a bad value or a missing field, and naming `source` when there is
/// no value at all.
ColumnData read_column(std::istream& in, const std::string& source, const ColumnSpec& column,
                       bool integers = false);

/// The same for the text `text` (fuzzing and tests).
ColumnData read_column_text(const std::string& text, const std::string& source,
                            const ColumnSpec& column, bool integers = false);

/// The same for the file `path`. Throws critnet::DataError naming the file when it is missing,
/// a directory or unreadable.
ColumnData read_column_file(const std::string& path, const ColumnSpec& column,
                            bool integers = false);

}  // namespace critnet::analysis
