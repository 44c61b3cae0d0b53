#include "shape/infer.h"

#include <algorithm>

namespace onyx {

struct InferState {};

namespace {

const ir::Type kUnknownType{};

// Reconciles an inferred type with what the model declared for the same value.
ir::Type merge(const ir::Node& node, const ir::Value& v, const ir::Type& inferred, const ir::Type& declared) {
  using K = ir::Type::Kind;
  if (declared.kind == K::kUnknown) return inferred;
  if (inferred.kind == K::kUnknown) return declared;
  auto contradiction = [&]() {
    fail(ErrorCode::kInvalidGraph, node.describe(), ": output '", v.name, "' is declared as ", declared.str(),
         " but the node produces ", inferred.str());
  };
  if (declared.kind != inferred.kind) contradiction();
  if (inferred.kind != K::kTensor && inferred.kind != K::kSparseTensor) return inferred;
  if (declared.elem != DataType::kUndefined && inferred.elem != DataType::kUndefined && declared.elem != inferred.elem)
    contradiction();
  ir::Type out = inferred;
  if (out.elem == DataType::kUndefined) out.elem = declared.elem;
  if (!declared.has_shape) return out;
  if (!inferred.has_shape) {
    out.has_shape = true;
    out.dims = declared.dims;
    return out;
  }
  if (declared.dims.size() != inferred.dims.size()) contradiction();
  for (size_t i = 0; i < out.dims.size(); ++i) {
    const ir::Dim& d = declared.dims[i];
    ir::Dim& o = out.dims[i];
    if (d.known() && o.known() && d.value != o.value) contradiction();
    if (d.known() && !o.known()) o = d;
    else if (o.unknown() && d.symbolic()) o = d;
  }
  return out;
}

void infer_node(ir::Node& node, InferState& state) {
  InferFn fn = KernelRegistry::global().infer_fn(node.domain, node.op_type, node.opset);
  if (!fn) return;  // unknown op: reported by kernel selection with a better message
  // Keep declared types aside: inference writes into Value::type directly.
  std::vector<ir::Type> declared;
  for (ir::Value* o : node.outputs) declared.push_back(o ? o->type : ir::Type{});
  for (ir::Value* o : node.outputs)
    if (o) {
      o->type = ir::Type{};
      o->known_values.reset();
    }
  InferContext ctx(node, state);
  try {
    fn(ctx);
  } catch (const Error& e) {
    for (size_t i = 0; i < node.outputs.size(); ++i)
      if (node.outputs[i]) node.outputs[i]->type = declared[i];
    std::string msg = e.what();
    if (msg.find(node.describe()) == std::string::npos) msg = node.describe() + ": " + msg;
    throw Error(ErrorCode::kInvalidGraph, msg);
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    ir::Value* o = node.outputs[i];
    if (o) o->type = merge(node, *o, o->type, declared[i]);
  }
}

void infer_graph_impl(ir::Graph& g, InferState& state) {
  for (ir::Value* v : g.initializers) {
    // An initializer's type is its tensor's, whatever was declared.
    if (!v->is_graph_input || v->type.kind == ir::Type::Kind::kUnknown) {
      ir::Dims dims(v->constant.shape().begin(), v->constant.shape().end());
      v->type = ir::Type::tensor(v->constant.dtype(), std::move(dims));
    }
    if (dtype_is_integer(v->constant.dtype()) && v->constant.rank() <= 1 && v->constant.numel() <= 64 &&
        !v->is_graph_input) {
      ir::Dims vals;
      for (int64_t k = 0; k < v->constant.numel(); ++k) vals.push_back(infer::dim_of(v->constant.int_at(k)));
      v->known_values = std::make_shared<const ir::Dims>(std::move(vals));
    }
  }
  for (const auto& n : g.nodes()) infer_node(*n, state);
}

}  // namespace

const ir::Type& InferContext::input_type(int i) const {
  const ir::Value* v = node_.input(i);
  return v ? v->type : kUnknownType;
}

const ir::Dims* InferContext::input_dims(int i) const {
  const ir::Type& t = input_type(i);
  return t.has_shape ? &t.dims : nullptr;
}

const Tensor* InferContext::input_constant(int i) const {
  const ir::Value* v = node_.input(i);
  if (!v || !v->is_constant() || v->is_graph_input) return nullptr;  // overridable initializers are not constant
  return &v->constant;
}

const ir::Dims* InferContext::input_values(int i) const {
  const ir::Value* v = node_.input(i);
  if (!v) return nullptr;
  return v->known_values.get();
}

void InferContext::set_output(int i, ir::Type t) {
  ir::Value* v = node_.output(i);
  if (v) v->type = std::move(t);
}

void InferContext::set_output_values(int i, ir::Dims values) {
  ir::Value* v = node_.output(i);
  if (v) v->known_values = std::make_shared<const ir::Dims>(std::move(values));
}

const ir::Type& InferContext::output_type(int i) const {
  const ir::Value* v = node_.output(i);
  return v ? v->type : kUnknownType;
}

std::vector<ir::Type> InferContext::infer_subgraph(ir::Graph& g, const std::vector<ir::Type>& input_types) {
  for (size_t i = 0; i < g.inputs.size() && i < input_types.size(); ++i) {
    ir::Value* in = g.inputs[i];
    const ir::Type& given = input_types[i];
    if (in->type.kind == ir::Type::Kind::kUnknown) {
      in->type = given;
    } else if (in->type.kind == ir::Type::Kind::kTensor && given.kind == ir::Type::Kind::kTensor) {
      if (in->type.elem == DataType::kUndefined) in->type.elem = given.elem;
      if (!in->type.has_shape && given.has_shape) {
        in->type.has_shape = true;
        in->type.dims = given.dims;
      }
    }
  }
  infer_graph_impl(g, state_);
  std::vector<ir::Type> out;
  for (ir::Value* o : g.outputs) out.push_back(o->type);
  return out;
}

void infer_graph(ir::Graph& g) {
  InferState state;
  try {
    infer_graph_impl(g, state);
  } catch (const Error& e) {
    throw g.model ? e.with_context(g.model->describe()) : e;
  }
}

namespace infer {

void same_as_input(InferContext& ctx) { ctx.set_output(0, ctx.input_type(0)); }

void all_same_as_input(InferContext& ctx) {
  for (int i = 0; i < ctx.num_outputs(); ++i) ctx.set_output(i, ctx.input_type(0));
}

ir::Dims broadcast(InferContext& ctx, const ir::Dims& a, const ir::Dims& b) {
  size_t n = std::max(a.size(), b.size());
  ir::Dims out(n);
  for (size_t i = 0; i < n; ++i) {
    const ir::Dim* da = i < n - a.size() ? nullptr : &a[i - (n - a.size())];
    const ir::Dim* db = i < n - b.size() ? nullptr : &b[i - (n - b.size())];
    if (!da) { out[i] = *db; continue; }
    if (!db) { out[i] = *da; continue; }
    if (da->known() && db->known()) {
      if (da->value == db->value || db->value == 1) out[i] = *da;
      else if (da->value == 1) out[i] = *db;
      else ctx.fail("cannot broadcast shapes ", shape_str(a), " and ", shape_str(b), " (dim ", i, ": ",
                    da->value, " vs ", db->value, ")");
    } else if (da->known() && da->value == 1) {
      out[i] = *db;
    } else if (db->known() && db->value == 1) {
      out[i] = *da;
    } else if (da->known()) {
      out[i] = *da;  // the other is symbolic: it must be 1 or equal, so the result is this size
    } else if (db->known()) {
      out[i] = *db;
    } else if (*da == *db) {
      out[i] = *da;
    } else {
      out[i] = ir::Dim();
    }
  }
  return out;
}

void broadcast_inputs(InferContext& ctx, DataType out) {
  DataType dt = out != DataType::kUndefined ? out : ctx.input_dtype(0);
  ir::Dims dims;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    const ir::Dims* d = ctx.input_dims(i);
    if (!d) {
      ctx.set_output_unranked(0, dt);
      return;
    }
    dims = broadcast(ctx, dims, *d);
  }
  ctx.set_output(0, dt, std::move(dims));
}

void same_shape_as(InferContext& ctx, int input, DataType dt) {
  const ir::Dims* d = ctx.input_dims(input);
  if (d) ctx.set_output(0, dt, *d);
  else ctx.set_output_unranked(0, dt);
}

int64_t known_product(const ir::Dims& dims) {
  int64_t p = 1;
  for (const ir::Dim& d : dims) {
    if (!d.known()) return -1;
    p *= d.value;
  }
  return p;
}

}  // namespace infer

}  // namespace onyx
