// Option-value validators (validate.h).
#include "commands/validate.h"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "critnet/core/error.h"

namespace critnet::cli {
namespace {

bool all_digits(const std::string& s, size_t from) {
  return s.size() > from && std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(),
                                        [](char c) { return c >= '0' && c <= '9'; });
}

std::string got(const std::string& text) {
  return fmt::format(", got '{}'", text);
}

std::string num(double v) {
  return fmt::format("{:g}", v);
}

std::string integer_range(int64_t min, int64_t max) {
  if (max == kInt64Max) return fmt::format("an integer >= {}", min);
  return fmt::format("an integer in [{}, {}]", min, max);
}

bool in_range(double v, double lo, double hi, Ends ends) {
  const bool open_lo = ends == Ends::kOpen || ends == Ends::kOpenLow;
  const bool open_hi = ends == Ends::kOpen || ends == Ends::kOpenHigh;
  return (open_lo ? v > lo : v >= lo) && (open_hi ? v < hi : v <= hi);
}

std::string real_range(double lo, double hi, Ends ends) {
  const bool open_lo = ends == Ends::kOpen || ends == Ends::kOpenLow;
  const bool open_hi = ends == Ends::kOpen || ends == Ends::kOpenHigh;
  if (std::isinf(lo) && std::isinf(hi)) return "a finite number";
  if (std::isinf(hi)) return fmt::format("a finite number {} {}", open_lo ? ">" : ">=", num(lo));
  if (std::isinf(lo)) return fmt::format("a finite number {} {}", open_hi ? "<" : "<=", num(hi));
  return fmt::format("a number in {}{}, {}{}", open_lo ? "(" : "[", num(lo), num(hi),
                     open_hi ? ")" : "]");
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(item);
  if (text.empty() || text.back() == ',') items.push_back("");
  return items;
}

}  // namespace

bool parse_int64(const std::string& text, int64_t& value) {
  const size_t from = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (!all_digits(text, from)) return false;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  value = static_cast<int64_t>(v);
  return true;
}

bool parse_uint64(const std::string& text, uint64_t& value) {
  const size_t from = !text.empty() && text[0] == '+' ? 1 : 0;
  if (!all_digits(text, from)) return false;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  value = static_cast<uint64_t>(v);
  return true;
}

bool parse_finite(const std::string& text, double& value) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

CLI::Validator integer(int64_t min, int64_t max) {
  const std::string want = integer_range(min, max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        int64_t v = 0;
        if (parse_int64(text, v) && v >= min && v <= max) return {};
        return "must be " + want + got(text);
      },
      want);
}

CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t v = 0;
        if (parse_uint64(text, v)) return {};
        return "must be an integer in [0, 18446744073709551615]" + got(text);
      },
      "SEED");
}

CLI::Validator threads_value() {
  return integer(0, kMaxThreads);
}

CLI::Validator real(double lo, double hi, Ends ends) {
  const std::string want = real_range(lo, hi, ends);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (parse_finite(text, v) && in_range(v, lo, hi, ends)) return {};
        return "must be " + want + got(text);
      },
      want);
}

CLI::Validator nonzero_real() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        if (parse_finite(text, v) && v != 0.0) return {};
        return "must be a finite number other than 0" + got(text);
      },
      "NONZERO");
}

CLI::Validator integer_list(int64_t min, int64_t max, bool unique, bool none_ok) {
  const std::string want = "a comma-separated list of " + integer_range(min, max) +
                           (unique ? ", each at most once" : "") + (none_ok ? " (or none)" : "");
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        if (none_ok && text == "none") return {};
        std::vector<int64_t> seen;
        for (const std::string& item : split(text)) {
          int64_t v = 0;
          if (!parse_int64(item, v) || v < min || v > max)
            return fmt::format("item '{}' must be {}{}", item, integer_range(min, max), got(text));
          if (unique && std::find(seen.begin(), seen.end(), v) != seen.end())
            return fmt::format("{} appears twice{}", v, got(text));
          seen.push_back(v);
        }
        return {};
      },
      want);
}

CLI::Validator real_list(bool none_ok, bool positive) {
  const std::string want = positive ? "a finite number > 0" : "a finite number";
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        if (none_ok && text == "none") return {};
        for (const std::string& item : split(text)) {
          double v = 0;
          if (!parse_finite(item, v) || (positive && !(v > 0)))
            return fmt::format("item '{}' must be {}{}", item, want, got(text));
        }
        return {};
      },
      "a comma-separated list of " + want + "s");
}

void check_unique(const std::vector<int64_t>& values, const std::string& option) {
  for (size_t i = 0; i < values.size(); ++i)
    for (size_t k = 0; k < i; ++k)
      CRITNET_CHECK(values[i] != values[k], option, ": ", values[i], " appears twice");
}

}  // namespace critnet::cli
