#pragma once
/// The one seed mixer: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014). Every derived seed in critnet (epoch orders, synthetic data, the
/// probe's per-layer seeds and pattern hashes, the stochastic penalty's probes, the bootstrap's
/// xoshiro states) comes from these, so one seed fixes a run.
#include <cstdint>

namespace critnet {

/// SplitMix64's increment, ⌊2⁶⁴/φ⌋.
inline constexpr std::uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ULL;

/// SplitMix64's output function: a bijective mix of 64 bits.
constexpr std::uint64_t splitmix64_finalise(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The next output of the SplitMix64 generator whose state is `state` (advanced).
inline std::uint64_t splitmix64_next(std::uint64_t& state) {
  return splitmix64_finalise(state += kSplitMixGamma);
}

/// An independent 64-bit seed for stream `stream` of `seed`: SplitMix64's (stream + 1)-th
/// output from state `seed`.
constexpr std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  return splitmix64_finalise(seed + kSplitMixGamma * (stream + 1));
}

}  // namespace critnet
