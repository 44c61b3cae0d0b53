// Reshape-chain elimination (level basic):
//   Reshape(Reshape(x, s1), s2) -> Reshape(x, s2)   when s2 is a constant
//     without copied (0) entries: the result depends only on x's element count;
//   Reshape(x, s) -> x   when x's dims and the output's are the same, each
//     known or the same symbol (a no-op, common after other rewrites).
#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

bool const_shape_without_zero(const ir::Node* r) {
  const ir::Value* s = r->input(1);
  if (!s || !s->is_constant() || s->constant.dtype() != DataType::kInt64) return false;
  if (r->attr_int("allowzero", 0) != 0) return true;
  for (int64_t i = 0; i < s->constant.numel(); ++i)
    if (s->constant.data<int64_t>()[i] == 0) return false;
  return true;
}

int eliminate_reshapes(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> rs;
  for (const auto& n : g.nodes())
    if (n->is("Reshape")) rs.push_back(n.get());
  for (ir::Node* r : rs) {
    if (pattern::is_dead(r) || !r->input(0)) continue;
    ir::Value* in = r->input(0);
    ir::Value* out = r->output(0);
    // Same dims, each known or the same symbol (equal at run time by the
    // meaning of a dim_param), is a no-op.
    bool same = in->type.is_tensor() && in->type.has_shape && out->type.has_shape && in->type.dims == out->type.dims &&
                in->type.elem == out->type.elem;
    for (const ir::Dim& d : in->type.dims) same &= !d.unknown();
    if (same && !out->is_graph_output) {
      g.replace_uses(out, in);
      g.remove_node(r);
      ++changes;
      continue;
    }
    ir::Node* inner = pattern::producer(in, "Reshape");
    if (inner && inner->input(0) && const_shape_without_zero(r)) {
      g.set_input(r, 0, inner->input(0));
      if (pattern::is_dead(inner)) g.remove_node(inner);
      ++changes;
    }
  }
  return changes;
}

}  // namespace

ONYX_PASS({"eliminate_reshapes", OptLevel::kBasic, 20, eliminate_reshapes});

}  // namespace onyx
