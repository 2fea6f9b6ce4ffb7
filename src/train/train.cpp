#include "critnet/train/train.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/core/runtime.h"
#include "critnet/data/batches.h"
#include "critnet/train/checkpoint.h"
#include "critnet/train/device_step.h"
#include "critnet/train/fast_step.h"

namespace critnet::train {
namespace fs = std::filesystem;
namespace F = torch::nn::functional;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double nan() {
  return std::numeric_limits<double>::quiet_NaN();
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string fmt_double(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
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

// Saves model + optimizer + state.json atomically (see checkpoint.h) and drops older files.
void save_checkpoint(const std::string& dir, const nn::Mlp& model,
                     const torch::optim::Adam& optimizer, json state) {
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

[[noreturn]] void throw_non_finite(double loss, double data_loss, int64_t step, int64_t epoch,
                                   int64_t batch, const std::vector<int64_t>& layers,
                                   const std::vector<double>& penalties, double scale,
                                   const std::string& checkpoint_note) {
  std::ostringstream out;
  out << "non-finite loss (" << loss << ") at step " << step << " (epoch " << epoch << ", batch "
      << batch << "): ";
  int64_t bad = -1;
  for (size_t i = 0; i < penalties.size(); ++i) {
    if (!std::isfinite(penalties[i])) {
      bad = static_cast<int64_t>(i);
      break;
    }
  }
  if (bad < 0 && !penalties.empty() && std::isfinite(data_loss)) {
    // Finite penalties whose scaled sum overflowed: blame the largest.
    bad = 0;
    for (size_t i = 1; i < penalties.size(); ++i)
      if (penalties[i] > penalties[bad]) bad = static_cast<int64_t>(i);
  }
  if (bad >= 0) {
    out << "the critical penalty of layer " << layers[bad] << " is " << fmt_double(penalties[bad])
        << " (times k*lambda = " << fmt_double(scale) << "; data loss " << fmt_double(data_loss)
        << ")";
  } else {
    out << "the data loss is " << fmt_double(data_loss);
  }
  if (!penalties.empty()) {
    out << "; penalties by layer:";
    for (size_t i = 0; i < penalties.size(); ++i)
      out << (i ? ", " : " ") << layers[i] << " = " << fmt_double(penalties[i]);
  }
  out << checkpoint_note;
  throw NumericalError(out.str());
}

}  // namespace

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

std::vector<int64_t> penalised_layers(const reg::RegularizerOptions& options, int64_t num_linears) {
  std::vector<int64_t> layers = options.layers();
  if (layers.empty()) {
    for (int64_t l = 0; l + 1 < num_linears; ++l) layers.push_back(l);
  }
  for (auto l : layers) {
    CRITNET_CHECK(l >= 0 && l < num_linears, "regularised layer index ", l,
                  " out of range: the net has Linear layers 0..", num_linears - 1);
  }
  return layers;
}

json EpochMetrics::to_json() const {
  json pen = json::array();
  for (const auto& [layer, value] : reg_penalty)
    pen.push_back({{"layer", layer}, {"value", value}});
  return {{"epoch", epoch},
          {"step", step},
          {"complete", complete},
          {"samples", samples},
          {"train_loss", train_loss},
          {"data_loss", data_loss},
          {"reg_loss", reg_loss},
          {"reg_penalty", pen},
          {"test_loss", std::isfinite(test_loss) ? json(test_loss) : json(nullptr)},
          {"test_accuracy", std::isfinite(test_accuracy) ? json(test_accuracy) : json(nullptr)},
          {"wall_s", wall_s},
          {"train_s", train_s},
          {"samples_per_s", samples_per_s}};
}

EpochMetrics EpochMetrics::from_json(const json& j) {
  auto num = [&](const char* key) {
    const auto& v = j.at(key);
    return v.is_null() ? nan() : v.get<double>();
  };
  // Checked: nlohmann's get<int64_t>() of 1e300 is undefined behaviour.
  auto integer = [](const json& v, const char* key) {
    const auto i = critnet::detail::json_integer<int64_t>(v);
    CRITNET_CHECK_DATA(i.has_value(), "metrics '", key, "' must be an integer, got ", v.dump());
    return *i;
  };
  EpochMetrics m;
  m.epoch = integer(j.at("epoch"), "epoch");
  m.step = integer(j.at("step"), "step");
  m.complete = j.value("complete", true);
  m.samples = j.contains("samples") ? integer(j.at("samples"), "samples") : 0;
  m.train_loss = num("train_loss");
  m.data_loss = num("data_loss");
  m.reg_loss = num("reg_loss");
  for (const auto& p : j.at("reg_penalty")) {
    m.reg_penalty.emplace_back(integer(p.at("layer"), "layer"),
                               p.at("value").is_null() ? nan() : p.at("value").get<double>());
  }
  m.test_loss = num("test_loss");
  m.test_accuracy = num("test_accuracy");
  m.wall_s = num("wall_s");
  m.train_s = num("train_s");
  m.samples_per_s = num("samples_per_s");
  return m;
}

TrainResult train(const TrainOptions& options, const TrainCallbacks& callbacks) {
  TrainOptions opts = options;
  opts.validate();
  set_threads(opts.threads);
  const torch::Device device = resolve_device(opts.device);
  // One writer per run directory, held to the end; then what a killed writer left is stale.
  std::optional<io::RunLock> lock;
  if (!opts.out_dir.empty()) {
    lock.emplace(opts.out_dir, "critnet train");
    io::remove_stale_temp_files(opts.out_dir);
    io::remove_stale_temp_files(fs::path(opts.out_dir) / "checkpoint");
  }
  StopSignals stop_signals;

  // A checkpoint to continue?
  json state;
  std::string resume_dir;
  if (!opts.resume.empty()) {
    resume_dir = find_checkpoint_dir(opts.resume);
    state = read_checkpoint_state(resume_dir);
    TrainOptions saved;
    try {
      from_json(state.at("config").at("train"), saved);
    } catch (const std::exception& e) {
      throw DataError(resume_dir + "/state.json: bad config (" + e.what() + ")");
    }
    check_resumable(saved, opts, resume_dir);
  }

  const std::string out_dir = opts.out_dir;
  const std::string ckpt_dir = out_dir.empty() ? "" : (fs::path(out_dir) / "checkpoint").string();
  if (!out_dir.empty() && opts.resume.empty()) {
    std::error_code ec;
    CRITNET_CHECK(!fs::exists(fs::path(ckpt_dir) / "state.json", ec), "output directory ", out_dir,
                  " already holds a run (", ckpt_dir,
                  "/state.json): continue it with --resume or choose another --out");
  }

  data::DataSplits splits = data::load_data(opts.data);
  CRITNET_CHECK(splits.train.size() > 0, "the train split is empty");
  // No batch is larger than the train split: buffers are sized for what a step can hold.
  const int64_t max_batch = std::min(opts.batch_size, splits.train.size());
  check_memory(opts, splits.train.input_size(), splits.train.num_classes, max_batch);

  torch::manual_seed(opts.seed);
  nn::Mlp model(nn::MlpOptions(splits.train.input_size(), splits.train.num_classes)
                    .hidden_sizes(opts.hidden_sizes)
                    .activation(opts.activation)
                    .init(opts.init));
  const int64_t num_linears = static_cast<int64_t>(model->linears().size());
  const bool reg_on = opts.reg.enabled();
  const std::vector<int64_t> layers =
      reg_on ? penalised_layers(opts.reg, num_linears) : std::vector<int64_t>{};
  const double reg_scale = static_cast<double>(opts.reg.interval()) * opts.reg.strength();

  if (!resume_dir.empty()) {
    load_model_file(model, (fs::path(resume_dir) / state.at("model").get<std::string>()).string());
  }
  model->to(device);
  model->train();
  // The fast and device steps flatten the parameters before the optimizer sees them
  // (fast_step.h, device_step.h). The device step is the default off the CPU.
  const bool dev = opts.fast_step && (!device.is_cpu() || opts.device_step);
  const bool fast = opts.fast_step && !dev;
  const bool graphs = dev && device.is_cuda() && opts.cuda_graph;
  const AdamSettings adam{opts.lr, opts.beta1, opts.beta2, opts.eps, opts.weight_decay};
  std::unique_ptr<FastMlpStep> fast_step;
  if (fast) fast_step = std::make_unique<FastMlpStep>(model, max_batch);
  std::unique_ptr<DeviceMlpStep> device_step;
  if (dev) {
    DeviceStepOptions d;
    d.max_batch = max_batch;
    d.adam = adam;
    d.reg = opts.reg;
    d.layers = layers;
    d.cuda_graph = graphs;
    device_step = std::make_unique<DeviceMlpStep>(model, d);
  }
  torch::optim::Adam optimizer(model->parameters(),
                               torch::optim::AdamOptions(opts.lr)
                                   .betas(std::make_tuple(opts.beta1, opts.beta2))
                                   .eps(opts.eps)
                                   .weight_decay(opts.weight_decay));

  int64_t step = 0;
  int64_t start_epoch = 1;
  int64_t first_batch = 0;
  std::vector<EpochMetrics> history;
  if (!resume_dir.empty()) {
    const std::string file =
        (fs::path(resume_dir) / state.at("optimizer").get<std::string>()).string();
    try {
      torch::load(optimizer, file, device);
    } catch (const c10::Error& e) {
      throw DataError(file + ": cannot load the optimizer state (" + e.what_without_backtrace() +
                      ")");
    }
    // The options given are authoritative (they equal the checkpoint's unless the caller
    // changed them on purpose).
    for (auto& group : optimizer.param_groups()) {
      auto& adam = static_cast<torch::optim::AdamOptions&>(group.options());
      adam.lr(opts.lr)
          .betas(std::make_tuple(opts.beta1, opts.beta2))
          .eps(opts.eps)
          .weight_decay(opts.weight_decay);
    }
    step = state.at("step").get<int64_t>();
    const int64_t epoch = state.at("epoch").get<int64_t>();
    const bool complete = state.value("complete", true);
    start_epoch = complete ? epoch + 1 : epoch;
    first_batch = complete ? 0 : state.value("batches_done", int64_t{0});
    for (const auto& m : state.value("history", json::array())) {
      history.push_back(EpochMetrics::from_json(m));
    }
  }
  if (fast) fast_step->attach(optimizer);
  if (dev) device_step->attach(optimizer);

  // Data on the training device.
  data::Dataset train_set = splits.train;
  data::Dataset test_set = splits.test;
  if (device != torch::Device(torch::kCPU)) {
    train_set.inputs = train_set.inputs.to(device);
    train_set.labels = train_set.labels.to(device);
    test_set.inputs = test_set.inputs.to(device);
    test_set.labels = test_set.labels.to(device);
  }
  if (dev) device_step->set_data(train_set.inputs, train_set.labels);

  // The resolved config.
  const RuntimeInfo info = runtime_info();
  int64_t num_parameters = 0;
  for (const auto& p : model->parameters()) num_parameters += p.numel();
  json config = {{"critnet_version", info.critnet_version},
                 {"libtorch_version", info.torch_version},
                 {"command", "train"},
                 {"created_utc", utc_now()},
                 {"train", json(opts)},
                 {"data", data::describe(splits)},
                 {"model",
                  {{"input_size", splits.train.input_size()},
                   {"output_size", splits.train.num_classes},
                   {"hidden", opts.hidden_sizes},
                   {"activation", nn::to_string(opts.activation)},
                   {"init", nn::to_string(opts.init)},
                   {"parameters", num_parameters}}},
                 {"penalised_layers", layers},
                 {"device", device.str()},
                 {"step_path", graphs ? "device+cuda-graph"
                               : dev  ? "device"
                               : fast ? "fast"
                                      : "autograd"},
                 {"runtime",
                  {{"blas", info.blas_kind},
                   {"blas_path", info.blas_path},
                   {"threads", info.num_threads},
                   {"hardware_threads", info.hardware_threads},
                   {"cuda_devices", info.cuda_devices}}}};
  if (!resume_dir.empty()) config["resumed_from"] = resume_dir;

  const std::string metrics_path =
      out_dir.empty() ? "" : (fs::path(out_dir) / "metrics.jsonl").string();
  if (!out_dir.empty()) {
    io::create_directories(out_dir);
    io::write_file_atomic(fs::path(out_dir) / "config.json", config.dump(2) + "\n");
    std::string lines;
    for (const auto& m : history) lines += m.to_json().dump() + "\n";
    io::write_file_atomic(metrics_path, lines);
  }
  if (callbacks.on_start) callbacks.on_start(config);

  const int64_t n = train_set.size();
  const int64_t bs = opts.batch_size;
  const int64_t batches = (n + bs - 1) / bs;
  auto last_checkpoint_note = [&]() -> std::string {
    if (ckpt_dir.empty() || !opts.checkpoint) return "";
    std::error_code ec;
    if (!fs::exists(fs::path(ckpt_dir) / "state.json", ec))
      return "; no checkpoint was written yet";
    return "; the last good checkpoint stays in " + ckpt_dir;
  };

  // A step budget, or a SIGINT/SIGTERM (core/interrupt.h): either ends the loop at a step
  // boundary, and the partial epoch is checkpointed as usual.
  auto should_stop = [&] {
    return (opts.max_steps > 0 && step >= opts.max_steps) || stop_signal() != 0;
  };

  // Batch buffers of the fast step (no allocation per step).
  torch::Tensor x_buffer, y_buffer;
  if (fast) {
    x_buffer = torch::empty({max_batch, train_set.inputs.size(1)}, train_set.inputs.options());
    y_buffer = torch::empty({max_batch}, train_set.labels.options());
  }

  for (int64_t epoch = start_epoch; epoch <= opts.epochs; ++epoch) {
    if (should_stop()) break;
    const auto epoch_t0 = Clock::now();
    model->train();
    torch::Tensor order = data::epoch_order(n, opts.seed, epoch);
    if (device != torch::Device(torch::kCPU)) order = order.to(device);

    double total_sum = 0, data_sum = 0, reg_term_sum = 0, train_s = 0;
    int64_t samples = 0, steps_here = 0, reg_steps = 0;
    std::vector<double> pen_sum(layers.size(), 0.0);
    int64_t b = (epoch == start_epoch) ? first_batch : 0;
    if (dev) {
      // Device step: no host round trip per step; the losses are read once, at the epoch's end.
      const auto t0 = Clock::now();
      device_step->begin_epoch(order, b);
      const int64_t first_step = step;
      for (; b < batches; ++b) {
        if (should_stop()) break;
        const bool reg_step = reg_on && step % opts.reg.interval() == 0;
        // As below; a replayed CUDA graph draws its probes from the advancing CUDA generator
        // instead (docs/cuda.md).
        if (reg_step && opts.reg.probes() > 0 && !graphs) {
          torch::manual_seed(data::mix_seed(opts.seed, 1u << 20) ^ static_cast<uint64_t>(step));
        }
        device_step->step(reg_step);
        ++step;
        ++steps_here;
        if (callbacks.on_step) {
          callbacks.on_step(StepInfo{epoch, opts.epochs, b + 1, batches, step, nan()});
        }
      }
      const DeviceStepTotals totals = device_step->take_totals();
      train_s = seconds_since(t0);
      samples = totals.samples;
      data_sum = totals.data_loss_sum;
      reg_term_sum = totals.reg_term_sum;
      total_sum = data_sum + reg_term_sum;
      reg_steps = totals.penalty_steps;
      pen_sum = totals.penalty_sums;
      if (steps_here > 0 && !std::isfinite(total_sum)) {
        std::ostringstream out;
        out << "non-finite loss in epoch " << epoch << " (steps " << first_step + 1 << " to "
            << step << "; the device step reads its losses once per epoch): summed data loss "
            << fmt_double(data_sum) << ", summed penalty term " << fmt_double(reg_term_sum);
        if (!layers.empty()) {
          out << "; summed penalties by layer:";
          for (size_t i = 0; i < layers.size(); ++i)
            out << (i ? ", " : " ") << layers[i] << " = " << fmt_double(pen_sum[i]);
        }
        out << " (train on the CPU to find the step)" << last_checkpoint_note();
        throw NumericalError(out.str());
      }
    }
    for (; !dev && b < batches; ++b) {
      if (should_stop()) break;
      const auto t0 = Clock::now();
      const int64_t begin = b * bs, end = std::min(n, begin + bs);
      auto idx = order.slice(0, begin, end);
      torch::Tensor x, y, data_loss, loss;
      double data_value = 0;
      if (fast) {
        x = x_buffer.narrow(0, 0, end - begin);
        y = y_buffer.narrow(0, 0, end - begin);
        at::index_select_out(x, train_set.inputs, 0, idx);
        at::index_select_out(y, train_set.labels, 0, idx);
        data_value = fast_step->forward(x, y);
        fast_step->backward();  // overwrites the gradients; the penalty's are added below
      } else {
        x = train_set.inputs.index_select(0, idx);
        y = train_set.labels.index_select(0, idx);
        optimizer.zero_grad();
        data_loss = F::cross_entropy(model->forward(x), y);
        loss = data_loss;
      }
      std::vector<double> pens;
      torch::Tensor reg_term;
      const bool reg_step = reg_on && step % opts.reg.interval() == 0;
      if (reg_step) {
        std::vector<torch::Tensor> values;
        values.reserve(layers.size());
        // Hutchinson probes come from torch's global generator: seed it from (seed, step) so
        // that a resumed run draws the same probes.
        if (opts.reg.probes() > 0) {
          torch::manual_seed(data::mix_seed(opts.seed, 1u << 20) ^ static_cast<uint64_t>(step));
        }
        for (auto l : layers) {
          try {
            if (fast) {  // value, and reg_scale·∇ added in place to the layer's gradient
              torch::Tensor grad = model->weight(l).grad();
              values.push_back(
                  reg::penalty_add_gradient(model->weight(l), opts.reg, grad, reg_scale));
            } else {
              values.push_back(reg::penalty(model->weight(l), opts.reg));
            }
          } catch (const c10::Error& e) {
            const std::string what = e.what_without_backtrace();
            throw NumericalError("the critical penalty of layer " + std::to_string(l) +
                                 " failed at step " + std::to_string(step + 1) + " (epoch " +
                                 std::to_string(epoch) + ", batch " + std::to_string(b + 1) +
                                 "): " + what.substr(0, what.find('\n')) + last_checkpoint_note());
          }
        }
        auto stacked = torch::stack(values);
        reg_term = reg_scale * stacked.sum();
        if (!fast) loss = data_loss + reg_term;
        auto host = stacked.detach().to(torch::kCPU, torch::kFloat64);
        pens.assign(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
      }
      double loss_value = 0;
      if (fast) {
        loss_value = data_value;
        if (reg_step) loss_value += reg_term.item<double>();
      } else {
        loss_value = loss.item<double>();
        data_value = data_loss.item<double>();
      }
      if (!std::isfinite(loss_value)) {
        // Steps and batches are 1-based in messages, like epochs.
        throw_non_finite(loss_value, data_value, step + 1, epoch, b + 1, layers, pens, reg_scale,
                         last_checkpoint_note());
      }
      if (fast) {
        fast_step->adam_step(adam);
      } else {
        loss.backward();
        optimizer.step();
      }
      ++step;
      ++steps_here;
      const auto m = static_cast<double>(end - begin);
      samples += end - begin;
      total_sum += loss_value * m;
      data_sum += data_value * m;
      if (reg_step) {
        ++reg_steps;
        reg_term_sum += (loss_value - data_value) * m;
        for (size_t i = 0; i < pens.size(); ++i) pen_sum[i] += pens[i];
      }
      train_s += seconds_since(t0);
      if (callbacks.on_step) {
        callbacks.on_step(StepInfo{epoch, opts.epochs, b + 1, batches, step, loss_value});
      }
    }
    if (steps_here == 0) break;

    EpochMetrics metrics;
    metrics.epoch = epoch;
    metrics.step = step;
    metrics.complete = (b == batches);
    metrics.samples = samples;
    metrics.train_loss = total_sum / static_cast<double>(samples);
    metrics.data_loss = data_sum / static_cast<double>(samples);
    metrics.reg_loss = reg_term_sum / static_cast<double>(samples);
    for (size_t i = 0; i < layers.size(); ++i) {
      metrics.reg_penalty.emplace_back(
          layers[i], reg_steps ? pen_sum[i] / static_cast<double>(reg_steps) : nan());
    }
    if (opts.evaluate && test_set.size() > 0) {
      const Evaluation e = evaluate(model, test_set, opts.eval_batch_size);
      metrics.test_loss = e.loss;
      metrics.test_accuracy = e.accuracy;
    } else {
      metrics.test_loss = nan();
      metrics.test_accuracy = nan();
    }
    metrics.train_s = train_s;
    metrics.samples_per_s = train_s > 0 ? static_cast<double>(samples) / train_s : 0.0;
    metrics.wall_s = seconds_since(epoch_t0);
    if (!history.empty() && history.back().epoch == epoch)
      history.pop_back();  // a partial epoch continued
    history.push_back(metrics);

    if (!ckpt_dir.empty() && opts.checkpoint) {
      if (fast) fast_step->sync_state(optimizer);
      if (dev) device_step->sync_state(optimizer);
      json st = {{"epoch", epoch},    {"step", step},     {"complete", metrics.complete},
                 {"batches_done", b}, {"config", config}, {"history", json::array()}};
      for (const auto& h : history) st["history"].push_back(h.to_json());
      save_checkpoint(ckpt_dir, model, optimizer, st);
    }
    if (!metrics_path.empty()) io::append_to_file(metrics_path, metrics.to_json().dump() + "\n");
    if (callbacks.on_epoch) callbacks.on_epoch(metrics);
  }

  if (const int sig = stop_signal()) {
    const bool saved =
        !ckpt_dir.empty() && opts.checkpoint && fs::exists(fs::path(ckpt_dir) / "state.json");
    throw Interrupted(
        sig,
        "interrupted by " + signal_name(sig) + " after step " + std::to_string(step) +
            (saved ? "; checkpoint written to " + ckpt_dir + ": continue with --resume " + out_dir
                   : "; no checkpoint (no output directory)"));
  }
  model->eval();
  TrainResult result;
  result.model = model;
  result.history = std::move(history);
  result.config = std::move(config);
  result.steps = step;
  return result;
}

}  // namespace critnet::train
