// Readers and loaders of src/data: valid files round-trip, every malformed file gets one line
// naming the file and the problem.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "critnet/core/error.h"
#include "critnet/data/dataset.h"
#include "critnet/data/idx.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using critnet::DataError;
using critnet::InvalidArgument;
using namespace critnet::data;

namespace {

using Bytes = std::vector<uint8_t>;

class DataTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const Bytes& bytes) const {
    std::ofstream out(path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return path(name);
  }
  std::string write_gz(const std::string& name, const Bytes& bytes) const {
    gzFile f = gzopen(path(name).c_str(), "wb");
    gzwrite(f, bytes.data(), bytes.size());
    gzclose(f);
    return path(name);
  }

  static void be32(Bytes& b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  }
  // IDX images: n images of rows x cols, pixel (i, k) = (i * 7 + k) % 256.
  static Bytes idx_images(uint32_t n, uint32_t rows, uint32_t cols) {
    Bytes b;
    be32(b, 0x803);
    be32(b, n);
    be32(b, rows);
    be32(b, cols);
    for (uint32_t i = 0; i < n; ++i)
      for (uint32_t k = 0; k < rows * cols; ++k)
        b.push_back(static_cast<uint8_t>((i * 7 + k) % 256));
    return b;
  }
  static Bytes idx_labels(const Bytes& labels) {
    Bytes b;
    be32(b, 0x801);
    be32(b, static_cast<uint32_t>(labels.size()));
    b.insert(b.end(), labels.begin(), labels.end());
    return b;
  }
  static Bytes cifar(int n, uint8_t first_label = 3) {
    Bytes b;
    for (int i = 0; i < n; ++i) {
      b.push_back(i == 0 ? first_label : static_cast<uint8_t>(i % 10));
      for (int k = 0; k < 3072; ++k) b.push_back(static_cast<uint8_t>((k / 1024) * 80 + i));
    }
    return b;
  }

  // Writes a complete small IDX data set (train 6, test 4 images of 4x3), gzip'd or raw.
  void write_idx_set(bool gz) {
    auto put = [&](const std::string& name, const Bytes& b) {
      gz ? write_gz(name + ".gz", b) : write(name, b);
    };
    put("train-images-idx3-ubyte", idx_images(6, 4, 3));
    put("train-labels-idx1-ubyte", idx_labels({0, 1, 2, 3, 4, 9}));
    put("t10k-images-idx3-ubyte", idx_images(4, 4, 3));
    put("t10k-labels-idx1-ubyte", idx_labels({5, 6, 7, 8}));
  }

  template <typename F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const DataError& e) {
      return e.what();
    }
    return "(no DataError)";
  }

  critnet::test_support::TempDir tmp_{"data_test"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(DataTest, ReadsRawAndGzippedIdx) {
  const auto raw = write("a-images", idx_images(3, 2, 5));
  const auto gz = write_gz("b-images.gz", idx_images(3, 2, 5));
  auto a = read_idx(raw, 3);
  auto b = read_idx(gz, 3);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{3, 2, 5}));
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_EQ(a[2][1][4].item<int>(), (2 * 7 + 9) % 256);
}

TEST_F(DataTest, MissingFile) {
  EXPECT_EQ(error_of([&] { read_idx(path("nope"), 3); }),
            path("nope") + ": missing file (no such file)");
}

TEST_F(DataTest, WrongMagic) {
  const auto p = write("labels", idx_labels({1, 2}));
  EXPECT_EQ(error_of([&] { read_idx(p, 3); }),
            p + ": wrong magic number 0x00000801 (expected 0x00000803, an IDX file of unsigned "
                "bytes with 3 dimensions)");
}

TEST_F(DataTest, TruncatedIdx) {
  Bytes b = idx_images(2, 3, 3);
  b.resize(b.size() - 5);
  const auto p = write("trunc", b);
  EXPECT_EQ(error_of([&] { read_idx(p, 3); }),
            p + ": truncated file (the header promises 18 data bytes, found 13)");
  const auto h = write("short-header", Bytes{0, 0, 8, 3, 0, 0});
  EXPECT_EQ(error_of([&] { read_idx(h, 3); }), h + ": truncated IDX header (6 bytes, need 16)");
  const auto tiny = write("tiny", Bytes{0, 0});
  EXPECT_EQ(error_of([&] { read_idx(tiny, 1); }),
            tiny + ": truncated IDX file (2 bytes, shorter than the 4-byte magic number)");
}

TEST_F(DataTest, TrailingBytes) {
  Bytes b = idx_labels({1, 2});
  b.push_back(7);
  const auto p = write("trailing", b);
  EXPECT_EQ(error_of([&] { read_idx(p, 1); }),
            p + ": 1 unexpected trailing bytes after the data the header describes");
}

TEST_F(DataTest, NotGzipAndCorruptGzip) {
  const auto p = write("fake.gz", idx_labels({1}));
  EXPECT_EQ(error_of([&] { read_file_bytes(p); }),
            p + ": not a gzip file (the name ends in .gz but the magic bytes are not 1f 8b)");

  // A real gzip stream cut in half.
  write_gz("full.gz", idx_images(50, 10, 10));
  std::ifstream in(path("full.gz"), std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes half(gz.begin(), gz.begin() + gz.size() / 2);
  const auto t = write("half.gz", half);
  EXPECT_EQ(error_of([&] { read_file_bytes(t); }),
            t + ": truncated gzip stream (the compressed data ends early)");

  // Garbage after a valid gzip header.
  Bytes bad(gz.begin(), gz.begin() + 10);
  for (int i = 0; i < 64; ++i) bad.push_back(0xff);
  const auto c = write("corrupt.gz", bad);
  const std::string msg = error_of([&] { read_file_bytes(c); });
  EXPECT_EQ(msg.rfind(c + ": corrupt gzip data (", 0), 0u) << msg;
}

TEST_F(DataTest, CountMismatchAndLabelRange) {
  const auto imgs = write("imgs", idx_images(3, 2, 2));
  const auto two = write("two", idx_labels({1, 2}));
  EXPECT_EQ(error_of([&] { read_idx_pair(imgs, two, 10); }),
            imgs + " has 3 images but " + two + " has 2 labels (count mismatch)");
  const auto big = write("big", idx_labels({1, 12, 3}));
  EXPECT_EQ(error_of([&] { read_idx_pair(imgs, big, 10); }),
            big + ": label 12 at index 1 is out of range [0, 10)");
}

TEST_F(DataTest, CifarBatches) {
  auto ok = read_cifar10_batch(write("b.bin", cifar(3)));
  EXPECT_EQ(ok.images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(ok.labels[0].item<int64_t>(), 3);
  EXPECT_EQ(ok.labels[2].item<int64_t>(), 2);
  EXPECT_EQ(ok.images[2][1][0][0].item<int>(), 82);  // channel 1 of record 2

  Bytes b = cifar(2);
  b.pop_back();
  const auto p = write("short.bin", b);
  EXPECT_EQ(error_of([&] { read_cifar10_batch(p); }),
            p + ": wrong record size: file size 6145 is not a multiple of 3073 bytes (1 label byte "
                "+ 3072 pixel bytes per record)");
  const auto e = write("empty.bin", {});
  EXPECT_EQ(error_of([&] { read_cifar10_batch(e); }),
            e + ": empty file (expected CIFAR-10 records of 3073 bytes)");
  const auto l = write("label.bin", cifar(2, 10));
  EXPECT_EQ(error_of([&] { read_cifar10_batch(l); }),
            l + ": label 10 of record 0 is out of range [0, 10)");
}

TEST_F(DataTest, LoadsIdxDirectoryAndStandardisesWithTrainStatistics) {
  for (bool gz : {false, true}) {
    SCOPED_TRACE(gz);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_idx_set(gz);
    DataSpec spec;
    spec.source = "mnist";
    spec.data_dir = dir_.string();
    auto s = load_data(spec);
    EXPECT_EQ(s.name, "mnist");
    EXPECT_EQ(s.train.inputs.sizes(), (std::vector<int64_t>{6, 12}));
    EXPECT_EQ(s.test.inputs.sizes(), (std::vector<int64_t>{4, 12}));
    EXPECT_EQ(s.train.sample_shape, (std::vector<int64_t>{1, 4, 3}));
    EXPECT_EQ(s.train.labels.dtype(), torch::kInt64);
    EXPECT_EQ(s.train.labels[5].item<int64_t>(), 9);
    EXPECT_EQ(s.train.num_classes, 10);
    EXPECT_NEAR(s.train.inputs.mean().item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(s.train.inputs.pow(2).mean().item<double>(), 1.0, 1e-4);
    // The test split uses the train statistics.
    ASSERT_EQ(s.channel_mean.size(), 1u);
    const double pixel = ((0 * 7 + 5) % 256) / 255.0;  // test image 0, pixel 5
    EXPECT_NEAR(s.test.inputs[0][5].item<double>(), (pixel - s.channel_mean[0]) / s.channel_std[0],
                1e-5);
  }
}

TEST_F(DataTest, LoaderNamesTheMissingFile) {
  write_idx_set(true);
  fs::remove(path("t10k-labels-idx1-ubyte.gz"));
  DataSpec spec;
  spec.source = "fashion-mnist";
  spec.data_dir = dir_.string();
  EXPECT_EQ(error_of([&] { load_data(spec); }),
            path("t10k-labels-idx1-ubyte") + "[.gz]: missing file");
  spec.data_dir = path("nowhere");
  EXPECT_EQ(error_of([&] { load_data(spec); }),
            path("nowhere") + ": data directory does not exist");
}

TEST_F(DataTest, LoadsCifarDirectoryPerChannel) {
  for (int b = 1; b <= 5; ++b) write("data_batch_" + std::to_string(b) + ".bin", cifar(2));
  write("test_batch.bin", cifar(3));
  DataSpec spec;
  spec.source = "cifar10";
  spec.data_dir = dir_.string();
  spec.test_limit = 2;
  auto s = load_data(spec);
  EXPECT_EQ(s.train.inputs.sizes(), (std::vector<int64_t>{10, 3072}));
  EXPECT_EQ(s.test.inputs.sizes(), (std::vector<int64_t>{2, 3072}));
  EXPECT_EQ(s.train.sample_shape, (std::vector<int64_t>{3, 32, 32}));
  ASSERT_EQ(s.channel_mean.size(), 3u);
  EXPECT_NEAR(s.channel_mean[1], (80 + 0.5) / 255.0, 1e-6);  // records 0 and 1 alternate
  auto per_channel = s.train.inputs.view({10, 3, 1024}).mean(std::vector<int64_t>{0, 2});
  EXPECT_TRUE(torch::allclose(per_channel, torch::zeros(3), 0, 1e-3));  // std is tiny here

  write("data_batch_4.bin", Bytes(100, 1));
  EXPECT_EQ(
      error_of([&] { load_data(spec); }),
      path("data_batch_4.bin") +
          ": wrong record size: file size 100 is not a multiple of 3073 bytes (1 label byte + "
          "3072 pixel bytes per record)");
}

TEST(Data, SyntheticIsSeededAndLearnable) {
  DataSpec spec;
  spec.source = "synthetic:16";
  spec.seed = 5;
  spec.synthetic_train = 500;
  spec.synthetic_test = 100;
  auto a = load_data(spec);
  auto b = load_data(spec);
  EXPECT_EQ(a.name, "synthetic:16");
  EXPECT_EQ(a.train.inputs.sizes(), (std::vector<int64_t>{500, 16}));
  EXPECT_EQ(a.test.labels.sizes(), (std::vector<int64_t>{100}));
  EXPECT_TRUE(torch::equal(a.train.inputs, b.train.inputs));
  EXPECT_TRUE(torch::equal(a.test.labels, b.test.labels));
  spec.seed = 6;
  EXPECT_FALSE(torch::equal(load_data(spec).train.inputs, a.train.inputs));
  // Several classes occur, and a least-squares linear read-out beats chance by far.
  EXPECT_GT(a.train.labels.bincount().gt(0).sum().item<int64_t>(), 5);
  auto y = torch::one_hot(a.train.labels, 10).to(torch::kFloat64);
  auto x = a.train.inputs.to(torch::kFloat64);
  auto w = torch::linalg_pinv(x).matmul(y);
  auto acc = x.matmul(w).argmax(1).eq(a.train.labels).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(acc, 0.6);
}

TEST(Data, BadSpecs) {
  DataSpec spec;
  spec.source = "imagenet";
  EXPECT_THROW(load_data(spec), InvalidArgument);
  for (const char* s : {"synthetic:", "synthetic:x", "synthetic:-3", "synthetic:12a"}) {
    spec.source = s;
    try {
      load_data(spec);
      ADD_FAILURE() << s;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(
          std::string(e.what()),
          std::string("data source 'synthetic:D' needs a positive integer dimension D, got '") + s +
              "'");
    }
  }
  spec.source = "mnist";
  EXPECT_THROW(load_data(spec), InvalidArgument);
}

// A synthetic:12 source with 200 train and 80 test samples.
DataSpec synthetic_12() {
  DataSpec spec;
  spec.source = "synthetic:12";
  spec.seed = 3;
  spec.synthetic_train = 200;
  spec.synthetic_test = 80;
  return spec;
}

// load_split keeps one split: the test split limited at load time, the train split after
// standardisation with the statistics of the whole (spec.train_limit) train split.
TEST(Data, LoadSplitKeepsOneSplitLimitedAsTheProbeReadsIt) {
  const DataSpec spec = synthetic_12();
  const DataSplits all = load_data(spec);

  const LoadedSplit train = load_split(spec, "train", 50);
  EXPECT_EQ(train.name, "synthetic:12");
  EXPECT_TRUE(torch::equal(train.data.inputs, all.train.inputs.slice(0, 0, 50)));
  EXPECT_TRUE(torch::equal(train.data.labels, all.train.labels.slice(0, 0, 50)));
  EXPECT_EQ(train.data.sample_shape, all.train.sample_shape);
  EXPECT_EQ(train.data.num_classes, all.train.num_classes);
  EXPECT_EQ(train.description, describe(all));  // the train split is not limited at load time

  DataSpec limited = spec;
  limited.test_limit = 30;
  const DataSplits all_limited = load_data(limited);
  const LoadedSplit test = load_split(spec, "test", 30);
  EXPECT_TRUE(torch::equal(test.data.inputs, all_limited.test.inputs));
  EXPECT_TRUE(torch::equal(test.data.labels, all_limited.test.labels));
  EXPECT_EQ(test.description, describe(all_limited));
  EXPECT_EQ(test.description["test_size"], 30);

  // 0 = all; a limit above the split's size keeps it whole.
  EXPECT_EQ(load_split(spec, "test", 0).data.size(), 80);
  EXPECT_EQ(load_split(spec, "train", 1000).data.size(), 200);
  EXPECT_TRUE(torch::equal(load_split(spec, "test", 0).data.inputs, all.test.inputs));
}

TEST(Data, LoadSplitErrorsNameTheValue) {
  DataSpec spec = synthetic_12();
  auto error = [&](const std::string& split, int64_t limit) -> std::string {
    try {
      load_split(spec, split, limit);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error("valid", 0), "split must be train or test, got 'valid'");
  EXPECT_EQ(error("test", -1), "limit must be >= 0, got -1");
  spec.source = "imagenet";
  EXPECT_THROW(load_split(spec, "test", 0), InvalidArgument);
}

TEST(Data, SpecJsonRoundTrip) {
  DataSpec spec;
  spec.source = "synthetic:8";
  spec.seed = 42;
  spec.train_limit = 7;
  nlohmann::json j = spec;
  DataSpec back = j.get<DataSpec>();
  EXPECT_EQ(back.source, "synthetic:8");
  EXPECT_EQ(back.seed, 42u);
  EXPECT_EQ(back.train_limit, 7);
  EXPECT_THROW(nlohmann::json({{"colour", 1}}).get<DataSpec>(), InvalidArgument);
}

TEST(Data, RealFashionMnistWhenInstalled) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  }
  DataSpec spec;
  spec.train_limit = 1000;
  auto s = load_data(spec);
  EXPECT_EQ(s.name, "fashion-mnist");
  EXPECT_EQ(s.train.inputs.sizes(), (std::vector<int64_t>{1000, 784}));
  EXPECT_EQ(s.test.inputs.size(0), 10000);
  EXPECT_EQ(s.test.labels.bincount().min().item<int64_t>(), 1000);  // balanced test set
}

}  // namespace

TEST_F(DataTest, BytesReadersMatchFiles) {
  const Bytes images = idx_images(3, 2, 5);
  const auto from_file = read_idx(write("c-images", images), 3);
  EXPECT_TRUE(parse_idx(images, "x", 3).equal(from_file));
  const std::string gz = critnet::test_support::read_file(write_gz("c.gz", images));
  EXPECT_EQ(decode_file_bytes(Bytes(gz.begin(), gz.end()), "c.gz"), images);
  EXPECT_EQ(decode_file_bytes(images, "plain"), images);
  EXPECT_EQ(error_of([&] { decode_file_bytes(images, "x.gz"); }),
            "x.gz: not a gzip file (the name ends in .gz but the magic bytes are not 1f 8b)");
  const auto batch = parse_cifar10_batch(cifar(2), "b.bin");
  EXPECT_EQ(batch.images.sizes(), torch::IntArrayRef({2, 3, 32, 32}));
}

TEST_F(DataTest, IdxDimensionsWhoseProductWrapsAreRefused) {
  // 2^20 * 2^20 * 2^24 = 2^64 wraps to 0 in 64 bits: it used to pass as an empty tensor of
  // that shape. Found by review while adding fuzz_idx.
  Bytes b;
  be32(b, 0x803);
  be32(b, 1u << 20);
  be32(b, 1u << 20);
  be32(b, 1u << 24);
  EXPECT_EQ(error_of([&] { parse_idx(b, "wrap", 3); }), "wrap: implausible IDX dimensions");
  Bytes zero;  // a zero dimension is fine whatever the others are
  be32(zero, 0x803);
  be32(zero, 0);
  be32(zero, 0xffffffffu);
  be32(zero, 0xffffffffu);
  EXPECT_EQ(parse_idx(zero, "zero", 3).numel(), 0);
}
