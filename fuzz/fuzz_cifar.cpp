// libFuzzer target: the CIFAR-10 binary batch reader (data::decode_file_bytes +
// data::parse_cifar10_batch, what data::read_cifar10_batch does with a file's bytes). The input
// is the file's content. Every rejection must be a critnet::Error.
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "critnet/core/error.h"
#include "critnet/data/idx.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto bytes =
        critnet::data::decode_file_bytes(std::vector<uint8_t>(data, data + size), "fuzz.bin");
    const auto batch = critnet::data::parse_cifar10_batch(bytes, "fuzz.bin");
    const int64_t n = batch.labels.size(0);
    if (batch.images.sizes() != torch::IntArrayRef({n, 3, 32, 32})) __builtin_trap();
  } catch (const critnet::Error&) {
  }
  return 0;
}
