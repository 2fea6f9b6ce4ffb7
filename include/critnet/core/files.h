#pragma once
/// Checks on input files made before they are opened.
#include <string>

namespace critnet {

/// Throws critnet::DataError naming `path` unless it is a regular file (or a link to one):
/// missing, a directory, a FIFO, a socket or a device is refused before any open() that could
/// block (opening a FIFO for reading waits for a writer) or read without end (/dev/zero).
/// `what` names the file's role in the message ("config file", "data file", ...).
void require_regular_file(const std::string& path, const std::string& what = "file");

}  // namespace critnet
