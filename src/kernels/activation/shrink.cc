// Shrink: x + bias where x < -lambd, x - bias where x > lambd, else 0.
// Defined on every numeric type; integers compute in double and truncate back
// (float_to_int: defined for any bias).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

class Shrink final : public Kernel {
 public:
  explicit Shrink(const KernelInit& init)
      : lambd_(init.node.attr_float("lambd", 0.5f)), bias_(init.node.attr_float("bias", 0.0f)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());  // y[i] from x[i] alone
    const double lambd = lambd_, bias = bias_;
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      unary_map<T, T>(x, y, [=](T v) {
        if constexpr (std::is_integral_v<T>) {
          const double d = static_cast<double>(v);
          return d < -lambd ? float_to_int<T>(d + bias) : d > lambd ? float_to_int<T>(d - bias) : T(0);
        } else {
          using C = compute_t<T>;
          const C c = C(v), l = static_cast<C>(lambd), b = static_cast<C>(bias);
          return store_as<T>(c < -l ? c + b : c > l ? c - b : C(0));
        }
      }, ctx.pool());
    }, "Shrink");
  }

 private:
  float lambd_, bias_;
};

}  // namespace

ONYX_KERNEL({.op = "Shrink", .since = 9, .types = ew_types::numeric(), .infer = infer::same_as_input,
             .create = create<Shrink>});

}  // namespace onyx
