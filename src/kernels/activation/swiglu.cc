// SwiGLU (opset 28): Y = A * sigmoid(alpha * A) * B. A (gate) and B (value)
// must have identical shapes: the spec applies no broadcasting.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

template <typename C>
C swish(C a, C alpha) {
  const C z = alpha * a;
  const C s = z >= 0 ? C(1) / (C(1) + std::exp(-z)) : std::exp(z) / (C(1) + std::exp(z));
  return a * s;
}

class SwiGLU final : public Kernel {
 public:
  explicit SwiGLU(const KernelInit& init) : alpha_(init.node.attr_float("alpha", 1.0f)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    check_same_dtypes(ctx);
    if (a.shape() != b.shape())
      fail(ErrorCode::kInvalidArgument, "A ", shape_str(a.shape()), " and B ", shape_str(b.shape()),
           " must have the same shape (SwiGLU does not broadcast)");
    Tensor& y = ctx.output(0, a.shape(), a.dtype());
    dispatch_float(a.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const C alpha = static_cast<C>(alpha_);
      binary_broadcast<T, T, T>(a, b, y, [alpha](T g, T v) { return store_as<T>(swish(C(g), alpha) * C(v)); },
                                ctx.pool());
    }, "SwiGLU");
  }

 private:
  float alpha_;
};

void infer_swiglu(InferContext& ctx) {
  infer::check_same_dtypes(ctx);
  const ir::Dims* a = ctx.input_dims(0);
  const ir::Dims* b = ctx.input_dims(1);
  if (a && b) {
    bool differ = a->size() != b->size();
    for (size_t i = 0; !differ && i < a->size(); ++i)
      differ = (*a)[i].known() && (*b)[i].known() && (*a)[i].value != (*b)[i].value;
    if (differ) ctx.fail("A ", shape_str(*a), " and B ", shape_str(*b), " must have the same shape");
  }
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "SwiGLU", .since = 28, .types = ew_types::floats(), .infer = infer_swiglu,
             .create = create<SwiGLU>});

}  // namespace onyx
