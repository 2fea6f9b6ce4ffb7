#pragma once
/// Deterministic sample order: the order of an epoch is a pure function of (seed, epoch), so a
/// resumed run sees exactly the batches an uninterrupted one would.
#include <torch/torch.h>

#include <cstdint>

namespace critnet::data {

/// A fresh CPU generator seeded with `seed`.
torch::Generator make_generator(uint64_t seed);

/// The order in which epoch `epoch` visits n samples: int64 [n], a permutation of 0..n-1 drawn
/// from a generator seeded with mix_seed(seed, 1000 + epoch) (core/random.h; streams 0..2 are
/// the synthetic data's). Same arguments, same order.
torch::Tensor epoch_order(int64_t n, uint64_t seed, int64_t epoch);

}  // namespace critnet::data
