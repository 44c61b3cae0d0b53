// Builds the API test models with the engine's IR and writer (tests may use
// internals; the API tests themselves only see the bytes).
#include "capi/test_models.h"

#include <memory>

#include "ir/graph.h"
#include "onnx/writer.h"

namespace onyx_api_test {

namespace {

using namespace onyx;

struct Builder {
  ir::Model m;
  ir::Graph* g;

  explicit Builder(const std::string& name, int opset = 17) {
    m.ir_version = 8;
    m.opsets[""] = opset;
    m.producer_name = "onyx-test";
    m.graph = std::make_shared<ir::Graph>();
    g = m.graph.get();
    g->model = &m;
    g->name = name;
  }
  ir::Value* input(const std::string& name, ir::Type t) {
    ir::Value* v = g->add_value(name, std::move(t));
    v->is_graph_input = true;
    g->inputs.push_back(v);
    return v;
  }
  void output(ir::Value* v, ir::Type t) {
    v->type = std::move(t);
    v->is_graph_output = true;
    g->outputs.push_back(v);
  }
  // Node with one output named `out`.
  ir::Value* node(const std::string& op, std::vector<ir::Value*> ins, const std::string& out,
                  std::vector<ir::Attribute> attrs = {}, const std::string& domain = "") {
    ir::Node* n = g->add_node(op, domain, std::move(ins), 0, op + "_" + out, std::move(attrs));
    ir::Value* o = g->add_value(out);
    n->outputs.push_back(nullptr);
    g->set_output(n, 0, o);
    return o;
  }
  std::string bytes() { return onnx::serialize_model(m); }
};

ir::Type f32(ir::Dims dims) { return ir::Type::tensor(DataType::kFloat, std::move(dims)); }

Tensor floats(std::vector<float> v) {
  Tensor t(DataType::kFloat, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = v[i];
  return t;
}

// ---- a minimal protobuf encoder for the hand-written model ----
void varint(std::string& o, uint64_t v) {
  while (v >= 0x80) {
    o += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  o += static_cast<char>(v);
}
void field_int(std::string& o, int field, uint64_t v) {
  varint(o, static_cast<uint64_t>(field) << 3);
  varint(o, v);
}
void field_bytes(std::string& o, int field, const std::string& s) {
  varint(o, (static_cast<uint64_t>(field) << 3) | 2);
  varint(o, s.size());
  o += s;
}
std::string float3_value_info(const std::string& name) {
  std::string dim, shape, tensor, type, vi;
  field_int(dim, 1, 3);           // Dimension.dim_value
  field_bytes(shape, 1, dim);     // TensorShapeProto.dim
  field_int(tensor, 1, 1);        // TypeProto.Tensor.elem_type = FLOAT
  field_bytes(tensor, 2, shape);  // .shape
  field_bytes(type, 1, tensor);   // TypeProto.tensor_type
  field_bytes(vi, 1, name);       // ValueInfoProto.name
  field_bytes(vi, 2, type);       // .type
  return vi;
}

}  // namespace

std::string add_model() {
  Builder b("add_graph");
  b.m.producer_version = "1.2";
  b.m.domain = "ai.onyx.test";
  b.m.model_version = 7;
  b.m.doc_string = "adds a bias";
  b.m.metadata = {{"author", "capi"}, {"license", "none"}};
  ir::Value* a = b.input("A", f32({ir::Dim::sym("batch"), 3}));
  ir::Value* w = b.g->add_constant("B", floats({10, 20, 30}));
  w->is_graph_input = true;
  b.g->inputs.push_back(w);
  b.output(b.node("Add", {a, w}, "C"), f32({ir::Dim::sym("batch"), 3}));
  return b.bytes();
}

std::string identity_model() {
  Builder b("identity_graph");
  ir::Value* x = b.input("X", f32({2, 2}));
  b.output(b.node("Identity", {x}, "Y"), f32({2, 2}));
  return b.bytes();
}

std::string sequence_identity_model() {
  Builder b("sequence_graph");
  ir::Type seq = ir::Type::sequence(ir::Type::tensor(DataType::kFloat));
  ir::Value* x = b.input("X", seq);
  b.output(b.node("Identity", {x}, "Y"), seq);
  return b.bytes();
}

std::string matmul_model() {
  Builder b("matmul_graph");
  ir::Value* x = b.input("X", f32({2, 3}));
  ir::Value* w = b.input("W", f32({3, 2}));
  b.output(b.node("MatMul", {x, w}, "Y"), f32({2, 2}));
  return b.bytes();
}

std::string constant_output_model() {
  Builder b("constant_graph");
  ir::Value* w = b.g->add_constant("W", floats({1, 2, 3, 4}));
  b.output(b.node("Identity", {w}, "Y"), f32({4}));
  return b.bytes();
}

std::string unknown_op_model() {
  Builder b("unknown_graph");
  b.m.opsets["com.example"] = 1;
  ir::Value* x = b.input("X", f32({ir::Dim::sym("n")}));
  ir::Value* c = b.input("cond", ir::Type::tensor(DataType::kBool, {}));
  ir::Value* foo = b.node("FooBar", {x}, "foo", {}, "com.example");
  foo->type = f32({ir::Dim::sym("n")});
  auto branch = [&](const std::string& name, const std::string& op) {
    auto sub = std::make_shared<ir::Graph>();
    sub->parent = b.g;
    sub->model = &b.m;
    sub->name = name;
    std::vector<ir::Value*> ins = op == "Add" ? std::vector<ir::Value*>{foo, foo} : std::vector<ir::Value*>{foo};
    ir::Node* n = sub->add_node(op, "", ins, 0, name + "_" + op);
    ir::Value* o = sub->add_value(name + "_out", f32({ir::Dim::sym("n")}));
    n->outputs.push_back(nullptr);
    sub->set_output(n, 0, o);
    o->is_graph_output = true;
    sub->outputs.push_back(o);
    ir::Attribute a;
    a.name = name;
    a.type = ir::AttrType::kGraph;
    a.g = sub;
    return a;
  };
  ir::Value* y = b.node("If", {c}, "Y", {branch("then_branch", "Relu"), branch("else_branch", "Add")});
  b.output(y, f32({ir::Dim::sym("n")}));
  return b.bytes();
}

std::string external_data_model(const std::string& location) {
  std::string node, init, entry, graph, opset, model;
  field_bytes(node, 1, "X");
  field_bytes(node, 1, "W");
  field_bytes(node, 2, "Y");
  field_bytes(node, 4, "Add");
  field_int(init, 1, 3);                // TensorProto.dims
  field_int(init, 2, 1);                // .data_type = FLOAT
  field_bytes(init, 8, "W");            // .name
  field_bytes(entry, 1, "location");    // StringStringEntryProto.key
  field_bytes(entry, 2, location);      // .value
  field_bytes(init, 13, entry);         // .external_data
  field_int(init, 14, 1);               // .data_location = EXTERNAL
  field_bytes(graph, 1, node);          // GraphProto.node
  field_bytes(graph, 2, "ext_graph");   // .name
  field_bytes(graph, 5, init);          // .initializer
  field_bytes(graph, 11, float3_value_info("X"));
  field_bytes(graph, 12, float3_value_info("Y"));
  field_int(opset, 2, 17);              // OperatorSetIdProto.version
  field_int(model, 1, 8);               // ModelProto.ir_version
  field_bytes(model, 7, graph);         // .graph
  field_bytes(model, 8, opset);         // .opset_import
  return model;
}

}  // namespace onyx_api_test
