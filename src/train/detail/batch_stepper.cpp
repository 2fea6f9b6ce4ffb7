#include "train/detail/batch_stepper.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "critnet/core/error.h"

namespace critnet::train::detail {
namespace {

// Names the step, and the penalty that made the loss non-finite (or the data loss).
[[noreturn]] void throw_non_finite(double loss, double data_loss, const StepAt& at,
                                   const std::vector<int64_t>& layers,
                                   const std::vector<double>& penalties, double scale) {
  std::ostringstream out;
  // Steps and batches are 1-based in messages, like epochs.
  out << "non-finite loss (" << loss << ") at step " << at.step + 1 << " (epoch " << at.epoch
      << ", batch " << at.batch + 1 << "): ";
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
    out << "the critical penalty of layer " << layers[bad] << " is " << format_value(penalties[bad])
        << " (times k*lambda = " << format_value(scale) << "; data loss " << format_value(data_loss)
        << ")";
  } else {
    out << "the data loss is " << format_value(data_loss);
  }
  if (!penalties.empty()) {
    out << "; penalties by layer:";
    for (size_t i = 0; i < penalties.size(); ++i)
      out << (i ? ", " : " ") << layers[i] << " = " << format_value(penalties[i]);
  }
  throw NumericalError(out.str());
}

}  // namespace

BatchStepper::BatchStepper(const StepperSetup& setup)
    : options_(setup.options),
      train_set_(setup.train_set),
      layers_(setup.layers),
      reg_scale_(setup.options.reg.weight()) {}

void BatchStepper::begin_epoch(const torch::Tensor& order, int64_t /*first_batch*/,
                               const StepTotals& so_far) {
  order_ = order;
  totals_ = so_far;
  totals_.penalty_sums.resize(layers_.size(), 0.0);
}

double BatchStepper::step(const StepAt& at, bool with_penalty) {
  const int64_t n = train_set_.size(), bs = options_.batch_size;
  const int64_t begin = at.batch * bs, end = std::min(n, begin + bs);
  const Loss loss = compute(order_.slice(0, begin, end), at, with_penalty);
  if (!std::isfinite(loss.total)) {
    throw_non_finite(loss.total, loss.data, at, layers_, loss.penalties, reg_scale_);
  }
  update();
  const auto m = static_cast<double>(end - begin);
  ++totals_.steps;
  totals_.samples += end - begin;
  totals_.loss_sum += loss.total * m;
  totals_.data_loss_sum += loss.data * m;
  if (with_penalty) {
    ++totals_.penalty_steps;
    totals_.reg_term_sum += (loss.total - loss.data) * m;
    for (size_t i = 0; i < loss.penalties.size(); ++i) totals_.penalty_sums[i] += loss.penalties[i];
  }
  return loss.total;
}

StepTotals BatchStepper::end_epoch() {
  return totals_;
}

BatchStepper::Penalty BatchStepper::penalty(
    const StepAt& at, const std::function<torch::Tensor(int64_t)>& value_of) const {
  std::vector<torch::Tensor> values;
  values.reserve(layers_.size());
  if (options_.reg.penalty().probes() > 0) seed_probes(options_, at.step);
  for (auto l : layers_) {
    try {
      values.push_back(value_of(l));
    } catch (const c10::Error& e) {
      const std::string what = e.what_without_backtrace();
      throw NumericalError("the critical penalty of layer " + std::to_string(l) +
                           " failed at step " + std::to_string(at.step + 1) + " (epoch " +
                           std::to_string(at.epoch) + ", batch " + std::to_string(at.batch + 1) +
                           "): " + what.substr(0, what.find('\n')));
    }
  }
  auto stacked = torch::stack(values);
  Penalty p;
  p.term = reg_scale_ * stacked.sum();
  auto host = stacked.detach().to(torch::kCPU, torch::kFloat64);
  p.values.assign(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
  return p;
}

}  // namespace critnet::train::detail
