#include "critnet/data/batches.h"

#include <ATen/CPUGeneratorImpl.h>

namespace critnet::data {

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

torch::Generator make_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  // Stream 1000 + epoch keeps epoch orders apart from the synthetic data's streams 0..2.
  return torch::randperm(n, make_generator(mix_seed(seed, 1000 + static_cast<uint64_t>(epoch))),
                         torch::TensorOptions().dtype(torch::kInt64));
}

}  // namespace critnet::data
