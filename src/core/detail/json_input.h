#pragma once
// Reading JSON that a user or a damaged file supplies.
// - Integers without nlohmann's unchecked casts: get<int64_t>() of 1e300 is undefined behaviour
//   (a float-to-integer cast out of range) and get<int64_t>() of 2.5 silently gives 2.
// - Parsing with a nesting limit: dump() and the conversions recurse, so [[[[...]]]] nested a
//   million deep would overflow the stack in an error message.
#include <cmath>
#include <cstdint>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

#include "critnet/core/error.h"

namespace critnet::detail {

/// `j` as the integer type T when it holds an integer that T represents exactly (an integral
/// float such as 3.0 included); nullopt for any other value or type.
template <typename T>
std::optional<T> json_integer(const nlohmann::json& j) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  using Limits = std::numeric_limits<T>;
  if (j.is_number_unsigned()) {
    const auto u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(Limits::max())) return std::nullopt;
    return static_cast<T>(u);
  }
  if (j.is_number_integer()) {
    const auto i = j.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (i < 0 || static_cast<uint64_t>(i) > static_cast<uint64_t>(Limits::max()))
        return std::nullopt;
    } else {
      if (i < static_cast<int64_t>(Limits::min()) || i > static_cast<int64_t>(Limits::max()))
        return std::nullopt;
    }
    return static_cast<T>(i);
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    // 2^digits is exactly representable; the largest T is 2^digits - 1.
    const double upper = std::ldexp(1.0, Limits::digits);
    const double lower = static_cast<double>(Limits::min());
    if (!std::isfinite(d) || d != std::floor(d) || d < lower || d >= upper) return std::nullopt;
    return static_cast<T>(d);
  }
  return std::nullopt;
}

/// Deepest nesting parse_json accepts (critnet's configs and checkpoints nest 4 levels).
constexpr int kMaxJsonDepth = 64;

/// Parses the JSON text of `in`; throws critnet::DataError naming `source` for text that is not
/// JSON or nests deeper than kMaxJsonDepth.
inline nlohmann::json parse_json(std::istream& in, const std::string& source) {
  bool too_deep = false;
  const nlohmann::json::parser_callback_t limit =
      [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth) too_deep = true;
        return !too_deep;  // false: drop the value (and stop building the deep part)
      };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in, limit);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(source + ": not valid JSON (" + e.what() + ")");
  }
  CRITNET_CHECK_DATA(!too_deep, source, ": JSON nested deeper than ", kMaxJsonDepth, " levels");
  return j;
}

}  // namespace critnet::detail
