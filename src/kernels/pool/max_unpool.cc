// MaxUnpool (opsets 9, 11, 22): the partial inverse of MaxPool. The
// unpooled shape is
//   (in - 1) * stride + kernel - pad_begin - pad_end
// per spatial axis; it starts as zeros and each X value lands at its flat
// index from I (MaxPool's Indices: positions in the whole [N, C, D1..Dn]
// tensor). The optional output_shape input (opset 11+) may be larger on the
// spatial axes: the unpooled result is then padded with zeros at the end of
// each axis, as the ONNX reference does. Indices are untrusted: each is
// checked against the unpooled size.
#include "kernels/common/math.h"
#include "kernels/common/window.h"
#include "shape/infer.h"

namespace onyx {

namespace {

struct UnpoolAttrs {
  std::vector<int64_t> kernel, strides, pads;

  explicit UnpoolAttrs(const ir::Node& n)
      : kernel(n.attr_ints("kernel_shape")), strides(n.attr_ints("strides")), pads(n.attr_ints("pads")) {}

  // Output spatial size of axis i for input size `in` (< 0: unknown).
  int64_t out_dim(int rank, int i, int64_t in) const {
    const size_t u = static_cast<size_t>(i);
    if (in < 0) return -1;
    const int64_t s = strides.empty() ? 1 : strides[u];
    const int64_t pb = pads.empty() ? 0 : pads[u], pe = pads.empty() ? 0 : pads[u + static_cast<size_t>(rank)];
    const int64_t o = (in - 1) * s + kernel[u] - pb - pe;
    if (in > 0 && o < 0)
      fail(ErrorCode::kInvalidArgument, "pads ", ints_str(pads), " leave no output on spatial axis ", i);
    return in == 0 ? 0 : o;
  }

  void check(int rank) const {
    const size_t n = static_cast<size_t>(rank);
    if (kernel.size() != n)
      fail(ErrorCode::kInvalidArgument, "kernel_shape ", ints_str(kernel), " must have ", rank,
           " values (one per spatial dim)");
    for (int64_t k : kernel)
      if (k < 1 || k > (int64_t{1} << 31))
        fail(ErrorCode::kInvalidArgument, "kernel_shape ", ints_str(kernel), " must hold positive values");
    if (!strides.empty() && strides.size() != n)
      fail(ErrorCode::kInvalidArgument, "strides ", ints_str(strides), " must have ", rank, " values");
    for (int64_t s : strides)
      if (s < 1 || s > (int64_t{1} << 31))
        fail(ErrorCode::kInvalidArgument, "strides ", ints_str(strides), " must hold positive values");
    if (!pads.empty() && pads.size() != 2 * n)
      fail(ErrorCode::kInvalidArgument, "pads ", ints_str(pads), " must have ", 2 * rank, " values");
    for (int64_t p : pads)
      if (p < 0 || p > (int64_t{1} << 31))
        fail(ErrorCode::kInvalidArgument, "pads ", ints_str(pads), " must not be negative");
  }
};

class MaxUnpool final : public Kernel {
 public:
  explicit MaxUnpool(const KernelInit& init) : attrs_(init.node) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const Tensor* shape_in = ctx.optional_input(2);
    if (x.rank() < 3)
      fail(ErrorCode::kInvalidArgument, "X ", shape_str(x.shape()),
           " must have at least 3 dims (batch, channels, and one or more spatial dims)");
    if (ind.shape() != x.shape())
      fail(ErrorCode::kInvalidArgument, "I ", shape_str(ind.shape()), " must have the shape of X ",
           shape_str(x.shape()));
    if (ind.dtype() != DataType::kInt64)
      fail(ErrorCode::kInvalidArgument, "I must be int64, got ", dtype_name(ind.dtype()));
    const int rank = x.rank() - 2;
    attrs_.check(rank);
    Shape inferred{x.dim(0), x.dim(1)};
    for (int i = 0; i < rank; ++i) inferred.push_back(attrs_.out_dim(rank, i, x.dim(i + 2)));
    Shape ys = inferred;
    if (shape_in) {
      if (!dtype_is_integer(shape_in->dtype()) || shape_in->rank() != 1 || shape_in->numel() != x.rank())
        fail(ErrorCode::kInvalidArgument, "output_shape ", shape_in->describe(), " must be a 1-D integer tensor of ",
             x.rank(), " values");
      ys = shape_in->to_int64_vector();
      if (ys[0] != x.dim(0) || ys[1] != x.dim(1))
        fail(ErrorCode::kInvalidArgument, "output_shape ", shape_str(ys), " must keep the batch and channels of X ",
             shape_str(x.shape()));
      for (size_t d = 2; d < ys.size(); ++d)
        if (ys[d] < inferred[d])
          fail(ErrorCode::kInvalidArgument, "output_shape ", shape_str(ys), " is smaller than the unpooled shape ",
               shape_str(inferred));
    }
    Tensor& y = ctx.output(0, ys, x.dtype());
    const int64_t total = shape_numel(inferred);
    const int64_t* ip = ind.data<int64_t>();
    dispatch_float(x.dtype(), [&]<typename T>() {
      const T zero = store_as<T>(0.0f);
      // Scatter into the unpooled shape (in place when Y has that shape).
      std::vector<T> buf;
      T* u = y.data<T>();
      if (ys != inferred) {
        buf.assign(static_cast<size_t>(total), zero);
        u = buf.data();
      } else {
        std::fill(u, u + total, zero);
      }
      const T* xp = x.data<T>();
      for (int64_t i = 0; i < x.numel(); ++i) {
        const int64_t k = ip[i];
        if (k < 0 || k >= total)
          fail(ErrorCode::kInvalidArgument, "index ", k, " at position ", i, " of I is out of range for the output ",
               shape_str(inferred));
        u[k] = xp[i];
      }
      if (ys == inferred) return;
      // Embed at the origin of the larger output.
      T* yp = y.data<T>();
      std::fill(yp, yp + y.numel(), zero);
      const int64_t last = inferred.back();
      const int64_t rows = last == 0 ? 0 : total / last;
      for (int64_t r = 0; r < rows; ++r) {
        int64_t rem = r, off = 0, mul = ys.back();
        for (size_t d = inferred.size() - 1; d-- > 0;) {
          off += (rem % inferred[d]) * mul;
          rem /= inferred[d];
          mul *= ys[d];
        }
        std::copy(u + r * last, u + (r + 1) * last, yp + off);
      }
    });
  }

 private:
  UnpoolAttrs attrs_;
};

void infer_max_unpool(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) {
    ctx.set_output_unranked(0, t);
    return;
  }
  if (x->size() < 3)
    ctx.fail("X ", shape_str(*x), " must have at least 3 dims (batch, channels, and one or more spatial dims)");
  if (ctx.has_input(2)) {
    if (const ir::Dims* v = ctx.input_values(2)) {
      if (v->size() != x->size()) ctx.fail("output_shape must have ", x->size(), " values, got ", v->size());
      ctx.set_output(0, t, *v);
    } else {
      ctx.set_output(0, t, ir::Dims(x->size()));
    }
    return;
  }
  UnpoolAttrs a(ctx.node());
  const int rank = static_cast<int>(x->size()) - 2;
  ir::Dims out{(*x)[0], (*x)[1]};
  try {
    a.check(rank);
    for (int i = 0; i < rank; ++i) {
      const ir::Dim& d = (*x)[static_cast<size_t>(i) + 2];
      out.push_back(infer::dim_of(a.out_dim(rank, i, d.known() ? d.value : -1)));
    }
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  ctx.set_output(0, t, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "MaxUnpool", .since = 9, .types = kFloatTypes, .infer = infer_max_unpool,
             .create = create<MaxUnpool>});

}  // namespace onyx
