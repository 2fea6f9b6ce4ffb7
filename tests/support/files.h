#pragma once
// Small file helpers for tests.
#include <filesystem>
#include <string>

namespace critnet::test_support {

/// The whole file as bytes; "" when it cannot be opened.
std::string read_file(const std::filesystem::path& path);

}  // namespace critnet::test_support
