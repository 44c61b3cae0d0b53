// The intermediate representation: Model -> Graph -> Node / Value.
//
// A Value is an edge: produced by at most one Node (or a graph input or an
// initializer), used by any number of Nodes. Nodes own their attributes,
// among them the subgraphs of If / Loop / Scan, whose nodes may use Values of
// the enclosing graphs (outer scope); the owning node lists those in
// implicit_inputs so the scheduler keeps them alive until it runs.
//
// All changes go through Graph's editing methods (add_node, remove_node,
// replace_uses, ...), which keep use lists consistent; a pass ends with
// Graph::commit(), which re-sorts the nodes topologically and runs the verifier.
// That is the one mechanism passes use to change a graph.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/tensor.h"

namespace onyx::ir {

class Graph;
class Node;
struct Model;

// One dimension of a shape: a known size, a named symbol ("batch"), or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when known
  std::string param;   // the symbol when value < 0; empty means unknown

  Dim() = default;
  Dim(int64_t v) : value(v) {}  // NOLINT: a plain number is a known dim
  static Dim sym(std::string s) { Dim d; d.param = std::move(s); return d; }
  bool known() const { return value >= 0; }
  bool symbolic() const { return value < 0 && !param.empty(); }
  bool unknown() const { return value < 0 && param.empty(); }
  bool operator==(const Dim& o) const { return value == o.value && param == o.param; }
};
std::ostream& operator<<(std::ostream& os, const Dim& d);
using Dims = std::vector<Dim>;

// The type of a value: ONNX's TypeProto.
struct Type {
  enum class Kind : uint8_t { kUnknown, kTensor, kSparseTensor, kSequence, kMap, kOptional };
  Kind kind = Kind::kUnknown;
  DataType elem = DataType::kUndefined;  // tensor element type; map key type
  bool has_shape = false;                // tensors: false = rank unknown
  Dims dims;
  std::shared_ptr<const Type> inner;     // sequence / optional element; map value

  static Type tensor(DataType elem) { Type t; t.kind = Kind::kTensor; t.elem = elem; return t; }
  static Type tensor(DataType elem, Dims dims) {
    Type t = tensor(elem);
    t.has_shape = true;
    t.dims = std::move(dims);
    return t;
  }
  static Type sequence(Type elem);
  static Type optional(Type elem);
  static Type map(DataType key, Type value);

  bool is_tensor() const { return kind == Kind::kTensor; }
  int rank() const { return has_shape ? static_cast<int>(dims.size()) : -1; }
  // All dims known: the static shape, else nullopt.
  std::optional<Shape> static_shape() const;
  std::string str() const;  // "tensor(float)[batch,3,224,224]", "seq(tensor(int64))"
  bool operator==(const Type& o) const;
};

enum class AttrType : int32_t {
  kUndefined = 0, kFloat = 1, kInt = 2, kString = 3, kTensor = 4, kGraph = 5, kFloats = 6, kInts = 7,
  kStrings = 8, kTensors = 9, kGraphs = 10, kSparseTensor = 11, kSparseTensors = 12, kTypeProto = 13,
  kTypeProtos = 14,
};
const char* attr_type_name(AttrType t);

struct Attribute {
  std::string name;
  AttrType type = AttrType::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;  // sparse tensors are densified at load
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  std::vector<Type> types;  // tp (one) or type_protos
};

struct Use {
  Node* node;
  int index;  // input slot, or -1 for an implicit (subgraph) use
};

class Value {
 public:
  std::string name;
  Type type;
  Node* producer = nullptr;  // null for graph inputs and initializers
  int producer_output = 0;
  std::vector<Use> uses;
  Tensor constant;           // defined for initializers and folded constants
  // Elements of a small integer tensor known at load (shape arithmetic:
  // Shape -> Gather -> Concat ...), possibly symbolic; set by inference.
  std::shared_ptr<const Dims> known_values;
  bool is_graph_input = false;
  bool is_graph_output = false;
  Graph* graph = nullptr;    // the graph that defines it

  bool is_constant() const { return constant.defined(); }
  // "input 'x' (tensor(float)[1,3])"
  std::string describe() const;
};

class Node {
 public:
  std::string name;
  std::string op_type;
  std::string domain;  // "" for ai.onnx
  int opset = 0;       // the version of `domain` imported where this node lives
  std::vector<Value*> inputs;   // null = omitted optional input
  std::vector<Value*> outputs;  // null = omitted optional output
  std::vector<Attribute> attrs;
  std::vector<Value*> implicit_inputs;  // outer-scope values its subgraphs use
  Graph* graph = nullptr;

  const Attribute* attr(std::string_view name) const;
  bool has_attr(std::string_view name) const { return attr(name) != nullptr; }
  // Typed accessors: the default when absent; an error naming the node when
  // present with the wrong type.
  int64_t attr_int(std::string_view name, int64_t dflt) const;
  float attr_float(std::string_view name, float dflt) const;
  std::string attr_string(std::string_view name, std::string_view dflt) const;
  std::vector<int64_t> attr_ints(std::string_view name, std::vector<int64_t> dflt = {}) const;
  std::vector<float> attr_floats(std::string_view name, std::vector<float> dflt = {}) const;
  std::vector<std::string> attr_strings(std::string_view name) const;
  const Tensor* attr_tensor(std::string_view name) const;
  Graph* attr_graph(std::string_view name) const;
  // Attributes a node must have.
  const Attribute& required_attr(std::string_view name, AttrType type) const;

  int num_inputs() const { return static_cast<int>(inputs.size()); }
  int num_outputs() const { return static_cast<int>(outputs.size()); }
  // Input i if present (index in range and not omitted), else null.
  Value* input(int i) const { return i < num_inputs() ? inputs[static_cast<size_t>(i)] : nullptr; }
  Value* output(int i) const { return i < num_outputs() ? outputs[static_cast<size_t>(i)] : nullptr; }
  // Node 'Conv_12' (Conv, opset 17): the prefix of every error about this node.
  std::string describe() const;
  bool is(std::string_view op, std::string_view dom = "") const { return op_type == op && domain == dom; }
};

class Graph {
 public:
  std::string name;
  std::vector<Value*> inputs;        // graph inputs, initializers with defaults excluded
  std::vector<Value*> outputs;
  std::vector<Value*> initializers;  // constants, including those overridable as inputs
  Graph* parent = nullptr;           // enclosing graph for subgraphs
  Node* owner = nullptr;             // the If / Loop / Scan node holding this subgraph
  Model* model = nullptr;

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  // Finds a value by name in this graph, then in enclosing graphs.
  Value* find(std::string_view name) const;
  Value* find_local(std::string_view name) const;

  // ---- editing (the one mechanism for changing a graph) ----
  // A new value; the name is made unique within the model if already taken.
  Value* add_value(std::string name, Type type = {});
  Value* add_constant(std::string name, Tensor t);
  // A new node; its outputs are fresh values named after `name`. Input values
  // may belong to this graph or an enclosing one.
  Node* add_node(std::string op_type, std::string domain, std::vector<Value*> inputs, int num_outputs,
                 std::string name = {}, std::vector<Attribute> attrs = {});
  // Makes `node` produce `v` as output i (v must not have a producer).
  void set_output(Node* node, int i, Value* v);
  void set_input(Node* node, int i, Value* v);
  // Redirects every use of `from` (and its graph-output role, with its name)
  // to `to`.
  void replace_uses(Value* from, Value* to);
  // Exchanges the names of two values of this graph.
  void swap_names(Value* a, Value* b);
  // Removes a node; its outputs stay as values without producer until unused.
  void remove_node(Node* node);
  // Drops nodes whose outputs nobody uses and values nothing refers to.
  int remove_dead();
  // Topologically sorts nodes (stable where the order allows) and verifies;
  // throws kInvalidGraph naming the nodes of a cycle.
  void commit();
  // Consistency checks: use lists match, every input has a producer or is a
  // graph input / initializer / outer-scope value, names unique, no cycles.
  void verify() const;
  // Recomputes implicit_inputs of nodes with subgraphs (after edits in them).
  void update_implicit_inputs();

  // Unique name with the given prefix, for values/nodes added by passes.
  std::string unique_name(std::string_view prefix);

 private:
  friend class Loader;
  void toposort();
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::unordered_map<std::string, Value*> by_name_;
  int64_t name_counter_ = 0;
};

// Visits g and all its subgraphs, depth first.
template <typename Fn>
void for_each_graph(Graph& g, Fn&& fn) {
  fn(g);
  for (const auto& n : g.nodes())
    for (auto& a : n->attrs) {
      if (a.g) for_each_graph(*a.g, fn);
      for (auto& sg : a.graphs) for_each_graph(*sg, fn);
    }
}

struct Model {
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // "" is ai.onnx
  std::string producer_name, producer_version, domain, doc_string;
  int64_t model_version = 0;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::shared_ptr<Graph> graph;
  std::string path;  // file path, or "<memory>" for models loaded from bytes
  std::string dir;   // folder external data is resolved against ("" = none allowed)
  // Keeps mapped bytes (the model file, external data files) alive as long as
  // any tensor of the model may point into them.
  std::vector<std::shared_ptr<void>> mappings;

  int64_t opset(std::string_view domain) const;  // 0 if not imported
  // "model 'resnet50.onnx'" for error messages.
  std::string describe() const;
};

// Canonical domain: "ai.onnx" and "" are the same domain.
inline std::string_view canonical_domain(std::string_view d) { return d == "ai.onnx" ? std::string_view() : d; }

}  // namespace onyx::ir
