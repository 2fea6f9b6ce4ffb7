#pragma once
// Checks that rendered files parse: a minimal XML well-formedness check (tags nest and close,
// the root element's name) and the PNG signature + IHDR size.
#include <cstdint>
#include <string>
#include <vector>

namespace critnet::report::testing {

// Returns the root element's name when `xml` is well nested, else "" and an error in `why`.
inline std::string xml_root(const std::string& xml, std::string* why) {
  std::vector<std::string> stack;
  std::string root;
  std::size_t i = 0;
  while ((i = xml.find('<', i)) != std::string::npos) {
    if (xml.compare(i, 4, "<!--") == 0) {
      i = xml.find("-->", i);
      if (i == std::string::npos) return *why = "unterminated comment", "";
      continue;
    }
    if (xml.compare(i, 9, "<![CDATA[") == 0) {
      i = xml.find("]]>", i);
      if (i == std::string::npos) return *why = "unterminated CDATA", "";
      continue;
    }
    if (xml.compare(i, 2, "<?") == 0 || xml.compare(i, 2, "<!") == 0) {
      i = xml.find('>', i);
      if (i == std::string::npos) return *why = "unterminated declaration", "";
      continue;
    }
    // Find the tag's end, skipping quoted attribute values.
    std::size_t j = i + 1;
    char quote = 0;
    for (; j < xml.size(); ++j) {
      if (quote) {
        if (xml[j] == quote) quote = 0;
      } else if (xml[j] == '"' || xml[j] == '\'') {
        quote = xml[j];
      } else if (xml[j] == '>') {
        break;
      }
    }
    if (j >= xml.size()) return *why = "unterminated tag", "";
    const std::string tag = xml.substr(i + 1, j - i - 1);
    i = j + 1;
    if (tag.empty()) return *why = "empty tag", "";
    const bool closing = tag[0] == '/';
    const bool self_closing = tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\r\n/"));
    if (closing) {
      if (stack.empty() || stack.back() != name) {
        return *why = "</" + name + "> closes " + (stack.empty() ? "nothing" : stack.back()), "";
      }
      stack.pop_back();
    } else {
      if (stack.empty()) {
        if (!root.empty()) return *why = "second root element <" + name + ">", "";
        root = name;
      }
      if (!self_closing) stack.push_back(name);
    }
  }
  if (!stack.empty()) return *why = "<" + stack.back() + "> is never closed", "";
  if (root.empty()) *why = "no element";
  return root;
}

struct PngInfo {
  bool ok = false;
  std::uint32_t width = 0, height = 0;
};

inline PngInfo png_info(const std::string& bytes) {
  static const unsigned char kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  PngInfo info;
  if (bytes.size() < 24) return info;
  for (int k = 0; k < 8; ++k) {
    if (static_cast<unsigned char>(bytes[k]) != kSig[k]) return info;
  }
  if (bytes.compare(12, 4, "IHDR") != 0) return info;
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(bytes[at + k]);
    return v;
  };
  info.width = be32(16);
  info.height = be32(20);
  info.ok = true;
  return info;
}

}  // namespace critnet::report::testing
