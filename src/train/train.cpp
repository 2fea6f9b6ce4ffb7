#include "critnet/train/train.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>

#include "core/detail/flush_denormals.h"
#include "core/detail/signal_deferral.h"
#include "critnet/core/clock.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/runtime.h"
#include "critnet/data/batches.h"
#include "critnet/train/checkpoint.h"
#include "train/detail/run_files.h"
#include "train/detail/stepper.h"

namespace critnet::train {
namespace fs = std::filesystem;
namespace F = torch::nn::functional;
using json = nlohmann::json;

namespace {

double nan() {
  return std::numeric_limits<double>::quiet_NaN();
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};

Evaluation evaluate(nn::Mlp& model, const data::Dataset& d, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  model->eval();
  const int64_t n = d.size();
  double loss = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; i += batch_size) {
    const int64_t end = std::min(n, i + batch_size);
    auto x = d.inputs.slice(0, i, end);
    auto y = d.labels.slice(0, i, end);
    auto logits = model->forward(x);
    loss += F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  model->train();
  return {loss / static_cast<double>(n), static_cast<double>(correct) / static_cast<double>(n)};
}

// Options that must agree between a checkpoint and the run that resumes it.
void check_resumable(const TrainOptions& saved, const TrainOptions& now, const std::string& dir) {
  auto same = [&](const char* what, const json& a, const json& b) {
    CRITNET_CHECK(a == b, "cannot resume ", dir, ": option '", what,
                  "' differs from the checkpoint (", a.dump(), " there, ", b.dump(), " now)");
  };
  same("data", json(saved.data), json(now.data));
  same("hidden", json(saved.hidden_sizes), json(now.hidden_sizes));
  same("activation", nn::to_string(saved.activation), nn::to_string(now.activation));
  same("init", nn::to_string(saved.init), nn::to_string(now.init));
  same("seed", saved.seed, now.seed);
  same("batch_size", saved.batch_size, now.batch_size);
}

// A checkpoint to continue (options.resume), or none (dir empty).
struct ResumePoint {
  std::string dir;
  json state;
};

ResumePoint find_resume_point(const TrainOptions& opts) {
  ResumePoint r;
  if (opts.resume.empty()) return r;
  r.dir = find_checkpoint_dir(opts.resume);
  r.state = read_checkpoint_state(r.dir);
  TrainOptions saved;
  try {
    from_json(r.state.at("config").at("train"), saved);
  } catch (const std::exception& e) {
    throw DataError(r.dir + "/state.json: bad config (" + e.what() + ")");
  }
  check_resumable(saved, opts, r.dir);
  return r;
}

// Everything the loop works on.
struct Run {
  TrainOptions opts;
  torch::Device device{torch::kCPU};
  data::DataSplits splits;            // as loaded (on the CPU)
  data::Dataset train_set, test_set;  // on the training device
  nn::Mlp model{nullptr};
  std::vector<int64_t> layers;  // penalised
  std::unique_ptr<detail::Stepper> stepper;
  std::unique_ptr<torch::optim::Adam> optimizer;
  json config;
  // Where the run stands: steps done, the next epoch and its first batch, the epochs so far.
  int64_t step = 0, start_epoch = 1, first_batch = 0;
  // An interrupted epoch continued: the sums and training time of its steps before
  // first_batch (zeros otherwise).
  StepTotals so_far;
  double so_far_train_s = 0;
  std::vector<EpochMetrics> history;
};

// Refuses a net and batch that cannot fit in this machine's memory before anything is
// allocated (LibTorch's allocator message would name no option). Estimate, float32: weights,
// gradients and Adam's two moments (16 bytes per parameter) plus the batch's activations,
// pre-activations and their gradients (12 bytes per unit and sample).
void check_memory(const TrainOptions& o, int64_t inputs, int64_t classes, int64_t batch) {
  std::vector<int64_t> widths{inputs};
  widths.insert(widths.end(), o.hidden_sizes.begin(), o.hidden_sizes.end());
  widths.push_back(classes);
  double params = 0, units = 0;
  for (size_t i = 0; i < widths.size(); ++i) {
    units += static_cast<double>(widths[i]);
    if (i > 0) params += static_cast<double>(widths[i - 1] + 1) * static_cast<double>(widths[i]);
  }
  const double need = 16.0 * params + 12.0 * units * static_cast<double>(batch);
  const double have =
      static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  CRITNET_CHECK(have <= 0 || need <= have, "the net (", params,
                " parameters; --hidden) trained in batches of ", batch,
                " (--batch-size) needs about ", need / kGiB, " GiB, more than this machine's ",
                have / kGiB, " GiB of memory");
}

// The model: seeded initialisation, the checkpoint's weights when resuming, on the device.
nn::Mlp make_model(const Run& run, const ResumePoint& resume) {
  const TrainOptions& opts = run.opts;
  torch::manual_seed(opts.seed);
  nn::Mlp model(nn::MlpOptions(run.splits.train.input_size(), run.splits.train.num_classes)
                    .hidden_sizes(opts.hidden_sizes)
                    .activation(opts.activation)
                    .init(opts.init));
  if (!resume.dir.empty()) {
    load_model_file(model,
                    (fs::path(resume.dir) / resume.state.at("model").get<std::string>()).string());
  }
  model->to(run.device);
  model->train();
  return model;
}

// torch::optim::Adam over the model's parameters: its state is the checkpoint's when resuming,
// its options the ones given (they equal the checkpoint's unless the caller changed them on
// purpose).
std::unique_ptr<torch::optim::Adam> make_optimizer(const Run& run, const ResumePoint& resume) {
  const TrainOptions& o = run.opts;
  auto adam = torch::optim::AdamOptions(o.lr)
                  .betas(std::make_tuple(o.beta1, o.beta2))
                  .eps(o.eps)
                  .weight_decay(o.weight_decay);
  auto optimizer = std::make_unique<torch::optim::Adam>(run.model->parameters(), adam);
  if (resume.dir.empty()) return optimizer;
  const std::string file =
      (fs::path(resume.dir) / resume.state.at("optimizer").get<std::string>()).string();
  try {
    torch::load(*optimizer, file, run.device);
  } catch (const c10::Error& e) {
    throw DataError(file + ": cannot load the optimizer state (" + e.what_without_backtrace() +
                    ")");
  }
  for (auto& group : optimizer->param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options())
        .lr(o.lr)
        .betas(std::make_tuple(o.beta1, o.beta2))
        .eps(o.eps)
        .weight_decay(o.weight_decay);
  }
  return optimizer;
}

// Data, model, stepper and optimizer of a run (continuing `resume` when it names a checkpoint).
void set_up(Run& run, const ResumePoint& resume) {
  const TrainOptions& opts = run.opts;
  run.splits = data::load_data(opts.data);
  CRITNET_CHECK(run.splits.train.size() > 0, "the train split is empty");
  // No batch is larger than the train split: buffers are sized for what a step can hold.
  const int64_t max_batch = std::min(opts.batch_size, run.splits.train.size());
  check_memory(opts, run.splits.train.input_size(), run.splits.train.num_classes, max_batch);
  run.model = make_model(run, resume);
  const int64_t num_linears = static_cast<int64_t>(run.model->linears().size());
  if (opts.reg.enabled()) run.layers = penalised_layers(opts.reg, num_linears);
  run.train_set = run.splits.train;
  run.test_set = run.splits.test;
  if (run.device != torch::Device(torch::kCPU)) {
    for (data::Dataset* d : {&run.train_set, &run.test_set}) {
      d->inputs = d->inputs.to(run.device);
      d->labels = d->labels.to(run.device);
    }
  }
  // The stepper first: the fast and device steps flatten the parameters the optimizer holds.
  run.stepper = detail::make_stepper(
      detail::StepperSetup{opts, run.model, run.train_set, run.device, run.layers, max_batch});
  run.optimizer = make_optimizer(run, resume);
  run.stepper->attach(*run.optimizer);
  if (resume.dir.empty()) return;
  const json& state = resume.state;
  run.step = state.at("step").get<int64_t>();
  const int64_t epoch = state.at("epoch").get<int64_t>();
  const bool complete = state.value("complete", true);
  run.start_epoch = complete ? epoch + 1 : epoch;
  run.first_batch = complete ? 0 : state.value("batches_done", int64_t{0});
  for (const auto& m : state.value("history", json::array())) {
    run.history.push_back(EpochMetrics::from_json(m));
  }
  // Checkpoints from before "epoch_totals" continue the epoch's sums from zero.
  if (!complete && state.contains("epoch_totals")) {
    const std::string file = resume.dir + "/state.json";
    run.so_far = StepTotals::from_json(state.at("epoch_totals"), run.layers.size(), file);
    run.so_far_train_s = state.value("epoch_train_s", 0.0);
  }
}

// The resolved config (config.json).
json make_config(const Run& run, const std::string& resume_dir) {
  const RuntimeInfo info = runtime_info();
  int64_t num_parameters = 0;
  for (const auto& p : run.model->parameters()) num_parameters += p.numel();
  const TrainOptions& opts = run.opts;
  json config = {{"critnet_version", info.critnet_version},
                 {"libtorch_version", info.torch_version},
                 {"command", "train"},
                 {"created_utc", utc_now()},
                 {"train", json(opts)},
                 {"data", data::describe(run.splits)},
                 {"model",
                  {{"input_size", run.splits.train.input_size()},
                   {"output_size", run.splits.train.num_classes},
                   {"hidden", opts.hidden_sizes},
                   {"activation", nn::to_string(opts.activation)},
                   {"init", nn::to_string(opts.init)},
                   {"parameters", num_parameters}}},
                 {"penalised_layers", run.layers},
                 {"device", run.device.str()},
                 {"step_path", run.stepper->path()},
                 {"runtime", info.to_json()}};
  if (!resume_dir.empty()) config["resumed_from"] = resume_dir;
  return config;
}

// A stepper's NumericalError names the step; the run adds where its last good checkpoint is.
template <typename Fn>
auto noting_checkpoint(const detail::RunFiles& files, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const NumericalError& e) {
    throw NumericalError(e.what() + files.checkpoint_note());
  }
}

// An epoch's steps from its first batch until its end or a stop: their metrics (test loss and
// wall time to be filled in) and the batches done, or nothing when no step ran.
struct EpochRun {
  EpochMetrics metrics;
  int64_t batches_done = 0;
  StepTotals totals;  // the sums since the epoch's first batch (kept when partial)
};

std::optional<EpochRun> run_epoch(Run& run, const detail::RunFiles& files,
                                  const TrainCallbacks& callbacks, int64_t epoch,
                                  const std::function<bool()>& should_stop) {
  const TrainOptions& opts = run.opts;
  detail::Stepper& stepper = *run.stepper;
  const int64_t n = run.train_set.size(), batches = (n + opts.batch_size - 1) / opts.batch_size;
  run.model->train();
  torch::Tensor order = data::epoch_order(n, opts.seed, epoch);
  if (run.device != torch::Device(torch::kCPU)) order = order.to(run.device);
  const bool continued = (epoch == run.start_epoch);
  const int64_t first = continued ? run.first_batch : 0;
  StepTotals so_far = continued ? run.so_far : StepTotals{};
  int64_t b = first;
  auto t0 = Clock::now();
  stepper.begin_epoch(order, b, so_far);
  double train_s = (continued ? run.so_far_train_s : 0.0) + seconds_since(t0);
  for (; b < batches && !should_stop(); ++b) {
    const bool penalty = opts.reg.applies_at(run.step);
    t0 = Clock::now();
    const detail::StepAt at{epoch, b, run.step};
    // Signals wait for the step's end: its oneDNN products must not take one
    // (core/detail/signal_deferral.h), and one deferral per step spares each product its own.
    const double loss = noting_checkpoint(files, [&] {
      const core::detail::SignalDeferral defer;
      return stepper.step(at, penalty);
    });
    train_s += seconds_since(t0);
    ++run.step;
    if (callbacks.on_step) {
      callbacks.on_step(StepInfo{epoch, opts.epochs, b + 1, batches, run.step, loss});
    }
  }
  t0 = Clock::now();
  const StepTotals t = noting_checkpoint(files, [&] { return stepper.end_epoch(); });
  train_s += seconds_since(t0);
  if (b == first) return std::nullopt;  // stopped before this process's first step

  EpochRun r;
  r.batches_done = b;
  r.totals = t;
  EpochMetrics& m = r.metrics;
  const auto samples = static_cast<double>(t.samples);
  m.epoch = epoch;
  m.step = run.step;
  m.complete = (b == batches);
  m.samples = t.samples;
  m.train_loss = t.loss_sum / samples;
  m.data_loss = t.data_loss_sum / samples;
  m.reg_loss = t.reg_term_sum / samples;
  for (size_t i = 0; i < run.layers.size(); ++i) {
    m.reg_penalty.emplace_back(
        run.layers[i],
        t.penalty_steps ? t.penalty_sums[i] / static_cast<double>(t.penalty_steps) : nan());
  }
  m.train_s = train_s;
  m.samples_per_s = train_s > 0 ? samples / train_s : 0.0;
  return r;
}

// Saves the run's checkpoint: weights, Adam state, where the run stands and its history; for
// a partial epoch (batches_done steps of it) also its sums so far, which a resumed run
// continues so that the finished epoch's record equals an uninterrupted run's.
void save_checkpoint(Run& run, const detail::RunFiles& files, int64_t epoch, int64_t batches_done,
                     bool complete, const StepTotals& totals, double train_s) {
  run.stepper->sync(*run.optimizer);
  json state = {{"epoch", epoch},       {"step", run.step},
                {"complete", complete}, {"batches_done", batches_done},
                {"config", run.config}, {"history", json::array()}};
  for (const auto& h : run.history) state["history"].push_back(h.to_json());
  if (!complete) {
    StepTotals t = totals;
    t.penalty_sums.resize(run.layers.size(), 0.0);  // none yet before the first step
    state["epoch_totals"] = t.to_json();
    state["epoch_train_s"] = train_s;
  }
  files.save_checkpoint(run.model, *run.optimizer, state);
}

// The end of an epoch: evaluation, history, checkpoint, metrics line, callback.
void finish_epoch(Run& run, const detail::RunFiles& files, const TrainCallbacks& callbacks,
                  EpochRun r, Clock::time_point epoch_t0) {
  EpochMetrics& m = r.metrics;
  m.test_loss = m.test_accuracy = nan();
  if (run.opts.evaluate && run.test_set.size() > 0) {
    const Evaluation e = evaluate(run.model, run.test_set, run.opts.eval_batch_size);
    m.test_loss = e.loss;
    m.test_accuracy = e.accuracy;
  }
  m.wall_s = seconds_since(epoch_t0);
  const bool replaces_partial = !run.history.empty() && run.history.back().epoch == m.epoch;
  if (replaces_partial) run.history.pop_back();  // a partial epoch continued
  run.history.push_back(m);
  if (files.checkpoints()) {
    save_checkpoint(run, files, m.epoch, r.batches_done, m.complete, r.totals, m.train_s);
  }
  if (replaces_partial) {
    files.write_metrics(run.history);
  } else {
    files.append_metrics(m);
  }
  if (callbacks.on_epoch) callbacks.on_epoch(m);
}

}  // namespace

TrainResult train(const TrainOptions& options, const TrainCallbacks& callbacks) {
  Run run;
  run.opts = options;
  const TrainOptions& opts = run.opts;
  opts.validate();
  set_threads(opts.threads);
  // Subnormals cost a microcode assist per operand (200x slower products): the `paper`
  // penalty fills its products with them (core/detail/flush_denormals.h).
  const core::detail::FlushDenormals flush;
  run.device = resolve_device(opts.device);
  const detail::RunFiles files(opts);
  StopSignals stop_signals;
  const ResumePoint resume = find_resume_point(opts);
  set_up(run, resume);
  run.config = make_config(run, resume.dir);
  files.start(run.config, run.history);
  if (callbacks.on_start) callbacks.on_start(run.config);

  // A step budget, or a SIGINT/SIGTERM (core/interrupt.h): either ends the loop at a step
  // boundary, and the partial epoch is checkpointed as usual.
  const std::function<bool()> should_stop = [&] {
    return (opts.max_steps > 0 && run.step >= opts.max_steps) || stop_signal() != 0;
  };
  for (int64_t epoch = run.start_epoch; epoch <= opts.epochs && !should_stop(); ++epoch) {
    const auto epoch_t0 = Clock::now();
    std::optional<EpochRun> r = run_epoch(run, files, callbacks, epoch, should_stop);
    if (!r) break;
    finish_epoch(run, files, callbacks, std::move(*r), epoch_t0);
  }
  if (const int sig = stop_signal()) {
    // Stopped before the first step: the starting point is the checkpoint, so that
    // --resume works (and equals an uninterrupted run) as after a later stop.
    if (files.checkpoints() && !files.has_checkpoint()) {
      save_checkpoint(run, files, run.start_epoch, run.first_batch, false, run.so_far,
                      run.so_far_train_s);
    }
    throw Interrupted(sig, "interrupted by " + signal_name(sig) + " after step " +
                               std::to_string(run.step) + files.interrupted_note());
  }
  run.model->eval();
  TrainResult result;
  result.model = run.model;
  result.history = std::move(run.history);
  result.config = std::move(run.config);
  result.steps = run.step;
  return result;
}

}  // namespace critnet::train
