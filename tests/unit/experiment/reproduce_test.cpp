// critnet::experiment: the β rule of the sweep, option checks and the --full settings.
#include "critnet/experiment/reproduce.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "critnet/core/error.h"

namespace ex = critnet::experiment;
using ::testing::HasSubstr;

TEST(ChooseBeta, LargestWithinTolerance) {
  // baseline 0.80, tolerance 0.02: 196 (0.81) and 392 (0.785) qualify, 784 (0.70) does not.
  EXPECT_DOUBLE_EQ(ex::choose_beta({{196, 0.81}, {392, 0.785}, {784, 0.70}}, 0.80, 0.02), 392);
  // Order of the points does not matter.
  EXPECT_DOUBLE_EQ(ex::choose_beta({{784, 0.70}, {392, 0.785}, {196, 0.81}}, 0.80, 0.02), 392);
  // All qualify: the largest.
  EXPECT_DOUBLE_EQ(ex::choose_beta({{1, 0.9}, {2, 0.9}}, 0.9, 0.0), 2);
  // Exactly at the edge qualifies.
  EXPECT_DOUBLE_EQ(ex::choose_beta({{1, 0.5}, {2, 0.75}}, 0.75, 0.0), 2);
}

TEST(ChooseBeta, NoneWithinToleranceTakesTheSmallest) {
  EXPECT_DOUBLE_EQ(ex::choose_beta({{392, 0.5}, {196, 0.6}, {784, 0.4}}, 0.8, 0.02), 196);
}

TEST(ChooseBeta, EmptyIsAnError) {
  try {
    ex::choose_beta({}, 0.8, 0.02);
    FAIL();
  } catch (const critnet::InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("choose_beta needs at least one sweep point"));
  }
}

namespace {
std::string validation_error(const ex::ReproduceOptions& o) {
  try {
    o.validate();
  } catch (const critnet::InvalidArgument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ReproduceOptions, DefaultsAreValid) {
  EXPECT_EQ(validation_error({}), "");
}

TEST(ReproduceOptions, BadValuesNameThemselves) {
  ex::ReproduceOptions o;
  o.also = {"cw", "bogus"};
  EXPECT_THAT(validation_error(o), HasSubstr("unknown extra arm 'bogus'"));
  o = {};
  o.also = {"l2", "l2"};
  EXPECT_THAT(validation_error(o), HasSubstr("extra arm 'l2' given twice"));
  o = {};
  o.epochs = 0;
  EXPECT_THAT(validation_error(o), HasSubstr("epochs must be >= 1, got 0"));
  o = {};
  o.strength = 0;
  EXPECT_THAT(validation_error(o), HasSubstr("strength λ must be > 0, got 0"));
  o = {};
  o.sweep_factors = {};
  EXPECT_THAT(validation_error(o), HasSubstr("the β sweep needs at least one factor"));
  o.beta = 100.0;  // a given β needs no sweep
  EXPECT_EQ(validation_error(o), "");
  o = {};
  o.sweep_tolerance = 2;
  EXPECT_THAT(validation_error(o), HasSubstr("sweep tolerance must be in [0, 1], got 2"));
  o = {};
  o.probe.subset_size = 65;
  EXPECT_THAT(validation_error(o), HasSubstr("probe subset_size: must be in 1..64, got 65"));
  o = {};
  o.hidden_sizes = {};
  EXPECT_THAT(validation_error(o), HasSubstr("hidden sizes must not be empty"));
  o = {};
  o.out_dir = "";
  EXPECT_THAT(validation_error(o), HasSubstr("the output directory must not be empty"));
  o = {};
  o.probe.bootstrap = -1;
  EXPECT_THAT(validation_error(o), HasSubstr("probe bootstrap: must be in 0..1000000, got -1"));
}

// β and the sweep are checked before anything trains: the penalised arms need β > 0.
TEST(ReproduceOptions, BetaAndSweepMustBePositive) {
  ex::ReproduceOptions o;
  for (double beta : {-4.0, 0.0, static_cast<double>(NAN)}) {
    o.beta = beta;
    EXPECT_THAT(validation_error(o), HasSubstr("beta must be finite and > 0, got "));
  }
  o = {};
  o.sweep_factors = {0.5, -1.0};
  EXPECT_THAT(validation_error(o), HasSubstr("sweep factors must be finite and > 0, got -1"));
  o = {};
  o.threads = 5000;
  EXPECT_THAT(validation_error(o), HasSubstr("threads must be in [0, 1024] (0 = all cores)"));
}

TEST(ReproduceOptions, SeedsAndArms) {
  ex::ReproduceOptions o;
  EXPECT_EQ(o.seeds, 3);
  EXPECT_EQ(o.data.train_limit, 10000);
  EXPECT_EQ(o.arms, (std::vector<std::string>{"paper", "cw"}));
  o.seeds = 0;
  EXPECT_THAT(validation_error(o), HasSubstr("seeds must be in 1..100, got 0"));
  o = {};
  o.arms = {"paper", "critical"};
  EXPECT_THAT(validation_error(o), HasSubstr("unknown arm 'critical'"));
  o = {};
  o.arms = {"cw", "cw"};
  EXPECT_THAT(validation_error(o), HasSubstr("arm 'cw' given twice"));
  o = {};
  o.also = {"cw"};  // already an arm: not added twice, not an error
  EXPECT_EQ(validation_error(o), "");
  EXPECT_EQ(to_json(o).at("seeds"), 3);
}

TEST(ReproduceOptions, FullUsesAllDataAndMoreReplicates) {
  ex::ReproduceOptions o;
  o.data.train_limit = 100;
  ex::apply_full(o);
  EXPECT_EQ(o.data.train_limit, 0);
  EXPECT_EQ(o.epochs, 20);
  EXPECT_EQ(o.probe.limit, 0);
  EXPECT_EQ(o.probe.bootstrap, 1000);
  EXPECT_EQ(o.seeds, 5);
  EXPECT_EQ(o.sweep_train_limit, 0);
  EXPECT_EQ(to_json(o).at("epochs"), 20);
}

// reproduce is two grids: the β sweep (training only, the paper penalty at β = f·N₁ beside the
// baseline, one seed, the sweep's budget) and the arms × seeds at β (every arm's spectrum at β).
TEST(ReproduceGrids, SweepAndArms) {
  ex::ReproduceOptions o;
  o.seed = 5;
  o.seeds = 2;
  o.also = {"l2"};
  o.sweep_train_limit = 300;
  o.data.train_limit = 1000;
  const auto sweep = ex::beta_sweep_grid(o);
  EXPECT_FALSE(sweep.probe_cells);
  EXPECT_EQ(sweep.presets, (std::vector<std::string>{"none", "paper"}));
  EXPECT_TRUE(sweep.beta_is_fraction);
  EXPECT_EQ(sweep.beta, o.sweep_factors);
  EXPECT_EQ(sweep.seeds, (std::vector<uint64_t>{5}));
  EXPECT_EQ(sweep.epochs, (std::vector<int64_t>{o.sweep_epochs}));
  EXPECT_EQ(sweep.data.train_limit, 300);
  EXPECT_EQ(sweep.expand().size(), 1u + o.sweep_factors.size());

  const auto arms = ex::arms_grid(o, 392);
  EXPECT_TRUE(arms.probe_cells);
  EXPECT_EQ(arms.presets, (std::vector<std::string>{"none", "paper", "cw", "l2"}));
  EXPECT_EQ(arms.beta, (std::vector<double>{392}));
  EXPECT_EQ(arms.seeds, (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(arms.data.train_limit, 1000);
  ASSERT_TRUE(arms.probe.baseline_beta.has_value());
  EXPECT_EQ(*arms.probe.baseline_beta, 392);
  EXPECT_EQ(arms.probe.bootstrap, o.probe.bootstrap);
  EXPECT_EQ(arms.expand().size(), 8u);
}
