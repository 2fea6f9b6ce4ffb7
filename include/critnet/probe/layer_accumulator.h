#pragma once
/// Streaming accumulator of one hidden layer's activations.
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "critnet/probe/options.h"

namespace critnet::probe {

/// Counts distinct binary patterns of a fixed number of bits (the exact bit pattern is the key,
/// no hash collisions). At most `max_patterns` distinct patterns are stored; after that a
/// sample with a pattern not yet seen is only counted in dropped().
///
/// A flat open-addressing table (keys, counts and slots in three contiguous vectors that grow
/// by doubling): no per-pattern heap node, so the long-lived table does not fragment the heap
/// between the short-lived tensor buffers of each batch.
class PatternCounter {
 public:
  PatternCounter(int64_t bits, int64_t max_patterns);
  /// Adds one pattern given as packed 64-bit words (bit b of the pattern is bit b % 64 of
  /// word b / 64), ceil(bits / 64) words.
  void add(const uint64_t* words);
  /// Counts of the distinct patterns, sorted descending.
  std::vector<int64_t> sorted_counts() const;
  int64_t distinct() const { return static_cast<int64_t>(counts_.size()); }
  bool cap_hit() const { return cap_hit_; }
  int64_t dropped() const { return dropped_; }
  /// Heap bytes used (grows with the distinct patterns only).
  std::size_t state_bytes() const;

 private:
  uint64_t hash(const uint64_t* words) const;
  void grow();
  int64_t bits_, words_, max_patterns_;
  bool cap_hit_ = false;
  int64_t dropped_ = 0;
  std::vector<uint64_t> keys_;   // distinct × words_
  std::vector<int64_t> counts_;  // distinct
  std::vector<int64_t> slots_;   // power-of-two size, -1 = empty, else index into counts_
};

/// Accumulates, over batches of a layer's post-activations h [batch, width]:
/// activation counts, whole-layer and subset pattern counts, per-sample means, and the mean
/// vector and co-moment matrix in float64 (Chan, Golub & LeVeque's pairwise update: each batch's
/// centred co-moment is merged with M += M_b + δ δᵀ n_a n_b / n, δ = mean_b - mean_a).
class LayerAccumulator {
 public:
  /// subset_seed seeds the draw of the R random k-subsets (partial Fisher-Yates with a
  /// std::mt19937_64 and rejection sampling, so the draw is the same on every platform).
  LayerAccumulator(int64_t width, const ProbeOptions& options, uint64_t subset_seed);

  /// Adds a batch h [batch, width] (any floating dtype, any device).
  void update(const torch::Tensor& h);

  int64_t width() const { return width_; }
  int64_t num_samples() const { return n_; }
  /// c_i = #{s : x_i(s) > θ} [width].
  const std::vector<int64_t>& activation_counts() const { return counts_; }
  const PatternCounter& patterns() const { return patterns_; }
  const std::vector<std::vector<int64_t>>& subset_units() const { return subset_units_; }
  const std::vector<PatternCounter>& subset_patterns() const { return subset_patterns_; }
  /// m(s) = mean_i x_i(s), one per sample seen, in order.
  const std::vector<double>& sample_means() const { return sample_means_; }
  /// Mean over samples of each unit [width], float64.
  torch::Tensor mean() const { return mean_; }
  /// Population covariance C_kl = <x_k x_l> - <x_k><x_l> (divided by n) [width, width], float64.
  torch::Tensor covariance() const;

  /// Bytes of state whose size is independent of the number of samples (counts, mean,
  /// co-moment, subset lists): O(width²).
  std::size_t fixed_state_bytes() const;
  /// Bytes of the per-sample means: 8 per sample.
  std::size_t sample_state_bytes() const;
  /// Bytes of the pattern counters: grows with the number of distinct patterns, capped.
  std::size_t pattern_state_bytes() const;

 private:
  int64_t width_;
  double threshold_;
  int64_t n_ = 0;
  std::vector<int64_t> counts_;
  PatternCounter patterns_;
  std::vector<std::vector<int64_t>> subset_units_;
  std::vector<PatternCounter> subset_patterns_;
  std::vector<double> sample_means_;
  torch::Tensor mean_;      // [width] float64
  torch::Tensor comoment_;  // [width, width] float64, Σ_s (x - mean)(x - mean)ᵀ
};

}  // namespace critnet::probe
