// PRelu: y = x < 0 ? slope * x : x.
//
// From opset 7 the slope broadcasts to x's shape by numpy rules (one way: the
// output always has x's shape). Opsets 1 and 6 predate that: a slope of one
// element is shared, and a 1-D slope of x.dim(1) elements is per channel, as
// the PyTorch exporter of that era emitted it ([C] against [N, C, H, W]).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

// The slope's shape as it broadcasts against x.
Shape slope_shape(const ir::Node& node, const Shape& x, const Shape& slope) {
  if (node.opset >= 7) return slope;
  int64_t n = 1;
  for (int64_t d : slope) n *= d;
  if (n == 1) return Shape{};
  if (slope.size() == 1 && x.size() >= 2 && slope[0] == x[1]) {
    Shape s(x.size() - 1, 1);
    s[0] = slope[0];
    return s;
  }
  return slope;
}

class PRelu final : public Kernel {
 public:
  explicit PRelu(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor slope = ctx.input(1);
    check_same_dtypes(ctx);
    Shape ss = slope_shape(ctx.node(), x.shape(), slope.shape());
    if (ss != slope.shape()) slope = slope.reshaped(ss);
    if (broadcast_shapes(x.shape(), slope.shape()) != x.shape())
      fail(ErrorCode::kInvalidArgument, "slope ", shape_str(slope.shape()), " does not broadcast to the input shape ",
           shape_str(x.shape()));
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      binary_broadcast<T, T, T>(x, slope, y, [](T v, T s) -> T {
        if constexpr (std::is_integral_v<T>) {
          if constexpr (std::is_signed_v<T>) return v < 0 ? wrap_mul(s, v) : v;
          else return v;
        } else {
          return C(v) < 0 ? store_as<T>(C(s) * C(v)) : v;
        }
      }, ctx.pool());
    }, "PRelu");
  }
};

void infer_prelu(InferContext& ctx) {
  infer::check_same_dtypes(ctx);
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* s = ctx.input_dims(1);
  if (x && s && ctx.opset() >= 7) {
    ir::Dims b = infer::broadcast(ctx, *x, *s);
    bool grows = b.size() != x->size();
    for (size_t i = 0; !grows && i < b.size(); ++i)
      grows = b[i].known() && (*x)[i].known() && b[i].value != (*x)[i].value;
    if (grows) ctx.fail("slope ", shape_str(*s), " does not broadcast to the input shape ", shape_str(*x));
  }
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "PRelu", .since = 1, .types = ew_types::numeric(), .infer = infer_prelu, .create = create<PRelu>});

}  // namespace onyx
