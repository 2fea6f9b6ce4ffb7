// libFuzzer target: `critnet fit`'s text/CSV column reader (analysis::read_column_text).
// Input: one selector byte, then the file's text. Selector bit 0: integers only (--discrete);
// bits 1-2: the column: 0-2 = index 1-3, 3 = the header name "size".
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "critnet/analysis/column_reader.h"
#include "critnet/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool integers = data[0] & 1;
  const int which = (data[0] >> 1) & 3;
  critnet::analysis::ColumnSpec column;
  if (which == 3)
    column.name = "size";
  else
    column.index = static_cast<std::size_t>(which);
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto col = critnet::analysis::read_column_text(text, "fuzz.csv", column, integers);
    // The contract: at least one value, every value finite and > 0 (an integer if asked).
    if (col.values.empty()) __builtin_trap();
    for (const double v : col.values) {
      if (!std::isfinite(v) || !(v > 0)) __builtin_trap();
      if (integers && v != std::floor(v)) __builtin_trap();
    }
  } catch (const critnet::Error&) {
  }
  return 0;
}
