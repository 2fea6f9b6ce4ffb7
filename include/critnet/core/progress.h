#pragma once
/// How long work tells its caller what it is doing. The library never prints: the CLI's console
/// (apps/critnet/console.h) shows these on a terminal or in a log, Python and tests observe them
/// or leave them empty. Every member may be empty; the helpers skip empty ones.
#include <cstdint>
#include <functional>
#include <string>

namespace critnet {

struct Reporter {
  /// A line about a stage (no newline): "train cw seed 1: epoch 3/20: loss 1.15 ...".
  std::function<void(const std::string& line)> log;
  /// A detail line (one per fitted distribution, ...): the console shows them with --verbose.
  std::function<void(const std::string& line)> detail;
  /// How far a stage is: `done` of `total` `unit`s ("samples", "fits", "cells"); called as
  /// often as the work likes (the console limits how often it draws).
  std::function<void(const std::string& stage, int64_t done, int64_t total,
                     const std::string& unit)>
      progress;

  void say(const std::string& line) const {
    if (log) log(line);
  }
  void say_detail(const std::string& line) const {
    if (detail) detail(line);
  }
  void advance(const std::string& stage, int64_t done, int64_t total,
               const std::string& unit) const {
    if (progress) progress(stage, done, total, unit);
  }
  /// The same reporter with `prefix` before every line and stage ("probe cw seed 1: ").
  Reporter prefixed(const std::string& prefix) const {
    Reporter r;
    if (log) r.log = [f = log, prefix](const std::string& line) { f(prefix + line); };
    if (detail) r.detail = [f = detail, prefix](const std::string& line) { f(prefix + line); };
    if (progress)
      r.progress = [f = progress, prefix](const std::string& stage, int64_t done, int64_t total,
                                          const std::string& unit) {
        f(prefix + stage, done, total, unit);
      };
    return r;
  }
};

}  // namespace critnet
