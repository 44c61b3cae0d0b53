// Common-subexpression elimination (level basic): two nodes with the same op,
// domain, inputs and attributes compute the same outputs; the later one's
// readers are moved to the earlier. Exporters repeat shape arithmetic
// (Shape -> Gather -> Unsqueeze -> Concat) per layer; this collapses it.
// Not merged: nondeterministic ops (random), nodes with subgraphs, nodes
// without inputs (constants are handled by folding), and nodes whose outputs
// are graph outputs (their names are the interface).
#include <algorithm>
#include <map>
#include <sstream>

#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

bool mergeable(const ir::Node& n) {
  static const char* kRandom[] = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                  "Multinomial", "Bernoulli", "Dropout"};
  if (n.domain.empty())
    for (const char* op : kRandom)
      if (n.op_type == op) return false;
  if (n.inputs.empty() || !n.implicit_inputs.empty()) return false;
  for (const auto& a : n.attrs)
    if (a.g || !a.graphs.empty() || a.type == ir::AttrType::kTensor || a.type == ir::AttrType::kTensors ||
        a.type == ir::AttrType::kSparseTensor || a.type == ir::AttrType::kSparseTensors)
      return false;
  for (const ir::Value* o : n.outputs)
    if (o && o->is_graph_output) return false;
  return true;
}

std::string key_of(const ir::Node& n) {
  std::ostringstream k;
  k << n.domain << '|' << n.op_type << '|' << n.opset << '|' << n.outputs.size() << '|';
  for (const ir::Value* v : n.inputs) k << static_cast<const void*>(v) << ',';
  std::vector<const ir::Attribute*> attrs;
  for (const auto& a : n.attrs) attrs.push_back(&a);
  std::sort(attrs.begin(), attrs.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const ir::Attribute* a : attrs) {
    k << '|' << a->name << ':' << static_cast<int>(a->type) << ':';
    switch (a->type) {
      case ir::AttrType::kFloat: k << std::hexfloat << a->f << std::defaultfloat; break;
      case ir::AttrType::kInt: k << a->i; break;
      case ir::AttrType::kString: k << a->s.size() << ':' << a->s; break;
      case ir::AttrType::kFloats:
        for (float f : a->floats) k << std::hexfloat << f << std::defaultfloat << ',';
        break;
      case ir::AttrType::kInts:
        for (int64_t i : a->ints) k << i << ',';
        break;
      case ir::AttrType::kStrings:
        for (const auto& s : a->strings) k << s.size() << ':' << s << ',';
        break;
      default: k << "?" << static_cast<const void*>(a);  // never equal: not merged
    }
  }
  return k.str();
}

// Small constants with equal type, shape and bytes are one value: exporters
// write the same scalar (0, -inf, a shape) once per layer, which hides the
// repetition of the nodes reading them.
constexpr size_t kMaxMergedConstantBytes = 256;

int merge_constants(ir::Graph& g) {
  int changes = 0;
  std::map<std::string, ir::Value*> seen;
  std::vector<ir::Value*> inits = g.initializers;
  for (ir::Value* v : inits) {
    if (v->is_graph_input || v->is_graph_output || !v->is_constant() || v->uses.empty()) continue;
    const Tensor& t = v->constant;
    if (t.nbytes() > kMaxMergedConstantBytes || t.dtype() == DataType::kString || (!t.raw() && t.nbytes())) continue;
    std::string key = std::to_string(static_cast<int>(t.dtype())) + "|" + shape_str(t.shape()) + "|";
    key.append(static_cast<const char*>(t.raw()), t.nbytes());
    auto [it, fresh] = seen.emplace(key, v);
    if (fresh) continue;
    g.replace_uses(v, it->second);
    ++changes;
  }
  return changes;
}

int cse(ir::Graph& g, const SessionOptions&) {
  int changes = merge_constants(g);
  // Nodes are in topological order, so an earlier duplicate is seen first and
  // merged inputs of later nodes are already canonical within this sweep.
  std::map<std::string, ir::Node*> seen;
  std::vector<ir::Node*> order;
  for (const auto& n : g.nodes()) order.push_back(n.get());
  for (ir::Node* n : order) {
    if (!mergeable(*n)) continue;
    auto [it, fresh] = seen.emplace(key_of(*n), n);
    if (fresh) continue;
    ir::Node* keep = it->second;
    for (size_t i = 0; i < n->outputs.size(); ++i)
      if (n->outputs[i] && keep->outputs[i]) g.replace_uses(n->outputs[i], keep->outputs[i]);
    bool all_gone = true;
    for (size_t i = 0; i < n->outputs.size(); ++i)
      if (n->outputs[i] && !keep->outputs[i] && !n->outputs[i]->uses.empty()) all_gone = false;
    if (all_gone) g.remove_node(n);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"cse", OptLevel::kBasic, 15, cse});

}  // namespace onyx
