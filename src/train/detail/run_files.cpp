#include "train/detail/run_files.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "critnet/core/error.h"

namespace critnet::train::detail {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string epoch_file(const char* stem, int64_t epoch) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s-%06lld.pt", stem, static_cast<long long>(epoch));
  return buf;
}

// torch::save's file writer finishes the archive in its destructor, where a full disk ends
// the process (std::terminate). Serialised in memory instead, the bytes go through the
// checked atomic write.
template <typename T>
std::string serialise(const T& value, const fs::path& path) {
  std::ostringstream bytes;
  try {
    torch::save(value, bytes);
  } catch (const c10::Error& e) {
    throw io::OutputError(path.string() + ": cannot serialise the checkpoint (" +
                          e.what_without_backtrace() + ")");
  }
  return bytes.str();
}

bool has_state(const std::string& checkpoint_dir) {
  std::error_code ec;
  return fs::exists(fs::path(checkpoint_dir) / "state.json", ec);
}

}  // namespace

RunFiles::RunFiles(const TrainOptions& options) : out_dir_(options.out_dir) {
  if (out_dir_.empty()) return;
  checkpoint_dir_ = (fs::path(out_dir_) / "checkpoint").string();
  checkpoints_ = options.checkpoint;
  // One writer per run directory, held to the end; then what a killed writer left is stale.
  lock_.emplace(out_dir_, "critnet train");
  io::remove_stale_temp_files(checkpoint_dir_);
  if (options.resume.empty()) {
    CRITNET_CHECK(!has_state(checkpoint_dir_), "output directory ", out_dir_,
                  " already holds a run (", checkpoint_dir_,
                  "/state.json): continue it with --resume or choose another --out");
  }
}

void RunFiles::start(const json& config, const std::vector<EpochMetrics>& history) const {
  if (out_dir_.empty()) return;
  io::create_directories(out_dir_);
  io::write_file_atomic(fs::path(out_dir_) / "config.json", config.dump(2) + "\n");
  write_metrics(history);
}

void RunFiles::write_metrics(const std::vector<EpochMetrics>& history) const {
  if (out_dir_.empty()) return;
  std::string lines;
  for (const auto& m : history) lines += m.to_json().dump() + "\n";
  io::write_file_atomic(fs::path(out_dir_) / "metrics.jsonl", lines);
}

bool RunFiles::has_checkpoint() const {
  return checkpoints_ && has_state(checkpoint_dir_);
}

void RunFiles::save_checkpoint(const nn::Mlp& model, const torch::optim::Adam& optimizer,
                               json state) const {
  const std::string& dir = checkpoint_dir_;
  io::create_directories(dir);
  const int64_t epoch = state.at("epoch").get<int64_t>();
  const std::string model_name = epoch_file("model", epoch);
  const std::string optim_name = epoch_file("optimizer", epoch);
  const fs::path model_path = fs::path(dir) / model_name, optim_path = fs::path(dir) / optim_name;
  io::write_file_atomic(model_path, serialise(model, model_path));
  io::write_file_atomic(optim_path, serialise(optimizer, optim_path));
  state["model"] = model_name;
  state["optimizer"] = optim_name;
  io::write_file_atomic(fs::path(dir) / "state.json", state.dump(1));
  // Older epochs' files are no longer referenced by state.json.
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const bool ours = (name.rfind("model-", 0) == 0 || name.rfind("optimizer-", 0) == 0);
    if (ours && name != model_name && name != optim_name) {
      std::error_code ec;
      fs::remove(entry.path(), ec);
    }
  }
}

void RunFiles::append_metrics(const EpochMetrics& metrics) const {
  if (out_dir_.empty()) return;
  io::append_to_file(fs::path(out_dir_) / "metrics.jsonl", metrics.to_json().dump() + "\n");
}

std::string RunFiles::checkpoint_note() const {
  if (!checkpoints_) return "";
  if (!has_state(checkpoint_dir_)) return "; no checkpoint was written yet";
  return "; the last good checkpoint stays in " + checkpoint_dir_;
}

std::string RunFiles::interrupted_note() const {
  if (has_checkpoint()) {
    return "; checkpoint written to " + checkpoint_dir_ + ": continue with --resume " + out_dir_;
  }
  return out_dir_.empty() ? "; no checkpoint (no output directory)"
                          : "; no checkpoint (checkpoints are off)";
}

}  // namespace critnet::train::detail
