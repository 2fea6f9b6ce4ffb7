#include "critnet/probe/layer_accumulator.h"

#include <algorithm>
#include <functional>
#include <random>

#include "critnet/core/error.h"
#include "critnet/core/random.h"

namespace critnet::probe {
namespace {

// Uniform integer in [0, bound) by rejection: identical on every standard library, unlike
// std::uniform_int_distribution.
uint64_t bounded(std::mt19937_64& gen, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;
  do {
    r = gen();
  } while (r >= limit);
  return r % bound;
}

}  // namespace

PatternCounter::PatternCounter(int64_t bits, int64_t max_patterns)
    : bits_(bits), words_((bits + 63) / 64), max_patterns_(max_patterns) {
  CRITNET_CHECK(bits > 0, "PatternCounter needs bits > 0, got ", bits);
  CRITNET_CHECK(max_patterns > 0, "max_patterns must be > 0, got ", max_patterns);
  slots_.assign(64, -1);
}

uint64_t PatternCounter::hash(const uint64_t* words) const {
  uint64_t h = 0x243F6A8885A308D3ULL;
  for (int64_t w = 0; w < words_; ++w) h = mix_seed(h ^ words[w], 0);
  return h;
}

void PatternCounter::grow() {
  std::vector<int64_t> slots(slots_.size() * 2, -1);
  const uint64_t mask = slots.size() - 1;
  for (int64_t idx = 0; idx < distinct(); ++idx) {
    uint64_t i = hash(&keys_[static_cast<size_t>(idx * words_)]) & mask;
    while (slots[i] != -1) i = (i + 1) & mask;
    slots[i] = idx;
  }
  slots_.swap(slots);
}

void PatternCounter::add(const uint64_t* words) {
  const uint64_t mask = slots_.size() - 1;
  uint64_t i = hash(words) & mask;
  while (slots_[i] != -1) {
    const int64_t idx = slots_[i];
    if (std::equal(words, words + words_, &keys_[static_cast<size_t>(idx * words_)])) {
      ++counts_[idx];
      return;
    }
    i = (i + 1) & mask;
  }
  if (distinct() >= max_patterns_) {
    cap_hit_ = true;
    ++dropped_;
    return;
  }
  slots_[i] = distinct();
  keys_.insert(keys_.end(), words, words + words_);
  counts_.push_back(1);
  if (static_cast<size_t>(2 * distinct()) > slots_.size()) grow();  // load factor <= 1/2
}

std::vector<int64_t> PatternCounter::sorted_counts() const {
  std::vector<int64_t> counts = counts_;
  std::sort(counts.begin(), counts.end(), std::greater<int64_t>());
  return counts;
}

std::size_t PatternCounter::state_bytes() const {
  return sizeof(*this) + keys_.capacity() * sizeof(uint64_t) +
         counts_.capacity() * sizeof(int64_t) + slots_.capacity() * sizeof(int64_t);
}

LayerAccumulator::LayerAccumulator(int64_t width, const ProbeOptions& options, uint64_t subset_seed)
    : width_(width),
      threshold_(options.threshold()),
      counts_(static_cast<size_t>(width), 0),
      patterns_(width, options.max_patterns()) {
  options.validate();
  CRITNET_CHECK(width > 0, "LayerAccumulator width must be > 0, got ", width);
  const int64_t k = std::min(options.subset_size(), width);
  std::mt19937_64 gen(subset_seed);
  std::vector<int64_t> perm(static_cast<size_t>(width));
  for (int64_t r = 0; r < options.num_subsets(); ++r) {
    for (int64_t i = 0; i < width; ++i) perm[i] = i;
    for (int64_t i = 0; i < k; ++i) {  // partial Fisher-Yates
      const auto j = i + static_cast<int64_t>(bounded(gen, static_cast<uint64_t>(width - i)));
      std::swap(perm[i], perm[j]);
    }
    std::vector<int64_t> units(perm.begin(), perm.begin() + k);
    std::sort(units.begin(), units.end());
    subset_units_.push_back(std::move(units));
    subset_patterns_.emplace_back(k, options.max_patterns());
  }
  mean_ = torch::zeros({width}, torch::kFloat64);
  comoment_ = torch::zeros({width, width}, torch::kFloat64);
}

void LayerAccumulator::update(const torch::Tensor& h) {
  CRITNET_CHECK(h.dim() == 2 && h.size(1) == width_, "layer activations must be [batch, ", width_,
                "], got ", h.sizes());
  const int64_t b = h.size(0);
  if (b == 0) return;
  const torch::Tensor x = h.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  CRITNET_CHECK_AS(NumericalError, torch::isfinite(x).all().item<bool>(),
                   "non-finite activations in a layer of width ", width_);
  const double* data = x.data_ptr<double>();
  const int64_t words = (width_ + 63) / 64;
  std::vector<uint64_t> packed(static_cast<size_t>(words));
  for (int64_t s = 0; s < b; ++s) {
    const double* row = data + s * width_;
    std::fill(packed.begin(), packed.end(), 0);
    double sum = 0.0;
    for (int64_t i = 0; i < width_; ++i) {
      sum += row[i];
      if (row[i] > threshold_) {
        ++counts_[i];
        packed[i / 64] |= uint64_t{1} << (i % 64);
      }
    }
    sample_means_.push_back(sum / static_cast<double>(width_));
    patterns_.add(packed.data());
    for (size_t r = 0; r < subset_units_.size(); ++r) {
      uint64_t code = 0;
      const auto& units = subset_units_[r];
      for (size_t j = 0; j < units.size(); ++j) {
        if ((packed[units[j] / 64] >> (units[j] % 64)) & 1U) code |= uint64_t{1} << j;
      }
      subset_patterns_[r].add(&code);
    }
  }
  // Chan, Golub & LeVeque (1979) pairwise merge of the centred co-moment.
  const torch::Tensor mean_b = x.mean(0);
  const torch::Tensor centred = x - mean_b;
  const torch::Tensor comoment_b = centred.t().mm(centred);
  if (n_ == 0) {
    mean_ = mean_b;
    comoment_ = comoment_b;
  } else {
    const double na = static_cast<double>(n_), nb = static_cast<double>(b), n = na + nb;
    const torch::Tensor delta = mean_b - mean_;
    comoment_ += comoment_b + torch::outer(delta, delta) * (na * nb / n);
    mean_ += delta * (nb / n);
  }
  n_ += b;
}

torch::Tensor LayerAccumulator::covariance() const {
  CRITNET_CHECK(n_ > 0, "covariance needs at least one sample");
  return comoment_ / static_cast<double>(n_);
}

std::size_t LayerAccumulator::fixed_state_bytes() const {
  std::size_t bytes = sizeof(*this) + counts_.capacity() * sizeof(int64_t) +
                      static_cast<std::size_t>(mean_.numel() + comoment_.numel()) * sizeof(double);
  for (const auto& units : subset_units_) bytes += units.capacity() * sizeof(int64_t);
  return bytes;
}

std::size_t LayerAccumulator::sample_state_bytes() const {
  return sample_means_.size() * sizeof(double);
}

std::size_t LayerAccumulator::pattern_state_bytes() const {
  std::size_t bytes = patterns_.state_bytes();
  for (const auto& p : subset_patterns_) bytes += p.state_bytes();
  return bytes;
}

}  // namespace critnet::probe
