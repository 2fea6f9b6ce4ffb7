#pragma once
/// critnet's error types and the CRITNET_CHECK family of macros.
///
/// The library throws; it never exits or prints. The CLI catches once in main() and maps
/// each type to a documented exit code (docs/cli.md):
///   critnet::InvalidArgument -> 2 (a bad option or parameter value)
///   critnet::DataError       -> 3 (a missing, unreadable or malformed input file)
///   critnet::Error (others)  -> 1 (a run that failed: non-finite loss, I/O on output, ...)
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace critnet {

/// Base class of every error critnet throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A parameter or option outside its domain; the message names the value and the constraint.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// Input data that cannot be used: missing file, wrong magic number, truncated, inconsistent.
/// The message names the file and what is wrong.
class DataError : public Error {
 public:
  using Error::Error;
};

/// A computation that went non-finite or failed to converge.
class NumericalError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream out;
  out.precision(10);
  (out << ... << std::forward<Args>(args));
  return out.str();
}
}  // namespace detail

}  // namespace critnet

/// Throws ErrorType with the concatenated message parts unless cond holds.
#define CRITNET_CHECK_AS(ErrorType, cond, ...)                            \
  do {                                                                    \
    if (!(cond)) throw ErrorType(::critnet::detail::concat(__VA_ARGS__)); \
  } while (false)

/// Throws critnet::InvalidArgument unless cond holds:
///   CRITNET_CHECK(beta > 0, "beta must be > 0, got ", beta);
#define CRITNET_CHECK(cond, ...) CRITNET_CHECK_AS(::critnet::InvalidArgument, cond, __VA_ARGS__)

/// Throws critnet::DataError unless cond holds.
#define CRITNET_CHECK_DATA(cond, ...) CRITNET_CHECK_AS(::critnet::DataError, cond, __VA_ARGS__)
