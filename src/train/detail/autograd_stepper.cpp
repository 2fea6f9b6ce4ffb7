// The autograd path: LibTorch's autograd through nn::Mlp and the penalty, and
// torch::optim::Adam (the reference the hand-written steps are tested against).
#include "critnet/regularizers/critical.h"
#include "train/detail/batch_stepper.h"

namespace critnet::train::detail {
namespace {

class AutogradStepper final : public BatchStepper {
 public:
  explicit AutogradStepper(const StepperSetup& setup) : BatchStepper(setup), model_(setup.model) {}

  std::string path() const override { return "autograd"; }
  void attach(torch::optim::Adam& optimizer) override { optimizer_ = &optimizer; }
  void sync(torch::optim::Adam&) override {}  // the optimizer counts its own steps

 private:
  Loss compute(const torch::Tensor& idx, const StepAt& at, bool with_penalty) override {
    namespace F = torch::nn::functional;
    auto x = train_set_.inputs.index_select(0, idx);
    auto y = train_set_.labels.index_select(0, idx);
    optimizer_->zero_grad();
    const torch::Tensor data_loss = F::cross_entropy(model_->forward(x), y);
    loss_ = data_loss;
    Loss out;
    if (with_penalty) {
      Penalty p = penalty(
          at, [&](int64_t l) { return reg::penalty(model_->weight(l), options_.reg.penalty()); });
      loss_ = data_loss + p.term;
      out.penalties = std::move(p.values);
    }
    out.total = loss_.item<double>();
    out.data = data_loss.item<double>();
    return out;
  }

  void update() override {
    loss_.backward();
    optimizer_->step();
    loss_ = torch::Tensor();  // the graph's last reference
  }

  nn::Mlp model_;
  torch::optim::Adam* optimizer_ = nullptr;
  torch::Tensor loss_;
};

}  // namespace

std::unique_ptr<Stepper> make_autograd_stepper(const StepperSetup& setup) {
  return std::make_unique<AutogradStepper>(setup);
}

}  // namespace critnet::train::detail
