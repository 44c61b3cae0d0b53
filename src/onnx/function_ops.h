// ONNX operators defined as functions: their bodies, embedded from the onnx
// schemas (tools/gen_function_ops.py writes function_ops_data.inc), and the
// inlining of one node into such a body.
//
// The session builder (runtime/function_expand.cc) uses these to expand a
// node that no kernel takes into the nodes of its op's function body, so an
// op ONNX defines as a function works without a kernel of its own.
#pragma once

#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace onyx::onnx {

struct FunctionBody {
  std::string_view proto;  // the serialized FunctionProto; empty: none
  int since = 0;           // the schema version it belongs to
};

// The body of (domain, op) for the newest schema version <= opset, or an
// empty one when ONNX defines no context-independent body for it.
FunctionBody standard_function_body(std::string_view domain, std::string_view op, int opset);

// Replaces `node` in `g` by the nodes of the FunctionProto `function_proto`
// (attribute references bound to the node's attributes or the function's
// defaults, internal values given fresh names, Constant nodes turned into
// initializers). The node's output values are kept, now produced by body
// nodes. Body nodes get the function's opset imports. Returns the new nodes.
// Defined in loader.cc, next to the inlining of model-local functions.
std::vector<ir::Node*> inline_function(ir::Graph& g, ir::Node* node, std::string_view function_proto);

}  // namespace onyx::onnx
