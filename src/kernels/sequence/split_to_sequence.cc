// SplitToSequence (opset 11): splits a tensor along `axis` into a sequence.
//
//   no split input: pieces of length 1 (the axis dropped when keepdims = 0)
//   split scalar s: pieces of length s, the last one shorter if needed
//   split 1-D:      pieces of the given lengths, which must sum to the axis length
//
// Pieces along the outermost axis are views of the input; others are copied.
#include "kernels/control/slices.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// Lengths of the pieces; the split input is untrusted.
std::vector<int64_t> piece_lengths(const Tensor* split, int64_t len) {
  std::vector<int64_t> out;
  if (!split) {
    out.assign(static_cast<size_t>(len), 1);
    return out;
  }
  if (split->dtype() != DataType::kInt32 && split->dtype() != DataType::kInt64)
    fail(ErrorCode::kInvalidArgument, "split must be int32 or int64, got ", dtype_name(split->dtype()));
  if (split->rank() == 0) {
    int64_t s = split->int_at(0);
    if (s <= 0) fail(ErrorCode::kInvalidArgument, "split is ", s, "; a piece length must be positive");
    for (int64_t at = 0; at < len; at += s) out.push_back(std::min(s, len - at));
    return out;
  }
  if (split->rank() != 1)
    fail(ErrorCode::kInvalidArgument, "split must be a scalar or 1-D, got shape ", shape_str(split->shape()));
  int64_t sum = 0;
  for (int64_t i = 0; i < split->numel(); ++i) {
    int64_t s = split->int_at(i);
    if (s < 0) fail(ErrorCode::kInvalidArgument, "split[", i, "] is ", s, "; piece lengths cannot be negative");
    sum += s;
    if (sum > len) break;
    out.push_back(s);
  }
  if (sum != len)
    fail(ErrorCode::kInvalidArgument, "split lengths ", shape_str(split->to_int64_vector()), " do not sum to ", len,
         ", the length of the axis being split");
  return out;
}

class SplitToSequence final : public Kernel {
 public:
  explicit SplitToSequence(const KernelInit& init)
      : axis_(init.node.attr_int("axis", 0)), keepdims_(init.node.attr_int("keepdims", 1) != 0) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor* split = ctx.optional_input(1);
    if (x.rank() == 0) fail(ErrorCode::kInvalidArgument, "cannot split a scalar");
    const int axis = normalize_axis(axis_, x.rank());
    const int64_t len = x.dim(axis);
    std::vector<Value> items;
    int64_t at = 0;
    for (int64_t n : piece_lengths(split, len)) {
      Tensor piece = slices::range(x, axis, at, n, ctx.allocator());
      if (!split && !keepdims_) {
        Shape s = piece.shape();
        s.erase(s.begin() + axis);
        piece = piece.reshaped(std::move(s));
      }
      items.emplace_back(std::move(piece));
      at += n;
    }
    ctx.set_output(0, Value::sequence(x.dtype(), std::move(items)));
  }

 private:
  int64_t axis_;
  bool keepdims_;
};

void infer_split_to_sequence(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Dims* d = ctx.input_dims(0);
  if (ctx.has_input(1) && ctx.input_dtype(1) != DataType::kUndefined && ctx.input_dtype(1) != DataType::kInt32 &&
      ctx.input_dtype(1) != DataType::kInt64)
    ctx.fail("split must be int32 or int64, got ", dtype_name(ctx.input_dtype(1)));
  if (!d) {
    ctx.set_output(0, ir::Type::sequence(ir::Type::tensor(dt)));
    return;
  }
  const int r = static_cast<int>(d->size());
  if (r == 0) ctx.fail("cannot split a scalar");
  int64_t a = ctx.node().attr_int("axis", 0);
  if (a < -r || a >= r) ctx.fail("axis ", a, " is out of range for rank ", r);
  const size_t axis = static_cast<size_t>(a < 0 ? a + r : a);
  ir::Dims dims = *d;
  if (!ctx.has_input(1)) {
    if (ctx.node().attr_int("keepdims", 1) == 0) dims.erase(dims.begin() + static_cast<ptrdiff_t>(axis));
    else dims[axis] = ir::Dim(1);
  } else {
    // Equal pieces keep a known length; otherwise the axis length varies.
    dims[axis] = ir::Dim();
    const Tensor* s = ctx.input_constant(1);
    if (s && s->numel() >= 1 && s->rank() <= 1) {
      std::vector<int64_t> v = s->to_int64_vector();
      bool same = std::all_of(v.begin(), v.end(), [&](int64_t x) { return x == v[0]; });
      if (s->rank() == 1 && same) dims[axis] = infer::dim_of(v[0]);
      if (s->rank() == 0 && (*d)[axis].known() && v[0] > 0 && (*d)[axis].value % v[0] == 0) dims[axis] = ir::Dim(v[0]);
    }
  }
  ctx.set_output(0, ir::Type::sequence(ir::Type::tensor(dt, std::move(dims))));
}

}  // namespace

ONYX_KERNEL({.op = "SplitToSequence", .since = 11, .infer = infer_split_to_sequence, .create = create<SplitToSequence>});

}  // namespace onyx
