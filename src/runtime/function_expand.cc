#include "runtime/function_expand.h"

#include "onnx/function_ops.h"
#include "runtime/kernel.h"
#include "shape/infer.h"

namespace onyx {

bool kernel_disabled(const SessionOptions& options, std::string_view op) {
  auto it = options.config.find(kConfigDisableKernels);
  if (it == options.config.end()) return false;
  std::string_view list = it->second;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == op) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool has_kernel(const ir::Node& node, const SessionOptions& options) {
  if (kernel_disabled(options, node.op_type)) return false;
  for (const KernelDef* d : KernelRegistry::global().find(node.domain, node.op_type, node.opset)) {
    if (options.reference_kernels && d->priority > 0) continue;
    if (d->types.empty()) return true;
    const ir::Value* v = node.input(d->type_input);
    DataType t = v ? v->type.elem : DataType::kUndefined;
    if (t == DataType::kUndefined || std::find(d->types.begin(), d->types.end(), t) != d->types.end()) return true;
  }
  return false;
}

int expand_function_ops(ir::Graph& g, const SessionOptions& options) {
  int total = 0;
  for (int round = 0; round < kMaxFunctionExpansionDepth; ++round) {
    struct Todo {
      ir::Graph* graph;
      ir::Node* node;
      std::string_view body;
    };
    std::vector<Todo> todo;
    for_each_graph(g, [&](ir::Graph& sg) {
      for (const auto& n : sg.nodes()) {
        if (!n->domain.empty() && n->domain != "ai.onnx.ml") continue;
        // The body first: a few entries, where the kernel registry is long.
        onnx::FunctionBody body = onnx::standard_function_body(n->domain, n->op_type, n->opset);
        if (!body.proto.empty() && !has_kernel(*n, options)) todo.push_back({&sg, n.get(), body.proto});
      }
    });
    if (todo.empty()) break;
    // Subgraphs first (deepest last found): expanding in an outer graph
    // never touches inner ones, and inner nodes keep their graphs.
    for (auto it = todo.rbegin(); it != todo.rend(); ++it) onnx::inline_function(*it->graph, it->node, it->body);
    total += static_cast<int>(todo.size());
    g.commit();
    infer_graph(g);
  }
  return total;
}

}  // namespace onyx
