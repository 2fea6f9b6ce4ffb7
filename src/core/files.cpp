// require_regular_file (critnet/core/files.h).
#include "critnet/core/files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "critnet/core/error.h"

namespace critnet {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

}  // namespace

void require_regular_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    CRITNET_CHECK_DATA(err != ENOENT, path, ": missing ", what, " (no such file)");
    throw DataError(path + ": cannot read the " + what + " (" + std::strerror(err) + ")");
  }
  CRITNET_CHECK_DATA(S_ISREG(st.st_mode), path, ": is ", kind_of(st.st_mode), ", expected a ", what,
                     " (a regular file)");
}

}  // namespace critnet
