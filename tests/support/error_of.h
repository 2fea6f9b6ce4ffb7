#pragma once
// The message of the critnet::Error that `f()` throws, or "(no error)".
#include <string>

#include "critnet/core/error.h"

namespace critnet::test_support {

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const critnet::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace critnet::test_support
