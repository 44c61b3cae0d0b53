// Helpers for the integer and quantized linear ops (MatMulInteger,
// ConvInteger, QLinearMatMul, QLinearConv): zero points and scales read as
// int32 / float vectors, the int8/uint8 -> int32 widening with a zero point
// subtracted, and the requantization of an int32 sum.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/tensor.h"

namespace onyx {

// The values of a uint8/int8 zero-point tensor as int32 ({0} when absent).
inline std::vector<int32_t> zero_point_values(const Tensor* t, const char* what) {
  if (!t) return {0};
  std::vector<int32_t> v(static_cast<size_t>(t->numel()));
  if (t->dtype() == DataType::kUInt8) {
    for (int64_t i = 0; i < t->numel(); ++i) v[static_cast<size_t>(i)] = t->data<uint8_t>()[i];
  } else if (t->dtype() == DataType::kInt8) {
    for (int64_t i = 0; i < t->numel(); ++i) v[static_cast<size_t>(i)] = t->data<int8_t>()[i];
  } else {
    fail(ErrorCode::kInvalidArgument, what, " must be int8 or uint8, got ", dtype_name(t->dtype()));
  }
  return v;
}

// The values of a float/float16/bfloat16 scale tensor as float.
inline std::vector<float> scale_values(const Tensor& t, const char* what) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DataType::kFloat: v[static_cast<size_t>(i)] = t.data<float>()[i]; break;
      case DataType::kFloat16: v[static_cast<size_t>(i)] = static_cast<float>(t.data<Float16>()[i]); break;
      case DataType::kBFloat16: v[static_cast<size_t>(i)] = static_cast<float>(t.data<BFloat16>()[i]); break;
      default: fail(ErrorCode::kInvalidArgument, what, " must be float, float16 or bfloat16, got ", dtype_name(t.dtype()));
    }
  }
  return v;
}

// x - zero_point for an int8/uint8 tensor, as int32, where the zero point of
// element i is zp[(i / inner) % zp.size()] (inner = elements sharing one).
inline std::vector<int32_t> widen_minus_zero_point(const Tensor& x, const std::vector<int32_t>& zp, int64_t inner,
                                                   const char* what) {
  std::vector<int32_t> out(static_cast<size_t>(x.numel()));
  const int64_t nz = static_cast<int64_t>(zp.size());
  auto go = [&](const auto* p) {
    if (nz == 1) {
      const int32_t z = zp[0];
      for (int64_t i = 0; i < x.numel(); ++i) out[static_cast<size_t>(i)] = static_cast<int32_t>(p[i]) - z;
    } else {
      for (int64_t i = 0; i < x.numel(); ++i)
        out[static_cast<size_t>(i)] = static_cast<int32_t>(p[i]) - zp[static_cast<size_t>((i / inner) % nz)];
    }
  };
  if (x.dtype() == DataType::kUInt8) go(x.data<uint8_t>());
  else if (x.dtype() == DataType::kInt8) go(x.data<int8_t>());
  else fail(ErrorCode::kInvalidArgument, what, " must be int8 or uint8, got ", dtype_name(x.dtype()));
  return out;
}

// round-half-to-even(v) + zero_point, saturated to T's range.
template <typename T>
inline T requantize(float v, int32_t zero_point) {
  float r = std::nearbyint(v) + static_cast<float>(zero_point);
  constexpr float lo = static_cast<float>(std::numeric_limits<T>::min());
  constexpr float hi = static_cast<float>(std::numeric_limits<T>::max());
  if (!(r >= lo)) r = std::isnan(r) ? 0.0f : lo;
  if (r > hi) r = hi;
  return static_cast<T>(r);
}

}  // namespace onyx
