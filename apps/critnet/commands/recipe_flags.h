#pragma once
// The command line's one way to set the recipes (train/recipe.h, probe/recipe.h): a flag group
// per recipe, shared by train, probe, reproduce and sweep, and one "applied only when given"
// mechanism (GivenFlags) for every command whose defaults come from elsewhere as well (a config
// file, a resumed run, --full, a grid).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "critnet/probe/recipe.h"
#include "critnet/train/recipe.h"

namespace critnet::cli {

/// Flags applied to a target only when given, in declaration order: a flag the user did not
/// give leaves the target's value (its default, a config file's, --full's) alone.
template <typename T>
class GivenFlags {
 public:
  struct Entry {
    CLI::Option* option;
    std::function<void(T&)> apply;
    bool on_resume;  ///< may be given when `critnet train --resume` continues a run
  };

  /// Registers `option`; returns it (for chaining in a declaration).
  CLI::Option* add(CLI::Option* option, std::function<void(T&)> apply, bool on_resume = false) {
    entries_.push_back({option, std::move(apply), on_resume});
    return option;
  }
  /// Registers the flags of a part of T (a recipe inside the target), applied to `part(t)`.
  template <typename U>
  void include(const GivenFlags<U>& flags, std::function<U&(T&)> part) {
    for (const auto& e : flags.entries())
      entries_.push_back(
          {e.option, [apply = e.apply, part](T& t) { apply(part(t)); }, e.on_resume});
  }
  /// Applies every flag given.
  void apply(T& target) const {
    for (const auto& e : entries_)
      if (e.option->count() > 0) e.apply(target);
  }
  bool any_given() const {
    for (const auto& e : entries_)
      if (e.option->count() > 0) return true;
    return false;
  }
  /// Whether the flag named `name` ("--subset-size") was given.
  bool given(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.option->get_name() == name) return e.option->count() > 0;
    return false;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

/// The typed holders of the training recipe's flags.
struct TrainRecipeFlags {
  std::string data, data_dir, hidden, activation;
  int64_t synthetic_train = 0, synthetic_test = 0, train_limit = 0, test_limit = 0;
  int64_t batch_size = 0, max_steps = 0;
  double lr = 0;
  GivenFlags<train::TrainRecipe> given;
};

/// --data, --data-dir, --synthetic-train, --synthetic-test, --train-limit, --test-limit (group
/// "Data"), --hidden, --activation (group "Model"), --lr, --batch-size, --max-steps (group
/// "Optimisation"): the training recipe, each applied only when given; `defaults` (the
/// command's) for the help texts. --max-steps may be given on resume.
void add_train_recipe_flags(CLI::App* cmd, TrainRecipeFlags& flags,
                            const train::TrainRecipe& defaults);

/// The typed holders of the probe recipe's flags.
struct ProbeRecipeFlags {
  int64_t limit = 0, max_candidates = 0, subset_size = 0;
  int bootstrap = 0;
  double min_tail_fraction = 0;
  GivenFlags<probe::ProbeRecipe> given;
};

/// `limit_flag` (--limit for `critnet probe`, --probe-limit where the data has other limits
/// too), --bootstrap, --max-candidates, --subset-size, --min-tail-fraction (group "Probe"): the
/// probe recipe, each applied only when given; `defaults` for the help texts.
void add_probe_recipe_flags(CLI::App* cmd, ProbeRecipeFlags& flags,
                            const probe::ProbeRecipe& defaults, const std::string& limit_flag);

}  // namespace critnet::cli
