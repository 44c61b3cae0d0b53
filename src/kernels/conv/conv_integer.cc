// ConvInteger and QLinearConv (opset 10): convolutions of int8/uint8 tensors
// with zero points, summed in int32 by the reference convolution (sums wrap).
// The zero points are subtracted before padding, so padding contributes 0.
//
// x_zero_point is per tensor; w_zero_point and (QLinearConv) w_scale are a
// scalar or one value per output channel. QLinearConv adds the int32 bias
// and requantizes:
//   y = saturate(round_half_even(sum * x_scale * w_scale[m] / y_scale) + y_zero_point)
#include "kernels/common/qlinear.h"
#include "kernels/conv/conv_common.h"
#include "kernels/conv/conv_ref.h"
#include "shape/infer.h"

namespace onyx {

namespace {

struct IntConvResult {
  ConvShapes shapes;
  std::vector<int32_t> y;
};

// The int32 convolution of (x - x_zp) and (w - w_zp), plus an optional bias.
IntConvResult int_conv(const WindowAttrs& attrs, int64_t group, const Tensor& x, const Tensor* xzp_t,
                       const Tensor& w, const Tensor* wzp_t, const Tensor* bias, ThreadPool* pool) {
  IntConvResult r;
  r.shapes = check_conv_shapes(attrs, group, x.shape(), w.shape());
  const ConvShapes& s = r.shapes;
  if (xzp_t) {
    if (xzp_t->dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "x_zero_point must have the element type of x, ", dtype_name(x.dtype()));
    if (xzp_t->numel() != 1)
      fail(ErrorCode::kInvalidArgument, "x_zero_point ", shape_str(xzp_t->shape()), " must be a scalar");
  }
  if (wzp_t) {
    if (wzp_t->dtype() != w.dtype())
      fail(ErrorCode::kInvalidArgument, "w_zero_point must have the element type of w, ", dtype_name(w.dtype()));
    check_per_channel(*wzp_t, s.out_channels, "w_zero_point", true);
  }
  if (bias) {
    if (bias->dtype() != DataType::kInt32)
      fail(ErrorCode::kInvalidArgument, "B must be int32, got ", dtype_name(bias->dtype()));
    check_per_channel(*bias, s.out_channels, "B", false);
  }
  std::vector<int32_t> x32 = widen_minus_zero_point(x, zero_point_values(xzp_t, "x_zero_point"), 1, "x");
  const int64_t per_channel = s.out_channels == 0 ? 1 : std::max<int64_t>(1, w.numel() / s.out_channels);
  std::vector<int32_t> w32 = widen_minus_zero_point(w, zero_point_values(wzp_t, "w_zero_point"), per_channel, "w");
  r.y.resize(static_cast<size_t>(shape_numel(s.out_shape)));
  ConvArgs<int32_t> a;
  a.batch = s.batch;
  a.in_channels = s.in_channels;
  a.out_channels = s.out_channels;
  a.group = s.group;
  a.geo = s.geo;
  a.x = x32.data();
  a.w = w32.data();
  a.bias = bias ? bias->data<int32_t>() : nullptr;
  a.y = r.y.data();
  conv_ref(a, pool);
  return r;
}

class ConvInteger final : public Kernel {
 public:
  explicit ConvInteger(const KernelInit& init)
      : attrs_(WindowAttrs::from_node(init.node)), group_(init.node.attr_int("group", 1)) {}

  void run(KernelContext& ctx) const override {
    IntConvResult r = int_conv(attrs_, group_, ctx.input(0), ctx.optional_input(2), ctx.input(1),
                               ctx.optional_input(3), nullptr, ctx.pool());
    Tensor& y = ctx.output(0, r.shapes.out_shape, DataType::kInt32);
    std::copy(r.y.begin(), r.y.end(), y.data<int32_t>());
  }

 private:
  WindowAttrs attrs_;
  int64_t group_;
};

class QLinearConv final : public Kernel {
 public:
  explicit QLinearConv(const KernelInit& init)
      : attrs_(WindowAttrs::from_node(init.node)), group_(init.node.attr_int("group", 1)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x_scale = ctx.input(1);
    const Tensor& w_scale = ctx.input(4);
    const Tensor& y_scale = ctx.input(6);
    const Tensor& yzp = ctx.input(7);
    IntConvResult r = int_conv(attrs_, group_, ctx.input(0), &ctx.input(2), ctx.input(3), &ctx.input(5),
                               ctx.optional_input(8), ctx.pool());
    const int64_t M = r.shapes.out_channels;
    if (x_scale.numel() != 1) fail(ErrorCode::kInvalidArgument, "x_scale must be a scalar");
    if (y_scale.numel() != 1) fail(ErrorCode::kInvalidArgument, "y_scale must be a scalar");
    if (yzp.numel() != 1) fail(ErrorCode::kInvalidArgument, "y_zero_point must be a scalar");
    check_per_channel(w_scale, M, "w_scale", true);
    const float xs = scale_values(x_scale, "x_scale")[0], ys = scale_values(y_scale, "y_scale")[0];
    const std::vector<float> ws = scale_values(w_scale, "w_scale");
    const int32_t z = zero_point_values(&yzp, "y_zero_point")[0];
    Tensor& y = ctx.output(0, r.shapes.out_shape, yzp.dtype());
    const int64_t plane = M == 0 || r.shapes.batch == 0 ? 1 : y.numel() / (r.shapes.batch * M);
    auto store = [&]<typename T>() {
      T* out = y.data<T>();
      for (int64_t i = 0; i < y.numel(); ++i) {
        const int64_t m = (i / plane) % M;
        const float scale = xs * ws[ws.size() == 1 ? 0 : static_cast<size_t>(m)] / ys;
        out[i] = requantize<T>(static_cast<float>(r.y[static_cast<size_t>(i)]) * scale, z);
      }
    };
    if (yzp.dtype() == DataType::kUInt8) store.template operator()<uint8_t>();
    else if (yzp.dtype() == DataType::kInt8) store.template operator()<int8_t>();
    else fail(ErrorCode::kInvalidArgument, "y_zero_point must be int8 or uint8, got ", dtype_name(yzp.dtype()));
  }

 private:
  WindowAttrs attrs_;
  int64_t group_;
};

void infer_conv_integer(InferContext& ctx) { infer_conv_output(ctx, 0, 1, DataType::kInt32); }

void infer_qlinear_conv(InferContext& ctx) {
  for (auto [v, zp] : {std::pair{0, 2}, std::pair{3, 5}})
    if (ctx.input_dtype(v) != DataType::kUndefined && ctx.input_dtype(zp) != DataType::kUndefined &&
        ctx.input_dtype(v) != ctx.input_dtype(zp))
      ctx.fail("input ", zp, " (zero point) must have the element type of input ", v);
  infer_conv_output(ctx, 0, 3, ctx.input_dtype(7));
}

}  // namespace

ONYX_KERNEL({.op = "ConvInteger", .since = 10, .types = {DataType::kUInt8, DataType::kInt8},
             .infer = infer_conv_integer, .create = create<ConvInteger>});
ONYX_KERNEL({.op = "QLinearConv", .since = 10, .types = {DataType::kUInt8, DataType::kInt8},
             .infer = infer_qlinear_conv, .create = create<QLinearConv>});

}  // namespace onyx
