#include "critnet/train/penalty_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "critnet/core/error.h"

namespace critnet::train {
namespace {

using reg::PenaltyOptions;
using reg::Preset;

std::string invalid_argument_text(const PenaltySchedule& schedule) {
  try {
    schedule.validate();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(PenaltySchedule, EnabledNeedsAPresetAndAStrength) {
  EXPECT_FALSE(PenaltySchedule().enabled());
  EXPECT_FALSE(PenaltySchedule(PenaltyOptions().preset(Preset::kPaper), 0.0).enabled());
  EXPECT_FALSE(PenaltySchedule(PenaltyOptions(), 1e-3).enabled());
  EXPECT_TRUE(PenaltySchedule(PenaltyOptions().preset(Preset::kPaper), 1e-3).enabled());
}

TEST(PenaltySchedule, ValidateChecksTheScheduleAndThePenalty) {
  const PenaltySchedule paper(PenaltyOptions().preset(Preset::kPaper), 1.0);
  EXPECT_EQ(invalid_argument_text(paper), "");
  EXPECT_EQ(invalid_argument_text(PenaltySchedule(paper).strength(-1e-3)),
            "regulariser strength (lambda) must be finite and >= 0, got -0.001");
  EXPECT_EQ(invalid_argument_text(PenaltySchedule(paper).strength(INFINITY)),
            "regulariser strength (lambda) must be finite and >= 0, got inf");
  EXPECT_EQ(invalid_argument_text(PenaltySchedule(paper).interval(0)),
            "regulariser interval must be >= 1, got 0");
  EXPECT_EQ(invalid_argument_text(PenaltySchedule(paper).layers({0, 2, 0})),
            "regulariser layer 0 is listed twice (each layer is penalised once)");
  EXPECT_EQ(invalid_argument_text(PenaltySchedule(paper).layers({-1})),
            "regulariser layer indices must be >= 0, got -1");
  // The penalty's own options are validated through the schedule.
  PenaltySchedule bad_beta = paper;
  bad_beta.penalty().beta(NAN);
  EXPECT_EQ(invalid_argument_text(bad_beta), "regulariser beta must be finite, got nan");
  EXPECT_EQ(invalid_argument_text(PenaltySchedule(PenaltyOptions().preset(Preset::kPoly), 1.0)),
            "the poly preset needs 1 to 5 coefficients c_0..c_4, got 0");
}

}  // namespace
}  // namespace critnet::train
