#include "critnet/data/idx.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include "critnet/core/error.h"
#include "critnet/core/io.h"

namespace critnet::data {
namespace {

bool is_gzip(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Inflates every gzip member of `in`; throws DataError on corrupt or truncated data.
std::vector<uint8_t> gunzip(const std::string& path, const std::vector<uint8_t>& in) {
  z_stream zs{};
  CRITNET_CHECK_DATA(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK, path, ": cannot initialise zlib");
  std::vector<uint8_t> out;
  out.resize(std::max<size_t>(in.size() * 3, 1 << 16));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  int ret = Z_OK;
  while (true) {
    if (produced == out.size()) out.resize(out.size() * 2);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    const uInt before = zs.avail_out;
    ret = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (ret == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_MEM_ERROR || ret == Z_STREAM_ERROR) {
      const std::string msg = zs.msg ? zs.msg : "unknown error";
      inflateEnd(&zs);
      throw DataError(path + ": corrupt gzip data (" + msg + ")");
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw DataError(path + ": truncated gzip stream (the compressed data ends early)");
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  io::require_regular_file(path, "file");  // before an open that a FIFO would block
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path + ": read error (" + std::strerror(errno) + ")");
  return decode_file_bytes(std::move(bytes), path);
}

std::vector<uint8_t> decode_file_bytes(std::vector<uint8_t> raw, const std::string& path) {
  if (is_gzip(raw)) return gunzip(path, raw);
  if (ends_with(path, ".gz")) {
    throw DataError(path +
                    ": not a gzip file (the name ends in .gz but the magic bytes are not 1f 8b)");
  }
  return raw;
}

torch::Tensor read_idx(const std::string& path, int64_t expected_dims) {
  return parse_idx(read_file_bytes(path), path, expected_dims);
}

torch::Tensor parse_idx(const std::vector<uint8_t>& bytes, const std::string& path,
                        int64_t expected_dims) {
  CRITNET_CHECK(expected_dims >= 1 && expected_dims <= 255,
                "IDX dimensions must be in [1, 255], got ", expected_dims);
  const uint32_t expected_magic = 0x00000800u | static_cast<uint32_t>(expected_dims);
  CRITNET_CHECK_DATA(bytes.size() >= 4, path, ": truncated IDX file (", bytes.size(),
                     " bytes, shorter than the 4-byte magic number)");
  const uint32_t magic = read_be32(bytes.data());
  CRITNET_CHECK_DATA(magic == expected_magic, path, ": wrong magic number ", hex32(magic),
                     " (expected ", hex32(expected_magic), ", an IDX file of unsigned bytes with ",
                     expected_dims, " dimensions)");
  const size_t header = 4 + 4 * static_cast<size_t>(expected_dims);
  CRITNET_CHECK_DATA(bytes.size() >= header, path, ": truncated IDX header (", bytes.size(),
                     " bytes, need ", header, ")");
  std::vector<int64_t> shape;
  constexpr uint64_t kMaxCount = uint64_t(1) << 40;
  uint64_t count = 1;
  for (int64_t d = 0; d < expected_dims; ++d) {
    const uint32_t n = read_be32(bytes.data() + 4 + 4 * d);
    shape.push_back(static_cast<int64_t>(n));
    // Checked before multiplying: a product past 2^64 would wrap to a small count.
    CRITNET_CHECK_DATA(n == 0 || count <= kMaxCount / n, path, ": implausible IDX dimensions");
    count *= n;
  }
  const uint64_t have = bytes.size() - header;
  CRITNET_CHECK_DATA(have >= count, path, ": truncated file (the header promises ", count,
                     " data bytes, found ", have, ")");
  CRITNET_CHECK_DATA(have == count, path, ": ", have - count,
                     " unexpected trailing bytes after the data the header describes");
  auto t = torch::empty(shape, torch::kUInt8);
  if (count > 0) std::memcpy(t.data_ptr<uint8_t>(), bytes.data() + header, count);
  return t;
}

LabelledImages read_idx_pair(const std::string& images_path, const std::string& labels_path,
                             int64_t num_classes) {
  torch::Tensor images = read_idx(images_path, 3);
  torch::Tensor labels = read_idx(labels_path, 1);
  CRITNET_CHECK_DATA(images.size(0) == labels.size(0), images_path, " has ", images.size(0),
                     " images but ", labels_path, " has ", labels.size(0),
                     " labels (count mismatch)");
  CRITNET_CHECK_DATA(images.size(0) > 0, images_path, ": no images");
  if (labels.numel() > 0) {
    const auto bad = (labels >= num_classes).nonzero();
    if (bad.size(0) > 0) {
      const int64_t i = bad[0][0].item<int64_t>();
      throw DataError(labels_path + ": label " + std::to_string(labels[i].item<int>()) +
                      " at index " + std::to_string(i) + " is out of range [0, " +
                      std::to_string(num_classes) + ")");
    }
  }
  return {images.unsqueeze(1), labels.to(torch::kInt64)};
}

LabelledImages read_cifar10_batch(const std::string& path) {
  return parse_cifar10_batch(read_file_bytes(path), path);
}

LabelledImages parse_cifar10_batch(const std::vector<uint8_t>& bytes, const std::string& path) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  CRITNET_CHECK_DATA(size > 0, path, ": empty file (expected CIFAR-10 records of ",
                     kCifarRecordBytes, " bytes)");
  CRITNET_CHECK_DATA(size % kCifarRecordBytes == 0, path, ": wrong record size: file size ", size,
                     " is not a multiple of ", kCifarRecordBytes,
                     " bytes (1 label byte + 3072 pixel bytes per record)");
  const int64_t n = size / kCifarRecordBytes;
  // Labels checked on the bytes, before any tensor is made.
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t label = bytes[static_cast<size_t>(i * kCifarRecordBytes)];
    CRITNET_CHECK_DATA(label < 10, path, ": label ", int(label), " of record ", i,
                       " is out of range [0, 10)");
  }
  auto raw =
      torch::from_blob(const_cast<uint8_t*>(bytes.data()), {n, kCifarRecordBytes}, torch::kUInt8);
  auto labels = raw.select(1, 0).to(torch::kInt64);
  auto images = raw.slice(1, 1).reshape({n, 3, 32, 32}).clone();
  return {images, labels};
}

}  // namespace critnet::data
