// Small helpers the fusion passes use to match patterns by structure and by
// checking constant values (never by node names).
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "ir/graph.h"

namespace onyx::pattern {

// The producer of v if it is `op` in the ai.onnx domain.
inline ir::Node* producer(const ir::Value* v, std::string_view op) {
  return v && v->producer && v->producer->is(op) ? v->producer : nullptr;
}

// The one node reading v (not a graph output, no subgraph use), else null.
inline ir::Node* sole_consumer(const ir::Value* v) {
  if (!v || v->is_graph_output || v->uses.size() != 1 || v->uses[0].index < 0) return nullptr;
  return v->uses[0].node;
}

// True when v is used only by the nodes in `allowed` (and is no graph output).
inline bool used_only_by(const ir::Value* v, std::initializer_list<const ir::Node*> allowed) {
  if (!v || v->is_graph_output) return false;
  for (const ir::Use& u : v->uses) {
    bool ok = false;
    for (const ir::Node* n : allowed) ok |= u.node == n;
    if (!ok || u.index < 0) return false;
  }
  return true;
}

// The value of a constant with a single element (any rank), as double.
inline std::optional<double> scalar(const ir::Value* v) {
  if (!v || !v->is_constant() || v->is_graph_input || v->constant.numel() != 1) return std::nullopt;
  const Tensor& t = v->constant;
  switch (t.dtype()) {
    case DataType::kFloat: return t.data<float>()[0];
    case DataType::kDouble: return t.data<double>()[0];
    case DataType::kInt64: return static_cast<double>(t.data<int64_t>()[0]);
    case DataType::kInt32: return t.data<int32_t>()[0];
    default: return std::nullopt;
  }
}

// A constant single-element input equal to `want` within a relative tolerance.
inline bool scalar_is(const ir::Value* v, double want, double rel = 1e-4) {
  auto s = scalar(v);
  return s && std::fabs(*s - want) <= rel * std::max(1.0, std::fabs(want));
}

// For a binary node, the input that is not `x` (null if neither or both are x).
inline ir::Value* other_input(const ir::Node* n, const ir::Value* x) {
  if (!n || n->num_inputs() != 2) return nullptr;
  if (n->input(0) == x && n->input(1) != x) return n->input(1);
  if (n->input(1) == x && n->input(0) != x) return n->input(0);
  return nullptr;
}

// A binary op in {op} with one input x and a constant scalar other input;
// returns the scalar.
inline std::optional<double> binary_with_scalar(const ir::Node* n, std::string_view op, const ir::Value* x) {
  if (!n || !n->is(op)) return std::nullopt;
  ir::Value* o = other_input(n, x);
  if (!o) return std::nullopt;
  if (op == "Div" || op == "Sub" || op == "Pow")  // not commutative: x must be the first input
    if (n->input(0) != x) return std::nullopt;
  return scalar(o);
}

// Static dims of a value, if fully known.
inline std::optional<std::vector<int64_t>> static_dims(const ir::Value* v) {
  if (!v || !v->type.is_tensor() || !v->type.has_shape) return std::nullopt;
  std::vector<int64_t> d;
  for (const ir::Dim& x : v->type.dims) {
    if (!x.known()) return std::nullopt;
    d.push_back(x.value);
  }
  return d;
}

inline bool is_float(const ir::Value* v) { return v && v->type.is_tensor() && v->type.elem == DataType::kFloat; }

// The reduction axes of a ReduceXxx node (attribute before opset 18, input after).
inline std::optional<std::vector<int64_t>> reduce_axes(const ir::Node* n) {
  if (n->has_attr("axes")) return n->attr_ints("axes");
  if (n->input(1)) {
    const ir::Value* a = n->input(1);
    if (!a->is_constant() || a->constant.dtype() != DataType::kInt64) return std::nullopt;
    const int64_t* p = a->constant.data<int64_t>();
    return std::vector<int64_t>(p, p + a->constant.numel());
  }
  return std::nullopt;
}

// True when a ReduceMean reduces exactly the last axis of its rank-r input, keeping dims.
inline bool reduces_last_axis(const ir::Node* n) {
  if (!n || !n->is("ReduceMean") || n->attr_int("keepdims", 1) != 1) return false;
  auto axes = reduce_axes(n);
  const int r = n->input(0) ? n->input(0)->type.rank() : -1;
  if (!axes || axes->size() != 1) return false;
  const int64_t a = (*axes)[0];
  return a == -1 || (r > 0 && a == r - 1);
}

inline ir::Attribute attr_f(const std::string& name, float v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kFloat;
  a.f = v;
  return a;
}
inline ir::Attribute attr_i(const std::string& name, int64_t v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kInt;
  a.i = v;
  return a;
}
inline ir::Attribute attr_is(const std::string& name, std::vector<int64_t> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kInts;
  a.ints = std::move(v);
  return a;
}

// True when no output of n is used or is a graph output.
inline bool is_dead(const ir::Node* n) {
  for (const ir::Value* o : n->outputs)
    if (o && (!o->uses.empty() || o->is_graph_output)) return false;
  return true;
}

// Removes those of `nodes` that are dead, repeatedly (a node becomes dead
// when its readers among `nodes` go); nulls and duplicates are ignored. A
// matched node whose output is still read elsewhere stays: correct, if not
// optimal.
inline void remove_dead_nodes(ir::Graph& g, std::vector<ir::Node*> nodes) {
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  std::erase(nodes, nullptr);
  for (bool progress = true; progress;) {
    progress = false;
    for (auto it = nodes.begin(); it != nodes.end();) {
      if (is_dead(*it)) {
        g.remove_node(*it);
        it = nodes.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
}

// Redirects the uses of old_out to output `fused_output` of `fused` (keeping
// a graph output's name and the inferred type), then removes the matched
// nodes that became dead.
inline void replace_with(ir::Graph& g, ir::Value* old_out, ir::Node* fused, int fused_output,
                         std::vector<ir::Node*> remove) {
  ir::Value* nv = fused->output(fused_output);
  nv->type = old_out->type;
  g.replace_uses(old_out, nv);
  std::erase(remove, fused);
  remove_dead_nodes(g, std::move(remove));
}

}  // namespace onyx::pattern
