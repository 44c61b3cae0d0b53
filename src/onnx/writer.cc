#include "onnx/writer.h"

#include <fstream>
#include <unordered_set>

#include "onnx/wire.h"

namespace onyx::onnx {

namespace {

using wire::Writer;

Writer type_proto(const ir::Type& t) {
  Writer w;
  using K = ir::Type::Kind;
  switch (t.kind) {
    case K::kTensor:
    case K::kSparseTensor: {
      Writer tt;
      if (t.elem != DataType::kUndefined) tt.int64(1, static_cast<int64_t>(t.elem));
      if (t.has_shape) {
        Writer shape;
        for (const ir::Dim& d : t.dims) {
          Writer dim;
          if (d.known()) dim.int64(1, d.value);
          else if (d.symbolic()) dim.bytes(2, d.param);
          shape.message(1, dim);
        }
        tt.message(2, shape);
      }
      w.message(t.kind == K::kTensor ? 1 : 8, tt);
      break;
    }
    case K::kSequence:
    case K::kOptional: {
      Writer s;
      if (t.inner) s.message(1, type_proto(*t.inner));
      w.message(t.kind == K::kSequence ? 4 : 9, s);
      break;
    }
    case K::kMap: {
      Writer m;
      m.int64(1, static_cast<int64_t>(t.elem));
      if (t.inner) m.message(2, type_proto(*t.inner));
      w.message(5, m);
      break;
    }
    case K::kUnknown: break;
  }
  return w;
}

Writer value_info(const ir::Value& v) {
  Writer w;
  w.bytes(1, v.name);
  if (v.type.kind != ir::Type::Kind::kUnknown) w.message(2, type_proto(v.type));
  return w;
}

Writer tensor_proto(const Tensor& t, const std::string& name) {
  Writer w;
  for (int64_t d : t.shape()) w.int64(1, d);
  w.int64(2, static_cast<int64_t>(t.dtype()));
  if (!name.empty()) w.bytes(8, name);
  if (t.dtype() == DataType::kString) {
    for (int64_t i = 0; i < t.numel(); ++i) w.bytes(6, t.data<std::string>()[i]);
  } else {
    w.bytes(9, std::string_view(static_cast<const char*>(t.raw()), t.nbytes()));
  }
  return w;
}

Writer graph_proto(const ir::Graph& g);

Writer attribute_proto(const ir::Attribute& a) {
  using T = ir::AttrType;
  Writer w;
  w.bytes(1, a.name);
  w.int64(20, static_cast<int64_t>(a.type));
  switch (a.type) {
    case T::kFloat: w.f32(2, a.f); break;
    case T::kInt: w.int64(3, a.i); break;
    case T::kString: w.bytes(4, a.s); break;
    case T::kTensor: w.message(5, tensor_proto(a.t, "")); break;
    case T::kGraph: w.message(6, graph_proto(*a.g)); break;
    case T::kFloats: w.packed_floats(7, a.floats); break;
    case T::kInts: w.packed_int64(8, a.ints); break;
    case T::kStrings: for (const auto& s : a.strings) w.bytes(9, s); break;
    case T::kTensors: for (const auto& t : a.tensors) w.message(10, tensor_proto(t, "")); break;
    case T::kGraphs: for (const auto& g : a.graphs) w.message(11, graph_proto(*g)); break;
    case T::kTypeProto: if (!a.types.empty()) w.message(14, type_proto(a.types[0])); break;
    case T::kTypeProtos: for (const auto& t : a.types) w.message(15, type_proto(t)); break;
    default: break;
  }
  return w;
}

Writer graph_proto(const ir::Graph& g) {
  Writer w;
  for (const auto& n : g.nodes()) {
    Writer nw;
    for (const ir::Value* v : n->inputs) nw.bytes(1, v ? v->name : "");
    for (const ir::Value* v : n->outputs) nw.bytes(2, v ? v->name : "");
    nw.bytes(3, n->name);
    nw.bytes(4, n->op_type);
    if (!n->domain.empty()) nw.bytes(7, n->domain);
    for (const ir::Attribute& a : n->attrs) nw.message(5, attribute_proto(a));
    w.message(1, nw);
  }
  w.bytes(2, g.name);
  for (const ir::Value* v : g.initializers) w.message(5, tensor_proto(v->constant, v->name));
  for (const ir::Value* v : g.inputs) w.message(11, value_info(*v));
  for (const ir::Value* v : g.outputs) w.message(12, value_info(*v));
  // Keep inferred types of intermediates: a reloaded model starts typed.
  std::unordered_set<const ir::Value*> io(g.inputs.begin(), g.inputs.end());
  io.insert(g.outputs.begin(), g.outputs.end());
  for (const auto& n : g.nodes())
    for (const ir::Value* v : n->outputs)
      if (v && !io.count(v) && v->type.kind != ir::Type::Kind::kUnknown) w.message(13, value_info(*v));
  return w;
}

}  // namespace

std::string serialize_tensor(const Tensor& t, const std::string& name) { return tensor_proto(t, name).take(); }

// ONNX has one opset per domain for the whole model: a node that runs at
// another version (the body of an older function inlined at load, an op
// expanded from its function body) would be read back under the model's
// version, with other semantics. Refuse rather than write a model that
// silently computes something else.
static void check_node_opsets(const ir::Model& m, const ir::Graph& g) {
  for (const auto& n : g.nodes()) {
    auto it = m.opsets.find(n->domain == "ai.onnx" ? std::string() : n->domain);
    if (it != m.opsets.end() && n->opset != 0 && n->opset != it->second)
      fail(ErrorCode::kNotImplemented, "cannot save the model: ", n->describe(), " runs at opset ", n->opset,
           " but the model imports ", n->domain.empty() ? "ai.onnx" : n->domain, " opset ", it->second,
           ", and ONNX has no per-node opsets");
    for (const auto& a : n->attrs) {
      if (a.g) check_node_opsets(m, *a.g);
      for (const auto& sg : a.graphs) check_node_opsets(m, *sg);
    }
  }
}

std::string serialize_model(const ir::Model& m) {
  check_node_opsets(m, *m.graph);
  Writer w;
  w.int64(1, m.ir_version ? m.ir_version : 8);
  if (!m.producer_name.empty()) w.bytes(2, m.producer_name);
  if (!m.producer_version.empty()) w.bytes(3, m.producer_version);
  if (!m.domain.empty()) w.bytes(4, m.domain);
  if (m.model_version) w.int64(5, m.model_version);
  if (!m.doc_string.empty()) w.bytes(6, m.doc_string);
  w.message(7, graph_proto(*m.graph));
  for (const auto& [domain, version] : m.opsets) {
    Writer o;
    if (!domain.empty()) o.bytes(1, domain);
    o.int64(2, version);
    w.message(8, o);
  }
  for (const auto& [k, v] : m.metadata) {
    Writer e;
    e.bytes(1, k);
    e.bytes(2, v);
    w.message(14, e);
  }
  return w.take();
}

void save_model(const ir::Model& model, const std::string& path) {
  std::string bytes = serialize_model(model);
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(ErrorCode::kFail, "cannot write '", path, "'");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) fail(ErrorCode::kFail, "error writing '", path, "'");
}

}  // namespace onyx::onnx
