#include "support/train_options.h"

namespace critnet::test_support {

train::TrainOptions tiny_train_options(int64_t epochs) {
  train::TrainOptions o;
  o.data.source = "synthetic:12";
  o.data.synthetic_train = 300;
  o.data.synthetic_test = 100;
  o.data.seed = 3;
  o.hidden_sizes = {16, 8};
  o.batch_size = 32;
  o.epochs = epochs;
  o.seed = 11;
  o.device = "cpu";
  o.threads = 1;
  o.lr = 1e-2;
  o.weight_decay = 1e-3;
  return o;
}

}  // namespace critnet::test_support
