// Removes Identity nodes (and Dropout in inference mode, which is an Identity
// for its first output): consumers read the input directly.
#include "passes/pass.h"

namespace onyx {

namespace {

int eliminate_identity(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> victims;
  for (const auto& n : g.nodes()) {
    bool identity = n->is("Identity");
    // Dropout is a no-op at inference unless its mask output is used or
    // training_mode is given as an input (which we cannot prove false here).
    if (n->is("Dropout")) {
      bool mask_used = n->output(1) && (!n->output(1)->uses.empty() || n->output(1)->is_graph_output);
      identity = !mask_used && !n->input(2);
    }
    if (!identity || !n->input(0) || !n->output(0)) continue;
    ir::Value* in = n->input(0);
    ir::Value* out = n->output(0);
    // The output's name is part of the model's interface: keep the node.
    if (out->is_graph_output) continue;
    // Only tensors: Identity also passes sequences/optionals, equally fine,
    // but the types must be known to be safe to alias.
    if (in->type.kind != ir::Type::Kind::kTensor && in->type.kind != ir::Type::Kind::kUnknown) continue;
    victims.push_back(n.get());
  }
  for (ir::Node* n : victims) {
    g.replace_uses(n->output(0), n->input(0));
    g.remove_node(n);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"eliminate_identity", OptLevel::kBasic, 10, eliminate_identity});

}  // namespace onyx
