#include "critnet/data/batches.h"

#include <ATen/CPUGeneratorImpl.h>

#include "critnet/core/random.h"

namespace critnet::data {

torch::Generator make_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  // Stream 1000 + epoch keeps epoch orders apart from the synthetic data's streams 0..2.
  return torch::randperm(n, make_generator(mix_seed(seed, 1000 + static_cast<uint64_t>(epoch))),
                         torch::TensorOptions().dtype(torch::kInt64));
}

}  // namespace critnet::data
