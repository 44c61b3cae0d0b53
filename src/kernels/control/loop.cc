// Loop: runs `body` while the trip count and the condition allow.
//
//   body(iteration_num, cond, v_1..v_N) -> (cond, v_1..v_N, scan_1..scan_K)
//
// Loop-carried values (tensors, sequences, optionals) pass from one iteration
// to the next without copies. Scan outputs are collected per iteration and
// stacked along a new axis 0 at the end; they must keep shape and type.
//
// As in ONNX Runtime, the condition the body yields ends the loop even when
// the node's cond input is omitted. A loop with neither M nor a false
// condition runs until the caller sets the RunOptions terminate flag, which is
// checked before every iteration.
#include <limits>

#include "kernels/control/slices.h"
#include "runtime/plan.h"
#include "shape/infer.h"

namespace onyx {

namespace {

const ir::Graph& body_of(const ir::Node& node) {
  const ir::Graph* g = node.attr_graph("body");
  if (!g) fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'body' (a graph) is required");
  return *g;
}

// Reads a one-element tensor input (M or cond) of the expected type.
const Tensor& scalar_input(const Tensor& t, const char* what, DataType want) {
  if (t.numel() != 1)
    fail(ErrorCode::kInvalidArgument, what, " must hold exactly one element, got shape ", shape_str(t.shape()));
  if (t.dtype() != want)
    fail(ErrorCode::kInvalidArgument, what, " must be ", dtype_name(want), ", got ", dtype_name(t.dtype()));
  return t;
}

class Loop final : public Kernel {
 public:
  explicit Loop(const KernelInit& init) {
    const ir::Node& node = init.node;
    const ir::Graph& body = body_of(node);
    num_carried_ = node.num_inputs() - 2;
    if (num_carried_ < 0)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": needs inputs M and cond (either may be empty), has ",
           node.num_inputs(), " inputs");
    if (body.inputs.size() != static_cast<size_t>(num_carried_) + 2)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": body has ", body.inputs.size(), " inputs; expected ",
           num_carried_ + 2, " (iteration number, condition and ", num_carried_, " loop-carried values)");
    num_scan_ = node.num_outputs() - num_carried_;
    if (num_scan_ < 0)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": has ", node.num_outputs(), " outputs, fewer than its ",
           num_carried_, " loop-carried values");
    if (body.outputs.size() != static_cast<size_t>(node.num_outputs()) + 1)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": body has ", body.outputs.size(), " outputs; expected ",
           node.num_outputs() + 1, " (condition, ", num_carried_, " loop-carried values and ", num_scan_,
           " scan outputs)");
    // What a scan output looks like when the loop runs zero times: the
    // node's inferred type, else the body output's.
    for (int k = 0; k < num_scan_; ++k) {
      const size_t out = static_cast<size_t>(num_carried_ + k);
      ir::Type t = out < init.output_types.size() ? init.output_types[out] : ir::Type{};
      ir::Type per_iter = body.outputs[out + 1]->type;
      EmptyScan e;
      e.dtype = t.elem != DataType::kUndefined ? t.elem : per_iter.elem;
      e.shape = {0};
      if (per_iter.has_shape) {
        for (const ir::Dim& d : per_iter.dims) e.shape.push_back(d.known() ? d.value : 0);
      }
      empty_scan_.push_back(std::move(e));
    }
    body_ = init.compile_subgraph(body);
  }

  void run(KernelContext& ctx) const override {
    int64_t max_trips = std::numeric_limits<int64_t>::max();
    if (const Tensor* m = ctx.optional_input(0)) max_trips = scalar_input(*m, "M", DataType::kInt64).int_at(0);
    bool cond = true;
    if (const Tensor* c = ctx.optional_input(1)) cond = scalar_input(*c, "cond", DataType::kBool).data<bool>()[0];

    const size_t n = static_cast<size_t>(num_carried_);
    std::vector<Value> feeds(n + 2);
    for (size_t i = 0; i < n; ++i) {
      const Value* v = ctx.input_value(static_cast<int>(i) + 2);
      feeds[i + 2] = v ? *v : Value();
    }
    std::vector<std::vector<Tensor>> scans(static_cast<size_t>(num_scan_));

    int64_t it = 0;
    for (; it < max_trips && cond; ++it) {
      if (ctx.terminate_requested())
        fail(ErrorCode::kFail, "run terminated by the caller (RunOptions terminate flag) at loop iteration ", it);
      feeds[0] = Value(Tensor::scalar<int64_t>(it));
      feeds[1] = Value(Tensor::scalar<bool>(cond));
      std::vector<Value> outs = ctx.run_subgraph(*body_, feeds);
      const Value& c = outs[0];
      if (!c.is_tensor())
        fail(ErrorCode::kInvalidArgument, "body output 0 (condition) must be a bool tensor, got ", c.describe(),
             " at iteration ", it);
      cond = scalar_input(c.tensor(), "body output 0 (condition)", DataType::kBool).data<bool>()[0];
      for (size_t i = 0; i < n; ++i) feeds[i + 2] = std::move(outs[i + 1]);
      for (size_t k = 0; k < scans.size(); ++k) {
        Value& v = outs[1 + n + k];
        if (!v.is_tensor())
          fail(ErrorCode::kInvalidArgument, "scan output ", k, " must be a tensor, got ", v.describe(),
               " at iteration ", it);
        const Tensor& t = v.tensor();
        if (!scans[k].empty()) {
          const Tensor& first = scans[k].front();
          if (t.dtype() != first.dtype() || t.shape() != first.shape())
            fail(ErrorCode::kInvalidArgument, "scan output ", k, " is ", t.describe(), " at iteration ", it,
                 " but was ", first.describe(), " at iteration 0 (scan outputs must keep shape and type)");
        }
        scans[k].push_back(t);
      }
    }

    for (size_t i = 0; i < n; ++i) ctx.set_output(static_cast<int>(i), std::move(feeds[i + 2]));
    for (size_t k = 0; k < scans.size(); ++k) {
      const int out = num_carried_ + static_cast<int>(k);
      if (!ctx.output_wanted(out)) continue;
      if (scans[k].empty()) {
        const EmptyScan& e = empty_scan_[k];
        if (e.dtype == DataType::kUndefined)
          fail(ErrorCode::kInvalidArgument, "scan output ", k,
               " of a loop that ran zero times has an element type that shape inference could not tell");
        ctx.output(out, e.shape, e.dtype);
        continue;
      }
      const Tensor& first = scans[k].front();
      Shape shape = first.shape();
      shape.insert(shape.begin(), static_cast<int64_t>(scans[k].size()));
      Tensor& y = ctx.output(out, std::move(shape), first.dtype());
      const int64_t per = first.numel();
      for (size_t i = 0; i < scans[k].size(); ++i)
        slices::copy_elements(scans[k][i], 0, y, static_cast<int64_t>(i) * per, per);
    }
  }

 private:
  struct EmptyScan {
    DataType dtype = DataType::kUndefined;
    Shape shape;
  };
  int num_carried_ = 0, num_scan_ = 0;
  std::vector<EmptyScan> empty_scan_;
  std::shared_ptr<const Plan> body_;
};

// Drops shapes (tensor dims, also inside sequences and optionals): loop-carried
// values may change shape from one iteration to the next.
ir::Type without_shape(const ir::Type& t) {
  using K = ir::Type::Kind;
  if (t.kind == K::kTensor) return ir::Type::tensor(t.elem);
  if ((t.kind == K::kSequence || t.kind == K::kOptional) && t.inner) {
    ir::Type inner = without_shape(*t.inner);
    return t.kind == K::kSequence ? ir::Type::sequence(std::move(inner)) : ir::Type::optional(std::move(inner));
  }
  return t;
}

void infer_loop(InferContext& ctx) {
  ir::Graph* body = ctx.node().attr_graph("body");
  if (!body) ctx.fail("attribute 'body' (a graph) is required");
  if (ctx.has_input(0) && ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kInt64)
    ctx.fail("M must be int64, got ", dtype_name(ctx.input_dtype(0)));
  if (ctx.has_input(1) && ctx.input_dtype(1) != DataType::kUndefined && ctx.input_dtype(1) != DataType::kBool)
    ctx.fail("cond must be bool, got ", dtype_name(ctx.input_dtype(1)));
  const int n = ctx.num_inputs() - 2;
  if (n < 0) ctx.fail("needs inputs M and cond (either may be empty)");
  if (body->inputs.size() != static_cast<size_t>(n) + 2)
    ctx.fail("body has ", body->inputs.size(), " inputs; expected ", n + 2);
  std::vector<ir::Type> in{ir::Type::tensor(DataType::kInt64, {}), ir::Type::tensor(DataType::kBool, {})};
  for (int i = 0; i < n; ++i) in.push_back(without_shape(ctx.input_type(i + 2)));
  std::vector<ir::Type> out = ctx.infer_subgraph(*body, in);
  if (out.size() != static_cast<size_t>(ctx.num_outputs()) + 1)
    ctx.fail("body has ", out.size(), " outputs; expected ", ctx.num_outputs() + 1);
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    const ir::Type& t = out[static_cast<size_t>(i) + 1];
    if (i < n) {
      ir::Type r = t;
      const ir::Type& init = ctx.input_type(i + 2);
      if (r.kind == ir::Type::Kind::kUnknown) r = without_shape(init);
      else if (r.kind == ir::Type::Kind::kTensor && r.elem == DataType::kUndefined) r.elem = init.elem;
      ctx.set_output(i, r);
      continue;
    }
    if (t.kind != ir::Type::Kind::kTensor && t.kind != ir::Type::Kind::kUnknown)
      ctx.fail("scan output ", i - n, " (body output ", i + 1, ") must be a tensor, is ", t.str());
    if (!t.has_shape) {
      ctx.set_output(i, ir::Type::tensor(t.elem));
      continue;
    }
    ir::Dims dims{ir::Dim()};
    if (const Tensor* m = ctx.input_constant(0); m && m->numel() == 1 && m->dtype() == DataType::kInt64 &&
                                                 !ctx.has_input(1)) {
      // A plain for loop: the trip count is known unless the body's condition stops it early.
      const ir::Value* c = body->outputs[0];
      bool const_true = c->is_constant() && c->constant.numel() == 1 && c->constant.dtype() == DataType::kBool &&
                        c->constant.data<bool>()[0];
      if (const_true || c == body->inputs[1]) dims[0] = ir::Dim(std::max<int64_t>(m->int_at(0), 0));
    }
    dims.insert(dims.end(), t.dims.begin(), t.dims.end());
    ctx.set_output(i, t.elem, std::move(dims));
  }
}

}  // namespace

ONYX_KERNEL({.op = "Loop", .since = 1, .infer = infer_loop, .create = create<Loop>});

}  // namespace onyx
