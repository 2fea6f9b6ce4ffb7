// The recipes' flag groups (recipe_flags.h).
#include "commands/recipe_flags.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "commands/parse_list.h"
#include "commands/validate.h"
#include "critnet/core/limits.h"

namespace critnet::cli {

namespace {
// "(default N, 0 = all)" or "(0 = all, the default)".
std::string limit_default(int64_t n) {
  return n > 0 ? fmt::format("(default {}, 0 = all)", n) : "(0 = all, the default)";
}
}  // namespace

void add_train_recipe_flags(CLI::App* cmd, TrainRecipeFlags& f, const train::TrainRecipe& d) {
  using train::TrainRecipe;
  auto& given = f.given;
  given.add(
      cmd->add_option("--data", f.data,
                      fmt::format("fashion-mnist | mnist | cifar10 | synthetic:D (default {})",
                                  d.data.source))
          ->group("Data"),
      [&f](TrainRecipe& r) { r.data.source = f.data; });
  given.add(cmd->add_option("--data-dir", f.data_dir,
                            "Directory of the data files (fashion-mnist: "
                            "/usr/share/datasets/fashion-mnist; cifar10: "
                            "../shared/data/cifar-10-batches-bin; mnist: required)")
                ->group("Data"),
            [&f](TrainRecipe& r) { r.data.data_dir = f.data_dir; });
  given.add(cmd->add_option(
                   "--synthetic-train", f.synthetic_train,
                   fmt::format("Train samples of synthetic:D (default {})", d.data.synthetic_train))
                ->check(integer(1))
                ->group("Data"),
            [&f](TrainRecipe& r) { r.data.synthetic_train = f.synthetic_train; });
  given.add(cmd->add_option(
                   "--synthetic-test", f.synthetic_test,
                   fmt::format("Test samples of synthetic:D (default {})", d.data.synthetic_test))
                ->check(integer(1))
                ->group("Data"),
            [&f](TrainRecipe& r) { r.data.synthetic_test = f.synthetic_test; });
  given.add(
      cmd->add_option("--train-limit", f.train_limit,
                      "Use only the first N train samples " + limit_default(d.data.train_limit))
          ->check(integer(0))
          ->group("Data"),
      [&f](TrainRecipe& r) { r.data.train_limit = f.train_limit; });
  given.add(cmd->add_option("--test-limit", f.test_limit,
                            "Use only the first N test samples " + limit_default(d.data.test_limit))
                ->check(integer(0))
                ->group("Data"),
            [&f](TrainRecipe& r) { r.data.test_limit = f.test_limit; });
  given.add(
      cmd->add_option("--hidden", f.hidden,
                      fmt::format("Hidden layer widths, input side first (default {})",
                                  fmt::join(d.hidden_sizes, ",")))
          ->check(integer_list(1, kMaxWidth, false, true))
          ->group("Model"),
      [&f](TrainRecipe& r) { r.hidden_sizes = parse_list_or_none<int64_t>(f.hidden, "--hidden"); });
  given.add(cmd->add_option("--activation", f.activation,
                            fmt::format("relu | elu | tanh | linear (default {})",
                                        nn::to_string(d.activation)))
                ->group("Model"),
            [&f](TrainRecipe& r) { r.activation = nn::parse_activation(f.activation); });
  given.add(cmd->add_option("--lr", f.lr, fmt::format("Adam learning rate (default {})", d.lr))
                ->check(real(0, kInf, Ends::kOpenLow))
                ->group("Optimisation"),
            [&f](TrainRecipe& r) { r.lr = f.lr; });
  given.add(cmd->add_option("--batch-size", f.batch_size,
                            fmt::format("Samples per step (default {})", d.batch_size))
                ->check(integer(1, kMaxBatchSize))
                ->group("Optimisation"),
            [&f](TrainRecipe& r) { r.batch_size = f.batch_size; });
  given.add(
      cmd->add_option("--max-steps", f.max_steps,
                      "Stop each run after N optimiser steps in total (0 = no limit; the last "
                      "epoch is then partial)")
          ->check(integer(0))
          ->group("Optimisation"),
      [&f](TrainRecipe& r) { r.max_steps = f.max_steps; }, /*on_resume=*/true);
}

void add_probe_recipe_flags(CLI::App* cmd, ProbeRecipeFlags& f, const probe::ProbeRecipe& d,
                            const std::string& limit_flag) {
  using probe::ProbeRecipe;
  auto& given = f.given;
  given.add(cmd->add_option(limit_flag, f.limit,
                            "Samples probed: the first N of the split " + limit_default(d.limit))
                ->check(integer(0))
                ->group("Probe"),
            [&f](ProbeRecipe& r) { r.limit = f.limit; });
  given.add(cmd->add_option("--bootstrap", f.bootstrap,
                            fmt::format("Bootstrap replicates of each power-law fit (default {}, "
                                        "0 = no p-values)",
                                        d.bootstrap))
                ->check(integer(0, kMaxBootstrap))
                ->group("Probe"),
            [&f](ProbeRecipe& r) { r.bootstrap = f.bootstrap; });
  given.add(cmd->add_option("--max-candidates", f.max_candidates,
                            fmt::format("At most this many x_min candidates per fit (default {}, "
                                        "0 = every value)",
                                        d.max_candidates))
                ->check(integer(0))
                ->group("Probe"),
            [&f](ProbeRecipe& r) { r.max_candidates = f.max_candidates; });
  given.add(cmd->add_option("--subset-size", f.subset_size,
                            fmt::format("k: units per random subset of the activation patterns, "
                                        "1..64 (default {}, clamped to narrower layers; a k given "
                                        "to `critnet probe` must fit every layer)",
                                        d.subset_size))
                ->check(integer(1, 64))
                ->group("Probe"),
            [&f](ProbeRecipe& r) { r.subset_size = f.subset_size; });
  given.add(cmd->add_option("--min-tail-fraction", f.min_tail_fraction,
                            fmt::format("Each CSN fit's tail holds at least this fraction of the "
                                        "values, in [0, 1) (default {:g}; 0 = CSN's plain x_min "
                                        "scan)",
                                        d.min_tail_fraction))
                ->check(real(0, 1, Ends::kOpenHigh))
                ->group("Probe"),
            [&f](ProbeRecipe& r) { r.min_tail_fraction = f.min_tail_fraction; });
}

}  // namespace critnet::cli
