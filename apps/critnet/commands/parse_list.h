#pragma once
// Comma-separated option values ("600,400,200,100"), shared by the commands that take them.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "critnet/core/error.h"

namespace critnet::cli {

/// Parses "a,b,c" into values of T; "" gives an empty list. Throws InvalidArgument naming
/// `option` when an item is empty or not a whole T.
template <typename T>
std::vector<T> parse_list(const std::string& text, const std::string& option) {
  std::vector<T> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::istringstream one(item);
    T value{};
    one >> value;
    CRITNET_CHECK(!item.empty() && one && one.peek() == EOF, "option ", option, ": cannot parse '",
                  item, "' in '", text, "' (expected a comma-separated list)");
    out.push_back(value);
  }
  return out;
}

/// parse_list, where "none" also means the empty list.
template <typename T>
std::vector<T> parse_list_or_none(const std::string& text, const std::string& option) {
  if (text == "none") return {};
  return parse_list<T>(text, option);
}

}  // namespace critnet::cli
