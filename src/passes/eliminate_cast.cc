// No-op Cast elimination (level basic): Cast (or CastLike) to the element
// type its input already has is an identity; readers take the input.
// Kept when the output is a graph output (its name is the interface) or the
// input's type is unknown.
#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

int eliminate_cast(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> victims;
  for (const auto& n : g.nodes()) {
    ir::Value* in = n->input(0);
    ir::Value* out = n->output(0);
    if (!in || !out || out->is_graph_output || !in->type.is_tensor() || in->type.elem == DataType::kUndefined) continue;
    DataType to = DataType::kUndefined;
    if (n->is("Cast")) to = static_cast<DataType>(n->attr_int("to", 0));
    else if (n->is("CastLike") && n->input(1) && n->input(1)->type.is_tensor()) to = n->input(1)->type.elem;
    else continue;
    if (to == in->type.elem) victims.push_back(n.get());
  }
  for (ir::Node* n : victims) {
    g.replace_uses(n->output(0), n->input(0));
    g.remove_node(n);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"eliminate_cast", OptLevel::kBasic, 12, eliminate_cast});

}  // namespace onyx
