#pragma once
// Text helpers of the report: HTML escaping, base64, number formatting.
#include <string>
#include <string_view>

namespace critnet::report::detail {

// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

// Standard base64 (RFC 4648, with padding).
std::string base64(std::string_view bytes);

// A number with `digits` significant digits; "–" for NaN or infinity.
std::string number(double v, int digits = 3);

// "2.310 ± 0.052": the value to the se's second significant digit ("–" for a non-finite value;
// 3 and 2 significant digits when the se is not positive and finite).
std::string value_pm(double v, double se);

// A file-name-safe version of a label: [A-Za-z0-9_-] kept, anything else as '_'.
std::string safe(std::string_view label);

// Escapes '|' and line breaks for a GitHub markdown table cell.
std::string md_cell(std::string_view text);

}  // namespace critnet::report::detail
