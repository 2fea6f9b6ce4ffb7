#pragma once
// The options of verdict rule 2 (critnet/report/verdict.h), shared by `fit`, `report` and
// `reproduce` so that each names and checks them the same way.
#include <CLI/CLI.hpp>

#include "commands/validate.h"
#include "critnet/report/verdict.h"

namespace critnet::cli {

/// --min-decades and --min-tail: how wide a tail that passes the CSN tests must be to count
/// as scale invariant.
inline void add_tail_width_options(CLI::App* cmd, report::VerdictRule& rule) {
  cmd->add_option("--min-decades", rule.min_decades,
                  "Scale invariant only if the fitted tail spans at least D decades "
                  "(x_max/x_min >= 10^D; default 1)")
      ->check(real(0, 20));
  cmd->add_option("--min-tail", rule.min_tail,
                  "Scale invariant only if the fitted tail holds at least N points (default 50)")
      ->check(integer(1));
}

}  // namespace critnet::cli
