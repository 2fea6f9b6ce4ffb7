// A sweep's grid: parsing, validation and the deterministic expansion into cells.
#include "critnet/study/grid.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "core/detail/json_input.h"
#include "critnet/core/error.h"
#include "critnet/core/io.h"
#include "critnet/core/limits.h"

namespace critnet::study {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The presets a cell may have (regulariser presets; "none" is the baseline).
const std::vector<std::string> kPresets = {"none", "paper", "cw", "l2", "l1", "paper-eq33"};

const std::vector<std::string> kKeys = {"schema", "data",       "hidden",    "activation",
                                        "lr",     "batch_size", "max_steps", "presets",
                                        "beta",   "lambda",     "seeds",     "seed",
                                        "epochs", "probe",      "rule",      "beta_fraction"};
const std::vector<std::string> kProbeKeys = {"limit",       "bootstrap",         "max_candidates",
                                             "subset_size", "min_tail_fraction", "baseline_beta"};
const std::vector<std::string> kRuleKeys = {"gof_p_min", "lr_p_max", "min_decades", "min_tail"};

[[noreturn]] void bad(const std::string& what) {
  throw InvalidArgument("grid: " + what);
}

void check_keys(const json& obj, const std::vector<std::string>& keys, const std::string& where) {
  if (!obj.is_object()) bad(fmt::format("{}must be a JSON object, got {}", where, obj.dump()));
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end())
      bad(fmt::format("unknown key '{}{}' (expected one of: {})", where, it.key(),
                      fmt::format("{}", [&] {
                        std::string s;
                        for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
                        return s;
                      }())));
}

// A value of type T from j, or an error naming `key` (core/detail/json_input.h), as a grid
// error.
template <typename T>
T get(const json& j, const std::string& key) {
  try {
    return critnet::detail::json_value<T>(j, key);
  } catch (const InvalidArgument& e) {
    bad(e.what());
  }
}

// A non-empty list of T; a scalar counts as a list of one.
template <typename T>
std::vector<T> get_list(const json& j, const std::string& key) {
  std::vector<T> out;
  if (!j.is_array()) {
    out.push_back(get<T>(j, key));
    return out;
  }
  if (j.empty()) bad(fmt::format("{}: the list is empty", key));
  if (j.size() > static_cast<std::size_t>(kMaxGridCells))
    bad(
        fmt::format("{}: {} entries, more than a grid's {} cells (split the study into several "
                    "sweeps)",
                    key, j.size(), kMaxGridCells));
  for (std::size_t i = 0; i < j.size(); ++i)
    out.push_back(get<T>(j[i], fmt::format("{}[{}]", key, i)));
  return out;
}

// Sorted, so a list of any length is checked in O(n log n).
template <typename T>
void no_duplicates(std::vector<T> v, const std::string& key) {
  std::sort(v.begin(), v.end());
  const auto twice = std::adjacent_find(v.begin(), v.end());
  if (twice != v.end()) bad(fmt::format("{}: {} given twice", key, json(*twice).dump()));
}

// An integer value in [min, max], or an error naming the key and the bounds.
void in_range(int64_t v, int64_t min, int64_t max, const std::string& key) {
  if (v < min || v > max) bad(fmt::format("{}: must be in {}..{}, got {}", key, min, max, v));
}

std::string num(double v) {
  return fmt::format("{:g}", v);
}

// The grid's "probe": the recipe and the baseline's β, or false when the cells train only.
json probe_json(const Grid& g) {
  if (!g.probe_cells) return false;
  json j = static_cast<const probe::ProbeRecipe&>(g.probe);
  j["baseline_beta"] = g.probe.baseline_beta ? json(*g.probe.baseline_beta) : json(nullptr);
  return j;
}

}  // namespace

std::string stable_hash(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV prime
  }
  return fmt::format("{:016x}", h);
}

double Cell::resolved_beta(int64_t input_size) const {
  return beta_is_fraction ? beta * static_cast<double>(input_size) : beta;
}

double Grid::baseline_beta(int64_t input_size) const {
  if (probe.baseline_beta) return *probe.baseline_beta;
  if (beta.empty()) return static_cast<double>(input_size);  // β = N₁
  // |β|: with a grid of β < 0 the baseline's modes are still measured against a > 0.
  const double b = std::abs(beta.front());
  return beta_is_fraction ? b * static_cast<double>(input_size) : b;
}

void Grid::validate() const {
  if (presets.empty()) bad("presets: the list is empty (e.g. [\"none\", \"paper\", \"cw\"])");
  for (const auto& p : presets)
    if (std::find(kPresets.begin(), kPresets.end(), p) == kPresets.end())
      bad(
          fmt::format("presets: unknown preset '{}' (expected none, paper, cw, l2, l1 or "
                      "paper-eq33)",
                      p));
  no_duplicates(presets, "presets");
  const bool penalised =
      std::any_of(presets.begin(), presets.end(), [](const std::string& p) { return p != "none"; });
  const char* bkey = beta_is_fraction ? "beta_fraction" : "beta";
  if (penalised && beta.empty()) bad(fmt::format("{}: the list is empty", bkey));
  // β < 0 is the `paper` penalty's other sign (its fixed point a·s² = −1/4 is reachable);
  // `cw` pulls a·s² to 1, which needs a = β/N > 0.
  const bool cw = std::find(presets.begin(), presets.end(), "cw") != presets.end();
  for (double b : beta)
    if (!std::isfinite(b) || b == 0 || (b < 0 && cw))
      bad(fmt::format("{}: must be finite and {}, got {}", bkey,
                      cw ? "> 0 (the cw preset needs a = β/N > 0)" : "non-zero", b));
  no_duplicates(beta, bkey);
  if (penalised && lambda.empty()) bad("lambda: the list is empty");
  for (double l : lambda)
    if (!std::isfinite(l) || l <= 0) bad(fmt::format("lambda: must be finite and > 0, got {}", l));
  no_duplicates(lambda, "lambda");
  if (seeds.empty()) bad("seeds: the list is empty");
  if (seeds.size() > static_cast<std::size_t>(kMaxSeeds))
    bad(fmt::format("seeds: {} seeds, more than {}", seeds.size(), kMaxSeeds));
  no_duplicates(seeds, "seeds");
  if (epochs.empty()) bad("epochs: the list is empty");
  for (auto e : epochs)
    if (e < 1) bad(fmt::format("epochs: must be >= 1, got {}", e));
  no_duplicates(epochs, "epochs");
  if (hidden_sizes.empty()) bad("hidden: the list is empty");
  for (auto h : hidden_sizes) in_range(h, 1, kMaxWidth, "hidden");
  if (!std::isfinite(lr) || lr <= 0) bad(fmt::format("lr: must be > 0, got {}", lr));
  in_range(batch_size, 1, kMaxBatchSize, "batch_size");
  if (max_steps < 0) bad(fmt::format("max_steps: must be >= 0, got {}", max_steps));
  try {
    probe.validate("probe.");
  } catch (const InvalidArgument& e) {
    bad(e.what());
  }
  if (probe.baseline_beta && (!std::isfinite(*probe.baseline_beta) || *probe.baseline_beta <= 0))
    bad(fmt::format("probe.baseline_beta: must be finite and > 0, got {}", *probe.baseline_beta));
  try {
    rule.validate();
  } catch (const Error& e) {
    bad(fmt::format("rule: {}", e.what()));
  }
  const double cells = cell_count();
  if (cells > static_cast<double>(kMaxGridCells))
    bad(
        fmt::format("the grid expands to {:.0f} cells, more than {} (split the study into several "
                    "sweeps)",
                    cells, kMaxGridCells));
}

double Grid::cell_count() const {
  double per_penalised = static_cast<double>(beta.size()) * static_cast<double>(lambda.size());
  double per_seed_epoch = 0;
  for (const auto& p : presets) per_seed_epoch += (p == "none") ? 1.0 : per_penalised;
  return per_seed_epoch * static_cast<double>(seeds.size()) * static_cast<double>(epochs.size());
}

std::vector<Cell> Grid::expand() const {
  validate();
  json shared;
  data::to_json(shared["data"], data);
  shared["hidden"] = hidden_sizes;
  shared["activation"] = nn::to_string(activation);
  shared["lr"] = lr;
  shared["batch_size"] = batch_size;
  shared["max_steps"] = max_steps;
  shared["probe"] = probe_json(*this);
  std::vector<Cell> cells;
  auto add = [&](Cell c) {
    c.index = cells.size();
    json s = shared;
    s["preset"] = c.preset;
    if (c.preset == "none") {
      c.id = fmt::format("none-e{}-s{}", c.epochs, c.seed);
      // The spectrum's β of a baseline cell decides its distance to the CW point (a cell that
      // trains only has no spectrum).
      if (probe_cells && probe.baseline_beta)
        s["spectrum_beta"] = *probe.baseline_beta;
      else if (probe_cells && !beta.empty())
        s[beta_is_fraction ? "spectrum_beta_fraction" : "spectrum_beta"] = beta.front();
      else if (probe_cells)
        s["spectrum_beta_fraction"] = 1.0;
    } else {
      c.id = fmt::format("{}-{}{}-l{}-e{}-s{}", c.preset, c.beta_is_fraction ? "f" : "b",
                         num(c.beta), num(c.lambda), c.epochs, c.seed);
      s[c.beta_is_fraction ? "beta_fraction" : "beta"] = c.beta;
      s["lambda"] = c.lambda;
    }
    s["epochs"] = c.epochs;
    s["seed"] = c.seed;
    c.settings = s;
    c.hash = stable_hash(s.dump());
    cells.push_back(std::move(c));
  };
  for (const auto& p : presets) {
    const std::vector<double> betas = p == "none" ? std::vector<double>{0.0} : beta;
    const std::vector<double> lambdas = p == "none" ? std::vector<double>{0.0} : lambda;
    for (double b : betas)
      for (double l : lambdas)
        for (auto e : epochs)
          for (auto s : seeds) {
            Cell c;
            c.preset = p;
            c.beta = b;
            c.beta_is_fraction = p != "none" && beta_is_fraction;
            c.lambda = l;
            c.epochs = e;
            c.seed = s;
            add(c);
          }
  }
  std::set<std::string> ids;
  for (const auto& c : cells)
    if (!ids.insert(c.id).second)
      bad(fmt::format("two cells have the id '{}' (values that print alike)", c.id));
  return cells;
}

Grid parse_grid(const json& doc) {
  check_keys(doc, kKeys, "");
  Grid g;
  if (doc.contains("schema") && doc["schema"] != kGridSchema)
    bad(fmt::format("schema: expected \"{}\", got {}", kGridSchema, doc["schema"].dump()));
  if (doc.contains("data")) {
    if (!doc["data"].is_object()) bad("data: must be a JSON object (source, data_dir, limits)");
    try {
      data::from_json(doc["data"], g.data);
    } catch (const InvalidArgument& e) {
      bad(fmt::format("data: {}", e.what()));
    } catch (const json::exception& e) {
      bad(fmt::format("data: {}", e.what()));
    }
  }
  if (doc.contains("hidden")) g.hidden_sizes = get_list<int64_t>(doc["hidden"], "hidden");
  if (doc.contains("activation")) {
    try {
      g.activation = nn::parse_activation(get<std::string>(doc["activation"], "activation"));
    } catch (const InvalidArgument& e) {
      bad(fmt::format("activation: {}", e.what()));
    }
  }
  if (doc.contains("lr")) g.lr = get<double>(doc["lr"], "lr");
  if (doc.contains("batch_size")) g.batch_size = get<int64_t>(doc["batch_size"], "batch_size");
  if (doc.contains("max_steps")) g.max_steps = get<int64_t>(doc["max_steps"], "max_steps");
  if (!doc.contains("presets")) bad("presets: missing (e.g. \"presets\": [\"none\", \"paper\"])");
  g.presets = get_list<std::string>(doc["presets"], "presets");
  if (doc.contains("beta") && doc.contains("beta_fraction"))
    bad("give either beta (absolute) or beta_fraction (β = f·N₁), not both");
  if (doc.contains("beta")) g.beta = get_list<double>(doc["beta"], "beta");
  if (doc.contains("beta_fraction")) {
    g.beta = get_list<double>(doc["beta_fraction"], "beta_fraction");
    g.beta_is_fraction = true;
  }
  if (doc.contains("lambda")) g.lambda = get_list<double>(doc["lambda"], "lambda");
  uint64_t base_seed = doc.contains("seed") ? get<uint64_t>(doc["seed"], "seed") : 0;
  if (doc.contains("seeds")) {
    const json& s = doc["seeds"];
    if (s.is_array()) {
      g.seeds = get_list<uint64_t>(s, "seeds");
      if (doc.contains("seed")) bad("seed: give a base seed only with a seed count (\"seeds\": N)");
    } else {
      const int64_t n = get<int64_t>(s, "seeds");
      if (n < 1 || n > 1000) bad(fmt::format("seeds: the count must be in 1..1000, got {}", n));
      g.seeds.clear();
      for (int64_t i = 0; i < n; ++i) g.seeds.push_back(base_seed + static_cast<uint64_t>(i));
    }
  } else {
    g.seeds = {base_seed};
  }
  if (doc.contains("epochs")) g.epochs = get_list<int64_t>(doc["epochs"], "epochs");
  if (doc.contains("probe") && doc["probe"].is_boolean()) {
    g.probe_cells = doc["probe"].get<bool>();
  } else if (doc.contains("probe")) {
    const json& p = doc["probe"];
    check_keys(p, kProbeKeys, "probe.");
    json recipe = p;
    recipe.erase("baseline_beta");
    try {
      static_cast<probe::ProbeRecipe&>(g.probe) = probe::probe_recipe_from_json(recipe, "probe.");
    } catch (const InvalidArgument& e) {
      bad(e.what());
    }
    if (p.contains("baseline_beta") && !p["baseline_beta"].is_null())
      g.probe.baseline_beta = get<double>(p["baseline_beta"], "probe.baseline_beta");
  }
  if (doc.contains("rule")) {
    const json& r = doc["rule"];
    check_keys(r, kRuleKeys, "rule.");
    if (r.contains("gof_p_min")) g.rule.gof_p_min = get<double>(r["gof_p_min"], "rule.gof_p_min");
    if (r.contains("lr_p_max")) g.rule.lr_p_max = get<double>(r["lr_p_max"], "rule.lr_p_max");
    if (r.contains("min_decades"))
      g.rule.min_decades = get<double>(r["min_decades"], "rule.min_decades");
    if (r.contains("min_tail")) g.rule.min_tail = get<long long>(r["min_tail"], "rule.min_tail");
  }
  g.validate();
  return g;
}

Grid load_grid(const fs::path& path) {
  const json doc = io::read_json_file(path, "grid file");
  try {
    return parse_grid(doc);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("{}: {}", path.string(), e.what()));
  }
}

json to_json(const Grid& g) {
  json j;
  j["schema"] = kGridSchema;
  data::to_json(j["data"], g.data);
  j["hidden"] = g.hidden_sizes;
  j["activation"] = nn::to_string(g.activation);
  j["lr"] = g.lr;
  j["batch_size"] = g.batch_size;
  j["max_steps"] = g.max_steps;
  j["presets"] = g.presets;
  if (!g.beta.empty()) j[g.beta_is_fraction ? "beta_fraction" : "beta"] = g.beta;
  j["lambda"] = g.lambda;
  j["seeds"] = g.seeds;
  j["epochs"] = g.epochs;
  j["probe"] = probe_json(g);
  j["rule"] = {{"gof_p_min", g.rule.gof_p_min},
               {"lr_p_max", g.rule.lr_p_max},
               {"min_decades", g.rule.min_decades},
               {"min_tail", g.rule.min_tail}};
  return j;
}

}  // namespace critnet::study
