// Pad (modes constant / reflect / edge / wrap, negative pads crop) and
// CenterCropPad, which is a Pad with centred begin/end amounts.
//
// Each axis gets a table mapping output positions to input positions (-1 for
// the constant), built once; the copy walks output rows and looks columns up
// in the last axis' table. Reflect and wrap repeat as numpy.pad does when a
// pad is wider than the axis.
#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

PadMode parse_mode(const ir::Node& node) {
  std::string m = node.attr_string("mode", "constant");
  if (m == "constant") return PadMode::kConstant;
  if (m == "reflect") return PadMode::kReflect;
  if (m == "edge") return PadMode::kEdge;
  if (m == "wrap") return PadMode::kWrap;
  fail(ErrorCode::kInvalidGraph, node.describe(), ": unknown pad mode '", m, "'");
}

// Output position -> input position (or -1 for the constant) along one axis.
std::vector<int64_t> axis_table(int64_t dim, int64_t begin, int64_t end, PadMode mode, int axis) {
  const int64_t out = dim + begin + end;
  const int64_t lo = std::max<int64_t>(0, -begin);
  const int64_t m = dim - lo - std::max<int64_t>(0, -end);  // input kept after cropping
  const int64_t pb = std::max<int64_t>(0, begin);
  std::vector<int64_t> t(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t p = o - pb;
    int64_t q;
    if (p >= 0 && p < m) {
      q = p;
    } else if (mode == PadMode::kConstant) {
      t[static_cast<size_t>(o)] = -1;
      continue;
    } else if (m == 0) {
      fail(ErrorCode::kInvalidArgument, "cannot pad axis ", axis, " of size 0 in a non-constant mode");
    } else if (mode == PadMode::kEdge) {
      q = p < 0 ? 0 : m - 1;
    } else if (mode == PadMode::kWrap) {
      q = ((p % m) + m) % m;
    } else if (m == 1) {
      q = 0;
    } else {  // reflect, period 2(m-1)
      const int64_t period = 2 * (m - 1);
      q = ((p % period) + period) % period;
      if (q >= m) q = period - q;
    }
    t[static_cast<size_t>(o)] = lo + q;
  }
  return t;
}

// Pads (or crops, for negative amounts) every axis of x. `value` holds the
// constant as element 0 (same element type as x), or is null for zero.
Tensor pad_tensor(const Tensor& x, const std::vector<int64_t>& begins, const std::vector<int64_t>& ends, PadMode mode,
                  const Tensor* value, Allocator* alloc, ThreadPool* pool) {
  const int rank = x.rank();
  Shape out_shape(static_cast<size_t>(rank));
  std::vector<std::vector<int64_t>> tables(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const size_t iu = static_cast<size_t>(i);
    const int64_t d = x.shape()[iu], b = begins[iu], e = ends[iu];
    constexpr int64_t kMax = int64_t{1} << 60;  // d + b + e stays far from int64 overflow
    if (b > kMax || e > kMax || b < -kMax || e < -kMax || d + b + e < 0)
      fail(ErrorCode::kInvalidArgument, "pads ", b, ", ", e, " on axis ", i, " of size ", d,
           " give a negative or absurd size");
    out_shape[iu] = d + b + e;
  }
  // Tables are as long as the output axes: build them only for an output that
  // exists and was allowed (shape_numel refuses absurd sizes first).
  if (shape_numel(out_shape) > 0) {
    for (int i = 0; i < rank; ++i) {
      const size_t iu = static_cast<size_t>(i);
      tables[iu] = axis_table(x.shape()[iu], begins[iu], ends[iu], mode, i);
    }
  }
  if (dtype_is_packed(x.dtype())) {
    Tensor bytes = unpack_subbyte(x);
    Tensor v;
    if (value) v = unpack_subbyte(*value);
    Tensor padded = pad_tensor(bytes, begins, ends, mode, value ? &v : nullptr, nullptr, pool);
    return pack_subbyte(padded, x.dtype(), alloc);
  }
  Tensor out(x.dtype(), out_shape, alloc);
  if (out.numel() == 0) return out;  // (tables were not built)
  if (rank == 0) {
    copy_elements(x, 0, out, 0, 1);
    return out;
  }
  Shape xs = shape_strides(x.shape());
  const int64_t inner = out_shape.back();
  const int64_t rows = out.numel() / inner;
  const std::vector<int64_t>& last = tables.back();
  dispatch_by_size(x.dtype(), [&]<typename T>() {
    const T fill = value ? value->data<T>()[0] : T{};
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    parallel_for(pool, rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        // Input offset of this row, or -1 when an outer axis is in the pad.
        int64_t off = 0, rem = r;
        for (int d = rank - 2; d >= 0 && off >= 0; --d) {
          const size_t du = static_cast<size_t>(d);
          int64_t o = rem % out_shape[du];
          rem /= out_shape[du];
          int64_t k = tables[du][static_cast<size_t>(o)];
          off = k < 0 ? -1 : off + k * xs[du];
        }
        T* q = dst + r * inner;
        if (off < 0) {
          std::fill(q, q + inner, fill);
          continue;
        }
        const T* p = src + off;
        for (int64_t c = 0; c < inner; ++c) {
          int64_t k = last[static_cast<size_t>(c)];
          q[c] = k < 0 ? fill : p[k];
        }
      }
    });
  });
  return out;
}

// ---- Pad ------------------------------------------------------------------------

class Pad final : public Kernel {
 public:
  explicit Pad(const KernelInit& init) : opset_(init.opset()), mode_(parse_mode(init.node)) {
    if (opset_ < 11) {
      pads_ = init.node.required_attr(opset_ < 2 ? "paddings" : "pads", ir::AttrType::kInts).ints;
      value_ = init.node.attr_float("value", 0.f);
    }
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int rank = x.rank();
    std::vector<int64_t> pads = pads_;
    Tensor value;
    std::vector<int> axes;
    if (opset_ < 11) {
      if (value_ != 0.f) {
        value = Tensor(x.dtype(), {});
        dispatch_numeric(x.dtype(), [&]<typename T>() { value.data<T>()[0] = store_as<T>(static_cast<double>(value_)); });
      }
    } else {
      const Tensor& p = ctx.input(1);
      if (p.rank() != 1 || p.dtype() != DataType::kInt64)
        fail(ErrorCode::kInvalidArgument, "pads must be a 1-D int64 tensor, got ", p.describe());
      pads = p.to_int64_vector();
      if (const Tensor* v = ctx.optional_input(2)) {
        if (v->dtype() != x.dtype())
          fail(ErrorCode::kInvalidArgument, "constant_value ", v->describe(), " must have the element type of data ",
               x.describe());
        if (v->numel() > 1)
          fail(ErrorCode::kInvalidArgument, "constant_value must be a scalar, got ", v->describe());
        if (v->numel() == 1) value = *v;
      }
      if (const Tensor* a = ctx.optional_input(3)) {
        if (a->rank() != 1 || (a->dtype() != DataType::kInt64 && a->dtype() != DataType::kInt32))
          fail(ErrorCode::kInvalidArgument, "axes must be a 1-D integer tensor, got ", a->describe());
        axes = normalize_axes(a->to_int64_vector(), rank);
      }
    }
    if (axes.empty() && !(opset_ >= 11 && ctx.optional_input(3)))
      for (int i = 0; i < rank; ++i) axes.push_back(i);
    if (pads.size() != 2 * axes.size())
      fail(ErrorCode::kInvalidArgument, "pads ", shape_str(pads), " must have ", 2 * axes.size(), " entries (2 per axis)");
    std::vector<int64_t> begins(static_cast<size_t>(rank), 0), ends(static_cast<size_t>(rank), 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      begins[static_cast<size_t>(axes[i])] = pads[i];
      ends[static_cast<size_t>(axes[i])] = pads[i + axes.size()];
    }
    ctx.set_output(0, pad_tensor(x, begins, ends, mode_, value.defined() ? &value : nullptr, ctx.allocator(),
                                 ctx.pool()));
  }

 private:
  int opset_;
  PadMode mode_;
  std::vector<int64_t> pads_;
  float value_ = 0.f;
};

void infer_pad(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(in->size());
  std::optional<std::vector<int64_t>> pads;
  if (ctx.opset() < 11) pads = ctx.node().attr_ints(ctx.opset() < 2 ? "paddings" : "pads");
  else pads = tinfer::input_ints(ctx, 1);
  std::optional<std::vector<int64_t>> axes_raw;
  if (ctx.opset() >= 11 && ctx.has_input(3)) {
    axes_raw = tinfer::input_ints(ctx, 3);
    if (!axes_raw) {
      ctx.set_output(0, dt, ir::Dims(static_cast<size_t>(rank)));
      return;
    }
  }
  std::vector<int> axes;
  if (axes_raw) {
    for (int64_t a : *axes_raw) {
      if (a < -rank || a >= rank) ctx.fail("axes value ", a, " is out of range for rank ", rank);
      axes.push_back(static_cast<int>(a < 0 ? a + rank : a));
    }
  } else {
    for (int i = 0; i < rank; ++i) axes.push_back(i);
  }
  ir::Dims out = *in;
  if (!pads) {
    for (int a : axes) out[static_cast<size_t>(a)] = ir::Dim();
    ctx.set_output(0, dt, out);
    return;
  }
  if (pads->size() != 2 * axes.size()) ctx.fail("pads has ", pads->size(), " entries for ", axes.size(), " axes");
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t b = (*pads)[i], e = (*pads)[i + axes.size()];
    ir::Dim& d = out[static_cast<size_t>(axes[i])];
    constexpr int64_t kMax = int64_t{1} << 60;
    if (b > kMax || b < -kMax || e > kMax || e < -kMax) {
      d = ir::Dim();  // refused at run time with a clear error
      continue;
    }
    const int64_t total = b + e;
    if (d.known()) {
      if (d.value + total < 0) ctx.fail("pads make axis ", axes[i], " of size ", d.value, " negative");
      d = ir::Dim(d.value + total);
    } else if (total != 0) {
      d = ir::Dim();
    }
  }
  ctx.set_output(0, dt, out);
}

// ---- CenterCropPad --------------------------------------------------------------

class CenterCropPad final : public Kernel {
 public:
  explicit CenterCropPad(const KernelInit& init)
      : axes_(init.node.attr_ints("axes")), has_axes_(init.node.has_attr("axes")) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& s = ctx.input(1);
    if (s.rank() != 1 || (s.dtype() != DataType::kInt64 && s.dtype() != DataType::kInt32))
      fail(ErrorCode::kInvalidArgument, "shape must be a 1-D integer tensor, got ", s.describe());
    std::vector<int64_t> shape = s.to_int64_vector();
    const int rank = x.rank();
    std::vector<int> axes;
    if (has_axes_) {
      axes = normalize_axes(axes_, rank);
    } else {
      for (int i = 0; i < rank; ++i) axes.push_back(i);
    }
    if (shape.size() != axes.size())
      fail(ErrorCode::kInvalidArgument, "shape ", shape_str(shape), " has ", shape.size(), " entries for ", axes.size(),
           " axes");
    std::vector<int64_t> begins(static_cast<size_t>(rank), 0), ends(static_cast<size_t>(rank), 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      const size_t a = static_cast<size_t>(axes[i]);
      const int64_t want = shape[i], dim = x.shape()[a];
      if (want < 0) fail(ErrorCode::kInvalidArgument, "shape ", shape_str(shape), " has a negative entry");
      // Crop: the extra half rounds toward the end; pad: the same.
      const int64_t diff = want - dim;
      const int64_t mag = diff < 0 ? -diff : diff;
      const int64_t head = mag / 2, tail = mag - head;
      begins[a] = diff < 0 ? -head : head;
      ends[a] = diff < 0 ? -tail : tail;
    }
    ctx.set_output(0, pad_tensor(x, begins, ends, PadMode::kConstant, nullptr, ctx.allocator(), ctx.pool()));
  }

 private:
  std::vector<int64_t> axes_;
  bool has_axes_;
};

void infer_center_crop_pad(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  std::optional<ir::Dims> shape = tinfer::shape_input_dims(ctx, 1);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(in->size());
  std::vector<int> axes;
  if (ctx.node().has_attr("axes")) {
    for (int64_t a : ctx.node().attr_ints("axes")) {
      if (a < -rank || a >= rank) ctx.fail("axes value ", a, " is out of range for rank ", rank);
      axes.push_back(static_cast<int>(a < 0 ? a + rank : a));
    }
  } else {
    for (int i = 0; i < rank; ++i) axes.push_back(i);
  }
  ir::Dims out = *in;
  for (size_t i = 0; i < axes.size(); ++i)
    out[static_cast<size_t>(axes[i])] = shape && shape->size() == axes.size() ? (*shape)[i] : ir::Dim();
  ctx.set_output(0, dt, out);
}

}  // namespace

ONYX_KERNEL({.op = "Pad", .since = 1, .infer = infer_pad, .create = create<Pad>});
ONYX_KERNEL({.op = "CenterCropPad", .since = 18, .infer = infer_center_crop_pad, .create = create<CenterCropPad>});

}  // namespace onyx
