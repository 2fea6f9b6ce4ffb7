// Every value of the validation table (validation_cases.h) for every numeric option of every
// command: nan, infinities, overflow, out of range, junk, empty. About 600 runs of critnet,
// each failing at validation; labelled slow for the time LibTorch takes to load.
#include <gtest/gtest.h>

#include "validation_cases.h"

TEST(ValidationCliSlow, EveryNumericOptionRefusesEveryBadValue) {
  critnet::test_support::validation::expect_all_refused(false);
}
