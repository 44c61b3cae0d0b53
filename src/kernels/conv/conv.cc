// Conv: N-D convolution (1-D, 2-D, 3-D ...) with groups, strides, dilations,
// explicit or automatic padding and an optional bias. Opsets 1, 11 and 22
// share the semantics (11 only changed the auto_pad documentation, 22 added
// bfloat16). Float16/BFloat16 compute in float.
#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"
#include "kernels/conv/conv_common.h"
#include "kernels/conv/conv_ref.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Conv final : public Kernel {
 public:
  explicit Conv(const KernelInit& init)
      : attrs_(WindowAttrs::from_node(init.node)), group_(init.node.attr_int("group", 1)) {
    // Constant small-float weights are widened to float once, here.
    if (const Tensor* w = init.constant_input(1)) {
      if (w->dtype() == DataType::kFloat16) widened_w_ = ComputeView<float>::of(w->data<Float16>(), w->numel());
      if (w->dtype() == DataType::kBFloat16) widened_w_ = ComputeView<float>::of(w->data<BFloat16>(), w->numel());
      if (!widened_w_.empty()) widened_from_ = w->raw();
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    if (w.dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "W has element type ", dtype_name(w.dtype()), " but X has ",
           dtype_name(x.dtype()));
    ConvShapes s = check_conv_shapes(attrs_, group_, x.shape(), w.shape());
    if (b) {
      if (b->dtype() != x.dtype())
        fail(ErrorCode::kInvalidArgument, "B has element type ", dtype_name(b->dtype()), " but X has ",
             dtype_name(x.dtype()));
      check_per_channel(*b, s.out_channels, "B", false);
    }
    Tensor& y = ctx.output(0, s.out_shape, x.dtype());
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      ConvArgs<C> a;
      a.batch = s.batch;
      a.in_channels = s.in_channels;
      a.out_channels = s.out_channels;
      a.group = s.group;
      a.geo = s.geo;
      if constexpr (std::is_same_v<T, C>) {
        a.x = x.data<T>();
        a.w = w.data<T>();
        a.bias = b ? b->data<T>() : nullptr;
        a.y = y.data<T>();
        conv_ref(a, ctx.pool());
      } else {
        ComputeView<float> xv = ComputeView<float>::of(x.data<T>(), x.numel());
        ComputeView<float> wv;
        if (w.raw() != widened_from_) wv = ComputeView<float>::of(w.data<T>(), w.numel());
        ComputeView<float> bv;
        if (b) bv = ComputeView<float>::of(b->data<T>(), b->numel());
        std::vector<float> yf(static_cast<size_t>(y.numel()));
        a.x = xv.data();
        a.w = w.raw() == widened_from_ ? widened_w_.data() : wv.data();
        a.bias = b ? bv.data() : nullptr;
        a.y = yf.data();
        conv_ref(a, ctx.pool());
        narrow_from_float(yf.data(), y.numel(), y.data<T>());
      }
    });
  }

 private:
  WindowAttrs attrs_;
  int64_t group_;
  ComputeView<float> widened_w_;
  const void* widened_from_ = nullptr;
};

void infer_conv(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  for (int i : {1, 2})
    if (ctx.has_input(i) && ctx.input_dtype(i) != DataType::kUndefined && t != DataType::kUndefined &&
        ctx.input_dtype(i) != t)
      ctx.fail("input ", i, " has element type ", dtype_name(ctx.input_dtype(i)), " but X has ", dtype_name(t));
  infer_conv_output(ctx, 0, 1, t);
}

}  // namespace

ONYX_KERNEL({.op = "Conv", .since = 1, .types = kFloatTypes, .infer = infer_conv, .create = create<Conv>});

}  // namespace onyx
