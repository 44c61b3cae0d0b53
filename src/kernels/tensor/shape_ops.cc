// Shape, Size, ConstantOfShape, Range, EyeLike: ops that read only a shape or
// a few scalars and produce small tensors or filled ones.
//
// Shape and Size are where symbolic shape values start: their inference
// records the input's dims (symbols included) as the output's values, which
// Gather/Concat/Unsqueeze/Slice carry on to Reshape, Expand, ConstantOfShape.
#include <cmath>

#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

// ---- Shape ------------------------------------------------------------------------

// [start, end) of Shape-15 for a tensor of rank r, clamped as the spec says.
std::pair<int64_t, int64_t> shape_window(const ir::Node& node, int64_t r) {
  int64_t start = node.opset >= 15 ? node.attr_int("start", 0) : 0;
  int64_t end = node.opset >= 15 ? node.attr_int("end", r) : r;
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  return {start, std::max(start, end)};
}

class ShapeOp final : public Kernel {
 public:
  explicit ShapeOp(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    auto [b, e] = shape_window(ctx.node(), x.rank());
    Tensor& out = ctx.output(0, {e - b}, DataType::kInt64);
    for (int64_t i = b; i < e; ++i) out.data<int64_t>()[i - b] = x.dim(static_cast<int>(i));
  }
};

void infer_shape(InferContext& ctx) {
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output(0, DataType::kInt64, ir::Dims(1));
    return;
  }
  auto [b, e] = shape_window(ctx.node(), static_cast<int64_t>(in->size()));
  ctx.set_output(0, DataType::kInt64, {ir::Dim(e - b)});
  tinfer::set_values(ctx, 0, ir::Dims(in->begin() + b, in->begin() + e));
}

// ---- Size -------------------------------------------------------------------------

class SizeOp final : public Kernel {
 public:
  explicit SizeOp(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    ctx.output(0, {}, DataType::kInt64).data<int64_t>()[0] = x.numel();
  }
};

void infer_size(InferContext& ctx) {
  ctx.set_output(0, DataType::kInt64, {});
  if (const ir::Dims* in = ctx.input_dims(0)) tinfer::set_values(ctx, 0, {tinfer::product(*in)});
}

// ---- ConstantOfShape --------------------------------------------------------------

Tensor default_value() {
  Tensor t(DataType::kFloat, {1});
  t.data<float>()[0] = 0.f;
  return t;
}

class ConstantOfShape final : public Kernel {
 public:
  explicit ConstantOfShape(const KernelInit& init) {
    const Tensor* v = init.node.attr_tensor("value");
    value_ = v ? *v : default_value();
    if (value_.numel() != 1)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": attribute 'value' must hold one element, got ",
           value_.describe());
  }
  void run(KernelContext& ctx) const override {
    const Tensor& s = ctx.input(0);
    if (s.rank() != 1 || s.dtype() != DataType::kInt64)
      fail(ErrorCode::kInvalidArgument, "input must be a 1-D int64 shape, got ", s.describe());
    Shape shape = s.to_int64_vector();
    for (int64_t d : shape)
      if (d < 0) fail(ErrorCode::kInvalidArgument, "shape ", shape_str(shape), " has a negative dim");
    shape_numel(shape);
    if (dtype_is_packed(value_.dtype())) {
      Tensor bytes(DataType::kUInt8, shape);
      Tensor v = unpack_subbyte(value_);
      fill_from(bytes, v);
      ctx.set_output(0, pack_subbyte(bytes, value_.dtype(), ctx.allocator()));
      return;
    }
    Tensor& out = ctx.output(0, shape, value_.dtype());
    fill_from(out, value_);
  }

 private:
  Tensor value_;
};

void infer_constant_of_shape(InferContext& ctx) {
  const Tensor* v = ctx.node().attr_tensor("value");
  DataType dt = v ? v->dtype() : DataType::kFloat;
  std::optional<ir::Dims> dims = tinfer::shape_input_dims(ctx, 0);
  if (!dims) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  ctx.set_output(0, dt, *dims);
  // A filled int vector of known length (e.g. ones for a broadcast shape).
  if (v && v->numel() == 1 && tinfer::carries_values(dt) && dims->size() <= 1) {
    int64_t n = dims->empty() ? 1 : (*dims)[0].value;
    if (n >= 0 && n <= 64) tinfer::set_values(ctx, 0, ir::Dims(static_cast<size_t>(n), infer::dim_of(v->int_at(0))));
  }
}

// ---- Range ------------------------------------------------------------------------

// Number of elements of Range(start, limit, delta), refusing absurd counts.
int64_t range_count(double start, double limit, double delta) {
  if (delta == 0 || std::isnan(delta)) fail(ErrorCode::kInvalidArgument, "delta cannot be 0 or NaN");
  double n = std::ceil((limit - start) / delta);
  if (std::isnan(n)) fail(ErrorCode::kInvalidArgument, "Range(", start, ", ", limit, ", ", delta, ") is undefined");
  if (n <= 0) return 0;
  if (n > static_cast<double>(int64_t{1} << 62))
    fail(ErrorCode::kInvalidArgument, "Range(", start, ", ", limit, ", ", delta, ") has too many elements");
  return static_cast<int64_t>(n);
}

int64_t range_count_int(int64_t start, int64_t limit, int64_t delta) {
  if (delta == 0) fail(ErrorCode::kInvalidArgument, "delta cannot be 0");
  __int128 span = static_cast<__int128>(limit) - start;
  __int128 n = delta > 0 ? (span + delta - 1) / delta : (span + delta + 1) / delta;
  if (n <= 0) return 0;
  if (n > (static_cast<__int128>(1) << 62)) fail(ErrorCode::kInvalidArgument, "Range has too many elements");
  return static_cast<int64_t>(n);
}

class Range final : public Kernel {
 public:
  explicit Range(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& s = ctx.input(0);
    const Tensor& l = ctx.input(1);
    const Tensor& d = ctx.input(2);
    for (const Tensor* t : {&s, &l, &d})
      if (t->numel() != 1) fail(ErrorCode::kInvalidArgument, "start, limit and delta must be scalars, got ", t->describe());
    if (s.dtype() != l.dtype() || s.dtype() != d.dtype())
      fail(ErrorCode::kInvalidArgument, "start, limit and delta must have the same element type");
    dispatch_numeric(s.dtype(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        const int64_t st = s.int_at(0), de = d.int_at(0);
        const int64_t n = range_count_int(st, l.int_at(0), de);
        T* o = ctx.output(0, {n}, s.dtype()).template data<T>();
        for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(st + i * de);
      } else {
        using C = compute_t<T>;
        const C st = C(s.data<T>()[0]), li = C(l.data<T>()[0]), de = C(d.data<T>()[0]);
        const int64_t n = range_count(st, li, de);
        T* o = ctx.output(0, {n}, s.dtype()).template data<T>();
        for (int64_t i = 0; i < n; ++i) o[i] = store_as<T>(st + static_cast<C>(i) * de);
      }
    }, "Range");
  }
};

void infer_range(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  auto s = tinfer::input_ints(ctx, 0), l = tinfer::input_ints(ctx, 1), d = tinfer::input_ints(ctx, 2);
  if (s && l && d && s->size() == 1 && l->size() == 1 && d->size() == 1 && (*d)[0] != 0) {
    int64_t n = range_count_int((*s)[0], (*l)[0], (*d)[0]);
    ctx.set_output(0, dt, {ir::Dim(n)});
    if (n <= 64) {
      ir::Dims v;
      for (int64_t i = 0; i < n; ++i) v.push_back(infer::dim_of((*s)[0] + i * (*d)[0]));
      tinfer::set_values(ctx, 0, std::move(v));
    }
    return;
  }
  // Range(0, n, 1) has n elements, symbolic or not.
  const ir::Dims* lv = ctx.input_values(1);
  if (s && d && s->size() == 1 && d->size() == 1 && (*s)[0] == 0 && (*d)[0] == 1 && lv && lv->size() == 1) {
    ctx.set_output(0, dt, {(*lv)[0]});
    return;
  }
  // Constant float arguments: count them the way the kernel does.
  const Tensor *cs = ctx.input_constant(0), *cl = ctx.input_constant(1), *cd = ctx.input_constant(2);
  if (cs && cl && cd && dtype_is_float(dt) && cs->numel() == 1 && cl->numel() == 1 && cd->numel() == 1) {
    double dv = cd->real_at(0);
    if (dv != 0 && !std::isnan(dv)) {
      double n = std::ceil((cl->real_at(0) - cs->real_at(0)) / dv);
      if (std::isfinite(n) && n < static_cast<double>(int64_t{1} << 62)) {
        ctx.set_output(0, dt, {ir::Dim(n > 0 ? static_cast<int64_t>(n) : 0)});
        return;
      }
    }
  }
  ctx.set_output(0, dt, ir::Dims(1));
}

// ---- EyeLike ----------------------------------------------------------------------

class EyeLike final : public Kernel {
 public:
  explicit EyeLike(const KernelInit& init)
      : dtype_(static_cast<DataType>(init.node.attr_int("dtype", 0))), k_(init.node.attr_int("k", 0)) {
    if (init.node.has_attr("dtype") && !dtype_is_valid(static_cast<int32_t>(dtype_)))
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": invalid dtype ", static_cast<int>(dtype_));
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 2) fail(ErrorCode::kInvalidArgument, "input must be 2-D, got ", x.describe());
    DataType dt = dtype_ == DataType::kUndefined ? x.dtype() : dtype_;
    Tensor& out = ctx.output(0, x.shape(), dt);
    const int64_t rows = x.dim(0), cols = x.dim(1);
    auto fill = [&]<typename T>() {
      T* o = out.data<T>();
      std::fill(o, o + out.numel(), T{});
      for (int64_t i = 0; i < rows; ++i) {
        int64_t j = i + k_;
        if (j >= 0 && j < cols) {
          if constexpr (std::is_same_v<T, bool>) o[i * cols + j] = true;
          else o[i * cols + j] = store_as<T>(1);
        }
      }
    };
    if (dt == DataType::kBool) fill.template operator()<bool>();
    else dispatch_numeric(dt, fill, "EyeLike");
  }

 private:
  DataType dtype_;
  int64_t k_;
};

void infer_eye_like(InferContext& ctx) {
  int64_t dt = ctx.node().attr_int("dtype", 0);
  DataType out = dt ? static_cast<DataType>(dt) : ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (in && in->size() != 2) ctx.fail("input must be 2-D, got rank ", in->size());
  if (in) ctx.set_output(0, out, *in);
  else ctx.set_output(0, out, ir::Dims(2));
}

}  // namespace

ONYX_KERNEL({.op = "Shape", .since = 1, .infer = infer_shape, .create = create<ShapeOp>});
ONYX_KERNEL({.op = "Size", .since = 1, .infer = infer_size, .create = create<SizeOp>});
ONYX_KERNEL({.op = "ConstantOfShape", .since = 9, .infer = infer_constant_of_shape, .create = create<ConstantOfShape>});
ONYX_KERNEL({.op = "Range", .since = 11, .infer = infer_range, .create = create<Range>});
ONYX_KERNEL({.op = "EyeLike", .since = 9, .infer = infer_eye_like, .create = create<EyeLike>});

}  // namespace onyx
