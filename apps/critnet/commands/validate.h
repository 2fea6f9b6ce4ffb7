#pragma once
// The checks every option value passes before any work (docs/cli.md, "Option values"). Each
// is a CLI11 Validator that parses the option's text itself, strictly (a whole decimal
// number, no overflow, no clamping, finite), and checks its range, so that a bad value stops
// the parse: exit 2 and one line naming the option and the value, e.g.
//   critnet: error: --epochs: must be an integer >= 1, got '-1'
// Checks that involve two options or the data (a range's ends, a subset against a layer) are
// made by the command once it has its values, before it starts work, with the same wording.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "critnet/core/limits.h"
#include "critnet/core/runtime.h"

namespace critnet::cli {

inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// The bounds themselves are the library's (critnet/core/limits.h), shared with grid files,
// config files and Python.
using critnet::kMaxBatchSize;
using critnet::kMaxBootstrap;
using critnet::kMaxFlowSteps;
using critnet::kMaxMeanFieldSize;
using critnet::kMaxSeeds;
using critnet::kMaxWidth;

/// Strict parsers (decimal, whole text, in range of the type); false on any other text.
bool parse_int64(const std::string& text, int64_t& value);
bool parse_uint64(const std::string& text, uint64_t& value);
/// A finite double; false for nan, inf, an overflow to inf and any trailing text.
bool parse_finite(const std::string& text, double& value);

/// An integer in [min, max].
CLI::Validator integer(int64_t min, int64_t max = kInt64Max);
/// An unsigned 64-bit integer (seeds): 0 .. 2^64-1; "-1" is refused, not wrapped.
CLI::Validator seed_value();
/// --threads: an integer in [0, kMaxThreads] (0 = all cores).
CLI::Validator threads_value();

/// Which ends of a real interval belong to it.
enum class Ends { kClosed, kOpen, kOpenLow, kOpenHigh };
/// A finite real in the interval from lo to hi (either may be infinite: unbounded).
CLI::Validator real(double lo = -kInf, double hi = kInf, Ends ends = Ends::kClosed);
/// A finite real, not zero.
CLI::Validator nonzero_real();

/// A comma-separated list of integers in [min, max], each at most once when `unique`; "none"
/// passes when `none_ok` (the empty list).
CLI::Validator integer_list(int64_t min, int64_t max, bool unique, bool none_ok = false);
/// A comma-separated list of finite reals, each > 0 when `positive` (--sweep, --coeffs; "none"
/// passes when `none_ok`).
CLI::Validator real_list(bool none_ok = false, bool positive = false);

/// Throws InvalidArgument "OPTION: VALUE appears twice in ..." when a list repeats a value.
void check_unique(const std::vector<int64_t>& values, const std::string& option);

}  // namespace critnet::cli
