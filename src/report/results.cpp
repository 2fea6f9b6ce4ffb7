#include "critnet/report/results.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "critnet/core/error.h"
#include "critnet/core/io.h"

namespace critnet::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Field access that names the field's path in every error.
const json& field(const json& obj, const std::string& key, const std::string& where) {
  CRITNET_CHECK_DATA(obj.is_object(), "results: ", where, " must be an object");
  const auto it = obj.find(key);
  CRITNET_CHECK_DATA(it != obj.end(), "results: missing field ", where, ".", key);
  return *it;
}

bool has(const json& obj, const std::string& key) {
  return obj.is_object() && obj.contains(key) && !obj.at(key).is_null();
}

std::string get_string(const json& obj, const std::string& key, const std::string& where) {
  const json& v = field(obj, key, where);
  CRITNET_CHECK_DATA(v.is_string(), "results: ", where, ".", key, " must be a string, got ",
                     v.dump());
  return v.get<std::string>();
}

std::string get_string_or(const json& obj, const std::string& key, const std::string& where,
                          const std::string& fallback) {
  return has(obj, key) ? get_string(obj, key, where) : fallback;
}

// Numbers; JSON has no NaN/Infinity, so a fit may write null or the strings "nan", "inf".
double get_number(const json& obj, const std::string& key, const std::string& where) {
  const json& v = field(obj, key, where);
  if (v.is_number()) return v.get<double>();
  if (v.is_null()) return std::nan("");
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "nan" || s == "NaN") return std::nan("");
    if (s == "inf" || s == "Infinity") return INFINITY;
    if (s == "-inf" || s == "-Infinity") return -INFINITY;
  }
  throw DataError(fmt::format("results: {}.{} must be a number, got {}", where, key, v.dump()));
}

// An entry's "layer": an integer or a string, as a string ("1", "pooled").
std::string layer_id(const json& j, const std::string& where) {
  const json& layer = field(j, "layer", where);
  CRITNET_CHECK_DATA(layer.is_number_integer() || layer.is_string(), "results: ", where,
                     ".layer must be an integer or a string, got ", layer.dump());
  return layer.is_string() ? layer.get<std::string>() : std::to_string(layer.get<long long>());
}

Scale parse_scale(const std::string& s, const std::string& where) {
  if (s == "loglog") return Scale::kLogLog;
  if (s == "logx") return Scale::kLogX;
  if (s == "logy") return Scale::kLogY;
  if (s == "linear") return Scale::kLinear;
  throw DataError(fmt::format(
      "results: {}.scale must be one of loglog, logx, logy, linear; got '{}'", where, s));
}

PlotKind parse_kind(const std::string& s, const std::string& where) {
  if (s == "rank") return PlotKind::kRank;
  if (s == "density") return PlotKind::kDensity;
  if (s == "ccdf") return PlotKind::kCcdf;
  if (s == "xy") return PlotKind::kXy;
  throw DataError(
      fmt::format("results: {}.kind must be one of rank, density, ccdf, xy; got '{}'", where, s));
}

fs::path resolve_file(const std::string& rel, const fs::path& run_dir, const std::string& where) {
  CRITNET_CHECK_DATA(!rel.empty(), "results: ", where, " is an empty path");
  fs::path p(rel);
  if (p.is_relative()) p = run_dir / p;
  p = p.lexically_normal();
  CRITNET_CHECK_DATA(fs::is_regular_file(p), "results: ", where, " names ", p.string(),
                     ", which does not exist");
  return p;
}

// critnet::analysis::to_json writes "xmin" and "p"; the spelled-out "x_min" and "p_value"
// are accepted too.
double get_number_either(const json& obj, const std::string& key, const std::string& alias,
                         const std::string& where) {
  return has(obj, alias) && !obj.contains(key) ? get_number(obj, alias, where)
                                               : get_number(obj, key, where);
}

}  // namespace

std::string invalid_fit_reason(const CsnFit& f) {
  if (!std::isfinite(f.alpha) || !std::isfinite(f.alpha_se) || !std::isfinite(f.ks) ||
      !std::isfinite(f.x_min) || !(f.alpha_se > 0) || !(f.ks > 0))
    return fmt::format("alpha = {}, se = {}, KS = {}, x_min = {} (not finite or not > 0)", f.alpha,
                       f.alpha_se, f.ks, f.x_min);
  return "";
}

CsnFit csn_fit(const analysis::FitResult& r) {
  CsnFit fit;
  fit.x_min = r.xmin;
  fit.alpha = r.alpha;
  fit.alpha_se = r.alpha_se;
  fit.ks = r.ks;
  fit.p_value = r.p;
  fit.n_tail = static_cast<long long>(r.n_tail);
  fit.n = static_cast<long long>(r.n);
  if (std::isfinite(r.tail_max)) fit.tail_max = r.tail_max;
  if (std::isfinite(r.alpha_ci_low) && std::isfinite(r.alpha_ci_high))
    fit.alpha_ci = {r.alpha_ci_low, r.alpha_ci_high};
  for (const analysis::Comparison& c : r.comparisons)
    fit.comparisons.push_back({c.alternative, c.log_likelihood_ratio, c.p, c.favoured});
  return fit;
}

CsnFit parse_fit(const json& j, const std::string& where) {
  CRITNET_CHECK_DATA(j.is_object(), "results: ", where, " must be an object or null");
  CsnFit fit;
  fit.x_min = get_number_either(j, "xmin", "x_min", where);
  fit.alpha = get_number(j, "alpha", where);
  fit.alpha_se = get_number(j, "alpha_se", where);
  fit.ks = get_number(j, "ks", where);
  fit.p_value = get_number_either(j, "p", "p_value", where);
  const json& nt = field(j, "n_tail", where);
  CRITNET_CHECK_DATA(nt.is_number_integer() && nt.get<long long>() >= 0, "results: ", where,
                     ".n_tail must be a non-negative integer, got ", nt.dump());
  fit.n_tail = nt.get<long long>();
  if (has(j, "n")) {
    const json& n = j.at("n");
    CRITNET_CHECK_DATA(n.is_number_integer() && n.get<long long>() >= fit.n_tail,
                       "results: ", where, ".n must be an integer >= n_tail, got ", n.dump());
    fit.n = n.get<long long>();
  }
  if (has(j, "tail_max")) fit.tail_max = get_number(j, "tail_max", where);
  if (has(j, "alpha_ci_low") && has(j, "alpha_ci_high"))
    fit.alpha_ci = {get_number(j, "alpha_ci_low", where), get_number(j, "alpha_ci_high", where)};
  if (has(j, "comparisons")) {
    const json& cs = j.at("comparisons");
    CRITNET_CHECK_DATA(cs.is_array(), "results: ", where, ".comparisons must be an array");
    for (std::size_t i = 0; i < cs.size(); ++i) {
      const std::string w = fmt::format("{}.comparisons[{}]", where, i);
      Comparison c;
      c.alternative = get_string(cs[i], "alternative", w);
      c.R = get_number(cs[i], "R", w);
      c.p = get_number(cs[i], "p", w);
      c.favoured = get_string_or(cs[i], "favoured", w, "");
      fit.comparisons.push_back(c);
    }
  }
  return fit;
}

EntryFit parse_entry_fit(const json& entry, const std::string& where) {
  EntryFit out;
  if (has(entry, "fit")) out.fit = parse_fit(entry.at("fit"), where + ".fit");
  out.fit_error = get_string_or(entry, "fit_error", where, "");
  if (out.fit) {
    const std::string why = invalid_fit_reason(*out.fit);
    if (!why.empty()) {  // a degenerate fit is no fit
      out.fit.reset();
      if (out.fit_error.empty()) out.fit_error = "invalid fit: " + why;
    }
  }
  return out;
}

namespace {

CurveSpec parse_curve(const json& j, const std::string& where) {
  CurveSpec c;
  const std::string model = get_string(j, "model", where);
  if (model == "power_law") {
    c.model = FitCurve::Model::kPowerLaw;
    c.exponent = get_number(j, "exponent", where);
  } else if (model == "exponential") {
    c.model = FitCurve::Model::kExponential;
    c.exponent = get_number(j, "xi", where);
  } else {
    throw DataError(
        fmt::format("results: {}.model must be power_law or exponential, got '{}'", where, model));
  }
  c.c = get_number(j, "c", where);
  c.x_from = get_number(j, "x_from", where);
  c.x_to = get_number(j, "x_to", where);
  c.label = get_string_or(j, "label", where, "");
  return c;
}

void apply_measure_fields(MeasureSpec& m, const json& j, const std::string& where) {
  m.title = get_string_or(j, "title", where, m.title);
  m.caption = get_string_or(j, "caption", where, m.caption);
  if (has(j, "kind")) m.kind = parse_kind(get_string(j, "kind", where), where);
  m.x_column = get_string_or(j, "x", where, m.x_column);
  m.y_column = get_string_or(j, "y", where, m.y_column);
  m.x_label = get_string_or(j, "x_label", where, m.x_label);
  m.y_label = get_string_or(j, "y_label", where, m.y_label);
  if (has(j, "scale")) m.scale = parse_scale(get_string(j, "scale", where), where);
}

MeasureResult parse_measure_result(const json& j, const std::string& w, const fs::path& run_dir,
                                   const Results& r) {
  MeasureResult m;
  m.measure = get_string(j, "measure", w);
  r.measure(m.measure);  // throws on an unknown id
  m.layer = layer_id(j, w);
  m.csv = resolve_file(get_string(j, "csv", w), run_dir, w + ".csv");
  EntryFit entry = parse_entry_fit(j, w);
  m.fit = std::move(entry.fit);
  m.fit_error = std::move(entry.fit_error);
  if (has(j, "curves")) {
    const json& cs = j.at("curves");
    CRITNET_CHECK_DATA(cs.is_array(), "results: ", w, ".curves must be an array");
    for (std::size_t c = 0; c < cs.size(); ++c)
      m.curves.push_back(parse_curve(cs[c], fmt::format("{}.curves[{}]", w, c)));
  }
  return m;
}

// "atlas": [{"layer", "cw_distance_median", "htsr": an HTSR row (atlas/htsr.h's to_json),
// "signal": a signal row (atlas/signal.h's row_json)}].
std::vector<AtlasLayer> parse_atlas(const json& a, const std::string& where) {
  CRITNET_CHECK_DATA(a.is_array(), "results: ", where, " must be an array");
  std::vector<AtlasLayer> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string w = fmt::format("{}[{}]", where, i);
    AtlasLayer l;
    l.layer = layer_id(a[i], w);
    if (has(a[i], "cw_distance_median")) {
      const double d = get_number(a[i], "cw_distance_median", w);
      if (std::isfinite(d)) l.cw_distance = d;
    }
    if (has(a[i], "htsr")) {
      const json& h = a[i].at("htsr");
      const std::string wh = w + ".htsr";
      l.htsr_error = get_string_or(h, "error", wh, "");
      if (has(h, "alpha")) {
        const double alpha = get_number(h, "alpha", wh);
        if (std::isfinite(alpha)) l.htsr_alpha = alpha;
      }
      l.htsr_label = get_string_or(h, "label", wh, "");
      l.htsr_verdict = get_string_or(h, "verdict", wh, "");
      if (has(h, "mp_bulk")) {
        CRITNET_CHECK_DATA(h.at("mp_bulk").is_boolean(), "results: ", wh,
                           ".mp_bulk must be true or false");
        l.htsr_mp_bulk = h.at("mp_bulk").get<bool>();
      }
    }
    if (has(a[i], "signal")) {
      const json& sg = a[i].at("signal");
      const std::string ws = w + ".signal";
      for (const auto& [key, field] :
           {std::pair{"chi1", &AtlasLayer::chi1},
            std::pair{"chi1_mean_field", &AtlasLayer::chi1_mean_field}}) {
        if (!has(sg, key)) continue;
        const double v = get_number(sg, key, ws);
        if (std::isfinite(v)) l.*field = v;
      }
    }
    for (const auto& other : out)
      CRITNET_CHECK_DATA(other.layer != l.layer, "results: ", w, " repeats layer ", l.layer);
    out.push_back(std::move(l));
  }
  return out;
}

// "atlas_network": {"chi1_geometric_mean", "jacobian": {"mean", "max", "min", ...}}; a
// missing or non-finite value is left out.
AtlasNetwork parse_atlas_network(const json& j, const std::string& where) {
  CRITNET_CHECK_DATA(j.is_object(), "results: ", where, " must be an object");
  AtlasNetwork n;
  const auto read = [](const json& from, const char* key, const std::string& w) {
    std::optional<double> v;
    if (has(from, key)) {
      const double x = get_number(from, key, w);
      if (std::isfinite(x)) v = x;
    }
    return v;
  };
  n.chi1_geometric_mean = read(j, "chi1_geometric_mean", where);
  if (has(j, "jacobian")) {
    const json& jac = j.at("jacobian");
    CRITNET_CHECK_DATA(jac.is_object(), "results: ", where, ".jacobian must be an object");
    n.jacobian_mean = read(jac, "mean", where + ".jacobian");
    n.jacobian_max = read(jac, "max", where + ".jacobian");
    n.jacobian_min = read(jac, "min", where + ".jacobian");
  }
  return n;
}

// One seed's fields: "seed", "test_accuracy", "training_curve", "results" (an arm of schema 1
// is one such object).
SeedRun parse_seed_run(const json& j, const std::string& where, const fs::path& run_dir,
                       const Results& r) {
  SeedRun run;
  if (has(j, "seed")) {
    const json& s = j.at("seed");
    CRITNET_CHECK_DATA(s.is_number_integer(), "results: ", where, ".seed must be an integer");
    run.seed = s.get<long long>();
  }
  if (has(j, "test_accuracy")) run.test_accuracy = get_number(j, "test_accuracy", where);
  if (has(j, "training_curve"))
    run.training_curve =
        resolve_file(get_string(j, "training_curve", where), run_dir, where + ".training_curve");
  if (has(j, "atlas")) run.atlas = parse_atlas(j.at("atlas"), where + ".atlas");
  if (has(j, "atlas_network"))
    run.atlas_network = parse_atlas_network(j.at("atlas_network"), where + ".atlas_network");
  if (!has(j, "results")) return run;
  const json& rs = j.at("results");
  CRITNET_CHECK_DATA(rs.is_array(), "results: ", where, ".results must be an array");
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const std::string w = fmt::format("{}.results[{}]", where, i);
    MeasureResult m = parse_measure_result(rs[i], w, run_dir, r);
    for (const auto& other : run.results)
      CRITNET_CHECK_DATA(other.measure != m.measure || other.layer != m.layer, "results: ", w,
                         " repeats measure '", m.measure, "' layer ", m.layer);
    run.results.push_back(std::move(m));
  }
  return run;
}

}  // namespace

std::vector<const std::vector<MeasureResult>*> Arm::seed_results() const {
  std::vector<const std::vector<MeasureResult>*> out;
  for (const auto& s : seeds) out.push_back(&s.results);
  if (seeds.empty()) out.push_back(&results);
  return out;
}

std::vector<double> Arm::seed_accuracies() const {
  std::vector<double> out;
  for (const auto& s : seeds)
    if (s.test_accuracy) out.push_back(*s.test_accuracy);
  if (seeds.empty() && test_accuracy) out.push_back(*test_accuracy);
  return out;
}

std::vector<const std::vector<AtlasLayer>*> Arm::seed_atlas() const {
  std::vector<const std::vector<AtlasLayer>*> out;
  for (const auto& s : seeds) out.push_back(&s.atlas);
  if (seeds.empty()) out.push_back(&atlas);
  return out;
}

const Arm* Results::arm(const std::string& name) const {
  for (const auto& a : arms) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const MeasureSpec& Results::measure(const std::string& id) const {
  for (const auto& m : measures) {
    if (m.id == id) return m;
  }
  throw DataError("results: unknown measure '" + id + "'");
}

Results parse_results(const json& doc, const fs::path& run_dir) {
  CRITNET_CHECK_DATA(doc.is_object(), "results: the document must be a JSON object");
  const std::string schema = get_string(doc, "schema", "(document)");
  CRITNET_CHECK_DATA(schema == kResultsSchema || schema == kResultsSchemaV1, "results: schema is '",
                     schema, "', this critnet reads '", kResultsSchema, "' and '", kResultsSchemaV1,
                     "'");
  Results r;
  r.title = get_string_or(doc, "title", "(document)", "critnet run");
  r.config = has(doc, "config") ? doc.at("config") : json::object();
  r.measures = default_measures();
  if (has(doc, "measures")) {
    const json& ms = doc.at("measures");
    CRITNET_CHECK_DATA(ms.is_array(), "results: measures must be an array");
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const std::string where = fmt::format("measures[{}]", i);
      const std::string id = get_string(ms[i], "id", where);
      MeasureSpec* spec = nullptr;
      for (auto& m : r.measures) {
        if (m.id == id) spec = &m;
      }
      if (!spec) {
        // A new measure must say how it is plotted.
        field(ms[i], "kind", where);
        field(ms[i], "x", where);
        field(ms[i], "y", where);
        r.measures.push_back(
            MeasureSpec{id, id, "", PlotKind::kXy, "", "", "", "", Scale::kLogLog});
        spec = &r.measures.back();
      }
      apply_measure_fields(*spec, ms[i], where);
    }
  }
  const json& arms = field(doc, "arms", "(document)");
  CRITNET_CHECK_DATA(arms.is_array() && !arms.empty(), "results: arms must be a non-empty array");
  for (std::size_t a = 0; a < arms.size(); ++a) {
    const std::string where = fmt::format("arms[{}]", a);
    Arm arm;
    arm.name = get_string(arms[a], "name", where);
    CRITNET_CHECK_DATA(!arm.name.empty() && !r.arm(arm.name), "results: ", where,
                       ".name must be non-empty and unique, got '", arm.name, "'");
    if (schema == kResultsSchemaV1) {
      const SeedRun one = parse_seed_run(arms[a], where, run_dir, r);
      arm.test_accuracy = one.test_accuracy;
      arm.training_curve = one.training_curve;
      arm.results = one.results;
      arm.atlas = one.atlas;
    } else {
      const json& seeds = field(arms[a], "seeds", where);
      CRITNET_CHECK_DATA(seeds.is_array() && !seeds.empty(), "results: ", where,
                         ".seeds must be a non-empty array");
      for (std::size_t s = 0; s < seeds.size(); ++s)
        arm.seeds.push_back(
            parse_seed_run(seeds[s], fmt::format("{}.seeds[{}]", where, s), run_dir, r));
      arm.test_accuracy = arm.seeds.front().test_accuracy;
      arm.training_curve = arm.seeds.front().training_curve;
      arm.results = arm.seeds.front().results;
      arm.atlas = arm.seeds.front().atlas;
    }
    r.arms.push_back(std::move(arm));
  }
  if (has(doc, "baseline_arm")) {
    r.baseline_arm = get_string(doc, "baseline_arm", "(document)");
    CRITNET_CHECK_DATA(r.arm(r.baseline_arm) != nullptr, "results: baseline_arm '", r.baseline_arm,
                       "' is not one of the arms");
  } else {
    r.baseline_arm = r.arm("baseline") ? "baseline" : r.arms.front().name;
  }
  return r;
}

Results load_results(const fs::path& run_dir) {
  const fs::path file = run_dir / "results.json";
  std::error_code ec;
  CRITNET_CHECK_DATA(fs::exists(file, ec), "cannot read ", file.string(),
                     " (no such file; run `critnet reproduce` first)");
  return parse_results(io::read_json_file(file), run_dir);
}

nlohmann::json to_json(const CsnFit& fit) {
  auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json j = {
      {"xmin", number(fit.x_min)}, {"alpha", number(fit.alpha)}, {"alpha_se", number(fit.alpha_se)},
      {"n_tail", fit.n_tail},      {"ks", number(fit.ks)},       {"p", number(fit.p_value)}};
  if (fit.n) j["n"] = *fit.n;
  if (fit.tail_max) j["tail_max"] = number(*fit.tail_max);
  if (fit.alpha_ci) {
    j["alpha_ci_low"] = number(fit.alpha_ci->first);
    j["alpha_ci_high"] = number(fit.alpha_ci->second);
  }
  j["comparisons"] = json::array();
  for (const auto& c : fit.comparisons) {
    j["comparisons"].push_back({{"alternative", c.alternative},
                                {"R", number(c.R)},
                                {"p", number(c.p)},
                                {"favoured", c.favoured}});
  }
  return j;
}

}  // namespace critnet::report
