#pragma once
/// Readers for the IDX format of MNIST / Fashion-MNIST (raw or gzip'd) and the binary batches of
/// CIFAR-10. Every problem throws critnet::DataError with one line naming the file.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace critnet::data {

/// The whole content of a file; gzip'd files (magic 1f 8b) are inflated. Throws DataError for
/// a missing/unreadable file and a corrupt or truncated gzip stream.
std::vector<uint8_t> read_file_bytes(const std::string& path);

/// `raw`, the bytes of the file `name`, with gzip'd data (magic 1f 8b) inflated: what
/// read_file_bytes returns for such a file. Throws DataError naming `name` for a corrupt or
/// truncated gzip stream, and when `name` ends in .gz but the data is not gzip'd.
std::vector<uint8_t> decode_file_bytes(std::vector<uint8_t> raw, const std::string& name);

/// An IDX file of unsigned bytes (type 0x08) with `expected_dims` dimensions (magic
/// 0x0000080N). Returns a uint8 tensor of the stored shape. Throws DataError for a wrong magic
/// number, a truncated file or trailing bytes.
torch::Tensor read_idx(const std::string& path, int64_t expected_dims);

/// The same for the (already inflated) bytes of an IDX file; `name` labels the errors.
torch::Tensor parse_idx(const std::vector<uint8_t>& bytes, const std::string& name,
                        int64_t expected_dims);

/// Images [n, H, W] (uint8) and labels [n] (int64) from an IDX image file and its label file;
/// checks that the counts agree and every label is in [0, num_classes).
struct LabelledImages {
  torch::Tensor images;  ///< uint8 [n, C, H, W]
  torch::Tensor labels;  ///< int64 [n]
};
LabelledImages read_idx_pair(const std::string& images_path, const std::string& labels_path,
                             int64_t num_classes);

/// Bytes per CIFAR-10 record: 1 label byte + 3 x 32 x 32 pixel bytes (channel-major).
constexpr int64_t kCifarRecordBytes = 3073;

/// One CIFAR-10 binary batch: images uint8 [n, 3, 32, 32], labels int64 [n] in [0, 10). Throws
/// DataError when the file size is not a positive multiple of 3073 or a label is out of range.
LabelledImages read_cifar10_batch(const std::string& path);

/// The same for the bytes of a batch file; `name` labels the errors.
LabelledImages parse_cifar10_batch(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace critnet::data
