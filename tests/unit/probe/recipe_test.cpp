// critnet::probe::ProbeRecipe: one default, one check and one JSON form per probe setting.
#include "critnet/probe/recipe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "critnet/core/error.h"
#include "critnet/core/limits.h"
#include "support/error_of.h"

using critnet::probe::ProbeRecipe;
using critnet::test_support::error_of;
using ::testing::HasSubstr;
using json = nlohmann::json;

TEST(ProbeRecipe, DefaultsAreTheStudies) {
  const ProbeRecipe r;
  EXPECT_EQ(r.limit, 10000);
  EXPECT_EQ(r.bootstrap, 200);
  EXPECT_EQ(r.max_candidates, 1000);
  EXPECT_EQ(r.subset_size, 10);
  EXPECT_EQ(r.min_tail_fraction, 0.1);
  EXPECT_NO_THROW(r.validate());
}

TEST(ProbeRecipe, JsonRoundTripAndPartialDocuments) {
  ProbeRecipe r;
  r.limit = 0;
  r.bootstrap = 7;
  r.max_candidates = 0;
  r.subset_size = 4;
  r.min_tail_fraction = 0.25;
  const json j = r;
  EXPECT_EQ(j, json::parse(R"({"limit": 0, "bootstrap": 7, "max_candidates": 0,
                               "subset_size": 4, "min_tail_fraction": 0.25})"));
  EXPECT_EQ(json(critnet::probe::probe_recipe_from_json(j)), j);
  // Keys left out keep their defaults.
  const ProbeRecipe partial = critnet::probe::probe_recipe_from_json({{"bootstrap", 3}});
  EXPECT_EQ(partial.bootstrap, 3);
  EXPECT_EQ(partial.limit, ProbeRecipe().limit);
}

TEST(ProbeRecipe, ErrorsNameTheKey) {
  using critnet::probe::probe_recipe_from_json;
  EXPECT_THAT(error_of([] {
                probe_recipe_from_json({{"bootstrapp", 1}}, "probe.");
              }),
              HasSubstr("unknown key 'probe.bootstrapp'"));
  EXPECT_THAT(error_of([] {
                probe_recipe_from_json({{"bootstrap", 1.5}}, "probe.");
              }),
              HasSubstr("probe.bootstrap: must be an integer, got 1.5"));
  EXPECT_THAT(error_of([] {
                probe_recipe_from_json({{"bootstrap", int64_t{1} << 40}});
              }),
              HasSubstr("bootstrap: 1099511627776 is out of range"));
  EXPECT_THAT(error_of([] {
                probe_recipe_from_json({{"min_tail_fraction", "x"}});
              }),
              HasSubstr("min_tail_fraction: must be a number"));
  ProbeRecipe r;
  r.subset_size = 65;
  EXPECT_THAT(error_of([&] { r.validate("probe."); }),
              HasSubstr("probe.subset_size: must be in 1..64, got 65"));
  r = ProbeRecipe();
  r.bootstrap = critnet::kMaxBootstrap + 1;
  EXPECT_THROW(r.validate(), critnet::InvalidArgument);
  r = ProbeRecipe();
  r.min_tail_fraction = 1.0;
  EXPECT_THAT(error_of([&] { r.validate(); }),
              HasSubstr("min_tail_fraction: must be in [0, 1), got 1"));
}

TEST(ProbeRecipe, AppliesItsSettingsOnly) {
  ProbeRecipe r;
  r.limit = 123;
  r.bootstrap = 9;
  r.max_candidates = 77;
  r.subset_size = 5;
  r.min_tail_fraction = 0.3;
  critnet::probe::ProbeCheckpointOptions o;
  o.split = "train";
  o.fit.seed = 42;
  r.apply(o);
  EXPECT_EQ(o.limit, 123);
  EXPECT_EQ(o.fit.bootstrap, 9);
  EXPECT_EQ(o.fit.max_candidates, 77u);
  EXPECT_EQ(o.probe.subset_size(), 5);
  EXPECT_EQ(o.min_tail_fraction, 0.3);
  EXPECT_EQ(o.split, "train");
  EXPECT_EQ(o.fit.seed, 42u);
}
