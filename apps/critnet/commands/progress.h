#pragma once
// The training progress bar of `critnet train` and `critnet reproduce`:
// "[LABEL ]epoch 1/3 [=====>     ] 234/469 loss 0.43" on stderr, at most ten times a second.
// Callers draw it only on a terminal (isatty(2)).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "critnet/train/train.h"

namespace critnet::cli {

class ProgressBar {
 public:
  /// Redraws the bar for step `s`; `label` (e.g. an arm's name) is printed before it.
  void update(const train::StepInfo& s, const std::string& label = "") {
    const auto now = std::chrono::steady_clock::now();
    if (s.batch != s.batches && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * s.batch / std::max<int64_t>(1, s.batches));
    std::string bar(filled, '=');
    if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
    // The device step reads its losses once per epoch: its steps report NaN.
    const std::string loss = std::isfinite(s.loss) ? fmt::format(" loss {:.4f}", s.loss) : "";
    fmt::print(stderr, "\r{}{}epoch {}/{} [{}] {}/{}{}  ", label, label.empty() ? "" : " ", s.epoch,
               s.epochs, bar, s.batch, s.batches, loss);
    std::fflush(stderr);
    drawn_ = true;
  }
  /// Erases the bar (before a log line, or at the end).
  void clear() {
    if (drawn_) fmt::print(stderr, "\r{:100}\r", "");
    drawn_ = false;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace critnet::cli
