#include "critnet/core/coupling.h"

#include "critnet/core/error.h"

namespace critnet {

GramSide parse_gram_side(const std::string& name) {
  if (name == "in") return GramSide::kIn;
  if (name == "out") return GramSide::kOut;
  CRITNET_CHECK(false, "unknown gram side '", name, "' (expected in or out)");
  return GramSide::kIn;
}

std::string to_string(GramSide side) {
  return side == GramSide::kIn ? "in" : "out";
}

NConvention parse_n_convention(const std::string& name) {
  if (name == "fan-in") return NConvention::kFanIn;
  if (name == "fan-out") return NConvention::kFanOut;
  if (name == "one") return NConvention::kOne;
  CRITNET_CHECK(false, "unknown N convention '", name, "' (expected fan-in, fan-out or one)");
  return NConvention::kFanIn;
}

std::string to_string(NConvention convention) {
  switch (convention) {
    case NConvention::kFanIn:
      return "fan-in";
    case NConvention::kFanOut:
      return "fan-out";
    case NConvention::kOne:
      return "one";
  }
  return "?";
}

int64_t unit_count(int64_t out, int64_t in, NConvention convention) {
  switch (convention) {
    case NConvention::kFanIn:
      return in;
    case NConvention::kFanOut:
      return out;
    case NConvention::kOne:
      return 1;
  }
  return 1;
}

double coupling_scale(double beta, int64_t out, int64_t in, NConvention convention) {
  return beta / static_cast<double>(unit_count(out, in, convention));
}

}  // namespace critnet
