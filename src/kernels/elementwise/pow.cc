// Pow: base ** exponent with numpy broadcasting. From opset 12 the exponent
// may have another element type than the base; the output has the base's.
//
// The exponent is first widened to double (float exponents) or int64 (integer
// exponents), so kernels exist per base type only. Integer ** integer is
// computed exactly with wrap-around (repeated squaring); integer ** negative
// integer truncates 1/x^n like C (0 unless |x| == 1), and 0 ** negative is an
// error rather than a division by zero. Integer ** float goes through double
// and converts back with float_to_int (defined for NaN and overflow).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

template <typename T>
T int_pow(T base, int64_t e) {
  if (e < 0) {
    if (base == 0) fail(ErrorCode::kInvalidArgument, "integer zero raised to a negative power ", e);
    if (base == 1) return 1;
    if constexpr (std::is_signed_v<T>) {
      if (base == -1) return static_cast<T>((e & 1) ? -1 : 1);
    }
    return 0;
  }
  T result = 1;
  uint64_t n = static_cast<uint64_t>(e);
  while (n) {
    if (n & 1) result = wrap_mul(result, base);
    n >>= 1;
    if (n) base = wrap_mul(base, base);
  }
  return result;
}

// The exponent as double or int64 (same shape).
Tensor widen_exponent(const Tensor& e) {
  if (e.dtype() == DataType::kDouble || e.dtype() == DataType::kInt64) return e;
  bool is_float = dtype_is_float(e.dtype());
  Tensor w(is_float ? DataType::kDouble : DataType::kInt64, e.shape());
  dispatch_numeric(e.dtype(), [&]<typename T>() {
    const T* src = e.data<T>();
    for (int64_t i = 0; i < e.numel(); ++i) {
      if constexpr (std::is_integral_v<T>) {
        // uint64 exponents past int64 saturate: any base other than 0/±1 has overflowed long before.
        if constexpr (std::is_same_v<T, uint64_t>)
          w.data<int64_t>()[i] = src[i] > uint64_t(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(src[i]);
        else
          w.data<int64_t>()[i] = static_cast<int64_t>(src[i]);
      } else {
        w.data<double>()[i] = static_cast<double>(static_cast<compute_t<T>>(src[i]));
      }
    }
  }, "Pow exponent");
  return w;
}

class Pow final : public Kernel {
 public:
  explicit Pow(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor e = widen_exponent(legacy_input_b(ctx));
    Tensor& z = ctx.output(0, broadcast_shapes(x.shape(), e.shape()), x.dtype());
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      if (e.dtype() == DataType::kInt64) {
        binary_broadcast<T, int64_t, T>(x, e, z, [](T b, int64_t n) -> T {
          if constexpr (std::is_integral_v<T>) return int_pow<T>(b, n);
          else return store_as<T>(std::pow(C(b), C(n)));
        }, ctx.pool());
      } else {
        binary_broadcast<T, double, T>(x, e, z, [](T b, double n) -> T {
          if constexpr (std::is_integral_v<T>) return float_to_int<T>(std::pow(static_cast<double>(b), n));
          else return store_as<T>(std::pow(C(b), C(n)));
        }, ctx.pool());
      }
    }, "Pow");
  }
};

void infer_pow(InferContext& ctx) {
  // Output: the base's element type, broadcast shape (legacy: the base's shape).
  if (ctx.opset() < 12) infer::check_same_dtypes(ctx);
  if (uses_legacy_broadcast(ctx.node())) {
    infer::same_as_input(ctx);
    return;
  }
  infer::broadcast_inputs(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "Pow", .since = 1, .types = ew_types::numeric(), .infer = infer_pow, .create = create<Pow>});

}  // namespace onyx
