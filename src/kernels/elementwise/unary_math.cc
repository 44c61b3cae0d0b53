// Unary math ops: Abs, Neg, Exp, Log, Sqrt, Reciprocal, Floor, Ceil, Round,
// Sign, the trigonometric and hyperbolic functions, and Erf.
//
// One kernel template serves them all: float16/bfloat16 compute in float,
// float and double in their own precision. The few ops defined on integers
// (Abs, Neg, Sign, Erf) get integer versions that wrap instead of overflowing
// (Abs(INT_MIN) == INT_MIN, as numpy gives).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

enum class Un {
  kAbs, kNeg, kExp, kLog, kSqrt, kReciprocal, kFloor, kCeil, kRound, kSign,
  kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh, kCosh, kAsinh, kAcosh, kAtanh, kErf,
};

// Round half to even without depending on the floating-point environment's
// rounding mode (std::nearbyint would). Keeps the sign of zero, NaN and inf.
template <typename C>
C round_half_even(C x) {
  if (!std::isfinite(x)) return x;
  C r = std::floor(x);
  C diff = x - r;
  if (diff > C(0.5) || (diff == C(0.5) && std::fmod(r, C(2)) != 0)) r += C(1);
  return r == 0 ? std::copysign(C(0), x) : r;
}

template <Un kOp, typename C>
C apply_float(C x) {
  if constexpr (kOp == Un::kAbs) return std::fabs(x);
  else if constexpr (kOp == Un::kNeg) return -x;
  else if constexpr (kOp == Un::kExp) return std::exp(x);
  else if constexpr (kOp == Un::kLog) return std::log(x);
  else if constexpr (kOp == Un::kSqrt) return std::sqrt(x);
  else if constexpr (kOp == Un::kReciprocal) return C(1) / x;
  else if constexpr (kOp == Un::kFloor) return std::floor(x);
  else if constexpr (kOp == Un::kCeil) return std::ceil(x);
  else if constexpr (kOp == Un::kRound) return round_half_even(x);
  else if constexpr (kOp == Un::kSign) return x > C(0) ? C(1) : x < C(0) ? C(-1) : x;  // 0 and NaN stay
  else if constexpr (kOp == Un::kSin) return std::sin(x);
  else if constexpr (kOp == Un::kCos) return std::cos(x);
  else if constexpr (kOp == Un::kTan) return std::tan(x);
  else if constexpr (kOp == Un::kAsin) return std::asin(x);
  else if constexpr (kOp == Un::kAcos) return std::acos(x);
  else if constexpr (kOp == Un::kAtan) return std::atan(x);
  else if constexpr (kOp == Un::kSinh) return std::sinh(x);
  else if constexpr (kOp == Un::kCosh) return std::cosh(x);
  else if constexpr (kOp == Un::kAsinh) return std::asinh(x);
  else if constexpr (kOp == Un::kAcosh) return std::acosh(x);
  else if constexpr (kOp == Un::kAtanh) return std::atanh(x);
  else return std::erf(x);
}

template <Un kOp>
inline constexpr bool kIntegerOk = kOp == Un::kAbs || kOp == Un::kNeg || kOp == Un::kSign || kOp == Un::kErf;

template <Un kOp, typename T>
T apply_int(T x) {
  if constexpr (kOp == Un::kAbs) {
    if constexpr (std::is_signed_v<T>) return x < 0 ? wrap_sub(T(0), x) : x;
    else return x;
  } else if constexpr (kOp == Un::kNeg) {
    return wrap_sub(T(0), x);
  } else if constexpr (kOp == Un::kSign) {
    if constexpr (std::is_signed_v<T>) return static_cast<T>(x > 0 ? 1 : x < 0 ? -1 : 0);
    else return static_cast<T>(x > 0 ? 1 : 0);
  } else {
    // Erf on integers (allowed by the spec): erf of the value, truncated back.
    return float_to_int<T>(std::erf(static_cast<double>(x)));
  }
}

template <Un kOp>
class UnaryMath final : public Kernel {
 public:
  explicit UnaryMath(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());  // y[i] from x[i] alone
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        if constexpr (kIntegerOk<kOp>) {
          unary_map<T, T>(x, y, [](T v) { return apply_int<kOp, T>(v); }, ctx.pool());
        } else {
          throw_unsupported_dtype(x.dtype(), ctx.node().op_type.c_str());
        }
      } else {
        using C = compute_t<T>;
        unary_map<T, T>(x, y, [](T v) { return store_as<T>(apply_float<kOp, C>(C(v))); }, ctx.pool());
      }
    }, ctx.node().op_type.c_str());
  }
};

}  // namespace

#define ONYX_UNARY(NAME, OP, SINCE, TYPES) \
  ONYX_KERNEL({.op = NAME, .since = SINCE, .types = TYPES, .infer = infer::same_as_input, .create = create<UnaryMath<OP>>})

ONYX_UNARY("Abs", Un::kAbs, 1, ew_types::numeric());
ONYX_UNARY("Neg", Un::kNeg, 1, ew_types::signed_and_floats());
ONYX_UNARY("Exp", Un::kExp, 1, ew_types::floats());
ONYX_UNARY("Log", Un::kLog, 1, ew_types::floats());
ONYX_UNARY("Sqrt", Un::kSqrt, 1, ew_types::floats());
ONYX_UNARY("Reciprocal", Un::kReciprocal, 1, ew_types::floats());
ONYX_UNARY("Floor", Un::kFloor, 1, ew_types::floats());
ONYX_UNARY("Ceil", Un::kCeil, 1, ew_types::floats());
ONYX_UNARY("Round", Un::kRound, 11, ew_types::floats());
ONYX_UNARY("Sign", Un::kSign, 9, ew_types::numeric());
ONYX_UNARY("Sin", Un::kSin, 7, ew_types::floats());
ONYX_UNARY("Cos", Un::kCos, 7, ew_types::floats());
ONYX_UNARY("Tan", Un::kTan, 7, ew_types::floats());
ONYX_UNARY("Asin", Un::kAsin, 7, ew_types::floats());
ONYX_UNARY("Acos", Un::kAcos, 7, ew_types::floats());
ONYX_UNARY("Atan", Un::kAtan, 7, ew_types::floats());
ONYX_UNARY("Sinh", Un::kSinh, 9, ew_types::floats());
ONYX_UNARY("Cosh", Un::kCosh, 9, ew_types::floats());
ONYX_UNARY("Asinh", Un::kAsinh, 9, ew_types::floats());
ONYX_UNARY("Acosh", Un::kAcosh, 9, ew_types::floats());
ONYX_UNARY("Atanh", Un::kAtanh, 9, ew_types::floats());
ONYX_UNARY("Erf", Un::kErf, 9, ew_types::numeric());

#undef ONYX_UNARY

}  // namespace onyx
