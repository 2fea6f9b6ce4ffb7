#include "critnet/probe/scripted.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "critnet/core/error.h"
#include "critnet/probe/layers.h"

namespace critnet::probe {
namespace {

namespace jit = torch::jit;

// The module tree in named_modules() order, for choose_layers.
std::vector<ModuleEntry> module_tree(const jit::Module& root) {
  std::vector<ModuleEntry> out;
  for (const auto& m : root.named_modules()) {
    ModuleEntry e;
    e.name = m.name;
    const auto& type_name = m.value.type()->name();
    e.type = type_name ? type_name->name() : "";
    e.leaf = m.value.children().size() == 0;
    if (m.value.hasattr("weight")) {
      const c10::IValue w = m.value.attr("weight");
      if (w.isTensor() && w.toTensor().dim() >= 2) e.weight = w.toTensor();
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool is_prefix_of_any(const std::string& path, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return path.empty() || (n.size() > path.size() && n.compare(0, path.size(), path) == 0 &&
                            n[path.size()] == '.');
  });
}

// The dotted submodule path of every module value in the graph's top block, from GetAttr
// chains starting at `self`.
std::map<jit::Value*, std::string> module_paths(jit::Graph& g) {
  std::map<jit::Value*, std::string> path{{g.inputs()[0], ""}};
  for (jit::Node* n : g.nodes()) {
    if (n->kind() != c10::prim::GetAttr) continue;
    const auto it = path.find(n->input(0));
    if (it == path.end() || !n->output()->type()->cast<c10::ClassType>()) continue;
    const std::string attr = n->s(c10::attr::name);
    path[n->output()] = it->second.empty() ? attr : it->second + "." + attr;
  }
  return path;
}

// Inlines one call of a submodule's forward on the way to a named layer; false when none is
// left.
bool inline_one(jit::Graph& g, const std::vector<std::string>& names) {
  const auto path = module_paths(g);
  for (jit::Node* n : g.nodes()) {
    if (n->kind() != c10::prim::CallMethod || n->s(c10::attr::name) != "forward") continue;
    const auto it = path.find(n->input(0));
    if (it == path.end() || it->second.empty() || !is_prefix_of_any(it->second, names)) continue;
    auto cls = n->input(0)->type()->expect<c10::ClassType>();
    // The callee's own graph, not its optimized (fully inlined) one: one level at a time.
    jit::GraphFunction& callee = jit::toGraphFunction(cls->getMethod("forward"));
    jit::inlineCallTo(n, &callee, callee.graph().get());
    return true;
  }
  return false;
}

// The output of each named layer's single forward call in the (inlined) top block.
std::vector<jit::Value*> tap_values(jit::Graph& g, const std::vector<std::string>& names) {
  const auto path = module_paths(g);
  std::map<std::string, std::vector<jit::Value*>> calls;
  for (jit::Node* n : g.nodes()) {
    if (n->kind() != c10::prim::CallMethod || n->s(c10::attr::name) != "forward") continue;
    const auto it = path.find(n->input(0));
    if (it != path.end()) calls[it->second].push_back(n->output());
  }
  std::vector<jit::Value*> out;
  for (const auto& name : names) {
    const auto it = calls.find(name);
    CRITNET_CHECK(it != calls.end(), "layer '", name,
                  "': the model's forward does not call it (outside loops and branches)");
    CRITNET_CHECK(it->second.size() == 1, "layer '", name, "': forward calls it ",
                  it->second.size(), " times; observe a module that is called once");
    out.push_back(it->second.front());
  }
  return out;
}

// forward's graph, returning the named layers' outputs as a tuple, followed by forward's own
// output when `with_output`.
std::shared_ptr<jit::Graph> taps_graph(jit::Module& module, const std::vector<std::string>& names,
                                       bool with_output = false) {
  std::shared_ptr<jit::Graph> g = module.get_method("forward").graph()->copy();
  while (inline_one(*g, names)) {
  }
  std::vector<jit::Value*> taps = tap_values(*g, names);
  if (with_output)
    for (jit::Value* v : g->outputs()) taps.push_back(v);
  jit::Node* tuple = g->insertNode(g->createTuple(taps));
  while (!g->outputs().empty()) g->eraseOutput(0);
  g->registerOutput(tuple->output());
  return g;
}

// `names` in the order the (inlined) forward graph calls them.
std::vector<std::string> in_call_order(jit::Module& module, std::vector<std::string> names) {
  std::shared_ptr<jit::Graph> g = module.get_method("forward").graph()->copy();
  while (inline_one(*g, names)) {
  }
  const auto path = module_paths(*g);
  std::map<std::string, std::size_t> first;
  for (jit::Node* n : g->nodes()) {
    if (n->kind() != c10::prim::CallMethod || n->s(c10::attr::name) != "forward") continue;
    const auto it = path.find(n->input(0));
    if (it != path.end()) first.emplace(it->second, first.size());
  }
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    const auto ia = first.find(a), ib = first.find(b);
    return (ia == first.end() ? first.size() : ia->second) <
           (ib == first.end() ? first.size() : ib->second);
  });
  return names;
}

// The cause in a TorchScript interpreter error: LibTorch's message starts "The following
// operation failed in the TorchScript interpreter." and ends with the Python-style exception
// line ("RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"); that last
// "...Error: " line is the reason. Other messages: their first line.
std::string error_cause(const std::string& what) {
  std::istringstream in(what);
  std::string line, first, cause;
  while (std::getline(in, line)) {
    if (first.empty() && !line.empty()) first = line;
    const auto at = line.find("Error: ");
    if (at != std::string::npos && line.find_first_of(" \t") > at) cause = line;
  }
  std::string out = cause.empty() ? first : cause;
  if (out.size() > 300) out = out.substr(0, 300) + "...";
  return out;
}

// The TorchScript module in `file`, on the CPU, in eval mode.
jit::Module load_scripted(const std::filesystem::path& file) {
  CRITNET_CHECK_DATA(std::filesystem::is_regular_file(file), "model ", file.string(),
                     ": no such file");
  jit::Module module;
  try {
    module = torch::jit::load(file.string(), torch::kCPU);
  } catch (const c10::Error& e) {
    throw DataError("model " + file.string() + ": not a TorchScript module (" +
                    std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  }
  module.eval();
  return module;
}

// The one activation of the module tree's activation leaves, when the theory knows it.
std::optional<rg::Activation> uniform_activation(const jit::Module& root) {
  std::optional<rg::Activation> found;
  for (const auto& m : root.named_modules()) {
    const auto& type_name = m.value.type()->name();
    const std::string type = type_name ? type_name->name() : "";
    if (m.value.children().size() != 0 || !(is_activation_type(type) || type == "SELU")) continue;
    std::string lower;
    for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::optional<rg::Activation> a;
    try {
      a = rg::parse_activation(lower);
    } catch (const Error&) {
      return std::nullopt;  // GELU, SiLU, LeakyReLU: no mean-field map here
    }
    if (type == "ELU" && m.value.hasattr("alpha") && m.value.attr("alpha").toDouble() != 1.0)
      return std::nullopt;
    if (found && *found != *a) return std::nullopt;
    found = a;
  }
  return found;
}

}  // namespace

TappedModel tap_weight_layers(const std::filesystem::path& file) {
  jit::Module module = load_scripted(file);
  std::vector<std::string> names;
  std::map<std::string, jit::Module> by_name;
  for (const auto& m : module.named_modules()) {
    const auto& type_name = m.value.type()->name();
    const std::string type = type_name ? type_name->name() : "";
    if (m.value.children().size() == 0 && m.value.hasattr("weight") &&
        (type == "Linear" || type == "Conv1d" || type == "Conv2d" || type == "Conv3d")) {
      names.push_back(m.name);
      by_name.emplace(m.name, m.value);
    }
  }
  CRITNET_CHECK(!names.empty(), "the model has no Linear or Conv layer");
  names = in_call_order(module, names);
  TappedModel t;
  for (const auto& name : names) {
    const jit::Module& m = by_name.at(name);
    const c10::IValue bias = m.hasattr("bias") ? m.attr("bias") : c10::IValue();
    t.layers.push_back(
        {name, m.attr("weight").toTensor(), bias.isTensor() ? bias.toTensor() : torch::Tensor()});
  }
  t.activation = uniform_activation(module);
  auto fn = std::make_shared<jit::GraphFunction>("critnet_signal_taps",
                                                 taps_graph(module, names, true), nullptr);
  const std::string source = file.string();
  t.forward = [module, fn, source](const torch::Tensor& x) {
    c10::IValue out;
    try {
      out = (*fn)({module._ivalue(), x});
    } catch (const c10::Error& e) {
      throw DataError("model " + source + ": " + error_cause(e.what_without_backtrace()));
    } catch (const std::runtime_error& e) {
      throw DataError("model " + source + ": " + error_cause(e.what()));
    }
    std::vector<torch::Tensor> taps;
    for (const auto& v : out.toTupleRef().elements())
      taps.push_back(v.isTensor() ? v.toTensor() : torch::Tensor());
    return taps;
  };
  return t;
}

std::vector<ModuleEntry> read_module_tree(const std::filesystem::path& file) {
  return module_tree(load_scripted(file));
}

ScriptedModel::ScriptedModel(const std::filesystem::path& file, std::vector<std::string> layers)
    : module_(load_scripted(file)), file_(file.string()), names_(std::move(layers)) {
  find_weights();
  taps_ = std::make_unique<jit::GraphFunction>("critnet_probe_taps", taps_graph(module_, names_),
                                               nullptr);
}

ScriptedModel::~ScriptedModel() = default;
ScriptedModel::ScriptedModel(ScriptedModel&&) noexcept = default;
ScriptedModel& ScriptedModel::operator=(ScriptedModel&&) noexcept = default;

void ScriptedModel::find_weights() {
  layers_ = choose_layers(module_tree(module_), names_);
  if (names_.empty())
    for (const auto& layer : layers_) names_.push_back(layer.name);
}

void ScriptedModel::to(const torch::Device& device) {
  module_.to(device);
  find_weights();
}

std::vector<torch::Tensor> ScriptedModel::forward(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  c10::IValue out;
  const auto failed = [&](const std::string& what) {
    std::ostringstream shape;
    shape << x.sizes();
    return DataError("model " + file_ + ": forward failed on a batch of shape " + shape.str() +
                     ": " + error_cause(what));
  };
  try {
    out = (*taps_)({module_._ivalue(), x});
  } catch (const c10::Error& e) {
    throw failed(e.what_without_backtrace());
  } catch (const std::runtime_error& e) {  // torch::jit::JITException: the interpreter's
    throw failed(e.what());
  }
  std::vector<torch::Tensor> taps;
  for (const auto& v : out.toTupleRef().elements()) {
    CRITNET_CHECK(v.isTensor(), "a probed layer's output is not a tensor");
    taps.push_back(v.toTensor());
  }
  return taps;
}

}  // namespace critnet::probe
