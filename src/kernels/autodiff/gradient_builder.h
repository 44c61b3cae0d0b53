// Reverse-mode automatic differentiation for Gradient (ai.onnx.preview.training 1),
// shared by the graph pass that expands Gradient nodes in place
// (src/passes/expand_gradient.cc, the normal path: the optimiser then sees the
// forward and backward nodes together) and by the Gradient kernel (used when
// optimisation is disabled), which builds a separate graph.
//
// The nodes that compute y from xs, zs and constants are walked last to
// first, and for each one the ONNX nodes that carry dy/d(output) back to its
// inputs are added (the seed dy/dy is ones of y's shape). Broadcasting ops sum
// the incoming gradient back to each input's shape, which needs static shapes.
// Ops with a derivative rule: Add, Sub, Mul, Div, Neg, Identity, Relu, Sigmoid,
// Tanh, Exp, Log, Sqrt and 2-D MatMul; any other op between xs and y is an
// error naming it.
#pragma once

#include <memory>
#include <vector>

#include "ir/graph.h"

namespace onyx {

// Adds the backward nodes of Gradient node `node` to its own graph; returns
// dy/dx for each x of `xs` (distinct values, one per output of the node).
std::vector<ir::Value*> gradient_expand_in_place(ir::Node& node);

// A standalone graph whose inputs are the values of xs then zs and whose
// outputs are dy/dx for each x (forward nodes copied into it).
std::shared_ptr<ir::Graph> gradient_graph(const ir::Node& node);

}  // namespace onyx
