// Multi-head attention fusion (level extended) -> com.onyx MultiHeadAttention.
//
// Matched from the Softmax outward, by structure and constants, as the
// TorchScript (opset 17) and dynamo (opset 18+) exporters write scaled dot
// product attention:
//
//   Q = Transpose<0,2,1,3>(Reshape(q_in, [B,S,H,D]))          [ * c_q ]
//   K = Transpose<0,2,3,1>(Reshape(k_in, [B,S,H,D]))          [ * c_k ]
//   V = Transpose<0,2,1,3>(Reshape(v_in, [B,S,H,D]))
//   scores = MatMul(Q, K) [ * c | / c ] [ + mask ]
//   P = Softmax(scores, axis=-1) [ -> Where(IsNaN(P), 0, P) ]
//   out = Reshape(Transpose<0,2,1,3>(MatMul(P, V)), [B,S,H*D] or [B*S,H*D])
//
// (Transpose<0,2,1,3> then <0,1,3,2> for K is merged into <0,2,3,1> by the
// transpose passes, which run first.) The scale is c_q * c_k * c (or / c).
// Llama-style decoders add, between the head split and the product, rotary
// embeddings on Q and K (t*cos + Concat(-t[.., D/2:], t[.., :D/2])*sin) and,
// with grouped-query attention, repeat_kv on K and V (Unsqueeze -> Expand ->
// Reshape), K^T then being Transpose<0,1,3,2>: these become the op's Cos/Sin
// inputs and kv_num_heads.
// q_in/k_in/v_in are packed into one [B,S,3*H*D] input:
//   - outputs 0,1,2 of one Split into three equal parts along the last axis
//     (GPT-2's c_attn) are already packed: the Split's input is used;
//   - MatMul(x, W) [+ bias] with the same x and constant W, bias: the weights
//     and biases are concatenated into one projection (BERT's query/key/value);
//   - anything else: a Concat along the last axis.
// A constant mask that is exactly causal (0 on and below the diagonal, <= -1e30
// above) becomes the attribute causal=1, which also lets the kernel skip the
// masked half of the scores.
#include <algorithm>
#include <cstring>

#include "base/weight_memory.h"
#include "passes/pass.h"
#include "passes/pattern.h"
#include "runtime/parallel_items.h"
#include "ukernels/pack.h"

namespace onyx {

namespace {

using pattern::producer;
using pattern::sole_consumer;

struct HeadInput {
  ir::Value* in = nullptr;  // [B,S,H*D]
  ir::Node* reshape = nullptr;
  ir::Node* transpose = nullptr;
  ir::Node* mul = nullptr;  // optional scale
  double scale = 1.0;
  int64_t heads = 0, head_size = 0;
  bool repeated = false;    // grouped-query: heads repeated (Unsqueeze -> Expand -> Reshape)
  ir::Value* cos = nullptr;  // rotary embedding (rotate-half form)
  ir::Value* sin = nullptr;
};

bool perm_is(const ir::Node* t, std::vector<int64_t> p) { return t && t->is("Transpose") && t->attr_ints("perm") == p; }

enum class Role { kQ, kK, kV };

// A constant 1-element int64 input equal to `want` (or, for `ends`, at least it).
bool int_input_is(const ir::Node* n, int i, int64_t want, bool at_least = false) {
  const ir::Value* v = n->input(i);
  if (!v || !v->is_constant() || v->constant.dtype() != DataType::kInt64 || v->constant.numel() != 1) return false;
  const int64_t x = v->constant.data<int64_t>()[0];
  return at_least ? x >= want : x == want;
}

// Slice of the last axis (rank 4) from `b` to `e` (e = -1: to the end), step 1.
bool slice_last(const ir::Node* n, const ir::Value* x, int64_t b, int64_t e, int64_t d) {
  if (!n || !n->is("Slice") || n->input(0) != x || n->opset < 10) return false;
  if (!int_input_is(n, 1, b) || !(e < 0 ? int_input_is(n, 2, d, true) : int_input_is(n, 2, e))) return false;
  if (!(int_input_is(n, 3, -1) || int_input_is(n, 3, 3))) return false;
  return !n->input(4) || int_input_is(n, 4, 1);
}

// r = t * cos + Concat(-t[..., D/2:], t[..., :D/2]) * sin  -> t, cos, sin.
ir::Value* match_rotary(ir::Value* r, HeadInput& h) {
  ir::Node* add = producer(r, "Add");
  if (!add) return nullptr;
  for (int i = 0; i < 2; ++i) {
    ir::Node* m1 = producer(add->input(i), "Mul");
    ir::Node* m2 = producer(add->input(1 - i), "Mul");
    if (!m1 || !m2) continue;
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        ir::Value* t = m1->input(a);
        ir::Value* cos = m1->input(1 - a);
        ir::Node* cat = producer(m2->input(b), "Concat");
        ir::Value* sin = m2->input(1 - b);
        if (!cat || cat->num_inputs() != 2 || !pattern::is_float(t) || t->type.rank() != 4) continue;
        const int64_t ax = cat->attr_int("axis", 0);
        if (ax != -1 && ax != 3) continue;
        const ir::Dim& dd = t->type.dims[3];
        if (!dd.known() || dd.value % 2) continue;
        const int64_t d = dd.value;
        ir::Node* neg = producer(cat->input(0), "Neg");
        if (!neg || !slice_last(neg->input(0) ? neg->input(0)->producer : nullptr, t, d / 2, -1, d) ||
            !slice_last(cat->input(1)->producer, t, 0, d / 2, d))
          continue;
        // cos / sin: the same for every head ([.., 1, S, D] or [S, D]).
        for (const ir::Value* c : {cos, sin}) {
          const ir::Type& ct = c->type;
          if (!pattern::is_float(c) || ct.rank() < 2 || ct.rank() > 4 || !(ct.dims.back() == dd)) return nullptr;
          if (ct.rank() == 4 && !(ct.dims[1].known() && ct.dims[1].value == 1)) return nullptr;
        }
        h.cos = cos;
        h.sin = sin;
        return t;
      }
  }
  return nullptr;
}

// x[:, :, None].expand(B, Hkv, n, S, D).reshape(B, Hkv*n, S, D)  -> x.
ir::Value* match_repeat(ir::Value* v) {
  ir::Node* r = producer(v, "Reshape");
  ir::Node* e = r ? producer(r->input(0), "Expand") : nullptr;
  ir::Node* u = e ? producer(e->input(0), "Unsqueeze") : nullptr;
  if (!u) return nullptr;
  auto axes = u->has_attr("axes") ? u->attr_ints("axes") : std::vector<int64_t>{};
  if (u->input(1) && u->input(1)->is_constant() && u->input(1)->constant.dtype() == DataType::kInt64 &&
      u->input(1)->constant.numel() == 1)
    axes = {u->input(1)->constant.data<int64_t>()[0]};
  if (axes != std::vector<int64_t>{2}) return nullptr;
  const ir::Type& xt = u->input(0)->type;
  const ir::Type& et = e->output(0)->type;
  const ir::Type& rt = r->output(0)->type;
  if (xt.rank() != 4 || et.rank() != 5 || rt.rank() != 4) return nullptr;
  // Expand only along the new axis; the reshape merges it into the heads.
  for (int i : {0, 1, 3, 4})
    if (!(et.dims[i] == xt.dims[i > 2 ? i - 1 : i]) || et.dims[i].unknown()) return nullptr;
  if (!et.dims[2].known() || !xt.dims[1].known() || !rt.dims[1].known() ||
      rt.dims[1].value != xt.dims[1].value * et.dims[2].value)
    return nullptr;
  if (!(rt.dims[0] == xt.dims[0]) || !(rt.dims[2] == xt.dims[2]) || !(rt.dims[3] == xt.dims[3])) return nullptr;
  return u->input(0);
}

// The head tensor of one role, as the exporters write it:
//   Q: [* c] [rotary] Transpose<0,2,1,3>(Reshape(in, [B,S,H,D]))
//   K: [* c] Transpose<0,2,3,1>(Reshape(in))                       (BERT, GPT-2)
//      [* c] Transpose<0,1,3,2>([repeat] [rotary] Transpose<0,2,1,3>(Reshape(in)))   (Llama)
//   V: [repeat] Transpose<0,2,1,3>(Reshape(in))
bool match_head(ir::Value* v, Role role, HeadInput& h) {
  if (role != Role::kV) {
    if (ir::Node* m = producer(v, "Mul")) {
      for (int i = 0; i < 2; ++i) {
        auto s = pattern::scalar(m->input(1 - i));
        if (s && m->input(i) && m->input(i)->producer &&
            (m->input(i)->producer->is("Transpose") || m->input(i)->producer->is("Add"))) {
          h.mul = m;
          h.scale = *s;
          v = m->input(i);
          break;
        }
      }
    }
  }
  ir::Node* t = producer(v, "Transpose");
  if (role == Role::kK && perm_is(t, {0, 2, 3, 1})) {
    // BERT / GPT-2: one transpose straight from the split heads.
  } else {
    if (role == Role::kK) {
      if (!perm_is(t, {0, 1, 3, 2})) return false;
      v = t->input(0);
    }
    if (role != Role::kQ)
      if (ir::Value* x = match_repeat(v)) {
        h.repeated = true;
        v = x;
      }
    if (role != Role::kV)
      if (ir::Value* x = match_rotary(v, h)) v = x;
    t = producer(v, "Transpose");
    if (!perm_is(t, {0, 2, 1, 3})) return false;
  }
  ir::Node* r = producer(t->input(0), "Reshape");
  if (!r) return false;
  const ir::Type& rt = r->output(0)->type;
  const ir::Type& it = r->input(0)->type;
  if (!pattern::is_float(r->input(0)) || rt.rank() != 4 || it.rank() != 3) return false;
  const ir::Dims& d = rt.dims;
  // [B,S,E] -> [B,S,H,D]: the leading dims carry over, so H = E / D even
  // where inference could not resolve a -1 against symbolic B, S.
  if (!(d[0] == it.dims[0]) || !(d[1] == it.dims[1]) || d[0].unknown() || d[1].unknown()) return false;
  if (!d[3].known() || !it.dims[2].known() || d[3].value <= 0 || it.dims[2].value % d[3].value != 0) return false;
  if (d[2].known() && d[2].value * d[3].value != it.dims[2].value) return false;
  h.in = r->input(0);
  h.reshape = r;
  h.transpose = t;
  h.head_size = d[3].value;
  h.heads = it.dims[2].value / h.head_size;
  return true;
}

// MatMul(x, W const 2-D) [+ Add(bias const [N])]: x, W, bias.
struct Projection {
  ir::Value* x = nullptr;
  const Tensor* w = nullptr;
  const Tensor* bias = nullptr;
};

bool match_projection(ir::Value* v, Projection& p) {
  ir::Value* mm_out = v;
  if (ir::Node* add = producer(v, "Add")) {
    for (int i = 0; i < 2; ++i) {
      ir::Value* b = add->input(1 - i);
      ir::Node* mm = add->input(i) ? producer(add->input(i), "MatMul") : nullptr;
      if (mm && b && b->is_constant() && !b->is_graph_input && b->constant.dtype() == DataType::kFloat &&
          b->constant.rank() == 1) {
        p.bias = &b->constant;
        mm_out = add->input(i);
        break;
      }
    }
    if (!p.bias) return false;
  }
  ir::Node* mm = producer(mm_out, "MatMul");
  if (!mm) return false;
  ir::Value* w = mm->input(1);
  if (!w || !w->is_constant() || w->is_graph_input || w->constant.dtype() != DataType::kFloat || w->constant.rank() != 2)
    return false;
  if (p.bias && p.bias->numel() != w->constant.dim(1)) return false;
  p.x = mm->input(0);
  p.w = &w->constant;
  return true;
}

// Concatenates the weight columns (and biases) of three projections of the same x.
ir::Value* pack_projections(ir::Graph& g, const Projection (&p)[3], const std::string& name) {
  const int64_t k = p[0].w->dim(0);
  int64_t n = 0;
  for (const Projection& q : p) n += q.w->dim(1);
  WeightBlock block = map_weight(static_cast<size_t>(k * n) * sizeof(float));
  Tensor w = Tensor::wrap(DataType::kFloat, Shape{k, n}, block.p, std::move(block.owner));
  float* wp = w.data<float>();
  // Row by row, so W's fresh pages are filled in order; on the session's
  // threads while it is being created (ukernels/pack.h), in items of ~2 MiB
  // whose pages each thread faults in ahead (base/weight_memory.h): the first
  // touch of those pages is most of the time (bert_base: 12 x 7 MiB).
  const int64_t kRows = std::max<int64_t>(1, (int64_t{512} << 10) / std::max<int64_t>(n, 1));
  parallel_items(ukernel::pack_pool(), (k + kRows - 1) / kRows, [&](int64_t item) {
    const int64_t r0 = item * kRows, r1 = std::min(k, r0 + kRows);
    prefault(wp + r0 * n, static_cast<size_t>((r1 - r0) * n) * sizeof(float));
    for (int64_t r = r0; r < r1; ++r) {
      int64_t col = 0;
      for (const Projection& q : p) {
        const int64_t nq = q.w->dim(1);
        std::memcpy(wp + r * n + col, q.w->data<float>() + r * nq, sizeof(float) * static_cast<size_t>(nq));
        col += nq;
      }
    }
  });
  ir::Node* mm = g.add_node("MatMul", "", {p[0].x, g.add_constant(g.unique_name(name + "_qkv_weight"), w)}, 1,
                            g.unique_name(name + "_qkv_matmul"));
  mm->opset = static_cast<int>(g.model ? g.model->opset("") : 13);
  if (!p[0].bias) return mm->output(0);
  Tensor b(DataType::kFloat, {n});
  int64_t col = 0;
  for (const Projection& q : p) {
    std::memcpy(b.data<float>() + col, q.bias->data<float>(), sizeof(float) * static_cast<size_t>(q.bias->numel()));
    col += q.bias->numel();
  }
  ir::Node* add = g.add_node("Add", "", {mm->output(0), g.add_constant(g.unique_name(name + "_qkv_bias"), b)}, 1,
                             g.unique_name(name + "_qkv_add"));
  add->opset = mm->opset;
  return add->output(0);
}

// True when `m` is a constant [..,S,S] mask that is 0 on and below the
// diagonal and <= -1e30 (or -inf) above it.
bool is_causal_mask(const ir::Value* m) {
  if (!m || !m->is_constant() || m->is_graph_input || m->constant.dtype() != DataType::kFloat || m->constant.rank() < 2)
    return false;
  const Tensor& t = m->constant;
  const int64_t s = t.dim(t.rank() - 1);
  if (t.dim(t.rank() - 2) != s || t.numel() != s * s) return false;
  const float* p = t.data<float>();
  for (int64_t i = 0; i < s; ++i)
    for (int64_t j = 0; j < s; ++j) {
      const float v = p[i * s + j];
      if (j <= i ? v != 0.f : !(v <= -1e30f)) return false;
    }
  return true;
}

int fuse_attention(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> softmaxes;
  for (const auto& n : g.nodes())
    if (n->is("Softmax")) softmaxes.push_back(n.get());
  for (ir::Node* sm : softmaxes) {
    if (pattern::is_dead(sm) || sm->output(0)->type.rank() != 4 || !pattern::is_float(sm->output(0))) continue;
    const int64_t axis = sm->attr_int("axis", sm->opset >= 13 ? -1 : 1);
    if (axis != -1 && axis != 3) continue;
    // ---- scores ----
    ir::Value* scores = sm->input(0);
    ir::Node* mask_add = nullptr;
    ir::Value* mask = nullptr;
    if (ir::Node* add = producer(scores, "Add")) {
      for (int i = 0; i < 2; ++i) {
        ir::Value* a = add->input(i);
        if (a && a->producer && (a->producer->is("MatMul") || a->producer->is("Mul") || a->producer->is("Div")) &&
            sole_consumer(a) == add) {
          ir::Value* m = add->input(1 - i);
          if (!pattern::is_float(m) || m->type.rank() > 4 || m->type.rank() < 0) break;
          mask_add = add;
          mask = m;
          scores = a;
          break;
        }
      }
      if (!mask_add) continue;
    }
    if (!pattern::sole_consumer(scores)) continue;
    double scale = 1.0;
    ir::Node* score_scale = nullptr;
    if (ir::Node* s = scores->producer; s && (s->is("Mul") || s->is("Div"))) {
      ir::Value* mmv = s->input(0);
      auto c = pattern::scalar(s->input(1));
      if (s->is("Mul") && !(mmv && mmv->producer && mmv->producer->is("MatMul"))) {
        mmv = s->input(1);
        c = pattern::scalar(s->input(0));
      }
      if (!c || *c == 0 || !producer(mmv, "MatMul") || sole_consumer(mmv) != s) continue;
      scale = s->is("Mul") ? *c : 1.0 / *c;
      score_scale = s;
      scores = mmv;
    }
    ir::Node* qk = producer(scores, "MatMul");
    if (!qk) continue;
    // ---- probabilities -> context ----
    ir::Value* probs = sm->output(0);
    ir::Node* isnan = nullptr;
    ir::Node* where = nullptr;
    if (probs->uses.size() == 2 && !probs->is_graph_output) {
      for (const ir::Use& u : probs->uses)
        if (u.node->is("IsNaN")) isnan = u.node;
      ir::Node* w = isnan ? sole_consumer(isnan->output(0)) : nullptr;
      if (!w || !w->is("Where") || w->input(0) != isnan->output(0) || w->input(2) != probs ||
          !pattern::scalar_is(w->input(1), 0.0))
        continue;
      where = w;
      probs = w->output(0);
    }
    ir::Node* pv = sole_consumer(probs);
    if (!pv || !pv->is("MatMul") || pv->input(0) != probs) continue;
    ir::Node* back = sole_consumer(pv->output(0));
    if (!perm_is(back, {0, 2, 1, 3})) continue;
    ir::Node* merge = sole_consumer(back->output(0));
    if (!merge || !merge->is("Reshape")) continue;
    // ---- Q, K, V ----
    HeadInput q, k, v;
    if (!match_head(qk->input(0), Role::kQ, q) || !match_head(qk->input(1), Role::kK, k) ||
        !match_head(pv->input(1), Role::kV, v))
      continue;
    // Grouped-query attention: K and V have fewer heads, repeated to match Q's.
    if (k.heads != v.heads || q.heads % k.heads != 0 || q.head_size != k.head_size || q.head_size != v.head_size) continue;
    if (k.repeated != v.repeated || k.repeated != (k.heads != q.heads)) continue;
    // Rotary: Q and K rotated by the same tables, or neither.
    if (q.cos != k.cos || q.sin != k.sin) continue;
    if (!(k.in->type.dims[0] == q.in->type.dims[0]) || !(k.in->type.dims[1] == q.in->type.dims[1]) ||
        !(v.in->type.dims[0] == q.in->type.dims[0]) || !(v.in->type.dims[1] == q.in->type.dims[1]))
      continue;
    const int64_t hidden = q.heads * q.head_size, kv_hidden = k.heads * k.head_size;
    // The merge Reshape must give [B,S,H*D] (then it is dropped) or a shape
    // whose constant has no copied (0) dims (then it stays, on [B,S,H*D]).
    const ir::Type& mt = merge->output(0)->type;
    bool drop_merge = mt.rank() == 3 && mt.dims[0] == q.in->type.dims[0] && mt.dims[1] == q.in->type.dims[1] &&
                      mt.dims[2].known() && mt.dims[2].value == hidden;
    if (!drop_merge && merge->attr_int("allowzero", 0) == 0) {
      // A 0 entry past the first two copies a dim that differs between
      // [B,S,H,D] and [B,S,H*D]: only shapes known to have none are kept.
      const ir::Value* shp = merge->input(1);
      bool ok = false;
      if (shp && shp->is_constant() && shp->constant.dtype() == DataType::kInt64) {
        ok = true;
        for (int64_t i = 2; i < shp->constant.numel(); ++i) ok &= shp->constant.data<int64_t>()[i] != 0;
      } else if (shp && shp->known_values) {
        ok = true;
        for (size_t i = 2; i < shp->known_values->size(); ++i) {
          const ir::Dim& kd = (*shp->known_values)[i];
          ok &= kd.symbolic() || (kd.known() && kd.value != 0) || kd.value == -1;
        }
      }
      if (!ok) continue;
    }
    scale *= q.scale * k.scale;
    // ---- pack Q, K, V ----
    const std::string base = sm->name.empty() ? "attention" : sm->name;
    ir::Value* qkv = nullptr;
    ir::Node* split = q.in->producer;
    if (split && split->is("Split") && k.in->producer == split && v.in->producer == split && split->num_outputs() == 3 &&
        split->output(0) == q.in && split->output(1) == k.in && split->output(2) == v.in) {
      const int r = split->input(0)->type.rank();
      const int64_t ax = split->attr_int("axis", 0);
      bool equal = !split->input(1) && (!split->has_attr("split"));
      if (split->input(1) && split->input(1)->is_constant() && split->input(1)->constant.numel() == 3) {
        const int64_t* sp = split->input(1)->constant.data<int64_t>();
        equal = sp[0] == hidden && sp[1] == kv_hidden && sp[2] == kv_hidden;
      }
      if (split->has_attr("split")) equal = split->attr_ints("split") == std::vector<int64_t>{hidden, kv_hidden, kv_hidden};
      if (!split->input(1) && !split->has_attr("split") && hidden != kv_hidden) equal = false;
      if (equal && (ax == -1 || ax == r - 1)) qkv = split->input(0);
    }
    if (!qkv) {
      Projection p[3];
      if (match_projection(q.in, p[0]) && match_projection(k.in, p[1]) && match_projection(v.in, p[2]) &&
          p[0].x == p[1].x && p[0].x == p[2].x && p[0].w->dim(0) == p[1].w->dim(0) && p[0].w->dim(0) == p[2].w->dim(0) &&
          !p[0].bias == !p[1].bias && !p[0].bias == !p[2].bias)
        qkv = pack_projections(g, p, base);
    }
    if (!qkv) {
      ir::Node* cat = g.add_node("Concat", "", {q.in, k.in, v.in}, 1, g.unique_name(base + "_qkv_concat"),
                                 {pattern::attr_i("axis", -1)});
      cat->opset = static_cast<int>(g.model ? g.model->opset("") : 13);
      qkv = cat->output(0);
    }
    // ---- the fused node ----
    std::vector<ir::Attribute> attrs = {pattern::attr_i("num_heads", q.heads),
                                        pattern::attr_f("scale", static_cast<float>(scale))};
    if (k.heads != q.heads) attrs.push_back(pattern::attr_i("kv_num_heads", k.heads));
    std::vector<ir::Value*> ins = {qkv, nullptr};
    if (mask && is_causal_mask(mask)) attrs.push_back(pattern::attr_i("causal", 1));
    else if (mask) ins[1] = mask;
    if (q.cos) ins.insert(ins.end(), {q.cos, q.sin});
    else if (!ins[1]) ins.pop_back();
    ir::Node* mha = g.add_node("MultiHeadAttention", "com.onyx", ins, 1, g.unique_name(base + "_mha"), attrs);
    mha->opset = 1;
    mha->output(0)->type = q.in->type;
    if (drop_merge) {
      pattern::replace_with(g, merge->output(0), mha, 0, {merge});
    } else {
      g.set_input(merge, 0, mha->output(0));
    }
    pattern::remove_dead_nodes(g, {back, pv, where, isnan, sm, mask_add, score_scale, qk, q.mul, k.mul, q.transpose,
                                   k.transpose, v.transpose, q.reshape, k.reshape, v.reshape});
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"fuse_attention", OptLevel::kExtended, 60, fuse_attention});

}  // namespace onyx
