// Matrix-product fusions (level extended):
//   MatMul + Add(constant bias [N]) [+ activation] -> com.onyx FusedMatMul
//   MatMul + activation                            -> com.onyx FusedMatMul
//   (activation: an ONNX activation op, com.onyx Gelu / FastGelu, or x * Sigmoid(x) as Silu)
//   Gemm + activation                              -> com.onyx FusedGemm
// The fused kernels add the bias and apply the activation in the GEMM's
// store, while each output tile is still in L1.
#include "kernels/common/activation_attr.h"
#include "passes/pass.h"

namespace onyx {

namespace {

ir::Node* sole_consumer(const ir::Value* v) {
  if (!v || v->is_graph_output || v->uses.size() != 1 || v->uses[0].index < 0) return nullptr;
  return v->uses[0].node;
}

bool is_float(const ir::Value* v) { return v && v->type.is_tensor() && v->type.elem == DataType::kFloat; }

// A constant float bias with N values along the last axis only ([N], [1,N], ...).
bool is_row_bias(const ir::Value* v, const ir::Value* product) {
  if (!v || !v->is_constant() || v->is_graph_input || v->constant.dtype() != DataType::kFloat) return false;
  const Shape& s = v->constant.shape();
  if (s.empty()) return false;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] != 1) return false;
  const ir::Type& t = product->type;
  if (!t.has_shape || t.dims.empty() || !t.dims.back().known() || t.dims.back().value != s.back()) return false;
  return static_cast<int>(s.size()) <= t.rank();  // no rank growth through broadcasting
}

void add_activation_attrs(std::vector<ir::Attribute>& attrs, const std::string& name, const std::vector<float>& params) {
  ir::Attribute a;
  a.name = "activation";
  a.type = ir::AttrType::kString;
  a.s = name;
  attrs.push_back(a);
  if (!params.empty()) {
    ir::Attribute p;
    p.name = "activation_params";
    p.type = ir::AttrType::kFloats;
    p.floats = params;
    attrs.push_back(p);
  }
}

// x * Sigmoid(x) (SiLU / Swish as exporters write it, e.g. Llama's gated
// MLP): the Mul, with the Sigmoid in *sig, when x has no other reader.
ir::Node* silu_of(ir::Value* x, ir::Node** sig) {
  if (!x || x->is_graph_output || x->uses.size() != 2) return nullptr;
  ir::Node* s = nullptr;
  for (const ir::Use& u : x->uses)
    if (u.node->is("Sigmoid") && u.index == 0) s = u.node;
  ir::Node* m = s ? sole_consumer(s->output(0)) : nullptr;
  if (!m || !m->is("Mul") || m->num_inputs() != 2) return nullptr;
  if (!((m->input(0) == x && m->input(1) == s->output(0)) || (m->input(1) == x && m->input(0) == s->output(0))))
    return nullptr;
  *sig = s;
  return m;
}

int fuse_matmul(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> prods;
  for (const auto& n : g.nodes())
    if (n->is("MatMul") || n->is("Gemm")) prods.push_back(n.get());
  for (ir::Node* mm : prods) {
    const bool gemm = mm->is("Gemm");
    if (!is_float(mm->input(0)) || !is_float(mm->input(1)) || !is_float(mm->output(0))) continue;
    ir::Value* out = mm->output(0);
    ir::Value* bias = nullptr;
    ir::Node* add = nullptr;
    if (!gemm) {
      ir::Node* c = sole_consumer(out);
      if (c && c->is("Add") && c->opset >= 7 && c->num_inputs() == 2) {
        ir::Value* other = c->input(0) == out ? c->input(1) : c->input(0);
        if (other != out && is_row_bias(other, out) && out->type.rank() >= 1) {
          add = c;
          bias = other;
          out = c->output(0);
        }
      }
    }
    std::string act_name;
    std::vector<float> params;
    ir::Node* act = sole_consumer(out);
    if (act && !(act->input(0) == out && activation_from_op(*act, &act_name, &params))) act = nullptr;
    ir::Node* sigmoid = nullptr;
    if (!act && (act = silu_of(out, &sigmoid))) act_name = "Silu";
    if (!add && !act) continue;
    std::vector<ir::Attribute> attrs;
    if (gemm) attrs = mm->attrs;
    if (act) add_activation_attrs(attrs, act_name, params);
    std::vector<ir::Value*> ins = {mm->input(0), mm->input(1)};
    if (gemm && mm->input(2)) ins.push_back(mm->input(2));
    if (bias) {
      // FusedMatMul takes the bias as a 1-D [N] input.
      ir::Value* b1 = bias;
      if (bias->constant.rank() != 1)
        b1 = g.add_constant(g.unique_name(bias->name + "_1d"), bias->constant.reshaped({bias->constant.numel()}));
      ins.push_back(b1);
    }
    ir::Node* last = act ? act : add ? add : mm;
    ir::Node* fused =
        g.add_node(gemm ? "FusedGemm" : "FusedMatMul", "com.onyx", ins, 1, mm->name + "_fused", std::move(attrs));
    fused->opset = 1;
    ir::Value* final_out = last->output(0);
    g.replace_uses(final_out, fused->output(0));
    fused->output(0)->type = final_out->type;
    for (ir::Node* n : {act, sigmoid, add, mm})
      if (n) g.remove_node(n);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"fuse_matmul_bias_activation", OptLevel::kExtended, 120, fuse_matmul});

}  // namespace onyx
