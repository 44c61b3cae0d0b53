// Slice: numpy-style basic slicing along chosen axes, with steps (opset 10+).
//
// Starts and ends are clamped as the spec says (so INT_MAX / INT_MIN mean
// "to the end"), negative steps walk backwards; the result is one strided
// copy.
#include <algorithm>

#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

struct Range1 {
  int64_t start = 0;
  int64_t count = 0;
};

// Clamps start/end for an axis of size `dim` and counts the elements taken.
Range1 slice_range(int64_t start, int64_t end, int64_t step, int64_t dim) {
  if (step == 0) fail(ErrorCode::kInvalidArgument, "slice step cannot be 0");
  if (dim == 0) return {};
  // Any step longer than the axis takes at most one element: clamping it keeps
  // the arithmetic below (and the caller's stride) free of overflow.
  step = std::clamp<int64_t>(step, -(dim + 1), dim + 1);
  // Negative positions count from the end (no overflow: dim >= 0), then clamp.
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  Range1 r;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    r.start = start;
    r.count = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    r.start = start;
    r.count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
  }
  return r;
}

struct SliceParams {
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_axes = false, has_steps = false;
};

// Fills in default axes/steps and checks the lengths agree.
void complete_params(SliceParams& p, int rank) {
  if (p.starts.size() != p.ends.size())
    fail(ErrorCode::kInvalidArgument, "starts has ", p.starts.size(), " entries but ends has ", p.ends.size());
  if (!p.has_axes) {
    p.axes.resize(p.starts.size());
    for (size_t i = 0; i < p.axes.size(); ++i) p.axes[i] = static_cast<int64_t>(i);
  }
  if (!p.has_steps) p.steps.assign(p.starts.size(), 1);
  if (p.axes.size() != p.starts.size())
    fail(ErrorCode::kInvalidArgument, "axes has ", p.axes.size(), " entries but starts has ", p.starts.size());
  if (p.steps.size() != p.starts.size())
    fail(ErrorCode::kInvalidArgument, "steps has ", p.steps.size(), " entries but starts has ", p.starts.size());
  if (static_cast<int>(p.starts.size()) > rank)
    fail(ErrorCode::kInvalidArgument, "slicing ", p.starts.size(), " axes of a rank-", rank, " tensor");
}

std::vector<int64_t> ints_of(const Tensor& t, const char* what) {
  if (t.rank() > 1 || (t.dtype() != DataType::kInt32 && t.dtype() != DataType::kInt64))
    fail(ErrorCode::kInvalidArgument, what, " must be a 1-D int32 or int64 tensor, got ", t.describe());
  return t.to_int64_vector();
}

class Slice final : public Kernel {
 public:
  explicit Slice(const KernelInit& init) : legacy_(init.opset() < 10) {
    if (legacy_) {
      p_.starts = init.node.required_attr("starts", ir::AttrType::kInts).ints;
      p_.ends = init.node.required_attr("ends", ir::AttrType::kInts).ints;
      p_.has_axes = init.node.has_attr("axes");
      p_.axes = init.node.attr_ints("axes");
    }
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    SliceParams p = p_;
    if (!legacy_) {
      p.starts = ints_of(ctx.input(1), "starts");
      p.ends = ints_of(ctx.input(2), "ends");
      if (const Tensor* a = ctx.optional_input(3)) {
        p.axes = ints_of(*a, "axes");
        p.has_axes = true;
      }
      if (const Tensor* s = ctx.optional_input(4)) {
        p.steps = ints_of(*s, "steps");
        p.has_steps = true;
      }
    }
    const int rank = x.rank();
    complete_params(p, rank);
    std::vector<int> axes = normalize_axes(p.axes, rank);
    Shape out_shape = x.shape();
    Shape in_strides = shape_strides(x.shape());
    Shape strides = in_strides;
    int64_t offset = 0;
    for (size_t i = 0; i < axes.size(); ++i) {
      const size_t a = static_cast<size_t>(axes[i]);
      Range1 r = slice_range(p.starts[i], p.ends[i], p.steps[i], x.shape()[a]);
      out_shape[a] = r.count;
      if (r.count > 0) offset += r.start * in_strides[a];
      // With one element or none the stride is never used (and a huge step would overflow it).
      strides[a] = r.count > 1 ? in_strides[a] * p.steps[i] : 0;
    }
    if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Slice of packed ", dtype_name(x.dtype()));
    Tensor& out = ctx.output(0, out_shape, x.dtype());
    copy_strided(x, offset, out_shape, strides, out, ctx.pool());
  }

 private:
  bool legacy_;
  SliceParams p_;
};

// x[..., 0:n] with a symbolic n (exporters slice buffers sized for a maximum,
// such as BERT's position_ids[:, :seq] or GPT-2's causal mask): the result
// has n entries. Strictly it has min(n, dim); taking n assumes the slice stays
// inside the buffer, which the model's own broadcasting of the result against
// seq-sized tensors requires anyway. Returns false when the pattern does not apply.
bool infer_prefix_slice(InferContext& ctx, const ir::Dims& in, const std::optional<std::vector<int64_t>>& starts) {
  const ir::Dims* ends = ctx.input_values(2);
  if (!starts || !ends || starts->size() != ends->size()) return false;
  const int rank = static_cast<int>(in.size());
  std::vector<int64_t> axes, steps(starts->size(), 1);
  if (ctx.has_input(3)) {
    auto a = tinfer::input_ints(ctx, 3);
    if (!a || a->size() != starts->size()) return false;
    axes = *a;
  } else {
    for (size_t i = 0; i < starts->size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (ctx.has_input(4)) {
    auto st = tinfer::input_ints(ctx, 4);
    if (!st || st->size() != starts->size()) return false;
    steps = *st;
  }
  ir::Dims out = in;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i];
    if (a < -rank || a >= rank) return false;
    ir::Dim& d = out[static_cast<size_t>(a < 0 ? a + rank : a)];
    const ir::Dim& e = (*ends)[i];
    if (e.known()) {
      // A known end: exact when the axis size is known too.
      if (!d.known()) {
        d = ir::Dim();
        continue;
      }
      Range1 r = slice_range((*starts)[i], e.value, steps[i], d.value);
      d = ir::Dim(r.count);
    } else if (e.symbolic() && (*starts)[i] == 0 && steps[i] == 1) {
      d = e;
    } else {
      d = ir::Dim();
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), std::move(out));
  return true;
}

void infer_slice(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(in->size());
  SliceParams p;
  bool known = true;
  if (ctx.opset() < 10) {
    p.starts = ctx.node().attr_ints("starts");
    p.ends = ctx.node().attr_ints("ends");
    p.has_axes = ctx.node().has_attr("axes");
    p.axes = ctx.node().attr_ints("axes");
  } else {
    auto s = tinfer::input_ints(ctx, 1), e = tinfer::input_ints(ctx, 2);
    if (s && e) {
      p.starts = *s;
      p.ends = *e;
    } else {
      known = false;
      if (infer_prefix_slice(ctx, *in, s)) return;
    }
    if (ctx.has_input(3)) {
      auto a = tinfer::input_ints(ctx, 3);
      if (a) p.axes = *a;
      else known = false;
      p.has_axes = true;
      if (!a) {
        // Which axes are sliced is unknown: only the rank survives.
        ctx.set_output(0, dt, ir::Dims(static_cast<size_t>(rank)));
        return;
      }
    }
    if (ctx.has_input(4)) {
      auto st = tinfer::input_ints(ctx, 4);
      if (st) p.steps = *st;
      else known = false;
      p.has_steps = true;
    }
  }
  ir::Dims out = *in;
  if (!known) {
    if (p.has_axes) {
      for (int64_t a : p.axes) {
        if (a < -rank || a >= rank) ctx.fail("axes value ", a, " is out of range for rank ", rank);
        out[static_cast<size_t>(a < 0 ? a + rank : a)] = ir::Dim();
      }
    } else {
      // Default axes are 0..n-1 with n the starts' length, when that is known.
      const ir::Dims* sd = ctx.input_dims(1);
      size_t n = sd && sd->size() == 1 && (*sd)[0].known() ? static_cast<size_t>((*sd)[0].value) : out.size();
      for (size_t i = 0; i < n && i < out.size(); ++i) out[i] = ir::Dim();
    }
    ctx.set_output(0, dt, out);
    return;
  }
  std::vector<int> axes;
  try {
    complete_params(p, rank);
    axes = normalize_axes(p.axes, rank);
    for (int64_t s : p.steps)
      if (s == 0) fail(ErrorCode::kInvalidArgument, "slice step cannot be 0");
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  std::vector<Range1> ranges(axes.size());
  bool all_known = true;
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t a = static_cast<size_t>(axes[i]);
    const ir::Dim& d = (*in)[a];
    if (d.known()) {
      ranges[i] = slice_range(p.starts[i], p.ends[i], p.steps[i], d.value);
      out[a] = ir::Dim(ranges[i].count);
    } else {
      all_known = false;
      // [0:INT_MAX:1] keeps the whole axis, whatever its size.
      bool whole = p.steps[i] == 1 && p.starts[i] == 0 && p.ends[i] >= (int64_t{1} << 31) - 1;
      out[a] = whole ? d : ir::Dim();
    }
  }
  ctx.set_output(0, dt, out);
  const ir::Dims* vals = ctx.input_values(0);
  if (vals && rank == 1 && all_known && !axes.empty() && static_cast<int64_t>(vals->size()) == (*in)[0].value) {
    ir::Dims v;
    for (int64_t k = 0; k < ranges[0].count; ++k) v.push_back((*vals)[static_cast<size_t>(ranges[0].start + k * p.steps[0])]);
    tinfer::set_values(ctx, 0, std::move(v));
  } else if (vals && rank == 1 && axes.empty()) {
    tinfer::set_values(ctx, 0, *vals);
  }
}

}  // namespace

ONYX_KERNEL({.op = "Slice", .since = 1, .infer = infer_slice, .create = create<Slice>});

}  // namespace onyx
