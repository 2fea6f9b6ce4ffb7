// Weight matrices from a checkpoint: the one place to re-point when the format changes.
#include "commands/checkpoint_weights.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <utility>

#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/train/checkpoint.h"

namespace critnet::cli {
namespace {

// Natural order: digit runs compare as numbers (fc2 < fc10).
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      const std::string na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = i2;
      j = j2;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

void collect(torch::serialize::InputArchive& archive, const std::string& prefix, int depth,
             std::vector<std::pair<std::string, torch::Tensor>>& out) {
  if (depth > 8) return;
  for (const std::string& key : archive.keys()) {
    torch::Tensor t;
    if (archive.try_read(key, t)) {
      if (key == "weight" && t.dim() == 2) out.emplace_back(prefix, t);
      continue;
    }
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) collect(child, prefix + "/" + key, depth + 1, out);
  }
}

}  // namespace

std::vector<torch::Tensor> load_weights(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // A run directory or its checkpoint/ directory: the model of the last completed checkpoint.
    const train::LoadedModel loaded = train::load_model(path);
    std::vector<torch::Tensor> weights;
    for (int64_t l = 0; l <= loaded.model->num_hidden(); ++l) {
      weights.push_back(loaded.model->weight(l).detach().to(torch::kCPU, torch::kFloat64));
    }
    return weights;
  }
  if (std::filesystem::exists(path, ec)) io::require_regular_file(path, "checkpoint file");
  CRITNET_CHECK_DATA(std::ifstream(path).good(), "cannot open checkpoint '", path, "'");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw DataError(
        detail::concat("'", path, "' is not a LibTorch archive: ", e.what_without_backtrace()));
  }
  std::vector<std::pair<std::string, torch::Tensor>> found;
  collect(archive, "", 0, found);
  CRITNET_CHECK_DATA(!found.empty(), "checkpoint '", path, "' holds no Linear weight matrix");
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
  std::vector<torch::Tensor> weights;
  for (auto& f : found) weights.push_back(f.second.detach().to(torch::kCPU, torch::kFloat64));
  return weights;
}

}  // namespace critnet::cli
