// The text/CSV column reader of `critnet fit` (see column_reader.h for the format).
#include "critnet/analysis/column_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "critnet/core/error.h"

namespace critnet::analysis {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\"'");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\"'");
  return s.substr(b, e - b + 1);
}

// Splits a line on commas, semicolons, tabs or (when it has none of these) runs of spaces.
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  if (line.find_first_of(",;\t") != std::string::npos) {
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

// One line without its terminator; LF, CRLF and a lone CR all end a line (std::getline would
// read a CR-only file as a single line). False at the end of the input.
bool next_line(std::istream& in, std::string& line) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) return false;
  bool any = false;
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (c == '\r') {
      if (buf->sgetc() == '\n') buf->sbumpc();
      return true;
    }
    line += static_cast<char>(c);
  }
}

}  // namespace

ColumnData read_column(std::istream& in, const std::string& source, const ColumnSpec& column,
                       bool integers) {
  ColumnData out;
  const bool by_name = !column.name.empty();
  std::size_t index = column.index;
  if (!by_name) out.column_name = "column " + std::to_string(index + 1);

  std::string line;
  std::size_t line_no = 0;
  bool first = true;
  while (next_line(in, line)) {
    ++line_no;
    if (line_no == 1) {
      // A UTF-8 byte-order mark (Excel, Notepad) is not part of the first field.
      if (line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
      const bool utf16 = line.size() >= 2 && ((line[0] == '\xFF' && line[1] == '\xFE') ||
                                              (line[0] == '\xFE' && line[1] == '\xFF'));
      CRITNET_CHECK_DATA(!utf16, source,
                         ": is UTF-16 text (byte-order mark), expected ASCII or UTF-8; "
                         "convert it first, e.g. iconv -f UTF-16 -t UTF-8");
    }
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto fields = split_fields(line);
    if (first) {
      first = false;
      // Header: the line has a non-number where the data would be.
      bool header = false;
      if (by_name) {
        bool found = false;
        for (std::size_t i = 0; i < fields.size() && !found; ++i) {
          if (fields[i] == column.name) {
            index = i;
            found = true;
          }
        }
        CRITNET_CHECK_DATA(found, source, ":", line_no, ": no column named '", column.name,
                           "' in the header");
        out.column_name = column.name;
        header = true;
      } else {
        double v;
        header = index < fields.size() && !parse_number(fields[index], v);
        if (header) out.column_name = fields[index];
      }
      out.header = header;
      if (header) continue;
    }
    CRITNET_CHECK_DATA(index < fields.size(), source, ":", line_no, ": has ", fields.size(),
                       " field(s), no column ", index + 1);
    const std::string& f = fields[index];
    double v;
    CRITNET_CHECK_DATA(parse_number(f, v), source, ":", line_no, ": '", f, "' is not a number");
    CRITNET_CHECK_DATA(std::isfinite(v), source, ":", line_no, ": ", f,
                       " is not finite (a power law needs finite values)");
    CRITNET_CHECK_DATA(v > 0, source, ":", line_no, ": ", f,
                       " is not > 0 (a power law needs positive values)");
    CRITNET_CHECK_DATA(!integers || v == std::floor(v), source, ":", line_no, ": ", f,
                       " is not an integer (--discrete needs integers >= 1)");
    out.values.push_back(v);
  }
  CRITNET_CHECK_DATA(!in.bad(), source, ": read error");
  CRITNET_CHECK_DATA(!out.values.empty(), source, ": no data values found");
  return out;
}

ColumnData read_column_text(const std::string& text, const std::string& source,
                            const ColumnSpec& column, bool integers) {
  std::istringstream in(text);
  return read_column(in, source, column, integers);
}

ColumnData read_column_file(const std::string& path, const ColumnSpec& column, bool integers) {
  namespace fs = std::filesystem;
  std::error_code ec;
  CRITNET_CHECK_DATA(!fs::is_directory(path, ec), path,
                     ": is a directory, expected a text or CSV file");
  std::ifstream in(path, std::ios::binary);
  CRITNET_CHECK_DATA(in.good(), path, ": cannot open the file (", std::strerror(errno), ")");
  return read_column(in, path, column, integers);
}

}  // namespace critnet::analysis
