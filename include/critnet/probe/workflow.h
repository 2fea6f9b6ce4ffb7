#pragma once
/// The probe workflow, once for every caller (`critnet probe`, `critnet reproduce`, `critnet
/// sweep` and Python's critnet.probe): load a checkpoint and its data, stream a split through the
/// probe, fit every distribution the Clauset-Shalizi-Newman way and write one output directory:
///   probe.json               schema kProbeSchema (docs/cli.md, `critnet probe`)
///   layer{L}_*.csv, activation_frequency_pooled.csv   the raw CSVs (probe/outputs.h)
///   measures/*.csv           the report's figure data (probe/report_measures.h)
/// The directory is locked (io::RunLock) while it is written, every file is written atomically
/// and probe.json last, so a probe.json on disk means a complete probe. The library never
/// prints: progress goes to the callbacks.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "critnet/analysis/powerlaw.h"
#include "critnet/core/coupling.h"
#include "critnet/core/progress.h"
#include "critnet/probe/options.h"
#include "critnet/probe/report_measures.h"

namespace critnet::probe {

/// The schema id of probe.json ("schema" field).
inline constexpr const char* kProbeSchema = "critnet.probe/2";

struct ProbeCheckpointOptions {
  /// A run directory or its checkpoint/ directory.
  std::string checkpoint;
  /// Instead of a checkpoint: a TorchScript module file (probe/scripted.h), the submodules to
  /// observe (empty = every activation module between two weighted layers) and the shape of
  /// one input sample it takes (e.g. {1, 28, 28}; empty = the data's flat features). Needs
  /// data_source; the spectrum's β, gram side and N convention are the options' (no run).
  std::string script;
  std::vector<std::string> layers;
  std::vector<int64_t> input_shape;
  /// "train" or "test"; the first `limit` samples (0 = all).
  std::string split = "test";
  int64_t limit = 0;
  int64_t batch_size = 500;
  /// Overrides of the run's data source and directory (empty = the run's).
  std::string data_source, data_dir;

  /// Threshold, subsets, seed, pattern cap, CW tolerance. β, gram side and N convention of the
  /// spectrum are the run's regulariser settings unless given below.
  ProbeOptions probe;
  std::optional<double> beta;
  std::optional<GramSide> gram_side;
  std::optional<NConvention> n_convention;
  /// True: probe.subset_size must not exceed any hidden layer's width (else it is clamped).
  bool strict_subset_size = false;

  /// The CSN fits (false: measures and CSVs only). `fit` holds bootstrap, seed, threads,
  /// max_candidates, ...; `discrete` is set per distribution.
  bool fits = true;
  analysis::FitOptions fit;
  /// Each fit's tail holds at least max(fit.min_tail, ceil(fraction · values)) points.
  double min_tail_fraction = 0.0;

  /// Device of the forward passes ("cpu", "auto", "cuda", "cuda:N").
  std::string device = "cpu";
  /// Output directory (created); the lock names `holder`.
  std::string out_dir;
  std::string holder = "critnet probe";
  /// Write the raw CSVs and the report's figure CSVs (measures/).
  bool raw_csvs = true;
  bool measure_csvs = true;

  /// Throws critnet::InvalidArgument naming the first bad value.
  void validate() const;
  /// The fit settings' part of validate() (fit.bootstrap, fit.threads, min_tail_fraction), for
  /// callers that give them apart from the rest (Python's critnet.probe, before streaming).
  void validate_fit_settings() const;
};

/// The probe's reports (core/progress.h): a line per phase (`log`), a line per fitted
/// distribution (`detail`, e.g. "layer 2: fitting sample_mean (1000 values)"), and the progress
/// of the stages "streaming" (samples) and "fitting" (distributions).
struct ProbeCallbacks : Reporter {};

struct ProbeOutcome {
  /// probe.json as written.
  nlohmann::json document;
  std::filesystem::path json_path;
  /// The raw CSVs, the results entries' figure CSVs and probe.json (last), relative to the
  /// output directory.
  std::vector<std::string> files;
  /// The measures and their fits, for printing.
  ProbeResult result;
  ProbeFits fits;
};

/// The fits and probe.json of a filled probe, without a checkpoint or files: the second half
/// of probe_checkpoint, for callers that streamed their own model (Python's critnet.probe).
struct ProbeDocument {
  /// probe.json without the file parts ("csv_files", "results", "seconds").
  nlohmann::json document;
  ProbeFits fits;
  /// Seconds spent on the layers' HTSR rows (their eigenvalues and tail tests).
  double htsr_seconds = 0;
};

/// Fits every distribution of `result` as options.fits, options.fit and
/// options.min_tail_fraction say (the other options are not read) and builds the document;
/// `source` (an object) names the model, data and split ({"checkpoint" or "model", "data",
/// "split", ...}) and is merged into it. Throws critnet::InvalidArgument for bad fit options.
ProbeDocument fit_and_document(const ProbeResult& result, const ProbeCheckpointOptions& options,
                               const nlohmann::json& source, const ProbeCallbacks& callbacks = {});

/// Writes a probe's output directory o.out_dir (created; the caller holds io::RunLock on it):
/// the raw CSVs (o.raw_csvs), the figure CSVs (o.measure_csvs), document["csv_files"] and
/// document["results"], and probe.json last, every file atomically. When document["seconds"]
/// is an object it gains "write" and its "total" grows by it. Returns the files written,
/// relative to out_dir, probe.json last. Throws io::OutputError when a file cannot be written.
std::vector<std::string> write_probe_directory(const ProbeCheckpointOptions& options,
                                               const ProbeResult& result, const ProbeFits& fits,
                                               nlohmann::json& document);

/// Runs the workflow. Throws critnet::InvalidArgument for bad options, DataError for a bad
/// checkpoint or data, io::LockedError when another process writes `out_dir`, Error otherwise.
ProbeOutcome probe_checkpoint(const ProbeCheckpointOptions& options,
                              const ProbeCallbacks& callbacks = {});

/// The atlas entries of a probe.json document (results.json's seeds[].atlas, read by
/// report/atlas.h): per layer {"layer", "cw_distance_median", "htsr", "signal"} from its
/// "layers".
nlohmann::json atlas_entries(const nlohmann::json& probe_doc);

/// The network-level signal summary of a probe.json document (results.json's
/// seeds[].atlas_network): {"chi1_geometric_mean", "phase", "jacobian"} of its "signal"; null
/// when it has no measured signal.
nlohmann::json atlas_network(const nlohmann::json& probe_doc);

/// Whether `path` holds a probe.json of the current schema (a complete probe).
bool probe_complete(const std::filesystem::path& probe_json);

}  // namespace critnet::probe
