#pragma once
/// The training recipe: the data, the network and the optimiser's batch, the settings a
/// training run (train::TrainOptions), a reproduce study and a sweep grid share, each with its
/// one default. A study adds what is per run (epochs, seed, penalty, device, threads, output).
#include <cstdint>
#include <vector>

#include "critnet/data/dataset.h"
#include "critnet/nn/mlp.h"

namespace critnet::train {

struct TrainRecipe {
  /// The data (source, directory, limits).
  data::DataSpec data;
  /// The paper's MLP: hidden widths, input side first (input and output sizes come from the
  /// data), and the activation.
  std::vector<int64_t> hidden_sizes{600, 400, 200, 100};
  nn::Activation activation = nn::Activation::kRelu;
  /// Adam's learning rate.
  double lr = 1e-3;
  /// Samples per step; the last batch of an epoch may be smaller.
  int64_t batch_size = 128;
  /// Stop after this many optimiser steps in total (0 = no limit; for tests); the epoch it ends
  /// in is logged and checkpointed as partial.
  int64_t max_steps = 0;
};

}  // namespace critnet::train
