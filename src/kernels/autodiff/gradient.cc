// Gradient (ai.onnx.preview.training 1): outputs dy/dx for each x named in
// `xs`, where `y` names a value of the node's own graph; the node's inputs are
// the values of xs then zs (other inputs y depends on, not differentiated).
//
// Normally the expand_gradient pass has already replaced the node by its
// backward nodes (gradient_builder.h). This kernel is the path without graph
// optimisation: it differentiates into a separate graph, compiled like a Loop
// body and run by each call.
#include "kernels/autodiff/gradient_builder.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Gradient final : public Kernel {
 public:
  explicit Gradient(const KernelInit& init) {
    graph_ = gradient_graph(init.node);
    plan_ = init.compile_subgraph(*graph_);
  }

  void run(KernelContext& ctx) const override {
    std::vector<Value> ins;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Value* v = ctx.input_value(i);
      if (!v || v->is_none()) fail(ErrorCode::kInvalidArgument, "input ", i, " (a value of xs or zs) is missing");
      ins.push_back(*v);
    }
    std::vector<Value> outs = ctx.run_subgraph(*plan_, ins);
    for (size_t i = 0; i < outs.size(); ++i) ctx.set_output(static_cast<int>(i), std::move(outs[i]));
  }

 private:
  std::shared_ptr<ir::Graph> graph_;  // outlives plan_, which points into it
  std::shared_ptr<const Plan> plan_;
};

// dy/dx_i has the type of x_i.
void infer_gradient(InferContext& ctx) {
  for (int i = 0; i < ctx.num_outputs() && i < ctx.num_inputs(); ++i)
    if (ctx.has_output(i)) ctx.set_output(i, ctx.input_type(i));
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.preview.training", .op = "Gradient", .since = 1, .types = kFloatTypes,
             .infer = infer_gradient, .create = create<Gradient>});

}  // namespace onyx
