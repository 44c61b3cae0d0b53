// Helpers shared by the image ops (src/kernels/image/): Resize/Upsample,
// GridSample, AffineGrid, RoiAlign, NonMaxSuppression, ImageDecoder.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/common/math.h"
#include "runtime/thread_pool.h"

namespace onyx {

// The cubic convolution kernel of Keys (1981) with coefficient a (-0.75 in
// PyTorch and GridSample, -0.5 in some TensorFlow paths): 1 at 0, 0 at every
// other integer, 0 from |t| = 2 on.
inline double cubic_kernel(double t, double a) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

// Stores an interpolated real value as T: small floats round, integers
// truncate toward zero (as numpy's astype does) and saturate instead of
// wrapping; NaN becomes 0 for integers.
template <typename T>
inline T store_real(double v) {
  if constexpr (std::is_integral_v<T>) return float_to_int<T>(v);
  else return store_as<T>(v);
}

// Reads element i of a real tensor buffer as double.
template <typename T>
inline double load_real(const T* p, int64_t i) {
  return static_cast<double>(static_cast<compute_t<T>>(p[i]));
}

}  // namespace onyx
