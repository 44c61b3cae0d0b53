#include "ir/graph.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <unordered_set>

namespace onyx::ir {

std::ostream& operator<<(std::ostream& os, const Dim& d) {
  if (d.known()) return os << d.value;
  if (d.symbolic()) return os << d.param;
  return os << '?';
}

Type Type::sequence(Type elem) {
  Type t;
  t.kind = Kind::kSequence;
  t.inner = std::make_shared<const Type>(std::move(elem));
  return t;
}

Type Type::optional(Type elem) {
  Type t;
  t.kind = Kind::kOptional;
  t.inner = std::make_shared<const Type>(std::move(elem));
  return t;
}

Type Type::map(DataType key, Type value) {
  Type t;
  t.kind = Kind::kMap;
  t.elem = key;
  t.inner = std::make_shared<const Type>(std::move(value));
  return t;
}

std::optional<Shape> Type::static_shape() const {
  if (!has_shape) return std::nullopt;
  Shape s;
  s.reserve(dims.size());
  for (const Dim& d : dims) {
    if (!d.known()) return std::nullopt;
    s.push_back(d.value);
  }
  return s;
}

std::string Type::str() const {
  switch (kind) {
    case Kind::kUnknown: return "unknown";
    case Kind::kTensor:
    case Kind::kSparseTensor: {
      std::string s = (kind == Kind::kTensor ? "" : "sparse_") + dtype_onnx_name(elem);
      if (has_shape) s += shape_str(dims);
      return s;
    }
    case Kind::kSequence: return "seq(" + (inner ? inner->str() : "?") + ")";
    case Kind::kOptional: return "optional(" + (inner ? inner->str() : "?") + ")";
    case Kind::kMap: return std::string("map(") + dtype_name(elem) + "," + (inner ? inner->str() : "?") + ")";
  }
  return "?";
}

bool Type::operator==(const Type& o) const {
  if (kind != o.kind || elem != o.elem || has_shape != o.has_shape || !(dims == o.dims)) return false;
  if (!inner || !o.inner) return !inner && !o.inner;
  return *inner == *o.inner;
}

const char* attr_type_name(AttrType t) {
  switch (t) {
    case AttrType::kFloat: return "float";
    case AttrType::kInt: return "int";
    case AttrType::kString: return "string";
    case AttrType::kTensor: return "tensor";
    case AttrType::kGraph: return "graph";
    case AttrType::kFloats: return "floats";
    case AttrType::kInts: return "ints";
    case AttrType::kStrings: return "strings";
    case AttrType::kTensors: return "tensors";
    case AttrType::kGraphs: return "graphs";
    case AttrType::kSparseTensor: return "sparse_tensor";
    case AttrType::kSparseTensors: return "sparse_tensors";
    case AttrType::kTypeProto: return "type_proto";
    case AttrType::kTypeProtos: return "type_protos";
    default: return "undefined";
  }
}

std::string Value::describe() const {
  std::string kind = is_graph_input ? "input" : is_constant() ? "initializer" : "value";
  return kind + " '" + name + "' (" + type.str() + ")";
}

// ---- Node ----

const Attribute* Node::attr(std::string_view n) const {
  for (const Attribute& a : attrs)
    if (a.name == n) return &a;
  return nullptr;
}

const Attribute& Node::required_attr(std::string_view n, AttrType type) const {
  const Attribute* a = attr(n);
  if (!a) fail(ErrorCode::kInvalidGraph, describe(), ": required attribute '", n, "' is missing");
  if (a->type != type)
    fail(ErrorCode::kInvalidGraph, describe(), ": attribute '", n, "' should be ", attr_type_name(type), " but is ",
         attr_type_name(a->type));
  return *a;
}

namespace {
const Attribute* typed(const Node& node, std::string_view n, AttrType type) {
  const Attribute* a = node.attr(n);
  if (a && a->type != type)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute '", n, "' should be ", attr_type_name(type),
         " but is ", attr_type_name(a->type));
  return a;
}
}  // namespace

int64_t Node::attr_int(std::string_view n, int64_t dflt) const {
  const Attribute* a = typed(*this, n, AttrType::kInt);
  return a ? a->i : dflt;
}
float Node::attr_float(std::string_view n, float dflt) const {
  const Attribute* a = typed(*this, n, AttrType::kFloat);
  return a ? a->f : dflt;
}
std::string Node::attr_string(std::string_view n, std::string_view dflt) const {
  const Attribute* a = typed(*this, n, AttrType::kString);
  return a ? a->s : std::string(dflt);
}
std::vector<int64_t> Node::attr_ints(std::string_view n, std::vector<int64_t> dflt) const {
  const Attribute* a = typed(*this, n, AttrType::kInts);
  return a ? a->ints : dflt;
}
std::vector<float> Node::attr_floats(std::string_view n, std::vector<float> dflt) const {
  const Attribute* a = typed(*this, n, AttrType::kFloats);
  return a ? a->floats : dflt;
}
std::vector<std::string> Node::attr_strings(std::string_view n) const {
  const Attribute* a = typed(*this, n, AttrType::kStrings);
  return a ? a->strings : std::vector<std::string>{};
}
const Tensor* Node::attr_tensor(std::string_view n) const {
  const Attribute* a = typed(*this, n, AttrType::kTensor);
  return a ? &a->t : nullptr;
}
Graph* Node::attr_graph(std::string_view n) const {
  const Attribute* a = typed(*this, n, AttrType::kGraph);
  return a ? a->g.get() : nullptr;
}

std::string Node::describe() const {
  std::string d = "node '" + name + "' (";
  if (!domain.empty()) d += domain + ".";
  d += op_type + ", opset " + std::to_string(opset) + ")";
  return d;
}

// ---- Graph ----

Value* Graph::find_local(std::string_view n) const {
  auto it = by_name_.find(std::string(n));
  return it == by_name_.end() ? nullptr : it->second;
}

Value* Graph::find(std::string_view n) const {
  for (const Graph* g = this; g; g = g->parent)
    if (Value* v = g->find_local(n)) return v;
  return nullptr;
}

std::string Graph::unique_name(std::string_view prefix) {
  for (;;) {
    std::string n = std::string(prefix) + "__" + std::to_string(name_counter_++);
    if (!find(n)) return n;
  }
}

Value* Graph::add_value(std::string n, Type type) {
  if (n.empty() || find_local(n)) n = unique_name(n.empty() ? "v" : n);
  auto v = std::make_unique<Value>();
  v->name = std::move(n);
  v->type = std::move(type);
  v->graph = this;
  Value* raw = v.get();
  by_name_.emplace(raw->name, raw);
  values_.push_back(std::move(v));
  return raw;
}

Value* Graph::add_constant(std::string n, Tensor t) {
  Dims dims(t.shape().begin(), t.shape().end());
  Value* v = add_value(std::move(n), Type::tensor(t.dtype(), std::move(dims)));
  v->constant = std::move(t);
  initializers.push_back(v);
  return v;
}

Node* Graph::add_node(std::string op_type, std::string domain, std::vector<Value*> ins, int num_outputs,
                      std::string n, std::vector<Attribute> attrs) {
  auto node = std::make_unique<Node>();
  node->op_type = std::move(op_type);
  node->domain = std::string(canonical_domain(domain));
  node->name = n.empty() ? unique_name(node->op_type) : std::move(n);
  node->graph = this;
  node->attrs = std::move(attrs);
  if (model) node->opset = static_cast<int>(model->opset(node->domain));
  Node* raw = node.get();
  raw->inputs = std::move(ins);
  for (size_t i = 0; i < raw->inputs.size(); ++i)
    if (raw->inputs[i]) raw->inputs[i]->uses.push_back({raw, static_cast<int>(i)});
  for (int i = 0; i < num_outputs; ++i) {
    Value* out = add_value(raw->name + "_out" + std::to_string(i));
    out->producer = raw;
    out->producer_output = i;
    raw->outputs.push_back(out);
  }
  nodes_.push_back(std::move(node));
  return raw;
}

namespace {
void erase_use(Value* v, Node* n, int index) {
  auto& u = v->uses;
  for (auto it = u.begin(); it != u.end(); ++it)
    if (it->node == n && it->index == index) {
      u.erase(it);
      return;
    }
}
}  // namespace

void Graph::set_output(Node* node, int i, Value* v) {
  if (v && v->producer && v->producer != node)
    fail(ErrorCode::kInvalidGraph, "value '", v->name, "' is already produced by ", v->producer->describe());
  if (static_cast<int>(node->outputs.size()) <= i) node->outputs.resize(static_cast<size_t>(i) + 1, nullptr);
  if (Value* old = node->outputs[static_cast<size_t>(i)]) old->producer = nullptr;
  node->outputs[static_cast<size_t>(i)] = v;
  if (v) {
    v->producer = node;
    v->producer_output = i;
  }
}

void Graph::set_input(Node* node, int i, Value* v) {
  if (static_cast<int>(node->inputs.size()) <= i) node->inputs.resize(static_cast<size_t>(i) + 1, nullptr);
  if (Value* old = node->inputs[static_cast<size_t>(i)]) erase_use(old, node, i);
  node->inputs[static_cast<size_t>(i)] = v;
  if (v) v->uses.push_back({node, i});
}

void Graph::replace_uses(Value* from, Value* to) {
  if (from == to) return;
  std::vector<Use> uses = from->uses;
  for (const Use& u : uses) {
    if (u.index >= 0) {
      set_input(u.node, u.index, to);
    } else {
      // An implicit use: the subgraphs of u.node refer to `from` by pointer.
      for_each_graph(*u.node->graph, [&](Graph& g) {
        for (const auto& n : g.nodes())
          for (size_t k = 0; k < n->inputs.size(); ++k)
            if (n->inputs[k] == from) g.set_input(n.get(), static_cast<int>(k), to);
      });
      for (auto& iv : u.node->implicit_inputs)
        if (iv == from) iv = to;
      erase_use(from, u.node, -1);
      to->uses.push_back({u.node, -1});
    }
  }
  // A graph output's name is part of the model's interface (callers ask for
  // outputs by name): the replacement takes over the name. Where it cannot
  // (a graph input, another output, a value of an enclosing graph), an
  // Identity carries it.
  Graph* g = from->graph ? from->graph : this;
  if (!from->is_graph_output || std::find(g->outputs.begin(), g->outputs.end(), from) == g->outputs.end()) return;
  Value* named = to;
  if (to->graph != g || to->is_graph_input || to->is_graph_output) {
    Node* id = g->add_node("Identity", "", {to}, 1, g->unique_name(from->name + "_identity"));
    id->opset = 1;
    if (g->model) {
      auto it = g->model->opsets.find("");
      if (it != g->model->opsets.end()) id->opset = it->second;
    }
    named = id->output(0);
    named->type = to->type;
  }
  g->swap_names(from, named);
  for (auto& o : g->outputs)
    if (o == from) o = named;
  from->is_graph_output = false;
  named->is_graph_output = true;
}

void Graph::swap_names(Value* a, Value* b) {
  by_name_.erase(a->name);
  by_name_.erase(b->name);
  std::swap(a->name, b->name);
  by_name_[a->name] = a;
  by_name_[b->name] = b;
}

void Graph::remove_node(Node* node) {
  for (size_t i = 0; i < node->inputs.size(); ++i)
    if (node->inputs[i]) erase_use(node->inputs[i], node, static_cast<int>(i));
  for (Value* v : node->implicit_inputs) erase_use(v, node, -1);
  for (Value* o : node->outputs)
    if (o) o->producer = nullptr;
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const auto& p) { return p.get() == node; });
  if (it != nodes_.end()) nodes_.erase(it);
}

int Graph::remove_dead() {
  int removed = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = nodes_.size(); i-- > 0;) {
      Node* n = nodes_[i].get();
      bool used = false;
      for (Value* o : n->outputs)
        if (o && (!o->uses.empty() || o->is_graph_output)) used = true;
      if (!used) {
        remove_node(n);
        ++removed;
        changed = true;
      }
    }
  }
  // Values without producer, uses or role are garbage now.
  std::unordered_set<Value*> keep(inputs.begin(), inputs.end());
  keep.insert(outputs.begin(), outputs.end());
  std::vector<Value*> live_inits;
  for (Value* v : initializers)
    if (!v->uses.empty() || v->is_graph_input || v->is_graph_output) {
      live_inits.push_back(v);
      keep.insert(v);
    }
  initializers = std::move(live_inits);
  for (const auto& n : nodes_)
    for (Value* o : n->outputs)
      if (o) keep.insert(o);
  std::erase_if(values_, [&](const std::unique_ptr<Value>& v) {
    if (keep.count(v.get()) || !v->uses.empty()) return false;
    by_name_.erase(v->name);
    return true;
  });
  return removed;
}

void Graph::update_implicit_inputs() {
  // Depth first: inner graphs' owners first, so an outer owner sees the
  // implicit inputs of nested owners as uses inside its subgraph.
  for (const auto& n : nodes_) {
    bool has_sub = false;
    for (auto& a : n->attrs) {
      if (a.g) { a.g->update_implicit_inputs(); has_sub = true; }
      for (auto& sg : a.graphs) { sg->update_implicit_inputs(); has_sub = true; }
    }
    if (!has_sub) continue;
    for (Value* v : n->implicit_inputs) erase_use(v, n.get(), -1);
    n->implicit_inputs.clear();
    std::unordered_set<Value*> seen;
    auto visit = [&](Graph& sg) {
      for (const auto& inner : sg.nodes()) {
        auto consider = [&](Value* v) {
          if (!v) return;
          // Outer scope = defined in this graph or further out (not inside sg's tree).
          for (Graph* g = v->graph; g; g = g->parent)
            if (g == &sg) return;
          if (seen.insert(v).second) n->implicit_inputs.push_back(v);
        };
        for (Value* v : inner->inputs) consider(v);
        for (Value* v : inner->implicit_inputs) consider(v);
      }
      for (Value* o : sg.outputs) {
        bool local = false;
        for (Graph* g = o->graph; g; g = g->parent) local |= (g == &sg);
        if (!local && seen.insert(o).second) n->implicit_inputs.push_back(o);
      }
    };
    for (auto& a : n->attrs) {
      if (a.g) visit(*a.g);
      for (auto& sg : a.graphs) visit(*sg);
    }
    // A subgraph may see values defined in intermediate graphs (between the
    // owner's graph and the subgraph); only those visible here are implicit.
    for (Value* v : n->implicit_inputs) v->uses.push_back({n.get(), -1});
  }
}

void Graph::toposort() {
  // Kahn's algorithm, taking nodes in their current order where possible so
  // an already sorted graph keeps its order.
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < nodes_.size(); ++i) index[nodes_[i].get()] = i;
  std::vector<int> pending(nodes_.size(), 0);
  std::vector<std::vector<size_t>> users(nodes_.size());
  auto add_edge = [&](Value* v, size_t consumer) {
    if (!v || !v->producer) return;
    auto it = index.find(v->producer);
    if (it == index.end()) return;  // produced in an enclosing graph
    users[it->second].push_back(consumer);
    ++pending[consumer];
  };
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (Value* v : nodes_[i]->inputs) add_edge(v, i);
    for (Value* v : nodes_[i]->implicit_inputs) add_edge(v, i);
  }
  // Min-heap on original index keeps the order stable.
  std::vector<size_t> ready;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  std::make_heap(ready.begin(), ready.end(), std::greater<>());
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(nodes_.size());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<>());
    size_t i = ready.back();
    ready.pop_back();
    for (size_t u : users[i])
      if (--pending[u] == 0) {
        ready.push_back(u);
        std::push_heap(ready.begin(), ready.end(), std::greater<>());
      }
    sorted.push_back(std::move(nodes_[i]));
  }
  if (sorted.size() != nodes_.size()) {
    std::string names;
    int listed = 0;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i] && listed++ < 8) names += (names.empty() ? "" : ", ") + nodes_[i]->describe();
    fail(ErrorCode::kInvalidGraph, "graph '", name, "' has a cycle through ", names);
  }
  nodes_ = std::move(sorted);
}

void Graph::commit() {
  update_implicit_inputs();
  for_each_graph(*this, [](Graph& g) { g.toposort(); });
  verify();
}

void Graph::verify() const {
  std::unordered_set<const Value*> defined;
  auto visible = [&](const Value* v) {
    if (defined.count(v)) return true;
    // Outer-scope values are checked when the enclosing graph is verified.
    for (const Graph* g = parent; g; g = g->parent)
      if (v->graph == g) return true;
    return false;
  };
  for (const Value* v : inputs) defined.insert(v);
  for (const Value* v : initializers) defined.insert(v);
  for (const auto& n : nodes_) {
    if (n->graph != this) fail(ErrorCode::kInvalidGraph, n->describe(), " is listed in the wrong graph");
    for (size_t i = 0; i < n->inputs.size(); ++i) {
      const Value* v = n->inputs[i];
      if (!v) continue;
      if (!visible(v))
        fail(ErrorCode::kInvalidGraph, n->describe(), ": input ", i, " '", v->name,
             "' is not a graph input, an initializer or the output of an earlier node");
      bool listed = false;
      for (const Use& u : v->uses) listed |= (u.node == n.get() && u.index == static_cast<int>(i));
      if (!listed) fail(ErrorCode::kInvalidGraph, "internal: use list of '", v->name, "' misses ", n->describe());
    }
    for (const Value* v : n->implicit_inputs)
      if (!visible(v) && v->graph == this)
        fail(ErrorCode::kInvalidGraph, n->describe(), ": subgraph uses '", v->name, "' before it is computed");
    for (const Value* o : n->outputs) {
      if (!o) continue;
      if (o->producer != n.get())
        fail(ErrorCode::kInvalidGraph, "internal: producer of '", o->name, "' is not ", n->describe());
      if (!defined.insert(o).second)
        fail(ErrorCode::kInvalidGraph, n->describe(), ": output '", o->name, "' is produced twice");
    }
  }
  for (const Value* o : outputs)
    if (!visible(o)) fail(ErrorCode::kInvalidGraph, "graph '", name, "': output '", o->name, "' is never produced");
  for (const auto& n : nodes_)
    for (const Attribute& a : n->attrs) {
      if (a.g) a.g->verify();
      for (const auto& sg : a.graphs) sg->verify();
    }
}

// ---- Model ----

int64_t Model::opset(std::string_view d) const {
  auto it = opsets.find(std::string(canonical_domain(d)));
  return it == opsets.end() ? 0 : it->second;
}

std::string Model::describe() const { return "model '" + path + "'"; }

}  // namespace onyx::ir
