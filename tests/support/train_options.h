#pragma once
/// The tiny training run the trainer's path tests share (fast step, device step, autograd).
#include <cstdint>

#include "critnet/train/train.h"

namespace critnet::test_support {

/// synthetic:12 (300 training, 100 test samples, data seed 3), hidden 16-8, batch 32 (the last
/// batch of an epoch has 12 samples), seed 11, CPU, one thread, Adam lr 1e-2 with weight
/// decay 1e-3, `epochs` epochs. The caller picks the step path (fast_step, device_step).
train::TrainOptions tiny_train_options(int64_t epochs);

}  // namespace critnet::test_support
