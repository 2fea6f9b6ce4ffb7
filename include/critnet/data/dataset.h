#pragma once
/// Data sets for training and probing: what to load (DataSpec) and the loaded, standardised
/// splits (DataSplits).
///
/// Sources (DataSpec::source):
///   "fashion-mnist"  gzip'd or raw IDX files; directory data_dir, default
///                    /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
///   "mnist"          IDX files in data_dir (required)
///   "cifar10"        CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) in data_dir,
///                    default ../shared/data/cifar-10-batches-bin relative to the current
///                    directory or to the source tree, when present
///   "synthetic:D"    seeded N(0,1) inputs of dimension D, 10 classes, labelled by a fixed random
///                    linear teacher (learnable); sizes synthetic_train / synthetic_test
///
/// Image pixels are scaled to [0,1] and then standardised per channel with the mean and
/// standard deviation of the TRAIN split, applied to both splits.
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace critnet::data {

/// What to load. Bad values throw critnet::InvalidArgument; bad files critnet::DataError.
struct DataSpec {
  /// "fashion-mnist" | "mnist" | "cifar10" | "synthetic:D".
  std::string source = "fashion-mnist";
  /// Directory of the files; empty = the source's default.
  std::string data_dir;
  /// Seed of the synthetic data (inputs and teacher); unused by file sources.
  uint64_t seed = 0;
  /// Number of synthetic train / test samples.
  int64_t synthetic_train = 10000;
  int64_t synthetic_test = 2000;
  /// Keep only the first n train / test samples (0 = all). Standardisation uses the kept train
  /// samples.
  int64_t train_limit = 0;
  int64_t test_limit = 0;
};

void to_json(nlohmann::json& j, const DataSpec& spec);
/// Missing keys keep their defaults; unknown keys throw critnet::InvalidArgument.
void from_json(const nlohmann::json& j, DataSpec& spec);

/// One split.
struct Dataset {
  /// [n, d] float32, standardised (d = product of sample_shape).
  torch::Tensor inputs;
  /// [n] int64 in [0, num_classes).
  torch::Tensor labels;
  int64_t num_classes = 0;
  /// Shape of one sample before flattening: {C, H, W} for images ({1, 28, 28} for
  /// Fashion-MNIST, {3, 32, 32} for CIFAR-10), {D} for synthetic data.
  std::vector<int64_t> sample_shape;

  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
  int64_t input_size() const { return inputs.defined() ? inputs.size(1) : 0; }
};

/// The train and test splits of one source.
struct DataSplits {
  /// Resolved name: "fashion-mnist", "mnist", "cifar10" or "synthetic:D".
  std::string name;
  Dataset train;
  Dataset test;
  /// Directory the files were read from (empty for synthetic data).
  std::string data_dir;
  /// Per-channel mean and standard deviation (of the [0,1]-scaled train inputs) that were
  /// subtracted and divided.
  std::vector<double> channel_mean;
  std::vector<double> channel_std;
};

/// Loads both splits of spec.source. Throws critnet::InvalidArgument for a bad spec and
/// critnet::DataError (one line naming the file and the problem) for bad files. Never a partial
/// read.
DataSplits load_data(const DataSpec& spec);

/// One split of a source, as the probe streams it.
struct LoadedSplit {
  /// The split ("train" or "test"), its first `limit` samples.
  Dataset data;
  /// DataSplits::name of the source.
  std::string name;
  /// describe() of the splits as loaded (both splits; the test split already limited).
  nlohmann::json description;
};

/// Loads spec's source and keeps split "train" or "test", its first `limit` samples (0 = all).
/// The test split is limited at load time (spec.test_limit = limit); the train split only after
/// standardisation, since its statistics standardise both splits (they still follow
/// spec.train_limit). Throws critnet::InvalidArgument for another split name, limit < 0 or a bad
/// spec, critnet::DataError for bad files (as load_data).
LoadedSplit load_split(DataSpec spec, const std::string& split, int64_t limit);

/// Summary of loaded splits for configs and logs: name, sizes, input size, classes, sample
/// shape, channel statistics.
nlohmann::json describe(const DataSplits& splits);

}  // namespace critnet::data
