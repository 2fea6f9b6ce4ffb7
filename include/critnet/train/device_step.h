#pragma once
/// The trainer's step for any device (the default of `critnet train --device cuda`;
/// docs/cuda.md): the same hand-written backpropagation as the CPU fast step (fast_step.h) in
/// plain ATen tensor operations, so it runs on the CPU (tests) and on CUDA alike, with
///   - the parameters, their gradients and Adam's moments as views into flat contiguous
///     buffers, and every activation, delta and batch in buffers allocated once;
///   - the cross-entropy, its gradient and the critical penalty's analytic gradient
///     (reg::penalty_add_gradient) as tensor operations: no value is read back to the host
///     during a step; the losses and penalties accumulate in device tensors that
///     take_totals() reads once (once per epoch in the trainer);
///   - Adam with its step count and bias corrections on the device (at::_fused_adam_ on
///     CUDA, a few in-place operations elsewhere);
///   - the training set resident on the device and the batch chosen on the device: the
///     epoch's order is copied to the device once, and batch j is order[j·B, j·B + b) with j
///     a device-side counter that the step increments;
/// so that a full-batch step has no host round trip and no host value that changes between
/// steps: on CUDA it is captured once in a CUDA graph (with and without the penalty) and
/// replayed (DeviceStepOptions::cuda_graph).
///
/// Exact: the same losses, gradients and Adam update as LibTorch's autograd +
/// torch::optim::Adam (tests: float64 on the CPU), and the same Adam state (shared with a
/// torch::optim::Adam, so checkpoints are interchangeable with the other paths).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "critnet/nn/mlp.h"
#include "critnet/train/fast_step.h"
#include "critnet/train/penalty_schedule.h"
#include "critnet/train/step_totals.h"

namespace critnet::train {

namespace detail {
class FlatMlp;
class StepGraphs;
}  // namespace detail

struct DeviceStepOptions {
  /// Largest batch (the batch of a full step); buffers are sized for it.
  int64_t max_batch = 128;
  AdamSettings adam;
  /// The penalty applied on steps asked for with_penalty = true; its gradient is added with
  /// weight interval·λ (the trainer's lazy penalty). Ignored unless reg.enabled().
  PenaltySchedule reg;
  /// Indices of the penalised Linear layers (train::penalised_layers()).
  std::vector<int64_t> layers;
  /// On CUDA: at::_fused_adam_ (one multi-tensor kernel) instead of the in-place operations.
  bool fused_adam = true;
  /// Capture the full-batch step in a CUDA graph and replay it (needs a CUDA device and a
  /// critnet built against a CUDA LibTorch; InvalidArgument otherwise). Steps on a partial
  /// last batch, and the first graph_warmup full steps of each kind (with and without the
  /// penalty), run eagerly.
  bool cuda_graph = false;
  int64_t graph_warmup = 3;
};

/// Whether this critnet was built against a CUDA LibTorch (CUDA graphs available).
bool cuda_graphs_available();

class DeviceMlpStep {
 public:
  /// Moves the model's parameters (float32 or float64, on any one device) into one flat buffer
  /// (each parameter becomes a view of it, values kept), gives each a gradient that is a view
  /// of a second flat buffer, and allocates every buffer of a step of up to max_batch samples
  /// on the model's device. Throws InvalidArgument for bad options (max_batch ≤ 0, a layer
  /// index out of range, cuda_graph without CUDA).
  DeviceMlpStep(nn::Mlp model, DeviceStepOptions options);
  ~DeviceMlpStep();
  DeviceMlpStep(const DeviceMlpStep&) = delete;
  DeviceMlpStep& operator=(const DeviceMlpStep&) = delete;

  /// As FastMlpStep::attach(): the optimizer's Adam state becomes views of the step's moment
  /// buffers (loaded state copied in) and the step count is taken from it.
  void attach(torch::optim::Adam& optimizer);
  /// Writes the step count into every parameter's AdamParamState (before saving it).
  void sync_state(torch::optim::Adam& optimizer) const;

  /// The training set: inputs [n, input] (converted once to the model's device and dtype) and
  /// labels [n] int64 (checked once to lie in [0, classes): DataError otherwise). Call it
  /// before the first step(): a captured CUDA graph reads these buffers (InvalidArgument
  /// after a capture).
  void set_data(const torch::Tensor& inputs, const torch::Tensor& labels);
  /// Starts an epoch: order [n] int64 (a permutation of 0..n-1, e.g. data::epoch_order(), on
  /// any device) is copied to the device; the next step takes batch first_batch.
  void begin_epoch(const torch::Tensor& order, int64_t first_batch = 0);
  /// Batches per epoch, ceil(n / max_batch) (the last may be partial).
  int64_t batches_per_epoch() const;
  /// Size of the batch the next step() takes (0 when the epoch is over).
  int64_t next_batch_size() const;

  /// One step on the next batch of the epoch: forward, cross-entropy, backward, the penalty's
  /// gradient when with_penalty (and the penalty is enabled), Adam. Replays a CUDA graph for
  /// full batches when cuda_graph. Throws InvalidArgument when the epoch is over or no data
  /// was set.
  void step(bool with_penalty);
  /// One eager step on an explicit batch x [b, input], y [b] int64 (b ≤ max_batch; copied
  /// into the step's buffers), e.g. for tests or data that is not resident.
  void step_on(const torch::Tensor& x, const torch::Tensor& y, bool with_penalty);

  /// The totals of the steps since the last call (one device-to-host copy), and resets them.
  StepTotals take_totals();

  int64_t steps() const { return steps_; }
  /// Whether a graph was captured for steps with (true) or without (false) the penalty.
  bool graph_captured(bool with_penalty) const;
  const torch::Tensor& flat_parameters() const;
  const torch::Tensor& flat_gradients() const;

 private:
  void load_batch(int64_t b);
  void compute(int64_t b, bool with_penalty);
  void adam_step();

  DeviceStepOptions options_;
  /// The flat parameters and buffers and the forward and backward passes (shared with
  /// FastMlpStep).
  std::unique_ptr<detail::FlatMlp> net_;
  bool penalty_on_ = false;
  double penalty_scale_ = 0;
  torch::Tensor adam_tmp_, decayed_grad_;
  /// Adam's step count on the device: float64 for the in-place path, float32 for the fused
  /// kernel (which reads it as float).
  torch::Tensor step_count_, step_count_f32_;
  /// The batch: inputs [B, input], labels [B]; log_probs_ [B, classes]; picked_ [B, 1].
  torch::Tensor inputs_buf_, labels_buf_, log_probs_, picked_, minus_ones_;
  /// Device-resident data and the epoch's batching.
  torch::Tensor inputs_, labels_, order_, arange_, positions_, indices_, counter_;
  int64_t n_ = 0, next_batch_ = 0;
  /// Accumulators (float64): Σ data loss, Σ reg term, Σ R per layer.
  torch::Tensor data_sum_, reg_sum_, penalty_sums_;
  int64_t steps_ = 0, totals_steps_ = 0, totals_samples_ = 0, totals_penalty_steps_ = 0;
  bool attached_ = false;
  std::unique_ptr<detail::StepGraphs> graphs_;
};

}  // namespace critnet::train
