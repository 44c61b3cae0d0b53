// Graph optimisation passes.
//
// Each pass lives in its own file and registers itself with the level it
// belongs to (basic / extended / all, as in ONNX Runtime) and an order key.
// A pass changes the graph only through ir::Graph's editing methods and
// returns how many changes it made; the manager logs that at verbose level,
// re-runs passes of a level until nothing changes (bounded), then commits
// (sort + verify) and re-infers shapes.
#pragma once

#include <string>

#include "ir/graph.h"
#include "runtime/options.h"

namespace onyx {

struct PassDef {
  const char* name;
  OptLevel level;  // runs when the session's level is at least this
  int order;       // lower runs first within a round
  int (*run)(ir::Graph& graph, const SessionOptions& options);  // returns the number of changes
};

struct PassRegistrar {
  explicit PassRegistrar(PassDef def);
};

#define ONYX_PASS(...) \
  static const ::onyx::PassRegistrar ONYX_PASS_CONCAT(onyx_pass_registrar_, __LINE__)(::onyx::PassDef __VA_ARGS__)
#define ONYX_PASS_CONCAT_INNER(a, b) a##b
#define ONYX_PASS_CONCAT(a, b) ONYX_PASS_CONCAT_INNER(a, b)

// Runs every registered pass up to options.opt_level on the model's graph
// and its subgraphs.
void optimize_graph(ir::Model& model, const SessionOptions& options);

}  // namespace onyx
