// If: runs then_branch or else_branch and returns that branch's outputs.
//
// Both branches are compiled once, when the session is created; a run only
// executes the chosen one. Branch outputs may differ in shape (opset 11+),
// and may be tensors, sequences or optionals (opset 13 / 16): they are passed
// through as values, never copied.
#include <optional>

#include "runtime/plan.h"
#include "shape/infer.h"

namespace onyx {

namespace {

const ir::Graph& branch(const ir::Node& node, const char* name) {
  const ir::Graph* g = node.attr_graph(name);
  if (!g) fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute '", name, "' (a graph) is required");
  return *g;
}

class If final : public Kernel {
 public:
  explicit If(const KernelInit& init) {
    const ir::Node& node = init.node;
    const ir::Graph& then_g = branch(node, "then_branch");
    const ir::Graph& else_g = branch(node, "else_branch");
    for (const ir::Graph* g : {&then_g, &else_g}) {
      if (!g->inputs.empty())
        fail(ErrorCode::kInvalidGraph, node.describe(), ": branch '", g->name, "' must have no inputs, has ",
             g->inputs.size());
      if (g->outputs.size() != node.outputs.size())
        fail(ErrorCode::kInvalidGraph, node.describe(), ": branch '", g->name, "' has ", g->outputs.size(),
             " outputs but the node has ", node.outputs.size());
    }
    then_ = init.compile_subgraph(then_g);
    else_ = init.compile_subgraph(else_g);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& c = ctx.input(0);
    if (c.numel() != 1)
      fail(ErrorCode::kInvalidArgument, "cond must hold exactly one element, got shape ", shape_str(c.shape()));
    if (c.dtype() != DataType::kBool)
      fail(ErrorCode::kInvalidArgument, "cond must be a bool tensor, got ", dtype_name(c.dtype()));
    const Plan& plan = c.data<bool>()[0] ? *then_ : *else_;
    std::vector<Value> outs = ctx.run_subgraph(plan, {});
    for (size_t i = 0; i < outs.size(); ++i) ctx.set_output(static_cast<int>(i), std::move(outs[i]));
  }

 private:
  std::shared_ptr<const Plan> then_, else_;
};

// The type both branches can produce: equal parts kept, differing dims unknown,
// differing ranks unranked. Element types must agree.
ir::Type union_type(InferContext& ctx, size_t i, const ir::Type& a, const ir::Type& b) {
  using K = ir::Type::Kind;
  if (a.kind == K::kUnknown) return b;
  if (b.kind == K::kUnknown) return a;
  if (a.kind != b.kind)
    ctx.fail("output ", i, ": then_branch produces ", a.str(), " but else_branch produces ", b.str());
  if (a.kind == K::kSequence || a.kind == K::kOptional) {
    ir::Type inner = union_type(ctx, i, a.inner ? *a.inner : ir::Type{}, b.inner ? *b.inner : ir::Type{});
    return a.kind == K::kSequence ? ir::Type::sequence(std::move(inner)) : ir::Type::optional(std::move(inner));
  }
  if (a.kind != K::kTensor) return a;
  if (a.elem != DataType::kUndefined && b.elem != DataType::kUndefined && a.elem != b.elem)
    ctx.fail("output ", i, ": then_branch produces ", a.str(), " but else_branch produces ", b.str(),
             " (element types must match)");
  DataType elem = a.elem != DataType::kUndefined ? a.elem : b.elem;
  if (!a.has_shape || !b.has_shape || a.dims.size() != b.dims.size()) return ir::Type::tensor(elem);
  ir::Dims dims(a.dims.size());
  for (size_t d = 0; d < dims.size(); ++d)
    if (a.dims[d] == b.dims[d]) dims[d] = a.dims[d];
  return ir::Type::tensor(elem, std::move(dims));
}

void infer_if(InferContext& ctx) {
  const ir::Node& node = ctx.node();
  ir::Graph* then_g = node.attr_graph("then_branch");
  ir::Graph* else_g = node.attr_graph("else_branch");
  if (!then_g || !else_g) ctx.fail("attributes 'then_branch' and 'else_branch' (graphs) are required");
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kBool)
    ctx.fail("cond must be bool, got ", dtype_name(ctx.input_dtype(0)));
  // A branch that cannot be inferred may still never run: models exported from
  // functions (AffineGrid, ...) carry a branch per input rank, and the one for
  // the other rank is contradictory once shapes are known. Such a branch gets
  // unknown output types and fails when, and only if, it runs. A model whose
  // branches both fail is broken either way.
  auto infer_branch = [&](ir::Graph& g, std::optional<Error>& err) {
    try {
      return ctx.infer_subgraph(g, {});
    } catch (const Error& e) {
      err = e;
      return std::vector<ir::Type>(g.outputs.size());
    }
  };
  std::optional<Error> then_err, else_err;
  std::vector<ir::Type> t = infer_branch(*then_g, then_err);
  std::vector<ir::Type> e = infer_branch(*else_g, else_err);
  if (then_err && else_err) throw *then_err;
  if (t.size() != e.size())
    ctx.fail("then_branch has ", t.size(), " outputs but else_branch has ", e.size());
  if (t.size() != static_cast<size_t>(ctx.num_outputs()))
    ctx.fail("the node has ", ctx.num_outputs(), " outputs but its branches have ", t.size());
  for (size_t i = 0; i < t.size(); ++i) ctx.set_output(static_cast<int>(i), union_type(ctx, i, t[i], e[i]));
}

}  // namespace

ONYX_KERNEL({.op = "If", .since = 1, .infer = infer_if, .create = create<If>});

}  // namespace onyx
