// `critnet fit`'s column reader: line endings (LF, CRLF, lone CR), the UTF-8 byte-order mark,
// headers, and the text of every error.
#include "critnet/analysis/column_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "critnet/core/error.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace ca = critnet::analysis;

namespace {

ca::ColumnSpec index(std::size_t i) {
  ca::ColumnSpec s;
  s.index = i;
  return s;
}

ca::ColumnSpec name(const std::string& n) {
  ca::ColumnSpec s;
  s.name = n;
  return s;
}

using critnet::test_support::error_of;

// 1..n, one per line, with `eol` after each.
std::string numbers(int n, const std::string& eol) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += std::to_string(i) + eol;
  return s;
}

}  // namespace

TEST(ColumnReader, LineEndingsLfCrlfAndLoneCr) {
  for (const std::string eol : {"\n", "\r\n", "\r"}) {
    const auto c = ca::read_column_text(numbers(500, eol), "f", index(0));
    ASSERT_EQ(c.values.size(), 500u);
    EXPECT_FALSE(c.header);
    EXPECT_DOUBLE_EQ(c.values.front(), 1.0);
    EXPECT_DOUBLE_EQ(c.values.back(), 500.0);
  }
  // Mixed endings; no terminator on the last line.
  const auto c = ca::read_column_text("1\r2\r\n3\n4", "f", index(0));
  EXPECT_EQ(c.values.size(), 4u);
}

TEST(ColumnReader, ErrorLinesCountLoneCr) {
  EXPECT_EQ(error_of([] { ca::read_column_text("1\r2\rabc\r4\r", "f.txt", index(0)); }),
            "f.txt:3: 'abc' is not a number");
  EXPECT_EQ(error_of([] { ca::read_column_text("1\r\n\r\n-4\r\n", "f.txt", index(0)); }),
            "f.txt:3: -4 is not > 0 (a power law needs positive values)");
}

TEST(ColumnReader, Utf8BomIsNotAHeader) {
  // 500 values after a BOM: the first value is data (it used to be taken as a header: n 499).
  const auto c = ca::read_column_text("\xEF\xBB\xBF" + numbers(500, "\r\n"), "f", index(0));
  EXPECT_EQ(c.values.size(), 500u);
  EXPECT_FALSE(c.header);
  EXPECT_EQ(c.column_name, "column 1");
  // A BOM before a header: the name matches without it.
  const auto h = ca::read_column_text("\xEF\xBB\xBFsize,count\n2,3\n4,5\n", "f", name("size"));
  EXPECT_TRUE(h.header);
  EXPECT_EQ(h.column_name, "size");
  EXPECT_EQ(h.values.size(), 2u);
}

TEST(ColumnReader, Utf16IsRefused) {
  EXPECT_EQ(error_of([] {
              ca::read_column_text(
                  "\xFF\xFE"
                  "1\n",
                  "w.txt", index(0));
            }),
            "w.txt: is UTF-16 text (byte-order mark), expected ASCII or UTF-8; convert it "
            "first, e.g. iconv -f UTF-16 -t UTF-8");
}

TEST(ColumnReader, HeadersAndSeparators) {
  const auto by_index = ca::read_column_text("a;b\n1;2.5\n3;4\n", "f", index(1));
  EXPECT_TRUE(by_index.header);
  EXPECT_EQ(by_index.column_name, "b");
  ASSERT_EQ(by_index.values.size(), 2u);
  EXPECT_DOUBLE_EQ(by_index.values[0], 2.5);
  const auto spaces = ca::read_column_text("# c\n\n 1   7\n2 8\n", "f", index(1));
  EXPECT_FALSE(spaces.header);
  EXPECT_EQ(spaces.column_name, "column 2");
  ASSERT_EQ(spaces.values.size(), 2u);
  EXPECT_DOUBLE_EQ(spaces.values[1], 8.0);
  EXPECT_EQ(error_of([] { ca::read_column_text("x,y\n1,2\n", "f.csv", name("z")); }),
            "f.csv:1: no column named 'z' in the header");
  EXPECT_EQ(error_of([] { ca::read_column_text("1 2\n3\n", "f", index(1)); }),
            "f:2: has 1 field(s), no column 2");
  EXPECT_EQ(error_of([] { ca::read_column_text("1\n2.5\n", "f", index(0), true); }),
            "f:2: 2.5 is not an integer (--discrete needs integers >= 1)");
  EXPECT_EQ(error_of([] { ca::read_column_text("1\ninf\n", "f", index(0)); }),
            "f:2: inf is not finite (a power law needs finite values)");
  EXPECT_EQ(error_of([] { ca::read_column_text("# only\n\r\n", "f", index(0)); }),
            "f: no data values found");
}

TEST(ColumnReader, Files) {
  critnet::test_support::TempDir tmp("column_reader");
  std::ofstream(tmp.file("cr.txt"), std::ios::binary) << "v\r1\r2\r3\r";
  const auto c = ca::read_column_file(tmp.file("cr.txt"), index(0));
  EXPECT_TRUE(c.header);
  EXPECT_EQ(c.values.size(), 3u);
  EXPECT_EQ(error_of([&] { ca::read_column_file(tmp.path().string(), index(0)); }),
            tmp.path().string() + ": is a directory, expected a text or CSV file");
  EXPECT_EQ(error_of([&] { ca::read_column_file(tmp.file("none.txt"), index(0)); }),
            tmp.file("none.txt") + ": cannot open the file (No such file or directory)");
}
