#pragma once
/// The coupling conventions shared by the critical regulariser (critnet/regularizers/critical.h),
/// the RG analysis (critnet/rg/couplings.h) and the probe's spectrum (critnet/probe/options.h)
/// (paper section 2.5; docs/methods.md, "The critical penalty"; docs/methods.md).
///
/// For a layer weight V [out, in] the coupling matrix is w = Vᵀ V ([in, in], gram side "in",
/// the default) or V Vᵀ ([out, out], gram side "out"), and its scale is a = β / N with N, the
/// unit count, given by the N convention: in (fan-in, the default), out (fan-out) or 1.
#include <cstdint>
#include <string>

namespace critnet {

/// Which Gram matrix of V [out, in] is the coupling matrix w.
enum class GramSide {
  kIn,   ///< w = Vᵀ V [in, in]
  kOut,  ///< w = V Vᵀ [out, out]
};

/// N of a = β / N.
enum class NConvention {
  kFanIn,   ///< N = in
  kFanOut,  ///< N = out
  kOne,     ///< N = 1 (a = β)
};

/// Parses "in" | "out"; throws critnet::InvalidArgument otherwise.
GramSide parse_gram_side(const std::string& name);
/// "in" | "out".
std::string to_string(GramSide side);
/// Parses "fan-in" | "fan-out" | "one"; throws critnet::InvalidArgument otherwise.
NConvention parse_n_convention(const std::string& name);
/// "fan-in" | "fan-out" | "one".
std::string to_string(NConvention convention);

/// N of a weight [out, in] under the convention: in, out or 1. The shape is not checked (the
/// callers check their weights with their own messages).
int64_t unit_count(int64_t out, int64_t in, NConvention convention);

/// a = β / N for a weight [out, in] under the convention (N = unit_count(out, in, convention);
/// N = 0 gives ±inf or NaN as IEEE division does: the callers that can meet it check N > 0).
double coupling_scale(double beta, int64_t out, int64_t in, NConvention convention);

}  // namespace critnet

namespace critnet::reg {
// The names these had when the regulariser's header (critnet/regularizers/critical.h) declared
// them: reg::GramSide, reg::parse_gram_side, ... stay valid wherever the types are visible.
using ::critnet::GramSide;
using ::critnet::NConvention;
using ::critnet::parse_gram_side;
using ::critnet::parse_n_convention;
using ::critnet::to_string;
}  // namespace critnet::reg
