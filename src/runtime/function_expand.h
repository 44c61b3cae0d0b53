// Expanding nodes of ops ONNX defines as functions when no kernel takes them.
//
// At session build, before kernel selection (and before and after the graph
// passes, whatever the optimisation level), every node of ai.onnx or
// ai.onnx.ml that no kernel takes — an op without kernel, an opset outside the
// kernels' range, input types no kernel accepts — is replaced by the nodes of
// its op's function body (onnx/function_ops.h) for the newest schema version
// not newer than the node's opset. Body nodes without kernel expand in turn,
// up to kMaxFunctionExpansionDepth levels. Nodes with neither kernel nor body
// stay; kernel selection then reports them.
#pragma once

#include <string_view>

#include "ir/graph.h"
#include "runtime/options.h"

namespace onyx {

// Session config entry: comma-separated op types whose kernels the session
// ignores (testing and debugging: forces function expansion, or the
// "no kernel" error). Applies to all domains.
inline constexpr const char* kConfigDisableKernels = "session.disable_kernels";
inline constexpr int kMaxFunctionExpansionDepth = 8;

// Whether the config entry above names `op`.
bool kernel_disabled(const SessionOptions& options, std::string_view op);
// Whether some kernel may take `node` (op, opset, the element type its
// kernels check); kernel creation may still decline.
bool has_kernel(const ir::Node& node, const SessionOptions& options);
// Expands the nodes of g and its subgraphs as described above; re-runs shape
// inference when it changed anything. Returns the number of nodes expanded.
int expand_function_ops(ir::Graph& g, const SessionOptions& options);

}  // namespace onyx
