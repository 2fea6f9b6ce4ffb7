#include "support/files.h"

#include <fstream>
#include <sstream>

namespace critnet::test_support {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace critnet::test_support
