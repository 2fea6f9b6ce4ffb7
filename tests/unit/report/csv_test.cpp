#include "critnet/report/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "critnet/core/error.h"
#include "file_checks.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace critnet::report {
namespace {

namespace fs = std::filesystem;
using critnet::test_support::read_file;
using critnet::test_support::TempDir;
using ::testing::HasSubstr;

TEST(Csv, WriterRoundTripsExactly) {
  TempDir tmp;
  const auto path = tmp.path() / "sub" / "a.csv";
  {
    CsvWriter w(path, {"rank", "value, with comma"});
    w.row({1, 0.1});
    w.row({2, std::nan("")});
    w.row({3, -INFINITY});
    EXPECT_EQ(w.rows(), 3u);
    w.close();
  }
  EXPECT_EQ(read_file(path.string()),
            "rank,\"value, with comma\"\n1,0.10000000000000001\n2,nan\n3,-inf\n");
  const CsvTable t = read_csv(path);
  ASSERT_EQ(t.header.size(), 2u);
  EXPECT_EQ(t.header[1], "value, with comma");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][1], 0.1);
  EXPECT_TRUE(std::isnan(t.rows[1][1]));
  EXPECT_EQ(t.rows[2][1], -INFINITY);
  EXPECT_EQ(t.column("rank"), 0u);
}

TEST(Csv, WriteColumns) {
  TempDir tmp;
  write_csv(tmp.path() / "c.csv", {"x", "y"}, {{1, 2}, {3, 4}});
  EXPECT_EQ(read_file((tmp.path() / "c.csv").string()), "x,y\n1,3\n2,4\n");
}

TEST(Csv, RowOfWrongLengthIsRejected) {
  TempDir tmp;
  CsvWriter w(tmp.path() / "a.csv", {"x", "y"});
  try {
    w.row({1});
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("row 1 of"));
    EXPECT_THAT(e.what(), HasSubstr("has 1 values, the header has 2"));
  }
}

TEST(Csv, ColumnsOfDifferentLengthsAreRejected) {
  TempDir tmp;
  try {
    write_csv(tmp.path() / "a.csv", {"x", "y"}, {{1, 2}, {3}});
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("column 'y'"));
    EXPECT_THAT(e.what(), HasSubstr("has 1 values, column 'x' has 2"));
  }
}

TEST(Csv, UnwritablePathIsAnError) {
  TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  try {
    CsvWriter w(tmp.path() / "file" / "a.csv", {"x"});
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((tmp.path() / "file").string() +
                                    ": cannot create the directory (Not a directory)"));
  }
  // The file is written whole by close(); a failure there is reported, not lost.
  fs::create_directories(tmp.path() / "dir.csv" / "in");
  CsvWriter w(tmp.path() / "dir.csv", {"x"});
  w.row({1.0});
  EXPECT_THROW(w.close(), Error);
}

TEST(Csv, MissingFileNamesTheFile) {
  TempDir tmp;
  try {
    read_csv(tmp.path() / "nope.csv");
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("nope.csv (no such file)"));
  }
}

TEST(Csv, MissingColumnListsTheColumns) {
  TempDir tmp;
  write_csv(tmp.path() / "a.csv", {"rank", "value"}, {{1}, {2}});
  const CsvTable t = read_csv(tmp.path() / "a.csv");
  try {
    t.column("count", "a.csv");
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "CSV file a.csv has no column 'count' (columns: rank, value)");
  }
}

TEST(Csv, RaggedRowsAndEmptyFilesAreRejected) {
  TempDir tmp;
  std::ofstream(tmp.path() / "r.csv") << "x,y\n1,2\n3\n";
  try {
    read_csv(tmp.path() / "r.csv");
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("line 3 has 1 cells, the header has 2"));
  }
  std::ofstream(tmp.path() / "e.csv") << "";
  try {
    read_csv(tmp.path() / "e.csv");
    FAIL() << "no throw";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no header line"));
  }
}

TEST(Csv, HeaderOnlyIsAnEmptyTable) {
  TempDir tmp;
  std::ofstream(tmp.path() / "h.csv") << "x,y\n";
  EXPECT_TRUE(read_csv(tmp.path() / "h.csv").rows.empty());
}

}  // namespace
}  // namespace critnet::report
