// Scan: runs `body` once per position along the scan axis of its scan inputs,
// carrying N state values and stacking K scan outputs.
//
//   body(state_1..state_N, elem_1..elem_M) -> (state_1..state_N, out_1..out_K)
//
// Opset 9+: scan inputs are sliced along scan_input_axes (default 0), read
// forward or in reverse (scan_input_directions); scan outputs are stacked
// along scan_output_axes, appended or prepended (scan_output_directions).
// Opset 8: a batch form. Every input carries a batch axis 0 and scan inputs a
// sequence axis 1; an optional first input sequence_lens gives each batch
// entry its own length, and scan outputs past that length are zero.
//
// Slices along axis 0 are views of the input (no copy); other axes gather.
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

// A per-attribute list of M (or K) entries, defaulting to zeros.
std::vector<int64_t> list_attr(const ir::Node& node, const char* name, int count) {
  std::vector<int64_t> v = node.attr_ints(name);
  if (!node.has_attr(name)) v.assign(static_cast<size_t>(count), 0);
  if (v.size() != static_cast<size_t>(count))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute '", name, "' has ", v.size(), " entries; expected ",
         count);
  return v;
}

void check_directions(const ir::Node& node, const char* name, const std::vector<int64_t>& v) {
  for (int64_t d : v)
    if (d != 0 && d != 1)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute '", name, "' holds ", d,
           "; directions are 0 (forward) or 1 (reverse)");
}

// Shape of a scan output when no iteration ran: from inference, else unknown.
struct StaticShape {
  bool known = false;
  DataType dtype = DataType::kUndefined;
  Shape dims;
};
StaticShape static_type(const ir::Type& t) {
  StaticShape s;
  s.dtype = t.elem;
  if (auto shape = t.static_shape()) {
    s.known = true;
    s.dims = *shape;
  }
  return s;
}

struct Layout {
  int num_state = 0, num_scan_in = 0, num_scan_out = 0;
};

Layout layout_of(const ir::Node& node, const ir::Graph& body, int first_input) {
  Layout l;
  int64_t m = node.required_attr("num_scan_inputs", ir::AttrType::kInt).i;
  const int inputs = node.num_inputs() - first_input;
  if (m < 1 || m > inputs)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": num_scan_inputs is ", m, " but the node has ", inputs,
         " state and scan inputs");
  l.num_scan_in = static_cast<int>(m);
  l.num_state = inputs - l.num_scan_in;
  l.num_scan_out = node.num_outputs() - l.num_state;
  if (l.num_scan_out < 0)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": has ", node.num_outputs(), " outputs, fewer than its ",
         l.num_state, " state values");
  if (body.inputs.size() != static_cast<size_t>(inputs))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": body has ", body.inputs.size(), " inputs; expected ", inputs,
         " (", l.num_state, " states and ", l.num_scan_in, " scan elements)");
  if (body.outputs.size() != static_cast<size_t>(node.num_outputs()))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": body has ", body.outputs.size(), " outputs; expected ",
         node.num_outputs());
  return l;
}

// ---- opset 9+ ----

class Scan final : public Kernel {
 public:
  explicit Scan(const KernelInit& init) {
    const ir::Node& node = init.node;
    const ir::Graph& body = body_of(node);
    l_ = layout_of(node, body, 0);
    in_dirs_ = list_attr(node, "scan_input_directions", l_.num_scan_in);
    out_dirs_ = list_attr(node, "scan_output_directions", l_.num_scan_out);
    in_axes_ = list_attr(node, "scan_input_axes", l_.num_scan_in);
    out_axes_ = list_attr(node, "scan_output_axes", l_.num_scan_out);
    check_directions(node, "scan_input_directions", in_dirs_);
    check_directions(node, "scan_output_directions", out_dirs_);
    for (int k = 0; k < l_.num_scan_out; ++k) {
      const ir::Type& t = body.outputs[static_cast<size_t>(l_.num_state + k)]->type;
      per_iter_.push_back(static_type(t));
    }
    body_ = init.compile_subgraph(body);
  }

  void run(KernelContext& ctx) const override {
    const int n = l_.num_state, m = l_.num_scan_in;
    std::vector<const Tensor*> xs;
    std::vector<int> axes;
    int64_t len = -1;
    for (int j = 0; j < m; ++j) {
      const Tensor& x = ctx.input(n + j);
      if (x.rank() < 1)
        fail(ErrorCode::kInvalidArgument, "scan input ", j, " is a scalar; scan inputs need an axis to scan");
      int axis = normalize_axis(in_axes_[static_cast<size_t>(j)], x.rank(), "scan_input_axes entry");
      int64_t l = x.dim(axis);
      if (len >= 0 && l != len)
        fail(ErrorCode::kInvalidArgument, "scan input ", j, " has length ", l, " on its scan axis ", axis,
             " but scan input 0 has ", len, " (all scan inputs must have the same length)");
      len = l;
      xs.push_back(&x);
      axes.push_back(axis);
    }

    std::vector<Value> feeds(static_cast<size_t>(n + m));
    for (int i = 0; i < n; ++i) {
      const Value* v = ctx.input_value(i);
      if (!v || !v->is_tensor()) fail(ErrorCode::kInvalidArgument, "state input ", i, " must be a tensor");
      feeds[static_cast<size_t>(i)] = *v;
    }
    std::vector<Tensor> outs(static_cast<size_t>(l_.num_scan_out));
    std::vector<int> out_axes(outs.size(), 0);

    for (int64_t t = 0; t < len; ++t) {
      if (ctx.terminate_requested())
        fail(ErrorCode::kFail, "run terminated by the caller (RunOptions terminate flag) at scan step ", t);
      for (int j = 0; j < m; ++j) {
        int64_t pos = in_dirs_[static_cast<size_t>(j)] ? len - 1 - t : t;
        feeds[static_cast<size_t>(n + j)] = Value(slices::take(*xs[static_cast<size_t>(j)], axes[static_cast<size_t>(j)], pos, ctx.allocator()));
      }
      std::vector<Value> res = ctx.run_subgraph(*body_, feeds);
      for (int i = 0; i < n; ++i) {
        Value& v = res[static_cast<size_t>(i)];
        const Tensor& was = feeds[static_cast<size_t>(i)].tensor();
        if (!v.is_tensor() || v.tensor().shape() != was.shape() || v.tensor().dtype() != was.dtype())
          fail(ErrorCode::kInvalidArgument, "body output ", i, " (state) is ",
               v.is_tensor() ? v.tensor().describe() : v.describe(), " at step ", t, " but the state is ",
               was.describe(), " (states must keep shape and type)");
        feeds[static_cast<size_t>(i)] = std::move(v);
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        const Value& v = res[static_cast<size_t>(n) + k];
        if (!v.is_tensor())
          fail(ErrorCode::kInvalidArgument, "scan output ", k, " must be a tensor, got ", v.describe());
        const Tensor& e = v.tensor();
        if (t == 0) {
          int axis = normalize_axis(out_axes_[k], e.rank() + 1, "scan_output_axes entry");
          Shape shape = e.shape();
          shape.insert(shape.begin() + axis, len);
          out_axes[k] = axis;
          if (ctx.output_wanted(n + static_cast<int>(k))) outs[k] = ctx.output(n + static_cast<int>(k), shape, e.dtype());
          else outs[k] = Tensor(e.dtype(), shape, ctx.allocator());
        } else {
          Shape want = outs[k].shape();
          want.erase(want.begin() + out_axes[k]);
          if (e.shape() != want || e.dtype() != outs[k].dtype())
            fail(ErrorCode::kInvalidArgument, "scan output ", k, " is ", e.describe(), " at step ", t, " but was ",
                 dtype_name(outs[k].dtype()), shape_str(want), " at step 0 (scan outputs must keep shape and type)");
        }
        int64_t pos = out_dirs_[k] ? len - 1 - t : t;
        slices::put(e, outs[k], out_axes[k], pos);
      }
    }

    for (int i = 0; i < n; ++i) ctx.set_output(i, std::move(feeds[static_cast<size_t>(i)]));
    if (len > 0) return;
    // Zero steps: empty scan outputs shaped as inference says each step's output is.
    for (size_t k = 0; k < outs.size(); ++k) {
      const int out = n + static_cast<int>(k);
      if (!ctx.output_wanted(out)) continue;
      const StaticShape& s = per_iter_[k];
      if (!s.known || s.dtype == DataType::kUndefined)
        fail(ErrorCode::kInvalidArgument, "scan output ", k,
             " of a scan over zero steps has a shape that shape inference could not tell");
      int axis = normalize_axis(out_axes_[k], static_cast<int>(s.dims.size()) + 1, "scan_output_axes entry");
      Shape shape = s.dims;
      shape.insert(shape.begin() + axis, 0);
      ctx.output(out, shape, s.dtype);
    }
  }

 private:
  Layout l_;
  std::vector<int64_t> in_dirs_, out_dirs_, in_axes_, out_axes_;
  std::vector<StaticShape> per_iter_;
  std::shared_ptr<const Plan> body_;
};

void infer_scan(InferContext& ctx) {
  const ir::Node& node = ctx.node();
  ir::Graph* body = node.attr_graph("body");
  if (!body) ctx.fail("attribute 'body' (a graph) is required");
  const ir::Attribute* ma = node.attr("num_scan_inputs");
  if (!ma) ctx.fail("attribute 'num_scan_inputs' is required");
  const int m = static_cast<int>(ma->i);
  const int n = ctx.num_inputs() - m;
  const int k_out = ctx.num_outputs() - n;
  if (m < 1 || n < 0 || k_out < 0) ctx.fail("num_scan_inputs ", m, " does not fit ", ctx.num_inputs(), " inputs and ",
                                            ctx.num_outputs(), " outputs");
  std::vector<int64_t> in_axes = node.attr_ints("scan_input_axes");
  if (!node.has_attr("scan_input_axes")) in_axes.assign(static_cast<size_t>(m), 0);
  std::vector<int64_t> out_axes = node.attr_ints("scan_output_axes");
  if (!node.has_attr("scan_output_axes")) out_axes.assign(static_cast<size_t>(k_out), 0);
  if (in_axes.size() != static_cast<size_t>(m)) ctx.fail("scan_input_axes has ", in_axes.size(), " entries; expected ", m);
  if (out_axes.size() != static_cast<size_t>(k_out))
    ctx.fail("scan_output_axes has ", out_axes.size(), " entries; expected ", k_out);

  std::vector<ir::Type> in;
  ir::Dim len;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Type& t = ctx.input_type(i);
    if (i < n || !t.has_shape) {
      in.push_back(t);
      continue;
    }
    int r = t.rank();
    int64_t a = in_axes[static_cast<size_t>(i - n)];
    if (a < -r || a >= r) ctx.fail("scan_input_axes entry ", a, " is out of range for scan input ", i - n, " of rank ", r);
    size_t axis = static_cast<size_t>(a < 0 ? a + r : a);
    if (len.unknown()) len = t.dims[axis];
    ir::Dims dims = t.dims;
    dims.erase(dims.begin() + static_cast<ptrdiff_t>(axis));
    in.push_back(ir::Type::tensor(t.elem, std::move(dims)));
  }
  std::vector<ir::Type> out = ctx.infer_subgraph(*body, in);
  if (out.size() != static_cast<size_t>(ctx.num_outputs()))
    ctx.fail("body has ", out.size(), " outputs; expected ", ctx.num_outputs());
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    const ir::Type& t = out[static_cast<size_t>(i)];
    if (t.kind != ir::Type::Kind::kTensor && t.kind != ir::Type::Kind::kUnknown)
      ctx.fail("body output ", i, " must be a tensor, is ", t.str());
    if (i < n) {
      ir::Type s = ctx.input_type(i).kind == ir::Type::Kind::kTensor && ctx.input_type(i).has_shape ? ctx.input_type(i) : t;
      if (s.elem == DataType::kUndefined) s.elem = t.elem;
      ctx.set_output(i, s);
      continue;
    }
    if (!t.has_shape) {
      ctx.set_output(i, ir::Type::tensor(t.elem));
      continue;
    }
    int r = t.rank() + 1;
    int64_t a = out_axes[static_cast<size_t>(i - n)];
    if (a < -r || a >= r) ctx.fail("scan_output_axes entry ", a, " is out of range for scan output ", i - n, " of rank ", r);
    ir::Dims dims = t.dims;
    dims.insert(dims.begin() + (a < 0 ? a + r : a), len);
    ctx.set_output(i, t.elem, std::move(dims));
  }
}

// ---- opset 8: batched ----

class Scan8 final : public Kernel {
 public:
  explicit Scan8(const KernelInit& init) {
    const ir::Node& node = init.node;
    const ir::Graph& body = body_of(node);
    l_ = layout_of(node, body, 1);
    dirs_ = list_attr(node, "directions", l_.num_scan_in);
    check_directions(node, "directions", dirs_);
    for (int k = 0; k < l_.num_scan_out; ++k)
      per_iter_.push_back(static_type(body.outputs[static_cast<size_t>(l_.num_state + k)]->type));
    body_ = init.compile_subgraph(body);
  }

  void run(KernelContext& ctx) const override {
    const int n = l_.num_state, m = l_.num_scan_in;
    std::vector<const Tensor*> states, xs;
    int64_t batch = -1, max_len = -1;
    auto check_batch = [&](const Tensor& t, const char* what, int i) {
      if (t.rank() < 1) fail(ErrorCode::kInvalidArgument, what, " ", i, " needs a batch axis 0; got a scalar");
      if (batch >= 0 && t.dim(0) != batch)
        fail(ErrorCode::kInvalidArgument, what, " ", i, " has batch size ", t.dim(0), " but the others have ", batch);
      batch = t.dim(0);
    };
    for (int i = 0; i < n; ++i) {
      states.push_back(&ctx.input(1 + i));
      check_batch(*states.back(), "state input", i);
    }
    for (int j = 0; j < m; ++j) {
      const Tensor& x = ctx.input(1 + n + j);
      check_batch(x, "scan input", j);
      if (x.rank() < 2) fail(ErrorCode::kInvalidArgument, "scan input ", j, " needs axes [batch, sequence, ...]");
      if (max_len >= 0 && x.dim(1) != max_len)
        fail(ErrorCode::kInvalidArgument, "scan input ", j, " has sequence length ", x.dim(1), " but scan input 0 has ",
             max_len);
      max_len = x.dim(1);
      xs.push_back(&x);
    }
    std::vector<int64_t> lens(static_cast<size_t>(batch), max_len);
    if (const Tensor* sl = ctx.optional_input(0)) {
      if (sl->dtype() != DataType::kInt64 && sl->dtype() != DataType::kInt32)
        fail(ErrorCode::kInvalidArgument, "sequence_lens must be int64, got ", dtype_name(sl->dtype()));
      if (sl->numel() != batch)
        fail(ErrorCode::kInvalidArgument, "sequence_lens has ", sl->numel(), " entries for batch size ", batch);
      for (int64_t b = 0; b < batch; ++b) {
        int64_t v = sl->int_at(b);
        if (v < 0 || v > max_len)
          fail(ErrorCode::kInvalidArgument, "sequence_lens[", b, "] = ", v, " is outside [0, ", max_len, "]");
        lens[static_cast<size_t>(b)] = v;
      }
    }

    // Outputs are allocated once the first step shows their shapes.
    std::vector<Tensor> state_out(static_cast<size_t>(n)), scan_out(static_cast<size_t>(l_.num_scan_out));
    auto alloc_out = [&](int out, Shape shape, DataType dt) -> Tensor {
      Tensor t = ctx.output_wanted(out) ? ctx.output(out, std::move(shape), dt) : Tensor(dt, std::move(shape), ctx.allocator());
      slices::zero_fill(t);  // scan outputs past a sequence's length are zero
      return t;
    };
    for (int i = 0; i < n; ++i) state_out[static_cast<size_t>(i)] = alloc_out(i, states[static_cast<size_t>(i)]->shape(), states[static_cast<size_t>(i)]->dtype());

    std::vector<Value> feeds(static_cast<size_t>(n + m));
    for (int64_t b = 0; b < batch; ++b) {
      for (int i = 0; i < n; ++i) feeds[static_cast<size_t>(i)] = Value(slices::take(*states[static_cast<size_t>(i)], 0, b, ctx.allocator()));
      const int64_t len = lens[static_cast<size_t>(b)];
      for (int64_t t = 0; t < len; ++t) {
        if (ctx.terminate_requested())
          fail(ErrorCode::kFail, "run terminated by the caller (RunOptions terminate flag) at scan step ", t);
        for (int j = 0; j < m; ++j) {
          const Tensor& x = *xs[static_cast<size_t>(j)];
          int64_t pos = dirs_[static_cast<size_t>(j)] ? len - 1 - t : t;
          Shape es(x.shape().begin() + 2, x.shape().end());
          int64_t per = shape_numel(es);
          feeds[static_cast<size_t>(n + j)] = Value(slices::view(x, (b * max_len + pos) * per, std::move(es), ctx.allocator()));
        }
        std::vector<Value> res = ctx.run_subgraph(*body_, feeds);
        for (int i = 0; i < n; ++i) {
          Value& v = res[static_cast<size_t>(i)];
          const Tensor& was = feeds[static_cast<size_t>(i)].tensor();
          if (!v.is_tensor() || v.tensor().shape() != was.shape() || v.tensor().dtype() != was.dtype())
            fail(ErrorCode::kInvalidArgument, "body output ", i, " (state) is ",
                 v.is_tensor() ? v.tensor().describe() : v.describe(), " but the state is ", was.describe(),
                 " (states must keep shape and type)");
          feeds[static_cast<size_t>(i)] = std::move(v);
        }
        for (size_t k = 0; k < scan_out.size(); ++k) {
          const Value& v = res[static_cast<size_t>(n) + k];
          if (!v.is_tensor()) fail(ErrorCode::kInvalidArgument, "scan output ", k, " must be a tensor, got ", v.describe());
          const Tensor& e = v.tensor();
          Tensor& y = scan_out[k];
          if (!y.defined()) {
            Shape shape = e.shape();
            shape.insert(shape.begin(), {batch, max_len});
            y = alloc_out(n + static_cast<int>(k), std::move(shape), e.dtype());
          }
          Shape want(y.shape().begin() + 2, y.shape().end());
          if (e.shape() != want || e.dtype() != y.dtype())
            fail(ErrorCode::kInvalidArgument, "scan output ", k, " is ", e.describe(), " but was ", dtype_name(y.dtype()),
                 shape_str(want), " before (scan outputs must keep shape and type)");
          slices::copy_elements(e, 0, y, (b * max_len + t) * e.numel(), e.numel());
        }
      }
      for (int i = 0; i < n; ++i) {
        const Tensor& s = feeds[static_cast<size_t>(i)].tensor();
        slices::copy_elements(s, 0, state_out[static_cast<size_t>(i)], b * s.numel(), s.numel());
      }
    }
    // Outputs no step produced (zero batch or all lengths zero): zeros shaped by inference.
    for (size_t k = 0; k < scan_out.size(); ++k) {
      if (scan_out[k].defined()) continue;
      const int out = n + static_cast<int>(k);
      if (!ctx.output_wanted(out)) continue;
      const StaticShape& s = per_iter_[k];
      if (!s.known || s.dtype == DataType::kUndefined)
        fail(ErrorCode::kInvalidArgument, "scan output ", k,
             " of a scan that ran no step has a shape that shape inference could not tell");
      Shape shape = s.dims;
      shape.insert(shape.begin(), {batch, max_len});
      alloc_out(out, std::move(shape), s.dtype);
    }
  }

 private:
  Layout l_;
  std::vector<int64_t> dirs_;
  std::vector<StaticShape> per_iter_;
  std::shared_ptr<const Plan> body_;
};

void infer_scan8(InferContext& ctx) {
  const ir::Node& node = ctx.node();
  ir::Graph* body = node.attr_graph("body");
  if (!body) ctx.fail("attribute 'body' (a graph) is required");
  const ir::Attribute* ma = node.attr("num_scan_inputs");
  if (!ma) ctx.fail("attribute 'num_scan_inputs' is required");
  const int m = static_cast<int>(ma->i);
  const int n = ctx.num_inputs() - 1 - m;
  if (m < 1 || n < 0 || ctx.num_outputs() < n) ctx.fail("num_scan_inputs ", m, " does not fit the node's inputs");
  std::vector<ir::Type> in;
  ir::Dim batch, len;
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    const ir::Type& t = ctx.input_type(i);
    const size_t drop = i - 1 < n ? 1 : 2;  // batch axis; and the sequence axis of scan inputs
    if (!t.has_shape || t.dims.size() < drop) {
      in.push_back(ir::Type::tensor(t.elem));
      continue;
    }
    if (batch.unknown()) batch = t.dims[0];
    if (drop == 2 && len.unknown()) len = t.dims[1];
    in.push_back(ir::Type::tensor(t.elem, ir::Dims(t.dims.begin() + static_cast<ptrdiff_t>(drop), t.dims.end())));
  }
  std::vector<ir::Type> out = ctx.infer_subgraph(*body, in);
  if (out.size() != static_cast<size_t>(ctx.num_outputs()))
    ctx.fail("body has ", out.size(), " outputs; expected ", ctx.num_outputs());
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    const ir::Type& t = out[static_cast<size_t>(i)];
    if (i < n) {
      ir::Type s = ctx.input_type(i + 1);
      if (s.kind != ir::Type::Kind::kTensor) s = ir::Type::tensor(t.elem);
      ctx.set_output(i, s);
      continue;
    }
    if (!t.has_shape) {
      ctx.set_output(i, ir::Type::tensor(t.elem));
      continue;
    }
    ir::Dims dims{batch, len};
    dims.insert(dims.end(), t.dims.begin(), t.dims.end());
    ctx.set_output(i, t.elem, std::move(dims));
  }
}

}  // namespace

ONYX_KERNEL({.op = "Scan", .since = 8, .until = 8, .infer = infer_scan8, .create = create<Scan8>});
ONYX_KERNEL({.op = "Scan", .since = 9, .infer = infer_scan, .create = create<Scan>});

}  // namespace onyx
