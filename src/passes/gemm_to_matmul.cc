// Reshape -> Gemm -> Reshape  ==>  MatMul [+ Add]   (level extended)
//
// The dynamo exporter writes every Linear of a [B,S,E] activation as
// Reshape(x, [-1,E]) -> Gemm(.., W) -> Reshape(.., [B,S,N]). A MatMul on the
// 3-D x computes the same rows without the flattening, and puts the product
// where MatMul-based fusions (bias, GELU, attention packing) can see it.
// Conditions: the first Reshape only flattens the leading axes (its output is
// [-1 or prod, E] with E = x's last dim) and feeds only the Gemm; the Gemm
// has alpha = 1, transA = 0, a constant 2-D B (transB folded by transposing
// the constant) and a C that is a constant bias over N (or none, or beta = 0);
// the Gemm's only reader is a Reshape whose shape is a constant without 0
// (copied) entries, so it means the same on the 3-D product.
#include <cstring>

#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

using pattern::producer;
using pattern::sole_consumer;

bool shape_const_without_zero(const ir::Node* reshape) {
  const ir::Value* s = reshape->input(1);
  if (!s || !s->is_constant() || s->constant.dtype() != DataType::kInt64) return false;
  if (reshape->attr_int("allowzero", 0) != 0) return true;
  for (int64_t i = 0; i < s->constant.numel(); ++i)
    if (s->constant.data<int64_t>()[i] == 0) return false;
  return true;
}

int gemm_to_matmul(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> gemms;
  for (const auto& n : g.nodes())
    if (n->is("Gemm")) gemms.push_back(n.get());
  for (ir::Node* gm : gemms) {
    ir::Node* flat = producer(gm->input(0), "Reshape");
    if (!flat || sole_consumer(gm->input(0)) != gm) continue;
    ir::Value* x = flat->input(0);
    if (!pattern::is_float(x) || x->type.rank() < 3) continue;
    const ir::Type& ft = flat->output(0)->type;
    if (ft.rank() != 2 || !x->type.dims.back().known() || !(ft.dims[1] == x->type.dims.back())) continue;
    if (gm->attr_float("alpha", 1.f) != 1.f || gm->attr_int("transA", 0) != 0) continue;
    ir::Value* bv = gm->input(1);
    if (!bv || !bv->is_constant() || bv->is_graph_input || bv->constant.dtype() != DataType::kFloat ||
        bv->constant.rank() != 2)
      continue;
    const bool tb = gm->attr_int("transB", 0) != 0;
    // A transposed B is copied; not when the weight is shared (GPT-2 ties
    // lm_head to the token embedding): that would keep both in memory.
    if (tb && bv->uses.size() > 1) continue;
    const int64_t k = tb ? bv->constant.dim(1) : bv->constant.dim(0), n = tb ? bv->constant.dim(0) : bv->constant.dim(1);
    if (k != x->type.dims.back().value) continue;
    ir::Value* c = gm->input(2);
    const float beta = gm->attr_float("beta", 1.f);
    if (c && beta != 0.f) {
      if (!c->is_constant() || c->is_graph_input || c->constant.dtype() != DataType::kFloat || c->constant.numel() != n)
        continue;
      const Shape& cs = c->constant.shape();
      if (cs.size() > 2 || (cs.size() == 2 && cs[0] != 1)) continue;
    } else {
      c = nullptr;
    }
    ir::Node* unflat = sole_consumer(gm->output(0));
    if (!unflat || !unflat->is("Reshape") || !shape_const_without_zero(unflat)) continue;
    // ---- rewrite ----
    ir::Value* w = bv;
    if (tb) {
      Tensor t(DataType::kFloat, {k, n});
      const float* src = bv->constant.data<float>();
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < n; ++j) t.data<float>()[i * n + j] = src[j * k + i];
      w = g.add_constant(g.unique_name(bv->name + "_t"), t);
    }
    const int opset = static_cast<int>(g.model ? g.model->opset("") : 13);
    ir::Node* mm = g.add_node("MatMul", "", {x, w}, 1, g.unique_name(gm->name + "_matmul"));
    mm->opset = opset;
    ir::Value* out = mm->output(0);
    if (c) {
      Tensor bias = c->constant.reshaped({n});
      if (beta != 1.f) {
        Tensor scaled(DataType::kFloat, {n});
        for (int64_t i = 0; i < n; ++i) scaled.data<float>()[i] = beta * bias.data<float>()[i];
        bias = scaled;
      }
      ir::Node* add = g.add_node("Add", "", {out, g.add_constant(g.unique_name(c->name + "_bias"), bias)}, 1,
                                 g.unique_name(gm->name + "_bias"));
      add->opset = opset;
      out = add->output(0);
    }
    g.set_input(unflat, 0, out);
    g.remove_node(gm);
    if (pattern::is_dead(flat)) g.remove_node(flat);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"gemm_to_matmul", OptLevel::kExtended, 30, gemm_to_matmul});

}  // namespace onyx
