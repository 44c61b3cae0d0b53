// Mod with numpy broadcasting.
//
// fmod=0 (default): the remainder takes the divisor's sign, like numpy.mod /
// Python's %. fmod=1: it takes the dividend's sign, like C fmod / %. The spec
// requires fmod=1 for floating-point inputs, so fmod=0 on floats is refused
// (at load when the type is known), as ONNX Runtime does. Integer remainder by
// zero is an error; INT_MIN % -1 (undefined in C++) is 0.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

template <typename T>
T int_mod(T x, T y, bool c_style) {
  if constexpr (std::is_signed_v<T>) {
    if (y == -1) return 0;
    T r = static_cast<T>(x % y);
    if (!c_style && r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
    return r;
  } else {
    return static_cast<T>(x % y);
  }
}

constexpr const char* kFloatNeedsFmod = "fmod must be 1 for floating-point inputs (ONNX Mod)";

class Mod final : public Kernel {
 public:
  explicit Mod(const KernelInit& init) : fmod_(init.node.attr_int("fmod", 0) != 0) {}
  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    check_same_dtypes(ctx);
    Tensor& c = ctx.output(0, broadcast_shapes(a.shape(), b.shape()), a.dtype());
    const bool c_style = fmod_;
    dispatch_numeric(a.dtype(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        const T* pb = b.data<T>();
        for (int64_t i = 0; i < b.numel() && c.numel() > 0; ++i)
          if (pb[i] == 0) fail(ErrorCode::kInvalidArgument, "integer modulo by zero (divisor element ", i, ")");
        binary_broadcast<T, T, T>(a, b, c, [c_style](T x, T y) { return int_mod<T>(x, y, c_style); }, ctx.pool());
      } else {
        if (!c_style) fail(ErrorCode::kInvalidArgument, kFloatNeedsFmod);
        using C = compute_t<T>;
        binary_broadcast<T, T, T>(a, b, c, [](T x, T y) { return store_as<T>(std::fmod(C(x), C(y))); },
                                  ctx.pool());
      }
    }, "Mod");
  }

 private:
  bool fmod_;
};

void infer_mod(InferContext& ctx) {
  if (dtype_is_float(ctx.input_dtype(0)) && ctx.node().attr_int("fmod", 0) == 0) ctx.fail(kFloatNeedsFmod);
  infer::binary_op(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "Mod", .since = 10, .types = ew_types::numeric(), .infer = infer_mod, .create = create<Mod>});

}  // namespace onyx
