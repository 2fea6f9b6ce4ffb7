#include "critnet/data/dataset.h"

#include <filesystem>
#include <limits>
#include <type_traits>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/core/random.h"
#include "critnet/data/batches.h"
#include "critnet/data/idx.h"

namespace critnet::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
constexpr const char* kCifarRelative = "../shared/data/cifar-10-batches-bin";
constexpr double kMaxSyntheticValues = 1073741824.0;  // 2^30 float32 inputs: 4 GiB

void check_dir(const std::string& dir) {
  std::error_code ec;
  CRITNET_CHECK_DATA(fs::exists(dir, ec), dir, ": data directory does not exist");
  CRITNET_CHECK_DATA(fs::is_directory(dir, ec), dir, ": is not a directory");
}

// Finds <dir>/<stem>-<kind>-ubyte(.gz), also the original MNIST spelling <stem>.<kind>-ubyte.
std::string find_idx_file(const std::string& dir, const std::string& stem,
                          const std::string& kind) {
  const std::string base = (fs::path(dir) / (stem + "-" + kind + "-ubyte")).string();
  const std::string dotted = (fs::path(dir) / (stem + "." + kind + "-ubyte")).string();
  for (const auto& candidate : {base + ".gz", base, dotted + ".gz", dotted}) {
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate;
  }
  throw DataError(base + "[.gz]: missing file");
}

// Keeps the first `limit` samples (0 = all).
LabelledImages limit(LabelledImages d, int64_t limit) {
  if (limit > 0 && limit < d.images.size(0)) {
    d.images = d.images.slice(0, 0, limit);
    d.labels = d.labels.slice(0, 0, limit);
  }
  return d;
}

// [n, C, H, W] uint8 -> [n, C, H*W] float in [0,1].
torch::Tensor to_unit(const torch::Tensor& images) {
  return images.to(torch::kFloat32).div_(255.0f).reshape({images.size(0), images.size(1), -1});
}

Dataset make_dataset(torch::Tensor x, torch::Tensor labels, int64_t num_classes,
                     std::vector<int64_t> sample_shape) {
  Dataset d;
  d.inputs = x.reshape({x.size(0), -1}).contiguous();
  d.labels = labels.to(torch::kInt64).contiguous();
  d.num_classes = num_classes;
  d.sample_shape = std::move(sample_shape);
  return d;
}

// Standardises per channel ([n, C, P] float) with the statistics of `train`, in place.
void standardise(torch::Tensor& train, torch::Tensor& test, DataSplits& splits) {
  const int64_t channels = train.size(1);
  splits.channel_mean.clear();
  splits.channel_std.clear();
  for (int64_t c = 0; c < channels; ++c) {
    auto xc = train.select(1, c);
    const double mean = xc.mean().item<double>();
    double std = (xc - mean).pow(2).mean().sqrt().item<double>();
    if (!(std > 0)) std = 1.0;  // a constant channel: centre it, do not divide by zero
    splits.channel_mean.push_back(mean);
    splits.channel_std.push_back(std);
    train.select(1, c).sub_(mean).div_(std);
    test.select(1, c).sub_(mean).div_(std);
  }
}

DataSplits load_images(const std::string& name, const std::string& dir, LabelledImages train,
                       LabelledImages test, const DataSpec& spec, int64_t num_classes) {
  train = limit(std::move(train), spec.train_limit);
  test = limit(std::move(test), spec.test_limit);
  CRITNET_CHECK_DATA(train.images.sizes().slice(1) == test.images.sizes().slice(1), dir,
                     ": train and test images differ in shape (", train.images.sizes(), " vs ",
                     test.images.sizes(), ")");
  DataSplits splits;
  splits.name = name;
  splits.data_dir = dir;
  const std::vector<int64_t> shape(train.images.sizes().begin() + 1, train.images.sizes().end());
  auto xtr = to_unit(train.images);
  auto xte = to_unit(test.images);
  standardise(xtr, xte, splits);
  splits.train = make_dataset(xtr, train.labels, num_classes, shape);
  splits.test = make_dataset(xte, test.labels, num_classes, shape);
  return splits;
}

DataSplits load_idx(const std::string& name, const std::string& dir, const DataSpec& spec) {
  check_dir(dir);
  auto train = read_idx_pair(find_idx_file(dir, "train", "images-idx3"),
                             find_idx_file(dir, "train", "labels-idx1"), 10);
  auto test = read_idx_pair(find_idx_file(dir, "t10k", "images-idx3"),
                            find_idx_file(dir, "t10k", "labels-idx1"), 10);
  return load_images(name, dir, std::move(train), std::move(test), spec, 10);
}

std::string default_cifar_dir() {
  const std::vector<std::string> candidates = {
      kCifarRelative, (fs::path(CRITNET_SOURCE_DIR) / kCifarRelative).lexically_normal().string()};
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return c;
  }
  throw DataError(std::string("cifar10: no --data-dir given and the default directory ") +
                  kCifarRelative + " (relative to the current directory or to " +
                  CRITNET_SOURCE_DIR + ") does not exist");
}

DataSplits load_cifar10(const std::string& dir, const DataSpec& spec) {
  check_dir(dir);
  std::vector<torch::Tensor> images, labels;
  for (int b = 1; b <= 5; ++b) {
    auto batch =
        read_cifar10_batch((fs::path(dir) / ("data_batch_" + std::to_string(b) + ".bin")).string());
    images.push_back(batch.images);
    labels.push_back(batch.labels);
  }
  LabelledImages train{torch::cat(images), torch::cat(labels)};
  auto test = read_cifar10_batch((fs::path(dir) / "test_batch.bin").string());
  return load_images("cifar10", dir, std::move(train), std::move(test), spec, 10);
}

DataSplits load_synthetic(int64_t dim, const DataSpec& spec) {
  CRITNET_CHECK(spec.synthetic_train > 0, "synthetic_train must be > 0, got ",
                spec.synthetic_train);
  CRITNET_CHECK(spec.synthetic_test > 0, "synthetic_test must be > 0, got ", spec.synthetic_test);
  // float32 inputs; a bound that keeps the allocation's size and a clear message ahead of the
  // allocator's.
  const double values =
      (static_cast<double>(spec.synthetic_train) + static_cast<double>(spec.synthetic_test)) *
      static_cast<double>(dim);
  CRITNET_CHECK(values <= kMaxSyntheticValues, "synthetic data of (", spec.synthetic_train, " + ",
                spec.synthetic_test, " samples) x D = ", dim, " inputs is more than 2^30 values");
  constexpr int64_t kClasses = 10;
  auto teacher = torch::randn({dim, kClasses}, make_generator(mix_seed(spec.seed, 0)));
  auto sample = [&](int64_t n, uint64_t stream) {
    auto x = torch::randn({n, dim}, make_generator(mix_seed(spec.seed, stream)));
    auto y = x.matmul(teacher).argmax(1);
    return LabelledImages{x.unsqueeze(1), y};
  };
  auto train = limit(sample(spec.synthetic_train, 1), spec.train_limit);
  auto test = limit(sample(spec.synthetic_test, 2), spec.test_limit);
  DataSplits splits;
  splits.name = "synthetic:" + std::to_string(dim);
  auto xtr = train.images.clone();
  auto xte = test.images.clone();
  standardise(xtr, xte, splits);
  splits.train = make_dataset(xtr, train.labels, kClasses, {dim});
  splits.test = make_dataset(xte, test.labels, kClasses, {dim});
  return splits;
}

}  // namespace

void to_json(nlohmann::json& j, const DataSpec& spec) {
  j = nlohmann::json{{"source", spec.source},
                     {"data_dir", spec.data_dir},
                     {"seed", spec.seed},
                     {"synthetic_train", spec.synthetic_train},
                     {"synthetic_test", spec.synthetic_test},
                     {"train_limit", spec.train_limit},
                     {"test_limit", spec.test_limit}};
}

void from_json(const nlohmann::json& j, DataSpec& spec) {
  CRITNET_CHECK(j.is_object(), "data spec must be a JSON object, got ", j.dump());
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    // Integers checked: nlohmann casts 2.5 to 2 and 1e300 out of range (undefined behaviour).
    auto integer = [&](auto& field) {
      using T = std::remove_reference_t<decltype(field)>;
      const auto v = critnet::detail::json_integer<T>(value);
      if (!value.is_number())
        throw InvalidArgument("data option '" + key + "': wrong type (" + value.dump() + ")");
      CRITNET_CHECK(v.has_value(), "data option '", key, "': expected an integer in [",
                    std::numeric_limits<T>::min(), ", ", std::numeric_limits<T>::max(), "], got ",
                    value.dump());
      field = *v;
    };
    try {
      if (key == "source")
        spec.source = value.get<std::string>();
      else if (key == "data_dir")
        spec.data_dir = value.get<std::string>();
      else if (key == "seed")
        integer(spec.seed);
      else if (key == "synthetic_train")
        integer(spec.synthetic_train);
      else if (key == "synthetic_test")
        integer(spec.synthetic_test);
      else if (key == "train_limit")
        integer(spec.train_limit);
      else if (key == "test_limit")
        integer(spec.test_limit);
      else
        throw InvalidArgument("unknown data option '" + key + "'");
    } catch (const nlohmann::json::exception& e) {
      throw InvalidArgument("data option '" + key + "': wrong type (" + value.dump() + ")");
    }
  }
}

DataSplits load_data(const DataSpec& spec) {
  CRITNET_CHECK(spec.train_limit >= 0, "train_limit must be >= 0, got ", spec.train_limit);
  CRITNET_CHECK(spec.test_limit >= 0, "test_limit must be >= 0, got ", spec.test_limit);
  const std::string& s = spec.source;
  if (s == "fashion-mnist") {
    return load_idx(s, spec.data_dir.empty() ? kFashionMnistDir : spec.data_dir, spec);
  }
  if (s == "mnist") {
    CRITNET_CHECK(!spec.data_dir.empty(),
                  "data source 'mnist' needs a data directory (--data-dir)");
    return load_idx(s, spec.data_dir, spec);
  }
  if (s == "cifar10" || s == "cifar-10") {
    return load_cifar10(spec.data_dir.empty() ? default_cifar_dir() : spec.data_dir, spec);
  }
  const std::string prefix = "synthetic:";
  if (s.rfind(prefix, 0) == 0) {
    const std::string d = s.substr(prefix.size());
    int64_t dim = 0;
    size_t used = 0;
    try {
      dim = std::stoll(d, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    CRITNET_CHECK(used == d.size() && !d.empty() && dim > 0,
                  "data source 'synthetic:D' needs a positive integer dimension D, got '", s, "'");
    return load_synthetic(dim, spec);
  }
  throw InvalidArgument("unknown data source '" + s +
                        "' (expected fashion-mnist, mnist, cifar10 or synthetic:D)");
}

LoadedSplit load_split(DataSpec spec, const std::string& split, int64_t limit) {
  CRITNET_CHECK(split == "train" || split == "test", "split must be train or test, got '", split,
                "'");
  CRITNET_CHECK(limit >= 0, "limit must be >= 0, got ", limit);
  if (split == "test" && limit > 0) spec.test_limit = limit;
  const DataSplits splits = load_data(spec);
  LoadedSplit out;
  out.data = split == "train" ? splits.train : splits.test;
  if (limit > 0 && out.data.size() > limit) {
    out.data.inputs = out.data.inputs.slice(0, 0, limit);
    out.data.labels = out.data.labels.slice(0, 0, limit);
  }
  out.name = splits.name;
  out.description = describe(splits);
  return out;
}

nlohmann::json describe(const DataSplits& splits) {
  return {{"name", splits.name},
          {"data_dir", splits.data_dir},
          {"train_size", splits.train.size()},
          {"test_size", splits.test.size()},
          {"input_size", splits.train.input_size()},
          {"num_classes", splits.train.num_classes},
          {"sample_shape", splits.train.sample_shape},
          {"channel_mean", splits.channel_mean},
          {"channel_std", splits.channel_std}};
}

}  // namespace critnet::data
