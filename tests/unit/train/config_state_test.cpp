// The readers of `train --config` files and of a checkpoint's state.json: every damaged value
// is one error naming the file (no raw JSON exception, no unchecked float-to-integer cast).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "critnet/core/error.h"
#include "critnet/train/checkpoint.h"
#include "critnet/train/train.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

using critnet::train::parse_checkpoint_state;
using critnet::train::parse_options_json;
using critnet::train::TrainOptions;

namespace {

using critnet::test_support::error_of;

TrainOptions options(const std::string& text) {
  std::istringstream in(text);
  return parse_options_json(in, "c.json");
}

nlohmann::json state(const std::string& text) {
  std::istringstream in(text);
  return parse_checkpoint_state(in, "state.json");
}

const std::string kKeys = R"("step": 3, "model": "m.pt", "optimizer": "o.pt", "config": {})";

}  // namespace

TEST(ConfigReader, ReadsOptions) {
  const auto o = options(R"({"epochs": 3, "batch_size": 16.0, "model": {"hidden": [8, 4]},
                             "data": {"source": "synthetic:4", "train_limit": 10}})");
  EXPECT_EQ(o.epochs, 3);
  EXPECT_EQ(o.batch_size, 16);
  EXPECT_EQ(o.hidden_sizes, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(o.data.train_limit, 10);
}

TEST(ConfigReader, IntegersAreChecked) {
  EXPECT_EQ(error_of([] { options(R"({"epochs": 2.5})"); }),
            "config option 'epochs': expected an integer in [-9223372036854775808, "
            "9223372036854775807], got 2.5");
  EXPECT_EQ(error_of([] { options(R"({"epochs": 1e300})"); }),
            "config option 'epochs': expected an integer in [-9223372036854775808, "
            "9223372036854775807], got 1e+300");
  EXPECT_EQ(error_of([] { options(R"({"threads": 1e10})"); }),
            "config option 'threads': expected an integer in [-2147483648, 2147483647], got "
            "10000000000.0");
  EXPECT_EQ(error_of([] { options(R"({"seed": -1})"); }),
            "config option 'seed': expected an integer in [0, 18446744073709551615], got -1");
  EXPECT_EQ(error_of([] { options(R"({"model": {"hidden": [8, 1e300]}})"); }),
            "config option 'model.hidden': expected an integer in [-9223372036854775808, "
            "9223372036854775807], got 1e+300");
  EXPECT_EQ(error_of([] { options(R"({"model": {"hidden": 8}})"); }),
            "config option 'model.hidden': wrong type (8)");
  EXPECT_EQ(error_of([] { options(R"({"epochs": "ten"})"); }),
            "config option 'epochs': wrong type (\"ten\")");
  EXPECT_EQ(error_of([] { options(R"({"data": {"test_limit": 0.5}})"); }),
            "data option 'test_limit': expected an integer in [-9223372036854775808, "
            "9223372036854775807], got 0.5");
}

TEST(ConfigReader, BadTextAndFiles) {
  EXPECT_EQ(error_of([] { options("{\"epochs\": "); }).rfind("c.json: not valid JSON (", 0), 0u);
  EXPECT_EQ(error_of([] { options(std::string(100000, '[') + std::string(100000, ']')); }),
            "c.json: JSON nested deeper than 64 levels");
  critnet::test_support::TempDir tmp("config_reader");
  EXPECT_EQ(error_of([&] { critnet::train::read_options_file(tmp.path().string()); }),
            tmp.path().string() + ": is a directory, expected a config file (a regular file)");
  EXPECT_EQ(error_of([&] { critnet::train::read_options_file(tmp.file("none.json")); }),
            tmp.file("none.json") + ": missing config file (no such file)");
}

TEST(StateReader, ChecksEveryKeyResumingReads) {
  const auto ok = state(R"({"epoch": 2, "complete": false, "batches_done": 1, )" + kKeys + "}");
  EXPECT_EQ(ok.at("epoch"), 2);
  EXPECT_EQ(error_of([] { state(R"({"epoch": 1e300, )" + kKeys + "}"); }),
            "state.json: 'epoch' must be an integer >= 0, got 1e+300");
  EXPECT_EQ(error_of([] { state(R"({"epoch": -1, )" + kKeys + "}"); }),
            "state.json: 'epoch' must be an integer >= 0, got -1");
  EXPECT_EQ(error_of([] { state(R"({"epoch": 1, "batches_done": "2", )" + kKeys + "}"); }),
            "state.json: 'batches_done' must be an integer >= 0, got \"2\"");
  EXPECT_EQ(error_of([] { state(R"({"epoch": 1, "complete": 1, )" + kKeys + "}"); }),
            "state.json: 'complete' must be true or false, got 1");
  EXPECT_EQ(error_of([] {
              state(R"({"epoch": 1, "step": 3, "model": "../../m.pt", "optimizer": "o.pt",
                        "config": {}})");
            }),
            "state.json: 'model' must be a file name in the checkpoint directory, got "
            "\"../../m.pt\"");
  EXPECT_EQ(error_of([] {
              state(R"({"epoch": 1, "step": 3, "model": "m.pt", "optimizer": "o.pt",
                        "config": []})");
            }),
            "state.json: 'config' must be an object, got a array");
  EXPECT_EQ(error_of([] { state("[1]"); }), "state.json: expected a JSON object, got a array");
  EXPECT_EQ(error_of([] {
              state(R"({"epoch": 1, )" + kKeys + R"(, "history": [{"epoch": 1}]})");
            }).rfind("state.json: history entry 0 is damaged (", 0),
            0u);
  EXPECT_EQ(error_of([] { state(R"({"epoch": 1, "step": 3})"); }),
            "state.json: missing key 'model'");
}
