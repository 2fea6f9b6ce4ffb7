// libFuzzer target: the IDX reader of MNIST / Fashion-MNIST files, raw or gzip'd
// (data::decode_file_bytes + data::parse_idx, what data::read_idx does with a file's bytes).
// The input is the file's content. Every rejection must be a critnet::Error.
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
  std::vector<uint8_t> bytes;
  try {
    bytes = critnet::data::decode_file_bytes(std::vector<uint8_t>(data, data + size), "fuzz.idx");
  } catch (const critnet::Error&) {
    return 0;
  }
  for (const int64_t dims : {1, 3}) {  // label files and image files
    try {
      const torch::Tensor t = critnet::data::parse_idx(bytes, "fuzz.idx", dims);
      if (t.dim() != dims || t.scalar_type() != torch::kUInt8) __builtin_trap();
    } catch (const critnet::Error&) {
    }
  }
  return 0;
}
