// Element types of ONNX tensors and the small-float formats that C++ lacks.
//
// DataType values are the TensorProto.DataType numbers, so a type read from a
// model file needs no translation table. Types narrower than a byte (int4, uint4,
// float4e2m1, int2, uint2) are stored packed, low bits first, exactly as ONNX
// raw_data stores them; dtype_bits() tells how many bits an element takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace onyx {

enum class DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUInt4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kFloat8E8M0 = 24,
  kUInt2 = 25,
  kInt2 = 26,
};
constexpr int kDataTypeCount = 27;

// Bits per element (0 for kUndefined; strings report sizeof(std::string) * 8
// because string tensors hold std::string objects).
int dtype_bits(DataType t);
// Bytes needed for `count` elements, rounding packed sub-byte types up.
size_t dtype_bytes(DataType t, int64_t count);
// numpy-style short name: "float32", "int64", "float8e4m3fn", "string" ...
const char* dtype_name(DataType t);
// ONNX type string: "tensor(float)".
std::string dtype_onnx_name(DataType t);
// Parses either spelling ("float32" / "float" / "tensor(float)"); kUndefined if unknown.
DataType dtype_from_name(std::string_view name);
bool dtype_is_valid(int32_t raw);
bool dtype_is_float(DataType t);    // any floating format, including float8/float4
bool dtype_is_integer(DataType t);  // signed or unsigned integers, including 4/2-bit
bool dtype_is_signed(DataType t);
bool dtype_is_packed(DataType t);   // fewer than 8 bits per element

// ---- small float formats -------------------------------------------------
// Each is a plain bit container with explicit conversion to and from float.
// Conversions round to nearest even, as the ONNX reference does.

float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bf16_to_float(uint16_t b);
uint16_t float_to_bf16(float f);

// The float8 formats of ONNX (opset 19+). `saturate` follows Cast's attribute:
// out-of-range values clamp to the largest finite value instead of becoming
// inf (e5m2) or NaN (formats without inf).
float f8_to_float(DataType t, uint8_t bits);
uint8_t float_to_f8(DataType t, float f, bool saturate);
// float4e2m1: 4-bit value in the low nibble; always saturates (no inf/NaN).
float f4e2m1_to_float(uint8_t nibble);
uint8_t float_to_f4e2m1(float f);
// float8e8m0 (exponent only, opset 24): round_mode is "up", "down" or "nearest".
float e8m0_to_float(uint8_t bits);
uint8_t float_to_e8m0(float f, bool saturate, std::string_view round_mode);

struct Float16 {
  uint16_t bits = 0;
  Float16() = default;
  explicit Float16(float f) : bits(float_to_half(f)) {}
  operator float() const { return half_to_float(bits); }
  static Float16 from_bits(uint16_t b) { Float16 h; h.bits = b; return h; }
};
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float f) : bits(float_to_bf16(f)) {}
  operator float() const { return bf16_to_float(bits); }
  static BFloat16 from_bits(uint16_t b) { BFloat16 h; h.bits = b; return h; }
};
// One struct per float8 format so kernels can be templated on the element type.
template <DataType kType>
struct Float8 {
  uint8_t bits = 0;
  Float8() = default;
  explicit Float8(float f) : bits(float_to_f8(kType, f, true)) {}
  operator float() const { return f8_to_float(kType, bits); }
};
using Float8E4M3FN = Float8<DataType::kFloat8E4M3FN>;
using Float8E4M3FNUZ = Float8<DataType::kFloat8E4M3FNUZ>;
using Float8E5M2 = Float8<DataType::kFloat8E5M2>;
using Float8E5M2FNUZ = Float8<DataType::kFloat8E5M2FNUZ>;
struct Float8E8M0 {
  uint8_t bits = 0;
  operator float() const { return e8m0_to_float(bits); }
};
struct Complex64 { float re = 0, im = 0; };
struct Complex128 { double re = 0, im = 0; };

// C++ type <-> DataType for the byte-addressable types.
template <typename T> struct DataTypeOf;
#define ONYX_DTYPE_OF(T, E) \
  template <> struct DataTypeOf<T> { static constexpr DataType value = DataType::E; }
ONYX_DTYPE_OF(float, kFloat);
ONYX_DTYPE_OF(double, kDouble);
ONYX_DTYPE_OF(int8_t, kInt8);
ONYX_DTYPE_OF(int16_t, kInt16);
ONYX_DTYPE_OF(int32_t, kInt32);
ONYX_DTYPE_OF(int64_t, kInt64);
ONYX_DTYPE_OF(uint8_t, kUInt8);
ONYX_DTYPE_OF(uint16_t, kUInt16);
ONYX_DTYPE_OF(uint32_t, kUInt32);
ONYX_DTYPE_OF(uint64_t, kUInt64);
ONYX_DTYPE_OF(bool, kBool);
ONYX_DTYPE_OF(std::string, kString);
ONYX_DTYPE_OF(Float16, kFloat16);
ONYX_DTYPE_OF(BFloat16, kBFloat16);
ONYX_DTYPE_OF(Float8E4M3FN, kFloat8E4M3FN);
ONYX_DTYPE_OF(Float8E4M3FNUZ, kFloat8E4M3FNUZ);
ONYX_DTYPE_OF(Float8E5M2, kFloat8E5M2);
ONYX_DTYPE_OF(Float8E5M2FNUZ, kFloat8E5M2FNUZ);
ONYX_DTYPE_OF(Float8E8M0, kFloat8E8M0);
ONYX_DTYPE_OF(Complex64, kComplex64);
ONYX_DTYPE_OF(Complex128, kComplex128);
#undef ONYX_DTYPE_OF
template <typename T>
inline constexpr DataType dtype_of = DataTypeOf<T>::value;

// Calls fn.template operator()<T>() with the C++ type of `t`. Use as
//   dispatch_numeric(t, [&]<typename T>() { ... });
// Each dispatcher covers a family; an unlisted type throws naming `what`.
[[noreturn]] void throw_unsupported_dtype(DataType t, const char* what);

template <typename Fn>
decltype(auto) dispatch_float(DataType t, Fn&& fn, const char* what = "this kernel") {
  switch (t) {
    case DataType::kFloat: return fn.template operator()<float>();
    case DataType::kDouble: return fn.template operator()<double>();
    case DataType::kFloat16: return fn.template operator()<Float16>();
    case DataType::kBFloat16: return fn.template operator()<BFloat16>();
    default: throw_unsupported_dtype(t, what);
  }
}

template <typename Fn>
decltype(auto) dispatch_int(DataType t, Fn&& fn, const char* what = "this kernel") {
  switch (t) {
    case DataType::kInt8: return fn.template operator()<int8_t>();
    case DataType::kInt16: return fn.template operator()<int16_t>();
    case DataType::kInt32: return fn.template operator()<int32_t>();
    case DataType::kInt64: return fn.template operator()<int64_t>();
    case DataType::kUInt8: return fn.template operator()<uint8_t>();
    case DataType::kUInt16: return fn.template operator()<uint16_t>();
    case DataType::kUInt32: return fn.template operator()<uint32_t>();
    case DataType::kUInt64: return fn.template operator()<uint64_t>();
    default: throw_unsupported_dtype(t, what);
  }
}

// float, double, float16, bfloat16 and every 8..64-bit integer.
template <typename Fn>
decltype(auto) dispatch_numeric(DataType t, Fn&& fn, const char* what = "this kernel") {
  switch (t) {
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kFloat16:
    case DataType::kBFloat16: return dispatch_float(t, fn, what);
    default: return dispatch_int(t, fn, what);
  }
}

// Every byte-addressable type, including bool, string, float8 and complex.
template <typename Fn>
decltype(auto) dispatch_all(DataType t, Fn&& fn, const char* what = "this kernel") {
  switch (t) {
    case DataType::kBool: return fn.template operator()<bool>();
    case DataType::kString: return fn.template operator()<std::string>();
    case DataType::kFloat8E4M3FN: return fn.template operator()<Float8E4M3FN>();
    case DataType::kFloat8E4M3FNUZ: return fn.template operator()<Float8E4M3FNUZ>();
    case DataType::kFloat8E5M2: return fn.template operator()<Float8E5M2>();
    case DataType::kFloat8E5M2FNUZ: return fn.template operator()<Float8E5M2FNUZ>();
    case DataType::kFloat8E8M0: return fn.template operator()<Float8E8M0>();
    case DataType::kComplex64: return fn.template operator()<Complex64>();
    case DataType::kComplex128: return fn.template operator()<Complex128>();
    default: return dispatch_numeric(t, fn, what);
  }
}

// Dispatch on element size only: for ops that move bytes without looking at
// them (Transpose, Gather, Concat ...). Packed types and strings are not covered.
template <typename Fn>
decltype(auto) dispatch_by_size(DataType t, Fn&& fn, const char* what = "this kernel") {
  if (t == DataType::kString) return fn.template operator()<std::string>();
  switch (dtype_bits(t)) {
    case 8: return fn.template operator()<uint8_t>();
    case 16: return fn.template operator()<uint16_t>();
    case 32: return fn.template operator()<uint32_t>();
    case 64: return fn.template operator()<uint64_t>();
    case 128: return fn.template operator()<Complex128>();
    default: throw_unsupported_dtype(t, what);
  }
}

}  // namespace onyx
