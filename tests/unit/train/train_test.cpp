// Training loop, checkpoints, bit-for-bit resume, non-finite detection, options JSON.
#include "critnet/train/train.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "critnet/core/error.h"
#include "critnet/train/checkpoint.h"
#include "support/temp_dir.h"
#include "support/train_options.h"

namespace fs = std::filesystem;
using namespace critnet;
using critnet::train::data_spec_from_config;
using critnet::train::EpochMetrics;
using critnet::train::load_model;
using critnet::train::LoadedModel;
using critnet::train::penalised_layers;
using critnet::train::read_checkpoint_state;
using critnet::train::resume_options;
using critnet::train::StepInfo;
using critnet::train::TrainCallbacks;
using critnet::train::TrainOptions;
using critnet::train::TrainResult;

namespace {

class TrainTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A small, fast, deterministic run (tests/support/train_options.h), without weight decay.
  static TrainOptions tiny(int64_t epochs) {
    TrainOptions o = test_support::tiny_train_options(epochs);
    o.weight_decay = 0.0;
    return o;
  }

  static int count_lines(const std::string& file) {
    std::ifstream in(file);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) n += !line.empty();
    return n;
  }

  static void expect_same_parameters(const nn::Mlp& a, const nn::Mlp& b) {
    auto pa = a->parameters();
    auto pb = b->parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) {
      EXPECT_TRUE(torch::equal(pa[i].cpu(), pb[i].cpu())) << "parameter " << i;
    }
  }

  critnet::test_support::TempDir tmp_{"train_test"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(TrainTest, LearnsAndWritesOutputs) {
  TrainOptions o = tiny(4);
  o.out_dir = path("run");
  int epochs_seen = 0, steps_seen = 0;
  bool started = false;
  TrainCallbacks cb;
  cb.on_start = [&](const nlohmann::json& c) { started = c.contains("runtime"); };
  cb.on_step = [&](const StepInfo& s) { steps_seen = static_cast<int>(s.step); };
  cb.on_epoch = [&](const EpochMetrics& m) { epochs_seen = static_cast<int>(m.epoch); };
  const TrainResult r = critnet::train::train(o, cb);
  EXPECT_TRUE(started);
  EXPECT_EQ(epochs_seen, 4);
  EXPECT_EQ(steps_seen, 4 * 10);  // ceil(300 / 32) = 10 steps per epoch
  ASSERT_EQ(r.history.size(), 4u);
  EXPECT_EQ(r.history[0].samples, 300);
  EXPECT_LT(r.history[3].data_loss, r.history[0].data_loss);
  EXPECT_GT(r.history[3].test_accuracy, 0.45);  // 10 classes: chance is ~0.1
  EXPECT_GT(r.history[3].samples_per_s, 0);
  EXPECT_TRUE(r.history[0].reg_penalty.empty());
  EXPECT_EQ(count_lines(path("run/metrics.jsonl")), 4);
  EXPECT_TRUE(fs::exists(path("run/config.json")));
  EXPECT_TRUE(fs::exists(path("run/checkpoint/state.json")));
  EXPECT_TRUE(fs::exists(path("run/checkpoint/model-000004.pt")));
  EXPECT_FALSE(fs::exists(path("run/checkpoint/model-000003.pt")));  // older ones dropped

  std::ifstream in(path("run/config.json"));
  nlohmann::json config;
  in >> config;
  EXPECT_EQ(config.at("train").at("data").at("source"), "synthetic:12");
  EXPECT_EQ(config.at("data").at("input_size"), 12);
  EXPECT_EQ(config.at("model").at("parameters"), 12 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10);
  EXPECT_TRUE(config.contains("libtorch_version"));
  EXPECT_EQ(config.at("device"), "cpu");

  // The same run again into the same directory is refused.
  try {
    critnet::train::train(o);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("already holds a run"), std::string::npos) << e.what();
  }
}

TEST_F(TrainTest, ResumeIsBitForBit) {
  TrainOptions straight = tiny(2);
  straight.out_dir = path("straight");
  const TrainResult a = critnet::train::train(straight);

  TrainOptions first = tiny(1);
  first.out_dir = path("split");
  critnet::train::train(first);
  TrainOptions more = resume_options(path("split"));
  EXPECT_EQ(more.out_dir, path("split"));
  EXPECT_EQ(more.epochs, 1);
  more.epochs = 2;
  const TrainResult b = critnet::train::train(more);
  ASSERT_EQ(b.history.size(), 2u);
  expect_same_parameters(a.model, b.model);
  EXPECT_EQ(a.history[1].data_loss, b.history[1].data_loss);
  EXPECT_EQ(a.history[1].test_accuracy, b.history[1].test_accuracy);
  EXPECT_EQ(count_lines(path("split/metrics.jsonl")), 2);

  // And the loaded checkpoints agree too.
  expect_same_parameters(load_model(path("straight")).model,
                         load_model(path("split/checkpoint")).model);
}

TEST_F(TrainTest, ResumeWithinAnEpochAfterMaxSteps) {
  TrainOptions straight = tiny(1);
  const TrainResult a = critnet::train::train(straight);

  TrainOptions part = tiny(1);
  part.max_steps = 4;
  part.out_dir = path("part");
  const TrainResult p = critnet::train::train(part);
  ASSERT_EQ(p.history.size(), 1u);
  EXPECT_FALSE(p.history[0].complete);
  EXPECT_EQ(p.steps, 4);
  TrainOptions rest = resume_options(path("part"));
  rest.max_steps = 0;
  const TrainResult b = critnet::train::train(rest);
  ASSERT_EQ(b.history.size(), 1u);
  EXPECT_TRUE(b.history[0].complete);
  EXPECT_EQ(b.steps, 10);
  expect_same_parameters(a.model, b.model);
}

TEST_F(TrainTest, ResumeRefusesADifferentModel) {
  TrainOptions o = tiny(1);
  o.out_dir = path("run");
  critnet::train::train(o);
  TrainOptions other = resume_options(path("run"));
  other.hidden_sizes = {5};
  other.epochs = 2;
  try {
    critnet::train::train(other);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot resume " + path("run/checkpoint") +
                  ": option 'hidden' differs from the checkpoint ([16,8] there, [5] now)");
  }
}

TEST_F(TrainTest, NonFiniteLossStopsAndKeepsTheLastCheckpoint) {
  TrainOptions o = tiny(1);
  o.out_dir = path("run");
  critnet::train::train(o);
  TrainOptions bad = resume_options(path("run"));
  bad.epochs = 3;
  bad.lr = 1e37;  // Adam moves every weight by ~lr: the logits overflow within a few steps
  try {
    critnet::train::train(bad);
    FAIL() << "no NumericalError";
  } catch (const NumericalError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("non-finite loss (", 0), 0u) << msg;
    EXPECT_NE(msg.find("(epoch 2, batch "), std::string::npos) << msg;
    EXPECT_NE(msg.find("the data loss is "), std::string::npos) << msg;
    EXPECT_NE(msg.find("the last good checkpoint stays in " + path("run/checkpoint")),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
  }
  const auto state = read_checkpoint_state(path("run/checkpoint"));
  EXPECT_EQ(state.at("epoch"), 1);
  EXPECT_NO_THROW(load_model(path("run")));
}

TEST_F(TrainTest, RegularisedRunLogsPenaltiesPerLayer) {
  TrainOptions o = tiny(2);
  o.reg.penalty().preset(reg::Preset::kPaper).beta(5.0);
  o.reg.strength(1e-3);
  const TrainResult r = critnet::train::train(o);
  ASSERT_EQ(r.history.size(), 2u);
  const auto& m = r.history[1];
  ASSERT_EQ(m.reg_penalty.size(), 2u);  // layers 0 and 1; not the output layer
  EXPECT_EQ(m.reg_penalty[0].first, 0);
  EXPECT_EQ(m.reg_penalty[1].first, 1);
  // R >= N_side for paper with beta > 0: 12 and 16 on the in side.
  EXPECT_GE(m.reg_penalty[0].second, 12.0);
  EXPECT_GE(m.reg_penalty[1].second, 16.0);
  // reg_loss is the per-sample mean of 1e-3 * (R_0 + R_1), close to the per-step mean.
  EXPECT_NEAR(m.reg_loss, 1e-3 * (m.reg_penalty[0].second + m.reg_penalty[1].second),
              0.02 * m.reg_loss);
  EXPECT_NEAR(m.train_loss, m.data_loss + m.reg_loss, 1e-4);
  EXPECT_EQ(r.config.at("penalised_layers"), nlohmann::json({0, 1}));
}

TEST_F(TrainTest, ExplodingPenaltyNamesTheLayer) {
  TrainOptions o = tiny(1);
  o.reg.penalty().preset(reg::Preset::kPaper).beta(1e12);  // a = 6e10
  o.reg.strength(1.0).layers({1});
  try {
    critnet::train::train(o);
    FAIL() << "no NumericalError";
  } catch (const NumericalError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("non-finite loss (", 0), 0u) << msg;
    EXPECT_NE(msg.find(") at step 1 (epoch 1, batch 1): the critical penalty of layer 1 is "),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("; penalties by layer: 1 = "), std::string::npos) << msg;
  }
}

TEST_F(TrainTest, LoadModelGivesTheTrainedNetOnCpu) {
  TrainOptions o = tiny(1);
  o.out_dir = path("run");
  TrainResult r = critnet::train::train(o);
  LoadedModel m = load_model(path("run"));
  EXPECT_EQ(m.epoch, 1);
  EXPECT_FALSE(m.model->is_training());
  auto x = torch::randn({5, 12});
  EXPECT_TRUE(torch::equal(m.model->forward(x), r.model->forward(x)));
  const data::DataSpec spec = data_spec_from_config(m.config);
  EXPECT_EQ(spec.source, "synthetic:12");
  EXPECT_EQ(spec.synthetic_train, 300);
  EXPECT_EQ(spec.seed, 3u);

  try {
    load_model(path("nothing"));
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), path("nothing") + ": no such run or checkpoint directory");
  }
  fs::create_directories(path("empty"));
  try {
    load_model(path("empty"));
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), path("empty") + ": no checkpoint found (expected " +
                                         path("empty") + "/checkpoint/state.json or " +
                                         path("empty") + "/state.json)");
  }
  std::ofstream(path("run/checkpoint/state.json")) << "{not json";
  try {
    load_model(path("run"));
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind(path("run/checkpoint/state.json") + ": not valid JSON", 0), 0u);
  }
}

TEST_F(TrainTest, MaxStepsStopsEarlyWithoutOutputs) {
  TrainOptions o = tiny(5);
  o.max_steps = 13;
  const TrainResult r = critnet::train::train(o);
  EXPECT_EQ(r.steps, 13);
  ASSERT_EQ(r.history.size(), 2u);
  EXPECT_TRUE(r.history[0].complete);
  EXPECT_FALSE(r.history[1].complete);
  EXPECT_EQ(r.history[1].samples, 3 * 32);
}

TEST(TrainOptionsTest, JsonRoundTripAndErrors) {
  TrainOptions o;
  o.data.source = "synthetic:5";
  o.hidden_sizes = {7, 3};
  o.activation = nn::Activation::kTanh;
  o.lr = 0.5;
  o.epochs = 9;
  o.seed = 77;
  nlohmann::json j = o;
  TrainOptions back = j.get<TrainOptions>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.hidden_sizes, (std::vector<int64_t>{7, 3}));
  EXPECT_EQ(back.activation, nn::Activation::kTanh);

  // Partial configs keep defaults; a resolved config.json works too.
  TrainOptions partial =
      nlohmann::json({{"epochs", 3}, {"optimizer", {{"lr", 0.01}}}}).get<TrainOptions>();
  EXPECT_EQ(partial.epochs, 3);
  EXPECT_EQ(partial.lr, 0.01);
  EXPECT_EQ(partial.batch_size, 128);
  TrainOptions from_config =
      nlohmann::json({{"critnet_version", "x"}, {"train", {{"epochs", 4}}}}).get<TrainOptions>();
  EXPECT_EQ(from_config.epochs, 4);

  auto error_of = [](const nlohmann::json& bad) {
    try {
      bad.get<TrainOptions>();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("(none)");
  };
  EXPECT_EQ(error_of({{"learning_rate", 1}}), "unknown config option 'learning_rate'");
  EXPECT_EQ(error_of({{"model", {{"depth", 3}}}}), "unknown config option 'model.depth'");
  EXPECT_EQ(error_of({{"epochs", "ten"}}), "config option 'epochs': wrong type (\"ten\")");
}

TEST(TrainOptionsTest, Validation) {
  auto error_of = [](auto change) {
    TrainOptions o;
    change(o);
    try {
      o.validate();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("(valid)");
  };
  EXPECT_EQ(error_of([](TrainOptions&) {}), "(valid)");
  EXPECT_EQ(error_of([](TrainOptions& o) { o.lr = -1; }), "learning rate must be > 0, got -1");
  EXPECT_EQ(error_of([](TrainOptions& o) { o.batch_size = 0; }),
            "batch size must be in 1..16777216, got 0");
  EXPECT_EQ(error_of([](TrainOptions& o) { o.beta2 = 1; }), "Adam beta2 must be in [0, 1), got 1");
  EXPECT_EQ(error_of([](TrainOptions& o) { o.epochs = 0; }), "epochs must be > 0, got 0");
  EXPECT_EQ(error_of([](TrainOptions& o) {
              o.hidden_sizes = {4, 0};
            }),
            "hidden layer sizes must be in 1..1048576, got 0");
  // The upper bounds are critnet/core/limits.h's, as on the command line and in grids.
  EXPECT_EQ(error_of([](TrainOptions& o) { o.batch_size = int64_t{1} << 30; }),
            "batch size must be in 1..16777216, got 1073741824");
  EXPECT_EQ(error_of([](TrainOptions& o) { o.eval_batch_size = int64_t{1} << 30; }),
            "eval batch size must be in 1..16777216, got 1073741824");
  EXPECT_EQ(error_of([](TrainOptions& o) {
              o.hidden_sizes = {4, int64_t{1} << 21};
            }),
            "hidden layer sizes must be in 1..1048576, got 2097152");
}

TEST(TrainOptionsTest, PenalisedLayers) {
  train::PenaltySchedule r;
  EXPECT_EQ(penalised_layers(r, 5), (std::vector<int64_t>{0, 1, 2, 3}));
  r.layers({0, 4});
  EXPECT_EQ(penalised_layers(r, 5), (std::vector<int64_t>{0, 4}));
  r.layers({5});
  try {
    penalised_layers(r, 5);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "regularised layer index 5 out of range: the net has weight layers 0..4");
  }
  r.layers({0});
  EXPECT_EQ(penalised_layers(r, 1), (std::vector<int64_t>{0}));
}

// A net of one Linear layer has no layer the default penalises: a clear error before any
// training, not a crash in the first penalised step.
TEST_F(TrainTest, PenaltyOnANetWithoutHiddenLayersIsRejectedUpFront) {
  TrainOptions o = tiny(1);
  o.hidden_sizes = {};
  o.out_dir = path("run");
  o.reg = train::PenaltySchedule(reg::PenaltyOptions().preset(reg::Preset::kCw), 1e-3);
  try {
    critnet::train::train(o);
    FAIL() << "no InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "the penalty has no layer to act on: a net of 1 weight layer has only the "
                 "output layer, which is penalised only when named (layers [0], --reg-layers 0)");
  }
  EXPECT_FALSE(std::filesystem::exists(path("run")));
  o.reg.layers({0});  // named: the output layer is penalised
  const TrainResult r = critnet::train::train(o);
  ASSERT_EQ(r.history.back().reg_penalty.size(), 1u);
  EXPECT_EQ(r.history.back().reg_penalty[0].first, 0);
}

}  // namespace
