#include <algorithm>
#include <vector>

#include "passes/pass.h"
#include "shape/infer.h"

namespace onyx {

namespace {
std::vector<PassDef>& registry() {
  static std::vector<PassDef> r;
  return r;
}
// Rounds per level: passes enable each other (a removed Identity exposes a
// fusion), but a pass pair that undoes each other must not loop forever.
constexpr int kMaxRounds = 8;
}  // namespace

PassRegistrar::PassRegistrar(PassDef def) { registry().push_back(def); }

void optimize_graph(ir::Model& model, const SessionOptions& options) {
  if (options.opt_level == OptLevel::kDisabled) return;
  std::vector<PassDef> passes = registry();
  std::sort(passes.begin(), passes.end(), [](const PassDef& a, const PassDef& b) {
    return a.level != b.level ? a.level < b.level : a.order < b.order;
  });
  for (int round = 0; round < kMaxRounds; ++round) {
    int changes = 0;
    for (const PassDef& p : passes) {
      if (static_cast<int>(p.level) > static_cast<int>(options.opt_level)) continue;
      int n = 0;
      for_each_graph(*model.graph, [&](ir::Graph& g) { n += p.run(g, options); });
      if (n > 0) ONYX_LOG(options.log_level, LogLevel::kVerbose, "pass ", p.name, ": ", n, " changes");
      changes += n;
    }
    if (changes == 0) break;
    // Re-sort, re-verify and re-infer so the next round sees the new
    // constants and the values they make known.
    model.graph->commit();
    infer_graph(*model.graph);
  }
  // Fused ops live in Onyx's own domain: import it so a saved model is valid ONNX.
  bool onyx_ops = false;
  for_each_graph(*model.graph, [&](ir::Graph& g) {
    for (const auto& n : g.nodes()) onyx_ops |= n->domain == "com.onyx";
  });
  if (onyx_ops) model.opsets.emplace("com.onyx", 1);
}

}  // namespace onyx
