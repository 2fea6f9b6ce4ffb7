// `critnet htsr MODEL`: the heavy-tailed self-regularisation columns of every Linear and Conv
// layer of a TorchScript file or a critnet run (atlas/htsr.h), as a table or JSON.
#include "critnet/atlas/htsr.h"

#include <fmt/core.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "commands/command.h"
#include "commands/validate.h"
#include "critnet/core/io.h"
#include "critnet/core/runtime.h"
#include "critnet/probe/model_weights.h"

namespace critnet::cli {
namespace {

struct HtsrArgs {
  std::string model;
  atlas::HtsrOptions options;
  bool json = false;
};

std::string cell(double v, const char* format = "{:.3g}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(format), v) : "-";
}

void print_table(const std::vector<atlas::HtsrRow>& rows) {
  std::string out = fmt::format(
      "{:<16} {:<7} {:>5} {:>5} {:>3} {:>6} {:>6} {:>9} {:>6} {:>5} {:>7}  {}\n", "layer", "type",
      "N", "M", "rf", "evals", "alpha", "xmin", "D", "tail", "p", "label");
  for (const auto& r : rows) {
    if (!r.error.empty()) {
      out += fmt::format("{:<16} {:<7} {:>5} {:>5} {:>3} {:>6}  no fit: {}\n", r.layer, r.type, r.N,
                         r.M, r.rf, r.num_evals, r.error);
      continue;
    }
    out += fmt::format("{:<16} {:<7} {:>5} {:>5} {:>3} {:>6} {:>6} {:>9} {:>6} {:>5} {:>7}  {}\n",
                       r.layer, r.type, r.N, r.M, r.rf, r.num_evals, cell(r.fit.alpha, "{:.2f}"),
                       cell(r.fit.xmin), cell(r.fit.D, "{:.3f}"), r.fit.n_tail,
                       r.csn ? cell(r.csn->fit.p) : "-", r.label);
  }
  io::write_stdout(out);
}

void run_htsr(const HtsrArgs& a) {
  a.options.validate();
  set_threads(a.options.threads);
  const std::vector<atlas::HtsrRow> rows =
      atlas::analyse_layers(probe::model_weights(a.model), a.options);
  if (a.json) {
    nlohmann::json doc = {{"schema", "critnet.htsr/1"}, {"model", a.model}};
    doc["layers"] = nlohmann::json::array();
    for (const auto& r : rows) doc["layers"].push_back(r.to_json());
    io::write_stdout(doc.dump(2) + "\n");
  } else {
    print_table(rows);
  }
}

}  // namespace

void setup_htsr(CLI::App& app) {
  auto a = std::make_shared<HtsrArgs>();
  auto* cmd = app.add_subcommand(
      "htsr",
      "Heavy-tailed self-regularisation of every Linear/Conv layer: WeightWatcher's columns "
      "(alpha, D, stable_rank, mp_softrank, ...) with critnet's CSN statistics on the tail");
  cmd->add_option("model", a->model, "A TorchScript file (torch.jit.save) or a critnet run")
      ->required();
  cmd->add_option("--bootstrap", a->options.bootstrap,
                  "Bootstrap replicates of the tail's goodness-of-fit p (default 100; 0 = none)")
      ->check(integer(0, kMaxBootstrap));
  cmd->add_option("--seed", a->options.seed, "Bootstrap seed (default 0)")->check(seed_value());
  cmd->add_option("--threads", a->options.threads, "Threads (0 = all cores; at most 1024)")
      ->check(threads_value());
  cmd->add_option("--eval-floor", a->options.eval_floor,
                  "Drop eigenvalues at or below this (default 1e-5)")
      ->check(real(0, kInf));
  cmd->add_flag("--json", a->json, "Print the rows as JSON (schema critnet.htsr/1)");
  cmd->callback([a] { run_htsr(*a); });
}

}  // namespace critnet::cli
