#pragma once
/// Checkpoints of training runs, and loading a trained model back (for probes and analyses).
///
/// A checkpoint directory (RUN/checkpoint/) holds state.json, model-EEEEEE.pt and
/// optimizer-EEEEEE.pt. Every file is written whole by io::write_file_atomic (core/io.h), and
/// state.json (renamed last) names the model and optimizer files of its epoch, so a run killed at
/// any moment leaves a consistent checkpoint: the last one completed.
#include <torch/torch.h>

#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>

#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"

namespace critnet::train {

/// A trained model with the resolved config it was trained with.
struct LoadedModel {
  nn::Mlp model{nullptr};  ///< on the CPU, in eval mode
  nlohmann::json config;   ///< the run's config.json
  int64_t epoch = 0;       ///< epochs completed (or started, for a partial last epoch)
};

/// Loads the model of a run directory (containing checkpoint/) or of a checkpoint directory.
/// Throws critnet::DataError naming the directory or file when there is no readable checkpoint.
LoadedModel load_model(const std::string& path);

/// Loads a model file (model-EEEEEE.pt) into `model`, built from the checkpoint's config, and
/// checks that every parameter of the file has the shape the config gives it (torch::load
/// alone would take another net's tensors silently). Throws critnet::DataError naming the
/// file, the parameter and both shapes.
void load_model_file(nn::Mlp& model, const std::string& file);

/// The data spec a run was trained on (config["train"]["data"]), so a probe can stream the same
/// data: load_data(data_spec_from_config(loaded.config)).
data::DataSpec data_spec_from_config(const nlohmann::json& config);

/// The checkpoint directory of `path` (a run directory or a checkpoint directory); throws
/// critnet::DataError when neither holds state.json.
std::string find_checkpoint_dir(const std::string& path);

/// state.json of a checkpoint directory: {"epoch", "step", "complete", "batches_done",
/// "model", "optimizer", "config", "history"}. Throws critnet::DataError.
nlohmann::json read_checkpoint_state(const std::string& checkpoint_dir);

/// The same for the text of a state.json; `file` names it in errors. Checks every key resuming
/// reads: epoch, step and batches_done integers >= 0, model and optimizer plain file names,
/// config an object, complete a bool, history a list of EpochMetrics. Throws critnet::DataError.
nlohmann::json parse_checkpoint_state(std::istream& in, const std::string& file);

}  // namespace critnet::train
