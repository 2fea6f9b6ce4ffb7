#pragma once
/// Wall-clock seconds of a stage, the one helper behind every "seconds" a document records.
#include <chrono>

namespace critnet {

using Clock = std::chrono::steady_clock;

/// Seconds from `start` to now (steady clock).
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace critnet
