// Removes nodes whose outputs nobody uses, and initializers nobody reads.
#include "passes/pass.h"

namespace onyx {

namespace {
int dead_code(ir::Graph& g, const SessionOptions&) { return g.remove_dead(); }
}  // namespace

ONYX_PASS({"dead_code", OptLevel::kBasic, 1000, dead_code});

}  // namespace onyx
