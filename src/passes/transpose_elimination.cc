// Transpose elimination (level basic):
//   Transpose(Transpose(x, p1), p2) -> Transpose(x, p1[p2]), or x when that
//     is the identity permutation;
//   Reshape(x, [prod(lead), m, n]) -> Transpose<0,2,1> -> Reshape(lead + [n, m])
//     -> Transpose(x, swap of the last two axes), with x's shape fully known
//     (the dynamo exporter writes K^T of a [B,H,S,D] tensor this way).
#include <numeric>

#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

std::vector<int64_t> perm_of(const ir::Node* t) {
  std::vector<int64_t> p = t->attr_ints("perm");
  if (p.empty() && t->input(0) && t->input(0)->type.rank() >= 0) {
    p.resize(static_cast<size_t>(t->input(0)->type.rank()));
    std::iota(p.rbegin(), p.rend(), 0);
  }
  return p;
}

bool is_identity(const std::vector<int64_t>& p) {
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != static_cast<int64_t>(i)) return false;
  return true;
}

ir::Node* add_transpose(ir::Graph& g, ir::Value* x, std::vector<int64_t> perm, const std::string& name) {
  ir::Node* t = g.add_node("Transpose", "", {x}, 1, g.unique_name(name), {pattern::attr_is("perm", std::move(perm))});
  t->opset = static_cast<int>(g.model ? g.model->opset("") : 13);
  return t;
}

int eliminate_transposes(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> ts;
  for (const auto& n : g.nodes())
    if (n->is("Transpose")) ts.push_back(n.get());
  for (ir::Node* t2 : ts) {
    if (pattern::is_dead(t2) || !t2->input(0)) continue;
    // ---- Transpose pair ----
    if (ir::Node* t1 = pattern::producer(t2->input(0), "Transpose"); t1 && t1->input(0)) {
      std::vector<int64_t> p1 = perm_of(t1), p2 = perm_of(t2);
      if (p1.empty() || p1.size() != p2.size()) continue;
      std::vector<int64_t> p(p1.size());
      for (size_t i = 0; i < p.size(); ++i) p[i] = p1[static_cast<size_t>(p2[i])];
      ir::Value* out = t2->output(0);
      if (is_identity(p)) {
        if (out->is_graph_output) continue;
        g.replace_uses(out, t1->input(0));
      } else {
        ir::Node* t = add_transpose(g, t1->input(0), p, t2->name + "_merged");
        t->output(0)->type = out->type;
        g.replace_uses(out, t->output(0));
      }
      g.remove_node(t2);
      if (pattern::is_dead(t1)) g.remove_node(t1);
      ++changes;
      continue;
    }
    // ---- Reshape -> Transpose<0,2,1> -> Reshape: a batched last-two-axes swap ----
    if (perm_of(t2) != std::vector<int64_t>{0, 2, 1}) continue;
    ir::Node* r1 = pattern::producer(t2->input(0), "Reshape");
    ir::Node* r2 = pattern::sole_consumer(t2->output(0));
    if (!r1 || !r2 || !r2->is("Reshape") || pattern::sole_consumer(t2->input(0)) != t2) continue;
    auto dx = pattern::static_dims(r1->input(0));
    auto dm = pattern::static_dims(r1->output(0));
    auto dy = pattern::static_dims(r2->output(0));
    if (!dx || !dm || !dy || dx->size() < 3 || dm->size() != 3 || dy->size() != dx->size()) continue;
    const size_t n = dx->size();
    int64_t lead = 1;
    for (size_t i = 0; i + 2 < n; ++i) lead *= (*dx)[i];
    std::vector<int64_t> want_m = {lead, (*dx)[n - 2], (*dx)[n - 1]};
    std::vector<int64_t> want_y(dx->begin(), dx->end());
    std::swap(want_y[n - 2], want_y[n - 1]);
    if (*dm != want_m || *dy != want_y) continue;
    std::vector<int64_t> p(n);
    std::iota(p.begin(), p.end(), 0);
    std::swap(p[n - 2], p[n - 1]);
    ir::Node* t = add_transpose(g, r1->input(0), p, t2->name + "_batched");
    ir::Value* out = r2->output(0);
    t->output(0)->type = out->type;
    g.replace_uses(out, t->output(0));
    g.remove_node(r2);
    g.remove_node(t2);
    if (pattern::is_dead(r1)) g.remove_node(r1);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"eliminate_transposes", OptLevel::kBasic, 25, eliminate_transposes});

}  // namespace onyx
