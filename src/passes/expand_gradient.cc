// Replaces each Gradient node (ai.onnx.preview.training) by the ONNX nodes
// that compute its outputs (reverse-mode differentiation of the node's graph,
// src/kernels/autodiff/gradient_builder.h). It runs first, so that the other
// passes see forward and backward nodes together: fusing the forward nodes
// first would leave ops (FusedGemm ...) that have no derivative rule.
#include "kernels/autodiff/gradient_builder.h"
#include "passes/pass.h"

namespace onyx {

namespace {

int expand_gradient(ir::Graph& g, const SessionOptions&) {
  std::vector<ir::Node*> found;
  for (const auto& n : g.nodes())
    if (n->is("Gradient", "ai.onnx.preview.training")) found.push_back(n.get());
  for (ir::Node* n : found) {
    const std::vector<ir::Value*> grads = gradient_expand_in_place(*n);
    for (size_t i = 0; i < grads.size(); ++i)
      if (ir::Value* out = n->output(static_cast<int>(i))) g.replace_uses(out, grads[i]);
    g.remove_node(n);
  }
  if (!found.empty()) g.commit();  // the new nodes were appended: restore topological order
  return static_cast<int>(found.size());
}

}  // namespace

ONYX_PASS({"expand_gradient", OptLevel::kBasic, -100, expand_gradient});

}  // namespace onyx
