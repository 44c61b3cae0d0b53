// GELU fusion (level extended): the exporters' decomposed GELU -> com.onyx
// Gelu (erf form) or FastGelu (tanh form), which fuse_matmul_bias_activation
// then folds into the preceding MatMul's epilogue (bias + GELU).
//
//   erf:  0.5 * x * (1 + Erf(x / sqrt(2)))            (Div by 1.4142 or Mul by 0.7071)
//   tanh: 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))   (x^3 as Pow(x, 3))
// The final products may be grouped any way: (x * a) * 0.5, (x * 0.5) * a,
// x * (a * 0.5). Every constant is checked; intermediate values must have no
// readers outside the pattern.
#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

using pattern::other_input;
using pattern::scalar_is;
using pattern::sole_consumer;

// From a = (1 + f(x)): finds the node producing 0.5 * x * a; fills `nodes`.
ir::Node* match_tail(ir::Value* a, ir::Value* x, std::vector<ir::Node*>& nodes) {
  ir::Node* m1 = sole_consumer(a);
  if (!m1 || !m1->is("Mul")) return nullptr;
  ir::Value* o = other_input(m1, a);
  if (!o) return nullptr;
  nodes.push_back(m1);
  if (o == x) {  // (x * a) * 0.5
    ir::Node* m2 = sole_consumer(m1->output(0));
    if (!m2 || !m2->is("Mul") || !scalar_is(other_input(m2, m1->output(0)), 0.5)) return nullptr;
    nodes.push_back(m2);
    return m2;
  }
  if (scalar_is(o, 0.5)) {  // x * (a * 0.5)
    ir::Node* m2 = sole_consumer(m1->output(0));
    if (!m2 || !m2->is("Mul") || other_input(m2, m1->output(0)) != x) return nullptr;
    nodes.push_back(m2);
    return m2;
  }
  if (ir::Node* h = o->producer; h && h->is("Mul") && sole_consumer(o) == m1 && other_input(h, x) &&
                                 scalar_is(other_input(h, x), 0.5)) {  // (x * 0.5) * a
    nodes.push_back(h);
    return m1;
  }
  return nullptr;
}

// (1 + t) where t is the output of `f`: the Add's output.
ir::Value* plus_one(ir::Node* f) {
  ir::Node* add = sole_consumer(f->output(0));
  if (!add || !add->is("Add") || !scalar_is(other_input(add, f->output(0)), 1.0)) return nullptr;
  return add->output(0);
}

int fuse_gelu(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> cands;
  for (const auto& n : g.nodes())
    if (n->is("Erf") || n->is("Tanh")) cands.push_back(n.get());
  for (ir::Node* f : cands) {
    if (pattern::is_dead(f) || !pattern::is_float(f->output(0))) continue;
    const bool erf = f->is("Erf");
    std::vector<ir::Node*> nodes = {f};
    ir::Value* x = nullptr;
    ir::Node* pre = f->input(0)->producer;
    if (!pre || sole_consumer(f->input(0)) != f) continue;
    if (erf) {
      // x / sqrt(2) or x * (1/sqrt(2))
      if (pre->is("Div") && scalar_is(pre->input(1), 1.4142135623730951)) x = pre->input(0);
      else if (pre->is("Mul")) {
        for (int i = 0; i < 2; ++i)
          if (scalar_is(pre->input(1 - i), 0.7071067811865476)) x = pre->input(i);
      }
      if (!x) continue;
      nodes.push_back(pre);
    } else {
      // sqrt(2/pi) * (x + 0.044715 * x^3)
      if (!pre->is("Mul")) continue;
      ir::Value* inner = nullptr;
      for (int i = 0; i < 2; ++i)
        if (scalar_is(pre->input(1 - i), 0.7978845608028654)) inner = pre->input(i);
      ir::Node* add = inner ? inner->producer : nullptr;
      if (!add || !add->is("Add") || sole_consumer(inner) != pre) continue;
      for (int i = 0; i < 2 && !x; ++i) {
        ir::Value* cand = add->input(i);
        ir::Value* cube_scaled = add->input(1 - i);
        ir::Node* m = cube_scaled ? cube_scaled->producer : nullptr;
        if (!m || !m->is("Mul") || sole_consumer(cube_scaled) != add) continue;
        for (int j = 0; j < 2 && !x; ++j) {
          if (!scalar_is(m->input(1 - j), 0.044715)) continue;
          ir::Node* p = m->input(j) ? m->input(j)->producer : nullptr;
          if (p && p->is("Pow") && p->input(0) == cand && scalar_is(p->input(1), 3.0) &&
              sole_consumer(m->input(j)) == m) {
            x = cand;
            nodes.insert(nodes.end(), {pre, add, m, p});
          }
        }
      }
      if (!x) continue;
    }
    ir::Value* a = plus_one(f);
    if (!a) continue;
    nodes.push_back(a->producer);
    ir::Node* last = match_tail(a, x, nodes);
    if (!last) continue;
    ir::Node* gelu = g.add_node(erf ? "Gelu" : "FastGelu", "com.onyx", {x}, 1, g.unique_name(f->name + "_gelu"));
    gelu->opset = 1;
    pattern::replace_with(g, last->output(0), gelu, 0, nodes);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"fuse_gelu", OptLevel::kExtended, 50, fuse_gelu});

}  // namespace onyx
