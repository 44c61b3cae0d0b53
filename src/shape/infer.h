// Shape and type inference, run at session creation.
//
// Each op's inference function lives beside its kernel and is registered in
// the same KernelDef. It reads input types (element type + symbolic dims) and,
// where known at load, input values, and sets output types. Dims stay symbolic
// ("batch", "seq") where the model leaves them so; small integer tensors that
// carry shapes (Shape -> Gather -> Concat -> Reshape) are tracked as symbolic
// values, so Reshape and Expand outputs keep symbolic dims too.
//
// Declared types (graph outputs, value_info) are checked against the inferred
// ones: a contradiction is an error naming the node, found at load instead of
// as a wrong answer at run time.
#pragma once

#include <unordered_map>

#include "ir/graph.h"
#include "runtime/kernel.h"

namespace onyx {

struct InferState;

class InferContext {
 public:
  InferContext(const ir::Node& node, InferState& state) : node_(node), state_(state) {}

  const ir::Node& node() const { return node_; }
  int opset() const { return node_.opset; }
  int num_inputs() const { return node_.num_inputs(); }
  int num_outputs() const { return node_.num_outputs(); }
  bool has_input(int i) const { return node_.input(i) != nullptr; }
  bool has_output(int i) const { return node_.output(i) != nullptr; }

  // Type of input i; a kUnknown type when the input is absent or untyped.
  const ir::Type& input_type(int i) const;
  DataType input_dtype(int i) const { return input_type(i).elem; }
  int input_rank(int i) const { return input_type(i).rank(); }  // -1 = unknown
  // Dims of input i, or null when its rank is unknown.
  const ir::Dims* input_dims(int i) const;
  // Value of input i when it is a constant tensor.
  const Tensor* input_constant(int i) const;
  // Elements of a small integer input when known at load time, as dims (so
  // they may be symbolic): constants, and shape arithmetic on Shape outputs.
  const ir::Dims* input_values(int i) const;

  void set_output(int i, ir::Type t);
  void set_output(int i, DataType dt, ir::Dims dims) { set_output(i, ir::Type::tensor(dt, std::move(dims))); }
  void set_output_unranked(int i, DataType dt) { set_output(i, ir::Type::tensor(dt)); }
  // Records the (possibly symbolic) elements of output i, for shape-carrying tensors.
  void set_output_values(int i, ir::Dims values);
  const ir::Type& output_type(int i) const;

  // Infers a subgraph (If/Loop/Scan body) given the types of its inputs;
  // returns the types of its outputs.
  std::vector<ir::Type> infer_subgraph(ir::Graph& g, const std::vector<ir::Type>& input_types);

  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    ::onyx::fail(ErrorCode::kInvalidGraph, node_.describe(), ": ", args...);
  }

 private:
  const ir::Node& node_;
  InferState& state_;
};

// Runs inference over a graph and its subgraphs, updating Value::type.
// Throws kInvalidGraph on contradictions.
void infer_graph(ir::Graph& g);

// ---- helpers shared by inference functions ----
namespace infer {

// Output 0 has the type of input 0 (unary elementwise ops).
void same_as_input(InferContext& ctx);
// Every output has the type of input 0.
void all_same_as_input(InferContext& ctx);
// Multidirectional (numpy) broadcast of dims; throws via ctx on a mismatch.
ir::Dims broadcast(InferContext& ctx, const ir::Dims& a, const ir::Dims& b);
// Output 0 = broadcast of all inputs, element type of input 0 (or `out`).
void broadcast_inputs(InferContext& ctx, DataType out = DataType::kUndefined);
// Output 0 of element type `dt` with input 0's dims.
void same_shape_as(InferContext& ctx, int input, DataType dt);
// Product of known dims; -1 if any is not known.
int64_t known_product(const ir::Dims& dims);
// A dim for a value computed at load (negative -> unknown).
inline ir::Dim dim_of(int64_t v) { return v >= 0 ? ir::Dim(v) : ir::Dim(); }

}  // namespace infer

}  // namespace onyx
