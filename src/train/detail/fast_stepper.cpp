// The fast CPU path (FastMlpStep): hand-written backpropagation into flat gradients, the
// penalty's analytic gradient added in place, one fused Adam pass; batches gathered into
// buffers allocated once.
#include "critnet/regularizers/critical.h"
#include "critnet/train/fast_step.h"
#include "train/detail/batch_stepper.h"

namespace critnet::train::detail {
namespace {

class FastStepper final : public BatchStepper {
 public:
  explicit FastStepper(const StepperSetup& setup)
      : BatchStepper(setup),
        model_(setup.model),
        step_(setup.model, setup.max_batch),
        adam_(adam_settings(setup.options)),
        x_buffer_(torch::empty({setup.max_batch, setup.train_set.inputs.size(1)},
                               setup.train_set.inputs.options())),
        y_buffer_(torch::empty({setup.max_batch}, setup.train_set.labels.options())) {}

  std::string path() const override { return "fast"; }
  void attach(torch::optim::Adam& optimizer) override { step_.attach(optimizer); }
  void sync(torch::optim::Adam& optimizer) override { step_.sync_state(optimizer); }

 private:
  Loss compute(const torch::Tensor& idx, const StepAt& at, bool with_penalty) override {
    const int64_t b = idx.size(0);
    auto x = x_buffer_.narrow(0, 0, b);
    auto y = y_buffer_.narrow(0, 0, b);
    at::index_select_out(x, train_set_.inputs, 0, idx);
    at::index_select_out(y, train_set_.labels, 0, idx);
    Loss out;
    out.data = step_.forward(x, y);
    step_.backward();  // overwrites the gradients; the penalty's are added below
    out.total = out.data;
    if (with_penalty) {
      // The value, and k·λ·∇R added in place to the layer's gradient.
      Penalty p = penalty(at, [&](int64_t l) {
        torch::Tensor grad = model_->weight(l).grad();
        return reg::penalty_add_gradient(model_->weight(l), options_.reg.penalty(), grad,
                                         reg_scale_);
      });
      out.total += p.term.item<double>();
      out.penalties = std::move(p.values);
    }
    return out;
  }

  void update() override { step_.adam_step(adam_); }

  nn::Mlp model_;
  FastMlpStep step_;
  const AdamSettings adam_;
  torch::Tensor x_buffer_, y_buffer_;
};

}  // namespace

std::unique_ptr<Stepper> make_fast_stepper(const StepperSetup& setup) {
  return std::make_unique<FastStepper>(setup);
}

}  // namespace critnet::train::detail
