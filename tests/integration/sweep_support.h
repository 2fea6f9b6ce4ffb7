#pragma once
// Helpers of the sweep integration tests.
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/files.h"
#include "support/temp_dir.h"

namespace critnet::test_support {

inline std::string write(const TempDir& tmp, const std::string& name, const std::string& text) {
  const std::string path = tmp.file(name);
  std::ofstream(path) << text;
  return path;
}

// Rows of a collected table.json keyed by (cell, measure, layer); a key seen twice fails.
inline std::map<std::string, nlohmann::json> rows_by_key(const std::filesystem::path& table_json) {
  std::map<std::string, nlohmann::json> rows;
  for (const auto& r : nlohmann::json::parse(read_file(table_json))) {
    const std::string key = r["cell_id"].get<std::string>() + "/" +
                            r["measure"].get<std::string>() + "/" + r["layer"].get<std::string>();
    EXPECT_EQ(rows.count(key), 0u) << key << " twice";
    rows[key] = r;
  }
  return rows;
}

}  // namespace critnet::test_support
