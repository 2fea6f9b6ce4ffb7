#pragma once
/// Training the paper's MLP: Adam on cross-entropy plus the critical penalty
/// (loss = data_loss + Σ_{penalised l} (k·λ)·R(V_l), applied every k = reg.interval() steps:
/// penalty_schedule.h), per-epoch metrics, atomic checkpoints and bit-for-bit resume (on CPU, one
/// thread).
///
/// Outputs in TrainOptions::out_dir (nothing is written when it is empty):
///   config.json      the resolved configuration (options, data, model, versions, runtime)
///   metrics.jsonl    one JSON object per epoch (EpochMetrics::to_json)
///   checkpoint/      state.json + model-EEEEEE.pt + optimizer-EEEEEE.pt (checkpoint.h)
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"
#include "critnet/train/penalty_schedule.h"
#include "critnet/train/recipe.h"

namespace critnet::train {

/// Everything a training run depends on. validate() throws critnet::InvalidArgument naming
/// the bad value.
/// A training run: the recipe (train/recipe.h: data, network, lr, batch size, max steps; their
/// defaults) and the run's own settings.
struct TrainOptions : TrainRecipe {
  nn::Init init = nn::Init::kDefault;
  /// Adam's other settings (lr is the recipe's).
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  /// Number of epochs (passes over the train split).
  int64_t epochs = 10;
  /// Seeds the model's initialisation and the data order (data order of epoch e is a pure
  /// function of (seed, e)).
  uint64_t seed = 0;
  /// "auto" | "cpu" | "cuda" | "cuda:N".
  std::string device = "auto";
  /// Intra-op threads (0 = all cores).
  int threads = 0;
  /// On the CPU: the fast step (fast_step.h: hand-written backprop into preallocated buffers,
  /// flat parameters, fused Adam; exact). false = LibTorch autograd + torch::optim::Adam (also
  /// used on CUDA). Checkpoints are interchangeable between the two.
  bool fast_step = true;
  /// Use the device-generic step (device_step.h: data resident on the device, no host round
  /// trip per step) on the CPU too, instead of the fast CPU step (slower there; for tests and
  /// comparisons). On CUDA it is the default whenever fast_step is true.
  bool device_step = false;
  /// On CUDA (with the device step): capture the full-batch step in a CUDA graph and replay
  /// it. Ignored on the CPU. Needs a critnet built against a CUDA LibTorch (docs/cuda.md).
  bool cuda_graph = true;
  /// The critical penalty and its schedule (preset kNone or λ = 0: none).
  PenaltySchedule reg;
  /// Output directory; empty = write nothing.
  std::string out_dir;
  /// Write a checkpoint after every epoch (needs out_dir).
  bool checkpoint = true;
  /// Evaluate the test split after every epoch.
  bool evaluate = true;
  /// Batch size of evaluation.
  int64_t eval_batch_size = 1000;
  /// Resume from this run or checkpoint directory (see resume_options()).
  std::string resume;

  void validate() const;
};

/// JSON of the options (nested: data, model, optimizer, reg, ...); from_json accepts any
/// subset of the keys (others keep their defaults) and rejects unknown keys. Also accepts a
/// resolved config.json (uses its "train" object).
void to_json(nlohmann::json& j, const TrainOptions& options);
void from_json(const nlohmann::json& j, TrainOptions& options);

/// Options from the JSON text of a config file (`critnet train --config`; a resolved config.json
/// of an earlier run works too); keys as from_json. `source` names the file in errors. Throws
/// critnet::DataError when the text is not JSON and critnet::InvalidArgument for an unknown key
/// or a value of the wrong type or range. Does not call validate().
TrainOptions parse_options_json(std::istream& in, const std::string& source);

/// The same for the file `path`; critnet::DataError naming it when it is missing, a directory or
/// unreadable.
TrainOptions read_options_file(const std::string& path);

/// The options a checkpoint was written with, ready to continue it: resume = dir, out_dir = the
/// run directory that holds the checkpoint. Throws critnet::DataError when dir holds none.
TrainOptions resume_options(const std::string& dir);

/// Metrics of one epoch.
struct EpochMetrics {
  int64_t epoch = 0;      ///< 1-based
  int64_t step = 0;       ///< optimiser steps done in total at the end of the epoch
  bool complete = true;   ///< false when max_steps ended the epoch early
  int64_t samples = 0;    ///< train samples seen in this epoch
  double train_loss = 0;  ///< mean over samples of data_loss + penalty term
  double data_loss = 0;   ///< mean cross-entropy over train samples
  double reg_loss =
      0;  ///< mean over samples of the penalty term Σ_l (k·λ)·R(V_l) (0 on steps without it)
  /// (layer index, mean R(V_l) over the steps where the penalty was applied), not scaled by λ.
  std::vector<std::pair<int64_t, double>> reg_penalty;
  double test_loss = 0;      ///< NaN when not evaluated
  double test_accuracy = 0;  ///< in [0, 1]; NaN when not evaluated
  double wall_s = 0;         ///< wall time of the epoch (training + evaluation, not the checkpoint)
  double train_s = 0;        ///< time spent in training steps
  double samples_per_s = 0;  ///< samples / train_s

  nlohmann::json to_json() const;
  static EpochMetrics from_json(const nlohmann::json& j);
};

/// Progress within an epoch, for progress bars.
struct StepInfo {
  int64_t epoch = 0;  ///< 1-based
  int64_t epochs = 0;
  int64_t batch = 0;  ///< batches done in this epoch
  int64_t batches = 0;
  int64_t step = 0;
  double loss = 0;  ///< this step's loss (NaN on the device step, which reads losses per epoch)
};

/// Optional observers; the library itself never prints.
struct TrainCallbacks {
  /// Called once before the first step with the resolved config (config.json).
  std::function<void(const nlohmann::json&)> on_start;
  /// Called after every step.
  std::function<void(const StepInfo&)> on_step;
  /// Called after every epoch, after its checkpoint was written.
  std::function<void(const EpochMetrics&)> on_epoch;
};

struct TrainResult {
  /// Trained model (on the training device, eval mode).
  nn::Mlp model{nullptr};
  /// Every epoch's metrics, including those of the run a resume continued.
  std::vector<EpochMetrics> history;
  /// The resolved config (config.json).
  nlohmann::json config;
  int64_t steps = 0;
};

/// Trains. Throws InvalidArgument (bad options), DataError (bad data, unreadable checkpoint),
/// NumericalError (non-finite loss: names the step, the layer and its penalty; the last
/// checkpoint written stays valid), critnet::Error (outputs not writable).
TrainResult train(const TrainOptions& options, const TrainCallbacks& callbacks = {});

}  // namespace critnet::train
