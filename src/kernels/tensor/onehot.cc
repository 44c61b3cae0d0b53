// OneHot: indices -> rows of off_value with on_value at each index.
//
// Per the spec an index outside [-depth, depth) is not an error: its row is
// all off_value. Indices may be floating point (truncated toward zero).
#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

int64_t read_depth(const Tensor& d) {
  if (d.numel() != 1) fail(ErrorCode::kInvalidArgument, "depth must hold exactly one value, got ", d.describe());
  int64_t depth = 0;
  dispatch_numeric(d.dtype(), [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) depth = static_cast<int64_t>(d.data<T>()[0]);
    else depth = float_to_int<int64_t>(static_cast<double>(compute_t<T>(d.data<T>()[0])));
  }, "OneHot depth");
  if (depth < 0) fail(ErrorCode::kInvalidArgument, "depth must not be negative, got ", depth);
  return depth;
}

class OneHot final : public Kernel {
 public:
  explicit OneHot(const KernelInit& init) : axis_(init.node.attr_int("axis", -1)), wrap_(init.opset() >= 11) {}
  void run(KernelContext& ctx) const override {
    const Tensor& ind = ctx.input(0);
    const int64_t depth = read_depth(ctx.input(1));
    const Tensor& values = ctx.input(2);
    if (values.numel() != 2)
      fail(ErrorCode::kInvalidArgument, "values must hold [off_value, on_value], got ", values.describe());
    const int axis = normalize_axis(axis_, ind.rank(), "axis", /*allow_end=*/true);
    Shape out_shape = ind.shape();
    out_shape.insert(out_shape.begin() + axis, depth);
    // Each index as a position in [0, depth), or -1 for an all-off row.
    std::vector<int64_t> pos(static_cast<size_t>(ind.numel()));
    dispatch_numeric(ind.dtype(), [&]<typename T>() {
      const T* p = ind.data<T>();
      for (int64_t i = 0; i < ind.numel(); ++i) {
        int64_t v;
        if constexpr (std::is_integral_v<T>) v = static_cast<int64_t>(p[i]);
        else v = float_to_int<int64_t>(static_cast<double>(compute_t<T>(p[i])));
        if constexpr (std::is_unsigned_v<T>) {
          if (p[i] > static_cast<T>(INT64_MAX)) v = -1 - depth;  // out of range, not negative
        }
        if (wrap_ && v < 0 && v >= -depth) v += depth;  // negative indices count from the end (opset 11)
        pos[static_cast<size_t>(i)] = v >= 0 && v < depth ? v : -1;
      }
    }, "OneHot indices");
    if (dtype_is_packed(values.dtype())) fail(ErrorCode::kNotImplemented, "OneHot of packed values");
    Tensor& out = ctx.output(0, out_shape, values.dtype());
    if (out.numel() == 0) return;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= ind.dim(d);
    for (int d = axis; d < ind.rank(); ++d) inner *= ind.dim(d);
    dispatch_by_size(values.dtype(), [&]<typename T>() {
      const T off = values.data<T>()[0], on = values.data<T>()[1];
      T* o = out.data<T>();
      std::fill(o, o + out.numel(), off);
      for (int64_t a = 0; a < outer; ++a)
        for (int64_t b = 0; b < inner; ++b) {
          int64_t p = pos[static_cast<size_t>(a * inner + b)];
          if (p >= 0) o[(a * depth + p) * inner + b] = on;
        }
    });
  }

 private:
  int64_t axis_;
  bool wrap_;
};

void infer_onehot(InferContext& ctx) {
  DataType dt = ctx.input_dtype(2);
  const ir::Dims* ind = ctx.input_dims(0);
  if (!ind) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(ind->size());
  int64_t axis = ctx.node().attr_int("axis", -1);
  if (axis < -rank - 1 || axis > rank) ctx.fail("axis ", axis, " is out of range for output rank ", rank + 1);
  if (axis < 0) axis += rank + 1;
  ir::Dim depth;
  if (auto d = tinfer::input_ints(ctx, 1); d && d->size() == 1 && (*d)[0] >= 0) {
    depth = ir::Dim((*d)[0]);
  } else if (const Tensor* c = ctx.input_constant(1); c && c->numel() == 1 && dtype_is_float(c->dtype())) {
    double v = c->real_at(0);
    if (v >= 0 && v < 1e15) depth = ir::Dim(static_cast<int64_t>(v));
  }
  ir::Dims out = *ind;
  out.insert(out.begin() + axis, depth);
  ctx.set_output(0, dt, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "OneHot", .since = 9, .infer = infer_onehot, .create = create<OneHot>});

}  // namespace onyx
