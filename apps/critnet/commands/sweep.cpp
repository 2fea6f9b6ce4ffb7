// `critnet sweep`: a grid study (critnet/study/): run the cells of a shard (in J local worker
// processes), show the state of every cell, collect the cells into a table and a report.
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/parse_list.h"
#include "commands/recipe_flags.h"
#include "commands/validate.h"
#include "console.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/io.h"
#include "critnet/study/collect.h"
#include "critnet/study/grid.h"
#include "critnet/study/run_dir.h"
#include "critnet/study/shard.h"
#include "critnet/study/stage.h"
#include "workers.h"

namespace critnet::cli {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// The grid flags of the common case (no grid file); each is used only when given.
struct GridFlags {
  std::string presets, betas, beta_fractions, lambdas, epochs;
  std::string seeds;
  std::vector<std::pair<CLI::Option*, std::function<void(json&)>>> given;  // the grid's lists
  TrainRecipeFlags recipe;                                                 // recipe_flags.h
  ProbeRecipeFlags probe_recipe;
};

struct SweepRunArgs {
  std::string grid;
  std::string out;
  std::string shard;
  int jobs = 1;
  int threads = 0;
  std::string device = "cpu";
  GridFlags flags;
  ConsoleFlags console;
  bool worker = false;  // started by a parent's --jobs: plain progress, no outcome of its own
};

// The counts of a sweep directory and the cells not done (sweep status --json, sweep run --json).
json status_json(const fs::path& dir, const study::SweepStatus& st) {
  using study::CellState;
  json not_done = json::array();
  for (std::size_t i = 0; i < st.cells.size(); ++i)
    if (st.states[i] != CellState::kDone)
      not_done.push_back({{"cell", st.cells[i].id}, {"state", study::to_string(st.states[i])}});
  return {{"sweep", dir.string()},
          {"cells", st.cells.size()},
          {"done", st.count(CellState::kDone)},
          {"running", st.count(CellState::kRunning)},
          {"failed", st.count(CellState::kFailed)},
          {"missing", st.count(CellState::kMissing)},
          {"not_done", not_done}};
}

// The grid file, or the grid of the flags: the lists (--presets, --betas, ...) parsed as a grid
// document, then the recipes' flags applied to its recipes.
study::Grid resolve_grid(const SweepRunArgs& a) {
  bool any_flag = a.flags.recipe.given.any_given() || a.flags.probe_recipe.given.any_given();
  for (const auto& [option, apply] : a.flags.given) any_flag |= option->count() > 0;
  if (!a.grid.empty()) {
    if (any_flag)
      throw InvalidArgument("give a grid file or grid flags (--presets, --betas, ...), not both");
    return study::load_grid(a.grid);
  }
  if (!any_flag)
    throw InvalidArgument("sweep run: give a grid file (GRID) or the grid flags (--presets ...)");
  json doc = json::object();
  for (const auto& [option, apply] : a.flags.given)
    if (option->count() > 0) apply(doc);
  study::Grid grid = study::parse_grid(doc);
  a.flags.recipe.given.apply(grid);
  a.flags.probe_recipe.given.apply(grid.probe);
  grid.validate();
  return grid;
}

// Runs the cells of `shard` in this process (prefixing its log lines with the shard when
// there are several).
study::ShardRun run_in_process(const study::Grid& grid, const fs::path& dir,
                               const study::Shard& shard, const SweepRunArgs& a, Console& console) {
  study::RunOptions run;
  run.threads = a.threads;
  run.device = a.device;
  study::StageCallbacks cb;
  const std::string tag = shard.n > 1 ? fmt::format("[{}] ", shard.to_string()) : "";
  static_cast<Reporter&>(cb) = console.reporter().prefixed(tag);
  cb.on_step = [&](const std::string& name, const train::StepInfo& s) {
    console.step(tag + name, s);
  };
  const study::ShardRun r = study::run_shard(
      grid, dir, shard, run, cb, [&](const study::Cell& c, std::size_t i, std::size_t n) {
        // A stop signal that came during the last cell's probe (the parent of workers catches
        // signals throughout): stop before the next cell.
        if (const int sig = stop_signal(); sig != 0)
          throw Interrupted(
              sig, fmt::format("sweep run: stopped on {} before cell {}", signal_name(sig), c.id));
        console.info(fmt::format("{}cell {}/{}: {}", tag, i + 1, n, c.id));
      });
  if (!console.json())
    console.out(fmt::format("sweep {} shard {}: ran {}, done before {}, failed {}", dir.string(),
                            shard.to_string(), r.ran.size(), r.skipped.size(), r.failed.size()));
  return r;
}

std::string join(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& item : items) list += (list.empty() ? "" : ", ") + item;
  return list;
}

// --jobs J > 1 (workers.h): every worker is waited for, then the failed sub-shards are named.
void run_with_workers(const study::Grid& grid, const fs::path& dir, const study::Shard& shard,
                      const SweepRunArgs& a, Console& console) {
  const WorkerSettings settings{a.jobs, a.threads, a.device, a.console};
  WorkersRun r;
  try {
    r = cli::run_with_workers(dir, shard, settings, [&](const study::Shard& own) {
      return run_in_process(grid, dir, own, a, console);
    });
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), "sweep run: interrupted; run the same command again to continue");
  }
  std::vector<std::string> failed;
  if (!r.own.failed.empty())
    failed.push_back(
        fmt::format("shard {} (cells {})", r.own_shard.to_string(), join_failed(r.own)));
  failed.insert(failed.end(), r.failed_workers.begin(), r.failed_workers.end());
  const study::SweepStatus st = study::sweep_status(dir);
  if (!console.json())
    console.out(fmt::format("sweep {}: {} of {} cells done", dir.string(),
                            st.count(study::CellState::kDone), st.cells.size()));
  if (!failed.empty()) {
    throw Error(
        fmt::format("sweep run: {} of {} shards failed: {}; `critnet sweep status {}` "
                    "lists the cells, rerun to redo them",
                    failed.size(), a.jobs, join(failed), dir.string()));
  }
}

void run_cells(const SweepRunArgs& a, Console& console);

void run_sweep(const SweepRunArgs& a) {
  ConsoleFlags flags = a.console;
  flags.plain = flags.plain || a.worker;  // workers share the terminal: no line redrawn in place
  Console console(flags);
  run_cells(a, console);
  if (console.json() && !a.worker) {
    const fs::path dir = fs::absolute(a.out).lexically_normal();
    console.out(status_json(dir, study::sweep_status(dir)).dump(1));
  }
}

void run_cells(const SweepRunArgs& a, Console& console) {
  const study::Grid grid = resolve_grid(a);
  const std::vector<study::Cell> cells = grid.expand();
  const study::Shard shard = study::shard_from_env(a.shard);
  const fs::path dir = fs::absolute(a.out).lexically_normal();
  study::init_sweep_dir(dir, grid);
  std::size_t mine = 0;
  for (const auto& c : cells) mine += shard.contains(c.index);
  console.info(fmt::format("sweep {}: {} cells, shard {} ({}) holds {}{}", dir.string(),
                           cells.size(), shard.to_string(), shard.source, mine,
                           a.jobs > 1 ? fmt::format(", {} processes (this one and {} worker{})",
                                                    a.jobs, a.jobs - 1, a.jobs > 2 ? "s" : "")
                                      : ""));
  if (a.jobs > 1) return run_with_workers(grid, dir, shard, a, console);
  const study::ShardRun r = run_in_process(grid, dir, shard, a, console);
  if (!r.failed.empty())
    throw Error(fmt::format("sweep run: {} cell(s) failed: {}; rerun to redo them", r.failed.size(),
                            join_failed(r)));
}

void sweep_status(const std::string& dir_text, bool as_json) {
  const fs::path dir = fs::absolute(dir_text).lexically_normal();
  const study::SweepStatus st = study::sweep_status(dir);
  if (as_json) return (void)fmt::print("{}\n", status_json(dir, st).dump(1));
  using study::CellState;
  fmt::print("sweep {}: {} cells: {} done, {} running, {} failed, {} missing\n", dir.string(),
             st.cells.size(), st.count(CellState::kDone), st.count(CellState::kRunning),
             st.count(CellState::kFailed), st.count(CellState::kMissing));
  for (std::size_t i = 0; i < st.cells.size(); ++i)
    if (st.states[i] != CellState::kDone)
      fmt::print("{:<8} {}\n", study::to_string(st.states[i]), st.cells[i].id);
}

void sweep_collect(const std::string& dir_text, bool as_json) {
  const fs::path dir = fs::absolute(dir_text).lexically_normal();
  const study::CollectResult r = study::collect(dir);
  if (as_json) {
    json figures = json::array();
    for (const auto& f : r.figures) figures.push_back(f.svg.string());
    fmt::print("{}\n", json{{"sweep", dir.string()},
                            {"collected", r.done.size()},
                            {"rows", r.rows},
                            {"table_csv", r.csv.string()},
                            {"table_json", r.json.string()},
                            {"report", r.html.string()},
                            {"figures", figures},
                            {"missing", r.missing}}
                           .dump(1));
    return;
  }
  fmt::print("sweep {}: collected {} cells ({} rows)\n", dir.string(), r.done.size(), r.rows);
  fmt::print("table: {}\ntable: {}\nreport: {} ({} figures in {})\n", r.csv.string(),
             r.json.string(), r.html.string(), r.figures.size(), (dir / "figures").string());
  if (!r.missing.empty()) {
    fmt::print("missing {} cells (not done; `critnet sweep status` tells why):\n",
               r.missing.size());
    for (const auto& id : r.missing) fmt::print("missing  {}\n", id);
  }
}

void add_grid_flags(CLI::App* cmd, GridFlags& f) {
  auto given = [&f](CLI::Option* option, std::function<void(json&)> apply) {
    f.given.emplace_back(option, std::move(apply));
  };
  auto names = [](const std::string& text) {
    json list = json::array();
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
      if (!item.empty()) list.push_back(item);
    return list;
  };
  given(cmd->add_option("--presets", f.presets,
                        "Grid without a file: presets, comma-separated (none = baseline, paper, "
                        "cw, l2, l1, paper-eq33)"),
        [&f, names](json& d) { d["presets"] = names(f.presets); });
  given(cmd->add_option("--betas", f.betas, "β values (absolute)")->check(real_list(false, true)),
        [&f](json& d) { d["beta"] = parse_list<double>(f.betas, "--betas"); });
  given(cmd->add_option("--beta-fractions", f.beta_fractions, "β as fractions f of N₁ (β = f·N₁)")
            ->check(real_list(false, true)),
        [&f](json& d) {
          d["beta_fraction"] = parse_list<double>(f.beta_fractions, "--beta-fractions");
        });
  given(cmd->add_option("--lambdas", f.lambdas, "λ values")->check(real_list(false, true)),
        [&f](json& d) { d["lambda"] = parse_list<double>(f.lambdas, "--lambdas"); });
  given(cmd->add_option("--seeds", f.seeds, "Seed count N (seeds 0..N-1)")
            ->check(integer(1, kMaxSeeds)),
        [&f](json& d) { d["seeds"] = std::stoll(f.seeds); });
  given(cmd->add_option("--epochs", f.epochs, "Epochs values")
            ->check(integer_list(1, kInt64Max, true)),
        [&f](json& d) { d["epochs"] = parse_list<int64_t>(f.epochs, "--epochs"); });
  // The recipes' flags, shared with train, probe and reproduce.
  add_train_recipe_flags(cmd, f.recipe, study::Grid());
  add_probe_recipe_flags(cmd, f.probe_recipe, study::GridProbe(), "--probe-limit");
}

}  // namespace

void setup_sweep(CLI::App& app) {
  auto* sweep = app.add_subcommand(
      "sweep",
      "A grid study: train, probe and fit every cell of a grid (preset × β × λ × epochs × seed), "
      "resumably and in shards, then collect the cells into a table and a report");
  sweep->require_subcommand(1);

  auto a = std::make_shared<SweepRunArgs>();
  auto* run = sweep->add_subcommand(
      "run",
      "Run the cells of a shard into DIR/cells/<id>/ (done cells are skipped, half-written ones "
      "redone); the shard comes from --shard, SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX "
      "+ CRITNET_SHARD_COUNT, else every cell");
  run->add_option("GRID", a->grid, "Grid file (JSON, critnet.grid/1; docs/cli.md)");
  run->add_option("--out", a->out, "Sweep directory")->required();
  run->add_option("--shard", a->shard, "This process's shard K/N (0 <= K < N): cells i % N == K");
  run->add_option("--jobs", a->jobs, "Local worker processes, each a sub-shard (default 1)")
      ->check(integer(1, 256));
  run->add_option("--threads", a->threads, "CPU threads per worker (default 0 = all cores)")
      ->check(threads_value());
  run->add_option("--device", a->device, "cpu (default) | auto | cuda | cuda:N");
  add_grid_flags(run, a->flags);
  add_console_flags(run, a->console,
                    "Print the sweep's status as one JSON document on stdout at the end (the "
                    "document of `sweep status --json`)");
  run->add_flag("--worker", a->worker, "A worker of --jobs (internal)")->group("");
  run->callback([a] { run_sweep(*a); });

  auto status_dir = std::make_shared<std::string>();
  auto status_json_flag = std::make_shared<bool>(false);
  auto* status = sweep->add_subcommand(
      "status", "Count done / running / failed / missing cells and list the cells not done");
  status->add_option("DIR", *status_dir, "Sweep directory")->required();
  status->add_flag("--json", *status_json_flag,
                   "One JSON document: sweep, cells, done, running, failed, missing, not_done[]");
  status->callback(
      [status_dir, status_json_flag] { sweep_status(*status_dir, *status_json_flag); });

  auto collect_json_flag = std::make_shared<bool>(false);
  auto collect_dir = std::make_shared<std::string>();
  auto* collect = sweep->add_subcommand(
      "collect",
      "Read the done cells (never re-runs them): DIR/table.csv, DIR/table.json (one row per cell "
      "× measure × layer) and DIR/report.html (heatmaps over β × λ per preset)");
  collect->add_option("DIR", *collect_dir, "Sweep directory")->required();
  collect->add_flag("--json", *collect_json_flag,
                    "One JSON document: sweep, collected, rows, table_csv, table_json, report, "
                    "missing[]");
  collect->callback(
      [collect_dir, collect_json_flag] { sweep_collect(*collect_dir, *collect_json_flag); });
}

}  // namespace critnet::cli
