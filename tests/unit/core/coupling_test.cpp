// The coupling conventions shared by the regulariser, the RG analysis and the probe.
#include "critnet/core/coupling.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <type_traits>

#include "critnet/probe/measures.h"
#include "critnet/regularizers/critical.h"
#include "critnet/rg/couplings.h"
#include "support/error_of.h"

namespace critnet {
namespace {

using test_support::error_of;

TEST(Coupling, ParseAndPrintRoundTrip) {
  for (auto name : {"in", "out"}) EXPECT_EQ(to_string(parse_gram_side(name)), name);
  for (auto name : {"fan-in", "fan-out", "one"}) {
    EXPECT_EQ(to_string(parse_n_convention(name)), name);
  }
  EXPECT_EQ(parse_gram_side("out"), GramSide::kOut);
  EXPECT_EQ(parse_n_convention("fan-out"), NConvention::kFanOut);
}

TEST(Coupling, ParseErrorsNameTheValue) {
  EXPECT_EQ(error_of([] { parse_gram_side("both"); }),
            "unknown gram side 'both' (expected in or out)");
  EXPECT_EQ(error_of([] { parse_n_convention("fanin"); }),
            "unknown N convention 'fanin' (expected fan-in, fan-out or one)");
  EXPECT_THROW(parse_gram_side(""), InvalidArgument);
  EXPECT_THROW(parse_n_convention("In"), InvalidArgument);
}

TEST(Coupling, UnitCountAndScaleFollowTheConvention) {
  // A weight [out = 4, in = 10], β = 2.
  EXPECT_EQ(unit_count(4, 10, NConvention::kFanIn), 10);
  EXPECT_EQ(unit_count(4, 10, NConvention::kFanOut), 4);
  EXPECT_EQ(unit_count(4, 10, NConvention::kOne), 1);
  EXPECT_DOUBLE_EQ(coupling_scale(2.0, 4, 10, NConvention::kFanIn), 0.2);
  EXPECT_DOUBLE_EQ(coupling_scale(2.0, 4, 10, NConvention::kFanOut), 0.5);
  EXPECT_EQ(coupling_scale(-3.5, 4, 10, NConvention::kOne), -3.5);  // a = β exactly
  // N = 0 is IEEE division (the callers that can meet it check).
  EXPECT_TRUE(std::isinf(coupling_scale(1.0, 0, 10, NConvention::kFanOut)));
}

// The regulariser, the RG couplings and the probe's spectrum take the same a = β / N: the
// conventions exist once, under their old names too.
TEST(Coupling, EveryAreaUsesTheSameConventions) {
  static_assert(std::is_same_v<reg::GramSide, GramSide>);
  static_assert(std::is_same_v<reg::NConvention, NConvention>);
  const torch::Tensor v = torch::randn({6, 15}, torch::kFloat64);
  for (NConvention n : {NConvention::kFanIn, NConvention::kFanOut, NConvention::kOne}) {
    const double a = coupling_scale(3.0, 6, 15, n);
    EXPECT_EQ(reg::coupling_scale(v, reg::PenaltyOptions().beta(3.0).n_convention(n)), a);
    EXPECT_EQ(rg::coupling_scale(v, rg::CouplingOptions().beta(3.0).n_convention(n)), a);
    EXPECT_EQ(rg::unit_count(v, n), unit_count(6, 15, n));
    const probe::Spectrum sp =
        probe::weight_spectrum(v, probe::ProbeOptions().beta(3.0).n_convention(n));
    EXPECT_EQ(sp.a, a);
    EXPECT_EQ(sp.n, unit_count(6, 15, n));
  }
  EXPECT_EQ(reg::parse_gram_side("out"), GramSide::kOut);
  EXPECT_EQ(reg::to_string(NConvention::kOne), "one");
}

}  // namespace
}  // namespace critnet
