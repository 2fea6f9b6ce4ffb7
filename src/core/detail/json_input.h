#pragma once
// Reading JSON that a user or a damaged file supplies.
// - Integers without nlohmann's unchecked casts: get<int64_t>() of 1e300 is undefined behaviour
//   (a float-to-integer cast out of range) and get<int64_t>() of 2.5 silently gives 2.
// - Parsing with a nesting limit (io::parse_json): dump() and the conversions recurse, so
//   [[[[...]]]] nested a million deep would overflow the stack in an error message.
#include <cmath>
#include <cstdint>
#include <istream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

#include "critnet/core/error.h"
#include "critnet/core/io.h"

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

/// `j` as T (an integer type, a floating type or std::string), or critnet::InvalidArgument
/// naming `key`: "<key>: must be an integer, got 2.5", "<key>: must be >= 0, got -1" (unsigned
/// T), "<key>: 1099511627776 is out of range (at most 2147483647)", "<key>: must be a number,
/// got ...", "<key>: must be a string, got ...". Integers are range-checked before narrowing:
/// never wrapped, never truncated.
template <typename T>
T json_value(const nlohmann::json& j, const std::string& key) {
  auto fail = [&](const std::string& what) { throw InvalidArgument(key + ": " + what); };
  if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) fail("must be an integer, got " + j.dump());
    if constexpr (std::is_unsigned_v<T>)
      if (!j.is_number_unsigned() && j.get<int64_t>() < 0) fail("must be >= 0, got " + j.dump());
    const std::optional<T> v = json_integer<T>(j);
    if (!v)
      fail(j.dump() + " is out of range (at most " + std::to_string(std::numeric_limits<T>::max()) +
           ")");
    return *v;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) fail("must be a number, got " + j.dump());
    return j.get<T>();
  } else {
    if (!j.is_string()) fail("must be a string, got " + j.dump());
    return j.get<T>();
  }
}

/// Parses the JSON text of `in` through io::parse_json (depth-limited); throws
/// critnet::DataError naming `source`.
inline nlohmann::json parse_json(std::istream& in, const std::string& source) {
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return io::parse_json(text, source);
}

}  // namespace critnet::detail
