// Element type conversion between every ONNX tensor type, as Cast defines it,
// shared by Cast, CastLike and any kernel that needs to convert a tensor.
//
// The rules (ONNX Cast, opset 25):
// - float -> float: round to nearest even; out of range gives +-inf (float16,
//   bfloat16) or, for the float8 formats, the largest finite value when
//   `saturate` is set and inf/NaN otherwise. float8e8m0 honours round_mode.
//   float4e2m1 always saturates, and NaN becomes -0 (code 0x8) as in the ONNX
//   reference.
// - float -> integer: truncation toward zero; NaN gives 0 and out-of-range
//   values saturate (C++ leaves both undefined). The packed 4- and 2-bit
//   integers keep the low bits of the truncated value (-9 -> int4 7), as the
//   ONNX reference does.
// - integer -> integer: the low bits, reinterpreted (200 int16 -> -56 int8).
// - anything -> bool: zero is false, everything else (NaN included) true;
//   bool -> number gives 0 or 1.
// - string -> number: decimal or scientific notation, and "INF", "+INF",
//   "-INF", "NaN" in any case. A string that is not a number is an error.
// - number -> string: the shortest decimal that converts back to the same
//   value in the source type ("0.1", "3.1415927", "1e+20"); "INF", "-INF",
//   "NaN"; integers in decimal; bool as "1"/"0".
// Complex types cannot be cast (the spec excludes them).
#pragma once

#include <string>
#include <string_view>

#include "base/tensor.h"
#include "runtime/thread_pool.h"

namespace onyx {

struct CastOptions {
  bool saturate = true;            // float8 targets: clamp instead of inf/NaN
  std::string round_mode = "up";   // float8e8m0 targets: "up", "down" or "nearest"
};

// Whether cast_tensor converts `from` into `to`.
bool cast_supported(DataType from, DataType to);

// Converts every element of `in` into `out`, which must have the same number
// of elements (its shape is not looked at) and the target element type.
// Throws kInvalidArgument for an unparsable string, kNotImplemented for complex.
void cast_tensor(const Tensor& in, Tensor& out, const CastOptions& opt, ThreadPool* pool);

// A packed 4- or 2-bit tensor widened to one byte per element: int8 for
// int4/int2 (sign-extended), uint8 for uint4/uint2, float for float4e2m1.
Tensor unpack_subbyte(const Tensor& in);

// The text Cast gives for one real value of element type `t` (see above).
std::string cast_real_to_string(DataType t, double v);

}  // namespace onyx
