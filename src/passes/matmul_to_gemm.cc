// 2-D matrix-product rewrites (level extended):
//   MatMul(A[M,K], B[K,N]) + Add(C)  -> Gemm(A, B, C)   when C broadcasts
//     unidirectionally to [M,N] ([N], [1,N], [M,1], [M,N] or a scalar) and
//     the product has no other reader;
//   MatMul / Gemm reading Transpose<1,0>(X) -> Gemm with transA / transB
//     flipped (the transpose is done by the GEMM's packing, not by a copy).
// Only for operands known to be 2-D: MatMul's batched broadcasting has no
// Gemm equivalent.
#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

bool rank2(const ir::Value* v) { return pattern::is_float(v) && v->type.rank() == 2; }

bool is_transpose2d(const ir::Value* v) {
  ir::Node* t = pattern::producer(v, "Transpose");
  if (!t || !rank2(t->input(0))) return false;
  std::vector<int64_t> p = t->attr_ints("perm");
  return p.empty() || p == std::vector<int64_t>{1, 0};
}

// C broadcasts to [M,N] without growing the rank past 2 (Gemm's rule).
bool gemm_bias_ok(const ir::Value* c, const ir::Value* product) {
  if (!pattern::is_float(c) || c->type.rank() < 0 || c->type.rank() > 2) return false;
  const ir::Dims& pd = product->type.dims;
  const ir::Dims& cd = c->type.dims;
  for (size_t i = 0; i < cd.size(); ++i) {
    const ir::Dim& want = pd[pd.size() - cd.size() + i];
    if (cd[i].known() && cd[i].value == 1) continue;
    if (!(cd[i] == want) || cd[i].unknown()) return false;
  }
  return true;
}

int matmul_to_gemm(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> nodes;
  for (const auto& n : g.nodes())
    if (n->is("MatMul") || n->is("Gemm")) nodes.push_back(n.get());
  for (ir::Node* n : nodes) {
    if (pattern::is_dead(n)) continue;
    ir::Value* a = n->input(0);
    ir::Value* b = n->input(1);
    if (!rank2(a) || !rank2(b) || !pattern::is_float(n->output(0))) continue;
    bool ta = n->is("Gemm") && n->attr_int("transA", 0) != 0;
    bool tb = n->is("Gemm") && n->attr_int("transB", 0) != 0;
    std::vector<ir::Attribute> attrs = n->is("Gemm") ? n->attrs : std::vector<ir::Attribute>{};
    ir::Value* c = n->is("Gemm") ? n->input(2) : nullptr;
    ir::Value* out = n->output(0);
    ir::Node* add = nullptr;
    bool changed = false;
    if (is_transpose2d(a)) {
      a = a->producer->input(0);
      ta = !ta;
      changed = true;
    }
    if (is_transpose2d(b)) {
      b = b->producer->input(0);
      tb = !tb;
      changed = true;
    }
    if (n->is("MatMul")) {
      ir::Node* s = pattern::sole_consumer(out);
      if (s && s->is("Add") && gemm_bias_ok(pattern::other_input(s, out), out)) {
        add = s;
        c = pattern::other_input(s, out);
        out = s->output(0);
        changed = true;
      }
    }
    if (!changed || (!c && g.model && g.model->opset("") < 11)) continue;  // C is optional from opset 11
    ir::Value* in0 = n->input(0);
    ir::Value* in1 = n->input(1);
    std::erase_if(attrs, [](const ir::Attribute& x) { return x.name == "transA" || x.name == "transB"; });
    if (ta) attrs.push_back(pattern::attr_i("transA", 1));
    if (tb) attrs.push_back(pattern::attr_i("transB", 1));
    std::vector<ir::Value*> ins = {a, b};
    if (c) ins.push_back(c);
    ir::Node* gm = g.add_node("Gemm", "", ins, 1, g.unique_name(n->name + "_gemm"), attrs);
    gm->opset = static_cast<int>(g.model ? g.model->opset("") : 13);
    pattern::replace_with(g, out, gm, 0, {add, n});
    for (ir::Value* v : {in0, in1})
      if (v && v->producer && v->producer->is("Transpose") && pattern::is_dead(v->producer)) g.remove_node(v->producer);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"matmul_to_gemm", OptLevel::kExtended, 110, matmul_to_gemm});

}  // namespace onyx
