// The shared stages of critnet's studies (reproduce, sweep): train or resume, probe or reuse.
#include "critnet/study/stage.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/runtime.h"
#include "critnet/core/stats.h"
#include "critnet/core/version.h"
#include "critnet/report/csv.h"
#include "critnet/report/verdict.h"

namespace critnet::study {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
void log(const StageCallbacks& cb, const std::string& line) {
  if (cb.log) cb.log(line);
}
}  // namespace

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

void write_if_changed(const fs::path& path, const std::string& text) {
  if (file_exists(path)) {
    try {
      if (io::read_text_file(path) == text) return;
    } catch (const Error&) {
    }
  }
  io::write_file_atomic(path, text);
}

train::TrainResult train_or_resume(train::TrainOptions t, const std::string& name,
                                   const StageCallbacks& cb, const std::string& command) {
  const fs::path ckpt = fs::path(t.out_dir) / "checkpoint" / "state.json";
  if (file_exists(ckpt)) t.resume = t.out_dir;
  train::TrainCallbacks tc;
  tc.on_start = [&](const json&) {
    if (!t.resume.empty())
      log(cb, fmt::format("train {}: resuming {}", name, t.out_dir));
    else
      log(cb, fmt::format("train {}: {} epochs into {}", name, t.epochs, t.out_dir));
  };
  if (cb.on_step) tc.on_step = [&](const train::StepInfo& s) { cb.on_step(name, s); };
  tc.on_epoch = [&](const train::EpochMetrics& m) {
    log(cb, fmt::format("train {}: epoch {}/{}{}: loss {:.4f} (data {:.4f}), test accuracy "
                        "{:.4f}, {:.0f} samples/s",
                        name, m.epoch, t.epochs, m.complete ? "" : " (partial)", m.train_loss,
                        m.data_loss, m.test_accuracy, m.samples_per_s));
  };
  try {
    train::TrainResult r = train::train(t, tc);
    CRITNET_CHECK_AS(Error, !r.history.empty(), "train ", name, ": no epoch was trained");
    return r;
  } catch (const Interrupted& e) {  // the run's checkpoint is written: the rerun resumes it
    throw Interrupted(e.signal(), fmt::format("interrupted by {} while training {}; its checkpoint "
                                              "is in {}/checkpoint: run the same {} command "
                                              "again to continue",
                                              signal_name(e.signal()), name, t.out_dir, command));
  }
}

json probe_or_reuse(const probe::ProbeCheckpointOptions& po, const std::string& name,
                    const StageCallbacks& cb) {
  const fs::path file = fs::path(po.out_dir) / "probe.json";
  if (probe::probe_complete(file)) {
    log(cb, fmt::format("probe {}: done before, skipped", name));
    return io::read_json_file(file);
  }
  probe::ProbeCallbacks pc;
  static_cast<Reporter&>(pc) = cb.prefixed(fmt::format("probe {}: ", name));
  const probe::ProbeOutcome out = probe::probe_checkpoint(po, pc);
  log(cb, fmt::format("probe {}: done in {:.1f} s", name,
                      out.document["seconds"]["total"].get<double>()));
  return out.document;
}

void write_training_curve(const fs::path& path, const std::vector<train::EpochMetrics>& history) {
  std::vector<double> epoch, loss, data_loss, test_loss, acc;
  for (const auto& m : history) {
    epoch.push_back(static_cast<double>(m.epoch));
    loss.push_back(m.train_loss);
    data_loss.push_back(m.data_loss);
    test_loss.push_back(m.test_loss);
    acc.push_back(m.test_accuracy);
  }
  report::write_csv(path,
                    {"epoch", "train loss", "train cross-entropy", "test loss", "test accuracy"},
                    {epoch, loss, data_loss, test_loss, acc});
}

namespace {

json number_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

// One measure × layer entry of cell.json from a probe.json "results" entry with a CSN fit (or
// its error), read and judged by `rule` as the report reads and judges results.json's entries.
json fit_row(const json& e, const std::string& where, const report::VerdictRule& rule) {
  json row;
  row["measure"] = e.at("measure");
  row["layer"] = e.at("layer").is_string() ? e.at("layer").get<std::string>()
                                           : std::to_string(e.at("layer").get<long long>());
  const report::EntryFit entry = report::parse_entry_fit(e, where);
  const std::optional<report::CsnFit>& fit = entry.fit;
  const report::FitVerdict v = report::assess_entry(entry, rule);
  row["verdict"] = report::to_string(v.plausibility);
  row["scale_invariant"] = v.scale_invariant();
  row["reason"] = v.reason;
  if (fit) {
    row["n"] = fit->n ? json(*fit->n) : json(nullptr);
    row["n_tail"] = fit->n_tail;
    row["xmin"] = fit->x_min;
    row["alpha"] = fit->alpha;
    row["alpha_ci_low"] = fit->alpha_ci ? json(fit->alpha_ci->first) : json(nullptr);
    row["alpha_ci_high"] = fit->alpha_ci ? json(fit->alpha_ci->second) : json(nullptr);
    row["p"] = fit->p_value;
    row["tail_max"] = fit->tail_max ? json(*fit->tail_max) : json(nullptr);
    row["tail_decades"] = fit->tail_max && fit->x_min > 0
                              ? number_or_null(std::log10(*fit->tail_max / fit->x_min))
                              : json(nullptr);
  } else {
    row["fit_error"] = entry.fit_error;
  }
  return row;
}

}  // namespace

namespace {

// cell.json's "layers" from probe.json's, and every mode's |a·s² − 1| and the dead units over
// the network.
json layer_rows(const json& probe_doc, std::vector<double>& distances, long long& dead) {
  json layers = json::array();
  for (const auto& l : probe_doc.at("layers")) {
    const json& sp = l.at("spectrum");
    // The spectrum's "eigenvalues" are a·s² already; its zero modes (structural and
    // numerical) sit at distance 1, as in the layer's own cw_distance_median.
    for (const auto& ev : sp.at("eigenvalues")) distances.push_back(std::abs(ev.get<double>() - 1));
    const long long zero_modes =
        sp.value("num_zero_modes", 0LL) + sp.value("num_numerical_zero_modes", 0LL);
    distances.insert(distances.end(), static_cast<std::size_t>(std::max(0LL, zero_modes)), 1.0);
    const long long d = l.at("activation_frequency").at("never_active").get<long long>();
    dead += d;
    const json htsr = l.value("htsr", json::object());
    layers.push_back({{"layer", l.at("layer")},
                      {"width", l.at("width")},
                      {"dead_units", d},
                      {"a", sp.at("a")},
                      {"cw_distance_median", sp.at("cw_distance_median")},
                      {"stable_rank", sp.value("stable_rank", json(nullptr))},
                      {"htsr_alpha", htsr.value("alpha", json(nullptr))},
                      {"htsr_verdict", htsr.value("verdict", json(nullptr))},
                      {"htsr_label", htsr.value("label", htsr.value("error", json(nullptr)))},
                      {"chi1", l.contains("signal") ? l["signal"].value("chi1", json(nullptr))
                                                    : json(nullptr)}});
  }
  return layers;
}

}  // namespace

json cell_document(const Grid& grid, const Cell& cell, int64_t input_size,
                   const std::vector<train::EpochMetrics>& history, const json& probe_doc) {
  const double beta =
      cell.preset == "none" ? grid.baseline_beta(input_size) : cell.resolved_beta(input_size);
  const bool probed = !probe_doc.is_null();  // a grid that trains only has no probe
  std::vector<double> distances;
  long long dead = 0;
  const json layers = probed ? layer_rows(probe_doc, distances, dead) : json::array();
  json results = json::array();
  const json& entries = probed ? probe_doc.at("results") : json::array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    if (e.contains("fit") || e.contains("fit_error"))
      results.push_back(fit_row(e, fmt::format("probe.json results[{}]", i), grid.rule));
  }
  json hist = json::array();
  for (const auto& m : history)
    hist.push_back({{"epoch", m.epoch},
                    {"train_loss", m.train_loss},
                    {"data_loss", m.data_loss},
                    {"test_loss", m.test_loss},
                    {"test_accuracy", m.test_accuracy}});
  const RuntimeInfo rt = runtime_info();
  return {{"schema", kCellSchema},
          {"id", cell.id},
          {"hash", cell.hash},
          {"index", cell.index},
          {"preset", cell.preset},
          {"beta", cell.preset == "none" ? json(nullptr) : json(beta)},
          {"beta_fraction", cell.beta_is_fraction ? json(cell.beta) : json(nullptr)},
          {"spectrum_beta", probed ? json(beta) : json(nullptr)},
          {"lambda", cell.preset == "none" ? json(nullptr) : json(cell.lambda)},
          {"epochs", cell.epochs},
          {"seed", cell.seed},
          {"input_size", input_size},
          {"settings", cell.settings},
          {"test_accuracy", history.empty() ? json(nullptr) : json(history.back().test_accuracy)},
          {"history", hist},
          {"median_distance_cw", number_or_null(median(distances))},
          {"chi1_geometric_mean", probed && probe_doc.contains("signal")
                                      ? probe_doc["signal"].value("chi1_geometric_mean", json())
                                      : json(nullptr)},
          {"dead_units", probed ? json(dead) : json(nullptr)},
          {"layers", layers},
          {"rule", report::to_json(grid.rule)},
          {"results", results},
          {"probe_seconds", probed ? probe_doc.value("seconds", json(nullptr)) : json(nullptr)},
          {"versions", {{"critnet", rt.critnet_version}, {"libtorch", rt.torch_version}}}};
}

namespace {

// The cell's training settings without its epochs: cells equal in these lie on one training
// trajectory.
json trajectory_key(const Cell& cell) {
  json s = cell.settings;
  s.erase("epochs");
  return s;
}

// A cell whose training has not started continues the training of the done cell on its
// trajectory with the most epochs below its own. Epoch e's data order and the penalty's probes
// depend on the seed, e and the step only, and a resumed run is the uninterrupted run (on CPU
// with one thread, bit for bit), so training e₁ epochs and resuming to e₂ is the e₂-epoch run.
// Copies that cell's train/ (through a temporary directory renamed into place, with
// continued_from.json naming it) and returns its id; none when there is no such cell or the
// training has started.
std::optional<std::string> continue_earlier_cell(const Grid& grid, const Cell& cell,
                                                 const fs::path& sweep_dir,
                                                 const fs::path& train_dir) {
  if (file_exists(train_dir / "checkpoint" / "state.json")) return std::nullopt;
  const json key = trajectory_key(cell);
  std::optional<Cell> from;
  for (const Cell& c : grid.expand()) {
    if (c.epochs >= cell.epochs || (from && c.epochs <= from->epochs)) continue;
    if (trajectory_key(c) != key) continue;
    if (cell_done(cell_dir(sweep_dir, c) / "cell.json", c)) from = c;
  }
  if (!from) return std::nullopt;
  const fs::path source = cell_dir(sweep_dir, *from) / "train";
  if (!file_exists(source / "checkpoint" / "state.json")) return std::nullopt;
  fs::path tmp = train_dir;
  tmp += ".partial";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::copy(source, tmp, fs::copy_options::recursive);
  io::write_file_atomic(tmp / "continued_from.json",
                        json{{"cell", from->id}, {"epochs", from->epochs}}.dump() + "\n");
  fs::remove_all(train_dir, ec);
  fs::rename(tmp, train_dir);
  return from->id;
}

// The id continue_earlier_cell copied the training from, or null.
json continued_from(const fs::path& train_dir) {
  const fs::path file = train_dir / "continued_from.json";
  if (!file_exists(file)) return nullptr;
  try {
    return io::read_json_file(file).at("cell");
  } catch (const std::exception&) {
    return nullptr;
  }
}

// Probes and fits the cell's trained network into DIR/cells/<id>/probe (reusing a complete
// probe.json); returns its probe.json.
json probe_cell(const Grid& grid, const Cell& cell, const fs::path& dir, double beta,
                const RunOptions& run, const StageCallbacks& cb) {
  probe::ProbeCheckpointOptions po;
  po.checkpoint = (dir / "train").string();
  po.split = "test";
  grid.probe.apply(po);
  po.probe.threshold(0.0).num_subsets(1).seed(cell.seed);
  po.beta = beta;
  po.fit.seed = cell.seed;
  po.fit.threads = run.threads;
  po.device = run.device;
  po.out_dir = (dir / "probe").string();
  po.holder = "critnet sweep";
  return probe_or_reuse(po, cell.id, cb);
}

}  // namespace

CellAction run_cell(const Grid& grid, const Cell& cell, const fs::path& sweep_dir,
                    int64_t input_size, const RunOptions& run, const StageCallbacks& cb) {
  const fs::path dir = cell_dir(sweep_dir, cell);
  const fs::path done_file = dir / "cell.json";
  if (cell_done(done_file, cell)) return CellAction::kSkipped;
  const io::RunLock lock(dir, "critnet sweep");
  if (cell_done(done_file, cell)) return CellAction::kSkipped;  // finished meanwhile

  // The cell's settings first: a directory left by other settings starts again.
  const fs::path settings_file = dir / "settings.json";
  const json settings = {{"id", cell.id}, {"hash", cell.hash}, {"settings", cell.settings}};
  if (file_exists(settings_file)) {
    json saved;
    try {
      saved = io::read_json_file(settings_file);
    } catch (const Error&) {
    }
    if (saved != settings) {
      log(cb, fmt::format("{}: settings changed, starting the cell again", cell.id));
      std::error_code ec;
      fs::remove_all(dir / "train", ec);
      fs::remove_all(dir / "probe", ec);
      fs::remove(done_file, ec);
    }
  }
  write_if_changed(settings_file, settings.dump(2) + "\n");

  const double beta =
      cell.preset == "none" ? grid.baseline_beta(input_size) : cell.resolved_beta(input_size);
  train::TrainOptions t;
  static_cast<train::TrainRecipe&>(t) = grid;  // the recipe every cell shares
  t.epochs = cell.epochs;
  t.seed = cell.seed;
  t.device = run.device;
  t.threads = run.threads;
  if (cell.preset != "none") {
    t.reg.penalty(reg::PenaltyOptions().preset(reg::parse_preset(cell.preset)).beta(beta));
    t.reg.strength(cell.lambda);
    t.reg.validate();
  }
  t.out_dir = (dir / "train").string();
  if (const auto from = continue_earlier_cell(grid, cell, sweep_dir, t.out_dir))
    log(cb, fmt::format("train {}: continuing the training of {}", cell.id, *from));
  const train::TrainResult r = train_or_resume(t, cell.id, cb, "sweep run");

  const json probe_doc =
      grid.probe_cells ? probe_cell(grid, cell, dir, beta, run, cb) : json(nullptr);
  json doc = cell_document(grid, cell, input_size, r.history, probe_doc);
  doc["continued_from"] = continued_from(t.out_dir);
  io::write_file_atomic(done_file, doc.dump(1) + "\n");  // last: the "done" mark
  return CellAction::kRan;
}

ShardRun run_shard(const Grid& grid, const fs::path& sweep_dir, const Shard& shard,
                   const RunOptions& run, const StageCallbacks& cb,
                   const std::function<void(const Cell&, std::size_t, std::size_t)>& on_cell) {
  set_threads(run.threads);
  const std::vector<Cell> all = grid.expand();
  std::vector<Cell> mine;
  for (const auto& c : all)
    if (shard.contains(c.index)) mine.push_back(c);
  ShardRun out;
  // N₁ (β fractions, the baseline's β) needs the data's input size: loaded once per process,
  // and only when some cell still has work.
  std::optional<int64_t> input_size;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const Cell& c = mine[i];
    if (cell_done(cell_dir(sweep_dir, c) / "cell.json", c)) {
      out.skipped.push_back(c.id);
      log(cb, fmt::format("{}: done before, skipped", c.id));
      continue;
    }
    if (on_cell) on_cell(c, i, mine.size());
    if (!input_size) input_size = data::load_data(grid.data).train.input_size();
    try {
      if (run_cell(grid, c, sweep_dir, *input_size, run, cb) == CellAction::kSkipped)
        out.skipped.push_back(c.id);
      else
        out.ran.push_back(c.id);
    } catch (const Interrupted&) {
      throw;
    } catch (const InvalidArgument&) {
      throw;  // bad options: every cell would fail the same way
    } catch (const std::exception& e) {
      out.failed.emplace_back(c.id, e.what());
      log(cb, fmt::format("{}: failed: {}", c.id, e.what()));
    }
  }
  return out;
}

std::map<std::string, std::string> finish_cells(const Grid& grid, const fs::path& sweep_dir,
                                                const RunOptions& run, const StageCallbacks& cb) {
  const std::vector<Cell> cells = grid.expand();
  std::map<std::string, std::string> failed_here;
  std::optional<int64_t> input_size;
  bool announced = false;
  for (;;) {
    std::vector<std::string> elsewhere;  // running in another process
    for (const Cell& c : cells) {
      if (failed_here.count(c.id)) continue;
      const CellState state = cell_state(sweep_dir, c);
      if (state == CellState::kDone) continue;
      if (state == CellState::kRunning) {
        elsewhere.push_back(c.id);
        continue;
      }
      if (!input_size) input_size = data::load_data(grid.data).train.input_size();
      try {
        run_cell(grid, c, sweep_dir, *input_size, run, cb);
      } catch (const io::LockedError&) {
        elsewhere.push_back(c.id);  // another process took it meanwhile
      } catch (const Interrupted&) {
        throw;
      } catch (const InvalidArgument&) {
        throw;
      } catch (const std::exception& e) {
        failed_here[c.id] = e.what();
        log(cb, fmt::format("{}: failed: {}", c.id, e.what()));
      }
    }
    if (elsewhere.empty()) return failed_here;
    if (!announced)
      log(cb,
          fmt::format("waiting for {} cell(s) running in another process ({}{})", elsewhere.size(),
                      elsewhere.front(), elsewhere.size() > 1 ? ", ..." : ""));
    announced = true;
    for (int i = 0; i < 10; ++i) {
      if (const int sig = stop_signal(); sig != 0)
        throw Interrupted(sig, fmt::format("stopped by {} while waiting for the cells of {}",
                                           signal_name(sig), sweep_dir.string()));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace critnet::study
