// A sweep's directory: grid.json, the cells and their states.
#include "critnet/study/run_dir.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "critnet/core/error.h"
#include "critnet/core/io.h"

namespace critnet::study {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string to_string(CellState state) {
  switch (state) {
    case CellState::kDone:
      return "done";
    case CellState::kRunning:
      return "running";
    case CellState::kFailed:
      return "failed";
    case CellState::kMissing:
      return "missing";
  }
  return "unknown";
}

fs::path cell_dir(const fs::path& sweep_dir, const Cell& cell) {
  return sweep_dir / "cells" / cell.id;
}

bool lock_held(const fs::path& dir) {
  const fs::path file = dir / io::RunLock::kFileName;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // never locked
  // A shared lock conflicts with the holder's exclusive one; it is dropped again at once.
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

bool cell_done(const fs::path& cell_json, const Cell& cell) {
  std::error_code ec;
  if (!fs::is_regular_file(cell_json, ec)) return false;
  try {
    const json j = io::read_json_file(cell_json, "cell.json");
    return j.value("schema", "") == kCellSchema && j.value("hash", "") == cell.hash;
  } catch (const Error&) {
    return false;
  }
}

CellState cell_state(const fs::path& sweep_dir, const Cell& cell) {
  const fs::path dir = cell_dir(sweep_dir, cell);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return CellState::kMissing;
  if (cell_done(dir / "cell.json", cell)) return CellState::kDone;
  if (lock_held(dir)) return CellState::kRunning;
  return CellState::kFailed;
}

namespace {
// DIR/cells.json: the expanded grid, cell by cell (index, id, hash, settings), for scripts.
void write_cell_list(const fs::path& sweep_dir, const Grid& grid) {
  json cells = json::array();
  for (const auto& c : grid.expand())
    cells.push_back({{"index", c.index}, {"id", c.id}, {"hash", c.hash}, {"settings", c.settings}});
  const std::string text = cells.dump(1) + "\n";
  const fs::path file = sweep_dir / "cells.json";
  try {
    if (io::read_text_file(file) == text) return;
  } catch (const Error&) {
  }
  io::write_file_atomic(file, text);
}
}  // namespace

void init_sweep_dir(const fs::path& sweep_dir, const Grid& grid, OtherGrid other) {
  // The check and the write under the directory's lock: two sweeps of other grids started at
  // once on a new directory must not both find it empty. Shards of one sweep pass in turn.
  const io::RunLock lock(sweep_dir, "critnet sweep run (grid check)", kDirectoryLockWait);
  const json doc = to_json(grid);
  const fs::path file = sweep_dir / "grid.json";
  std::error_code ec;
  if (fs::exists(file, ec)) {
    const json saved = io::read_json_file(file, "grid file");
    if (saved == doc) return write_cell_list(sweep_dir, grid);
    if (other == OtherGrid::kReplace) {
      io::write_file_atomic(file, doc.dump(2) + "\n");
      return write_cell_list(sweep_dir, grid);
    }
    std::string diff;
    for (auto it = doc.begin(); it != doc.end(); ++it)
      if (!saved.contains(it.key()) || saved[it.key()] != it.value())
        diff += fmt::format(" {} ({} there, {} now);", it.key(),
                            saved.contains(it.key()) ? saved[it.key()].dump() : "unset",
                            it.value().dump());
    for (auto it = saved.begin(); it != saved.end(); ++it)
      if (!doc.contains(it.key()))
        diff += fmt::format(" {} ({} there, unset now);", it.key(), it.value().dump());
    throw InvalidArgument(
        fmt::format("{} holds a sweep of another grid:{} continue it with the "
                    "same grid or choose another --out",
                    sweep_dir.string(), diff));
  }
  io::create_directories(sweep_dir / "cells");
  io::write_file_atomic(file, doc.dump(2) + "\n");
  write_cell_list(sweep_dir, grid);
}

Grid load_sweep_grid(const fs::path& sweep_dir) {
  const fs::path file = sweep_dir / "grid.json";
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw DataError(
        fmt::format("{}: not a sweep directory (no grid.json; `critnet sweep run` "
                    "writes it)",
                    sweep_dir.string()));
  return load_grid(file);
}

int SweepStatus::count(CellState s) const {
  return static_cast<int>(std::count(states.begin(), states.end(), s));
}

SweepStatus sweep_status(const fs::path& sweep_dir) {
  SweepStatus st;
  st.cells = load_sweep_grid(sweep_dir).expand();
  for (const auto& c : st.cells) st.states.push_back(cell_state(sweep_dir, c));
  return st;
}

}  // namespace critnet::study
