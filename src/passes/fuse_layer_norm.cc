// Normalization fusions (level extended):
//   - decomposed LayerNorm -> LayerNormalization (ai.onnx at opset >= 17; in
//     older models, which cannot import it, com.onyx LayerNormalization, the
//     same op: exporters for opsets 11-16 write the decomposed form):
//       m = ReduceMean(x, -1); d = x - m; v = ReduceMean(d^2, -1)   (Pow(d,2) or d*d)
//       y = d / Sqrt(v + eps) [* gamma] [+ beta]
//   - decomposed RMSNorm -> com.onyx RMSNormalization:
//       s = Sqrt(ReduceMean(x^2, -1) + eps); y = x / s  or  x * Reciprocal(s);  y * gamma
//   - Add(a, b) + LayerNormalization(last axis) -> com.onyx SkipLayerNormalization,
//     whose second output is the sum when something else reads it (pre-LN
//     transformers feed it to the next residual).
// gamma / beta must be constant vectors over the last axis; Add's inputs must
// have one shape (no broadcast: the fused kernel does not broadcast).
#include <unordered_set>

#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

using pattern::other_input;
using pattern::producer;
using pattern::sole_consumer;

// A constant float vector with `n` values (any leading 1s).
bool is_vec(const ir::Value* v, const ir::Value* like) {
  if (!v || !v->is_constant() || v->is_graph_input || v->constant.dtype() != DataType::kFloat) return false;
  const ir::Type& t = like->type;
  if (t.rank() < 1 || !t.dims.back().known() || v->constant.numel() != t.dims.back().value) return false;
  const Shape& s = v->constant.shape();
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] != 1) return false;
  return static_cast<int>(s.size()) <= t.rank();
}

ir::Value* as_1d(ir::Graph& g, ir::Value* v) {
  if (v->constant.rank() == 1) return v;
  return g.add_constant(g.unique_name(v->name + "_1d"), v->constant.reshaped({v->constant.numel()}));
}

// d^2 as Pow(d, 2) or Mul(d, d): the node, if it reads only d.
ir::Node* square_of(const ir::Value* sq, const ir::Value* d) {
  ir::Node* n = sq ? sq->producer : nullptr;
  if (!n) return nullptr;
  if (n->is("Pow") && n->input(0) == d && pattern::scalar_is(n->input(1), 2.0)) return n;
  if (n->is("Mul") && n->input(0) == d && n->input(1) == d) return n;
  return nullptr;
}

// From the Div/Mul normalizing node `norm` (output y0): optional * gamma, + beta.
struct Affine {
  ir::Value* gamma = nullptr;
  ir::Value* beta = nullptr;
  ir::Node* mul = nullptr;
  ir::Node* add = nullptr;
  ir::Value* out = nullptr;
};
Affine match_affine(ir::Value* y0, const ir::Value* x, bool want_beta) {
  Affine a;
  a.out = y0;
  ir::Node* m = sole_consumer(y0);
  if (m && m->is("Mul") && is_vec(other_input(m, y0), x)) {
    a.mul = m;
    a.gamma = other_input(m, y0);
    a.out = m->output(0);
  }
  if (!want_beta) return a;
  ir::Node* ad = sole_consumer(a.out);
  if (ad && ad->is("Add") && is_vec(other_input(ad, a.out), x)) {
    a.add = ad;
    a.beta = other_input(ad, a.out);
    a.out = ad->output(0);
  }
  return a;
}

int opset_of(const ir::Graph& g) { return static_cast<int>(g.model ? g.model->opset("") : 0); }

int fuse_layer_norm(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> means;
  for (const auto& n : g.nodes())
    if (n->is("ReduceMean")) means.push_back(n.get());
  std::unordered_set<const ir::Node*> removed;  // the second ReduceMean of a fused LayerNorm
  for (ir::Node* rm : means) {
    if (removed.count(rm)) continue;
    if (pattern::is_dead(rm) || !pattern::reduces_last_axis(rm)) continue;
    ir::Value* first = rm->input(0);
    if (!pattern::is_float(first)) continue;
    // ---- LayerNorm: rm = mean(x); d = x - m ----
    ir::Node* sub = nullptr;
    for (const ir::Use& u : rm->output(0)->uses)
      if (u.node->is("Sub") && u.node->input(0) == first && u.node->input(1) == rm->output(0)) sub = u.node;
    const bool layer = sub && rm->output(0)->uses.size() == 1;
    ir::Value* x = first;
    ir::Value* d = layer ? sub->output(0) : nullptr;
    ir::Node* sq = nullptr;
    ir::Node* rv = nullptr;
    if (layer) {
      // d feeds the square and the division.
      for (const ir::Use& u : d->uses)
        if (ir::Node* s2 = square_of(u.node->output(0), d)) sq = s2;
      if (!sq) continue;
      rv = sole_consumer(sq->output(0));
      if (!rv || !rv->is("ReduceMean") || !pattern::reduces_last_axis(rv)) continue;
    } else {
      // RMSNorm: rm = mean(x^2)
      sq = first->producer;
      if (!sq || !((sq->is("Pow") && pattern::scalar_is(sq->input(1), 2.0)) ||
                   (sq->is("Mul") && sq->input(0) == sq->input(1))))
        continue;
      if (sole_consumer(first) != rm) continue;
      x = sq->input(0);
      rv = rm;
    }
    ir::Node* add_eps = sole_consumer(rv->output(0));
    auto eps = add_eps && add_eps->is("Add") ? pattern::scalar(other_input(add_eps, rv->output(0))) : std::nullopt;
    if (!eps || *eps < 0) continue;
    ir::Node* sqrt = sole_consumer(add_eps->output(0));
    if (!sqrt || !sqrt->is("Sqrt")) continue;
    ir::Value* num = layer ? d : x;
    ir::Node* norm = nullptr;
    ir::Node* recip = nullptr;
    ir::Node* c = sole_consumer(sqrt->output(0));
    if (c && c->is("Div") && c->input(0) == num && c->input(1) == sqrt->output(0)) norm = c;
    else if (c && c->is("Reciprocal")) {
      ir::Node* m = sole_consumer(c->output(0));
      if (m && m->is("Mul") && other_input(m, c->output(0)) == num) {
        norm = m;
        recip = c;
      }
    }
    if (!norm) continue;
    if (layer && !pattern::used_only_by(d, {sq, norm})) continue;
    Affine af = match_affine(norm->output(0), x, layer);
    if (layer) {
      if (x->type.rank() < 1 || !x->type.dims.back().known()) continue;
      ir::Value* gamma = af.gamma;
      if (!gamma) {
        Tensor ones(DataType::kFloat, {x->type.dims.back().value});
        for (int64_t i = 0; i < ones.numel(); ++i) ones.data<float>()[i] = 1.f;
        gamma = g.add_constant(g.unique_name("ln_ones"), ones);
      }
      std::vector<ir::Value*> ins = {x, as_1d(g, gamma)};
      if (af.beta) ins.push_back(as_1d(g, af.beta));
      // ai.onnx LayerNormalization exists from opset 17 on.
      const bool standard = opset_of(g) >= 17;
      ir::Node* ln = g.add_node("LayerNormalization", standard ? "" : "com.onyx", ins, 1,
                                g.unique_name(rm->name + "_layernorm"),
                                {pattern::attr_i("axis", -1), pattern::attr_f("epsilon", static_cast<float>(*eps))});
      ln->opset = standard ? opset_of(g) : 1;
      pattern::replace_with(g, af.out, ln, 0, {af.add, af.mul, norm, sqrt, add_eps, rv, sq, sub, rm});
      removed.insert(rv);
    } else {
      if (!af.gamma) continue;  // a bare x / rms: leave it
      ir::Node* rn = g.add_node("RMSNormalization", "com.onyx", {x, as_1d(g, af.gamma)}, 1,
                                g.unique_name(rm->name + "_rmsnorm"), {pattern::attr_f("epsilon", static_cast<float>(*eps))});
      rn->opset = 1;
      pattern::replace_with(g, af.out, rn, 0, {af.mul, norm, recip, sqrt, add_eps, rm, sq});
    }
    ++changes;
  }
  return changes;
}

int fuse_skip_layer_norm(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> lns;
  for (const auto& n : g.nodes())
    if (n->is("LayerNormalization") || n->is("LayerNormalization", "com.onyx")) lns.push_back(n.get());
  for (ir::Node* ln : lns) {
    ir::Value* in = ln->input(0);
    ir::Node* add = producer(in, "Add");
    if (!add || !pattern::is_float(in)) continue;
    if (ln->output(1) || (ln->num_outputs() > 2 && ln->output(2))) continue;
    const int r = in->type.rank();
    const int64_t axis = ln->attr_int("axis", -1);
    if (r < 1 || (axis != -1 && axis != r - 1) || ln->attr_int("stash_type", 1) != 1) continue;
    ir::Value* a = add->input(0);
    ir::Value* b = add->input(1);
    // Same shapes (no broadcast), and neither a constant.
    if (!a || !b || a->is_constant() || b->is_constant() || !(a->type == b->type) || !(a->type == in->type)) continue;
    bool dims_known = in->type.has_shape;  // equal types with unknown dims could still broadcast
    for (const ir::Dim& d : in->type.dims) dims_known &= !d.unknown();
    if (!dims_known) continue;
    if (!is_vec(ln->input(1), in) || (ln->input(2) && !is_vec(ln->input(2), in))) continue;
    std::vector<ir::Value*> ins = {a, b, as_1d(g, ln->input(1))};
    if (ln->input(2)) ins.push_back(as_1d(g, ln->input(2)));
    const bool sum_used = in->uses.size() > 1 || in->is_graph_output;
    ir::Node* sk = g.add_node("SkipLayerNormalization", "com.onyx", ins, sum_used ? 2 : 1,
                              g.unique_name(ln->name + "_skip"), {pattern::attr_f("epsilon", ln->attr_float("epsilon", 1e-5f))});
    sk->opset = 1;
    if (sum_used) {
      sk->output(1)->type = in->type;
      // The LayerNormalization reads `in` too: move its other readers first.
      g.replace_uses(ln->output(0), sk->output(0));
      sk->output(0)->type = ln->output(0)->type;
      g.remove_node(ln);
      g.replace_uses(in, sk->output(1));
      if (pattern::is_dead(add)) g.remove_node(add);
    } else {
      pattern::replace_with(g, ln->output(0), sk, 0, {ln, add});
    }
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"fuse_layer_norm", OptLevel::kExtended, 40, fuse_layer_norm});
ONYX_PASS({"fuse_skip_layer_norm", OptLevel::kExtended, 45, fuse_skip_layer_norm});

}  // namespace onyx
