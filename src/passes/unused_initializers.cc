// Unused-initializer removal (level basic): initializers no node reads and
// that are neither graph inputs (overridable) nor outputs are dropped, so the
// session does not keep them and a saved optimized model does not carry them
// (folding and fusions leave the originals behind).
#include "passes/pass.h"

namespace onyx {

namespace {

int remove_unused_initializers(ir::Graph& g, const SessionOptions&) {
  const size_t before = g.initializers.size();
  std::erase_if(g.initializers, [](const ir::Value* v) {
    return v->uses.empty() && !v->is_graph_input && !v->is_graph_output;
  });
  const int removed = static_cast<int>(before - g.initializers.size());
  if (removed) g.remove_dead();  // frees the values themselves
  return removed;
}

}  // namespace

ONYX_PASS({"remove_unused_initializers", OptLevel::kBasic, 990, remove_unused_initializers});

}  // namespace onyx
