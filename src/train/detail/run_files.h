#pragma once
/// What a training run writes into its output directory (TrainOptions::out_dir; nothing when
/// it is empty): config.json, metrics.jsonl and checkpoint/ (train.h, checkpoint.h), under the
/// directory's RunLock, held as long as this object lives.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/core/io.h"
#include "critnet/nn/mlp.h"
#include "critnet/train/train.h"

namespace critnet::train::detail {

class RunFiles {
 public:
  /// Takes the directory's lock and removes the temporary files a killed writer left; refuses
  /// a fresh run (options.resume empty) into a directory that already holds one
  /// (InvalidArgument).
  explicit RunFiles(const TrainOptions& options);

  /// Writes config.json and metrics.jsonl (one line per epoch of `history`: a resumed run's).
  void start(const nlohmann::json& config, const std::vector<EpochMetrics>& history) const;
  /// Whether checkpoints are written (an output directory and options.checkpoint).
  bool checkpoints() const { return checkpoints_; }
  /// Saves model + optimizer + state (whose "epoch" names the files) atomically, state.json
  /// last, and removes the files of older epochs.
  void save_checkpoint(const nn::Mlp& model, const torch::optim::Adam& optimizer,
                       nlohmann::json state) const;
  /// Appends one line to metrics.jsonl.
  void append_metrics(const EpochMetrics& metrics) const;
  /// Rewrites metrics.jsonl as one line per epoch of `history` (an interrupted epoch's line
  /// replaced by the finished epoch's).
  void write_metrics(const std::vector<EpochMetrics>& history) const;
  /// Whether the checkpoint directory holds a state.json.
  bool has_checkpoint() const;

  /// For a NumericalError: where the last good checkpoint stays ("" without checkpoints).
  std::string checkpoint_note() const;
  /// For an interrupted run: where its checkpoint was written and how to continue it.
  std::string interrupted_note() const;

 private:
  std::string out_dir_, checkpoint_dir_;
  bool checkpoints_ = false;
  std::optional<io::RunLock> lock_;
};

}  // namespace critnet::train::detail
