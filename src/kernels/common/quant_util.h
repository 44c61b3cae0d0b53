// Helpers for QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear:
// where each element's scale and zero point come from (per-tensor, per-axis,
// blocked), reading and writing the element types quantization uses (packed
// 4- and 2-bit integers, float4e2m1, float8, float8e8m0 scales), and the
// integer ranges the quantized types saturate to.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "base/tensor.h"

namespace onyx {

// Where the scale / zero point of element i of x lives. x is seen as
// [outer, axis_dim, inner]; the parameter index is
//   per-tensor: 0
//   per-axis:   a                        (a = index along the axis)
//   blocked:    (o * blocks + a / block) * inner + i
struct QuantLayout {
  enum class Kind { kPerTensor, kPerAxis, kBlocked };
  Kind kind = Kind::kPerTensor;
  int64_t outer = 1, axis_dim = 1, inner = 1;
  int64_t block = 0, blocks = 1;

  // Parameter index of the element at flat position `flat`.
  int64_t param_index(int64_t flat) const {
    if (kind == Kind::kPerTensor) return 0;
    const int64_t i = flat % inner;
    const int64_t a = (flat / inner) % axis_dim;
    if (kind == Kind::kPerAxis) return a;
    const int64_t o = flat / (inner * axis_dim);
    return (o * blocks + a / block) * inner + i;
  }
};

// Works out the granularity from the shapes of x and the scale, checking them
// against each other as the spec requires; `what` names the scale input in
// errors ("y_scale" / "x_scale"). `allow_axis` is false before opset 13
// (per-tensor only), `allow_blocked` false before opset 21.
QuantLayout quant_layout(const Shape& x, const Shape& scale, int64_t axis, int64_t block_size, const char* what,
                         bool allow_axis, bool allow_blocked);

// Element i of a tensor of any type quantization reads (the float types,
// float8, float8e8m0, float4e2m1 and every integer including the packed 4- and
// 2-bit ones) as a double.
double quant_load(const Tensor& t, int64_t i);

// Whether `t` is a type QuantizeLinear can produce.
bool quant_is_output_type(DataType t);
// Whether `t` is an integer quantized type; sets its saturation range.
bool quant_int_range(DataType t, int64_t* lo, int64_t* hi);

// Writes the low `bits` bits of `code` as element i of a packed tensor
// (bits = 4 or 2, low bits first). The byte must have been zeroed before the
// first element of it is written; one byte is written by one thread only.
inline void packed_store(uint8_t* data, int64_t i, int bits, uint8_t code) {
  const int per_byte = 8 / bits;
  const int shift = static_cast<int>(i % per_byte) * bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1u);
  data[i / per_byte] = static_cast<uint8_t>((data[i / per_byte] & ~(mask << shift)) | ((code & mask) << shift));
}

// The raw bits of element i of a packed tensor (bits = 4 or 2).
inline uint8_t packed_load(const uint8_t* data, int64_t i, int bits) {
  const int per_byte = 8 / bits;
  const int shift = static_cast<int>(i % per_byte) * bits;
  return static_cast<uint8_t>((data[i / per_byte] >> shift) & ((1u << bits) - 1u));
}

}  // namespace onyx
