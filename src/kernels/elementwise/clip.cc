// Clip: min(max(x, lo), hi).
//
// Opsets 1 and 6 take the bounds as float attributes `min`/`max`; from opset
// 11 they are optional scalar inputs of x's type (integers from opset 12). A
// missing bound is no bound. With lo > hi every element becomes hi, as numpy.clip
// gives. NaN inputs stay NaN.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

class Clip final : public Kernel {
 public:
  explicit Clip(const KernelInit& init) {
    if (init.opset() < 11) {
      legacy_ = true;
      lo_attr_ = init.node.attr_float("min", -std::numeric_limits<float>::infinity());
      hi_attr_ = init.node.attr_float("max", std::numeric_limits<float>::infinity());
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());  // y[i] from x[i] alone
    const Tensor* lo_t = legacy_ ? nullptr : ctx.optional_input(1);
    const Tensor* hi_t = legacy_ ? nullptr : ctx.optional_input(2);
    for (const Tensor* b : {lo_t, hi_t}) {
      if (!b) continue;
      const char* which = b == lo_t ? "min" : "max";
      if (b->dtype() != x.dtype())
        fail(ErrorCode::kInvalidArgument, "bound '", which, "' has element type ", dtype_name(b->dtype()),
             " but the input has ", dtype_name(x.dtype()));
      if (b->numel() != 1)
        fail(ErrorCode::kInvalidArgument, "bound '", which, "' must be a scalar, got shape ", shape_str(b->shape()));
    }
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      C lo = std::numeric_limits<C>::lowest(), hi = std::numeric_limits<C>::max();
      if (legacy_) {
        if constexpr (!std::is_integral_v<T>) {
          lo = static_cast<C>(lo_attr_);
          hi = static_cast<C>(hi_attr_);
        } else {
          throw_unsupported_dtype(x.dtype(), "Clip before opset 12");
        }
      }
      if (lo_t) lo = C(lo_t->data<T>()[0]);
      if (hi_t) hi = C(hi_t->data<T>()[0]);
      unary_map<T, T>(x, y, [lo, hi](T v) {
        C c = C(v);
        if (c < lo) c = lo;
        if (c > hi) c = hi;
        return store_as<T>(c);
      }, ctx.pool());
    }, "Clip");
  }

 private:
  bool legacy_ = false;
  float lo_attr_ = 0, hi_attr_ = 0;
};

void infer_clip(InferContext& ctx) {
  if (ctx.opset() >= 11) infer::check_same_dtypes(ctx);
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "Clip", .since = 1, .types = ew_types::numeric(), .infer = infer_clip, .create = create<Clip>});

}  // namespace onyx
