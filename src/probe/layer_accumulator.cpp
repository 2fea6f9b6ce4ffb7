#include "critnet/probe/layer_accumulator.h"

#include <algorithm>
#include <functional>
#include <random>

#include "critnet/core/error.h"

namespace critnet::probe {
namespace {

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

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

template <typename Map>
std::size_t map_bytes(const Map& map, std::size_t payload) {
  // Node: payload + next pointer + cached hash; plus one pointer per bucket.
  return map.bucket_count() * sizeof(void*) + map.size() * (payload + 2 * sizeof(void*));
}

}  // namespace

std::size_t PatternCounter::Hash::operator()(const std::vector<uint64_t>& key) const {
  uint64_t h = 0x243F6A8885A308D3ULL;
  for (uint64_t w : key) h = mix64(h ^ w);
  return static_cast<std::size_t>(h);
}

PatternCounter::PatternCounter(int64_t bits, int64_t max_patterns)
    : bits_(bits), words_((bits + 63) / 64), max_patterns_(max_patterns) {
  CRITNET_CHECK(bits > 0, "PatternCounter needs bits > 0, got ", bits);
  CRITNET_CHECK(max_patterns > 0, "max_patterns must be > 0, got ", max_patterns);
}

void PatternCounter::add(const uint64_t* words) {
  if (words_ == 1) {
    auto it = small_.find(words[0]);
    if (it != small_.end()) {
      ++it->second;
    } else if (static_cast<int64_t>(small_.size()) < max_patterns_) {
      small_.emplace(words[0], 1);
    } else {
      cap_hit_ = true;
      ++dropped_;
    }
    return;
  }
  std::vector<uint64_t> key(words, words + words_);
  auto it = large_.find(key);
  if (it != large_.end()) {
    ++it->second;
  } else if (static_cast<int64_t>(large_.size()) < max_patterns_) {
    large_.emplace(std::move(key), 1);
  } else {
    cap_hit_ = true;
    ++dropped_;
  }
}

std::vector<int64_t> PatternCounter::sorted_counts() const {
  std::vector<int64_t> counts;
  counts.reserve(static_cast<size_t>(distinct()));
  for (const auto& kv : small_) counts.push_back(kv.second);
  for (const auto& kv : large_) counts.push_back(kv.second);
  std::sort(counts.begin(), counts.end(), std::greater<int64_t>());
  return counts;
}

int64_t PatternCounter::distinct() const {
  return static_cast<int64_t>(small_.size() + large_.size());
}

std::size_t PatternCounter::state_bytes() const {
  return sizeof(*this) + map_bytes(small_, sizeof(std::pair<const uint64_t, int64_t>)) +
         map_bytes(large_, sizeof(std::pair<const std::vector<uint64_t>, int64_t>) +
                               static_cast<std::size_t>(words_) * sizeof(uint64_t));
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
