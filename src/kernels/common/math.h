// Scalar helpers shared by reference kernels.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "base/dtype.h"

namespace onyx {

// The type arithmetic is done in: float for the 16-bit and 8-bit float
// formats (as ONNX Runtime does), the type itself otherwise.
template <typename T>
struct ComputeType { using type = T; };
template <> struct ComputeType<Float16> { using type = float; };
template <> struct ComputeType<BFloat16> { using type = float; };
template <typename T>
using compute_t = typename ComputeType<T>::type;

template <typename T>
inline constexpr bool is_small_float_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

// Converts a computed value back to storage type T.
template <typename T, typename C>
inline T store_as(C v) {
  if constexpr (is_small_float_v<T>) return T(static_cast<float>(v));
  else return static_cast<T>(v);
}

// Integer add/sub/mul wrap around (two's complement), as ONNX and numpy do;
// computing in the unsigned type avoids C++'s undefined signed overflow.
template <typename T>
inline T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return static_cast<T>(a + b);
  }
}
template <typename T>
inline T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return static_cast<T>(a - b);
  }
}
template <typename T>
inline T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else if constexpr (std::is_integral_v<T> && sizeof(T) < sizeof(int)) {
    // uint8/uint16 promote to int: multiply as unsigned to keep it defined.
    return static_cast<T>(static_cast<unsigned>(a) * static_cast<unsigned>(b));
  } else {
    return static_cast<T>(a * b);
  }
}

// Float -> integer conversion that is defined for every input (C++ leaves
// out-of-range and NaN conversions undefined): NaN gives 0, out-of-range
// values saturate. Used by Cast and anything rounding floats into integers.
template <typename I, typename F>
inline I float_to_int(F v) {
  if (std::isnan(v)) return 0;
  if constexpr (std::is_same_v<I, bool>) {
    return v != 0;
  } else {
    constexpr F lo = static_cast<F>(std::numeric_limits<I>::min());
    constexpr F hi = static_cast<F>(std::numeric_limits<I>::max());
    if (v <= lo) return std::numeric_limits<I>::min();
    if (v >= hi) return std::numeric_limits<I>::max();
    return static_cast<I>(v);
  }
}

}  // namespace onyx
