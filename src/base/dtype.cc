#include "base/dtype.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>

#include "base/error.h"

namespace onyx {

namespace {

struct DTypeInfo {
  const char* name;       // numpy-style
  const char* onnx_name;  // inside tensor(...)
  int bits;
};

const DTypeInfo kInfo[kDataTypeCount] = {
    {"undefined", "undefined", 0},
    {"float32", "float", 32},
    {"uint8", "uint8", 8},
    {"int8", "int8", 8},
    {"uint16", "uint16", 16},
    {"int16", "int16", 16},
    {"int32", "int32", 32},
    {"int64", "int64", 64},
    {"string", "string", int(sizeof(std::string) * 8)},
    {"bool", "bool", 8},
    {"float16", "float16", 16},
    {"float64", "double", 64},
    {"uint32", "uint32", 32},
    {"uint64", "uint64", 64},
    {"complex64", "complex64", 64},
    {"complex128", "complex128", 128},
    {"bfloat16", "bfloat16", 16},
    {"float8e4m3fn", "float8e4m3fn", 8},
    {"float8e4m3fnuz", "float8e4m3fnuz", 8},
    {"float8e5m2", "float8e5m2", 8},
    {"float8e5m2fnuz", "float8e5m2fnuz", 8},
    {"uint4", "uint4", 4},
    {"int4", "int4", 4},
    {"float4e2m1", "float4e2m1", 4},
    {"float8e8m0", "float8e8m0", 8},
    {"uint2", "uint2", 2},
    {"int2", "int2", 2},
};

const DTypeInfo& info(DataType t) {
  int i = static_cast<int>(t);
  return (i >= 0 && i < kDataTypeCount) ? kInfo[i] : kInfo[0];
}

}  // namespace

int dtype_bits(DataType t) { return info(t).bits; }

size_t dtype_bytes(DataType t, int64_t count) {
  int bits = dtype_bits(t);
  if (bits >= 8) return static_cast<size_t>(count) * static_cast<size_t>(bits / 8);
  return (static_cast<size_t>(count) * static_cast<size_t>(bits) + 7) / 8;
}

const char* dtype_name(DataType t) { return info(t).name; }

std::string dtype_onnx_name(DataType t) { return std::string("tensor(") + info(t).onnx_name + ")"; }

DataType dtype_from_name(std::string_view name) {
  if (name.starts_with("tensor(") && name.ends_with(")")) name = name.substr(7, name.size() - 8);
  for (int i = 1; i < kDataTypeCount; ++i) {
    if (name == kInfo[i].name || name == kInfo[i].onnx_name) return static_cast<DataType>(i);
  }
  if (name == "double") return DataType::kDouble;
  if (name == "half") return DataType::kFloat16;
  return DataType::kUndefined;
}

bool dtype_is_valid(int32_t raw) { return raw > 0 && raw < kDataTypeCount; }

bool dtype_is_float(DataType t) {
  switch (t) {
    case DataType::kFloat: case DataType::kDouble: case DataType::kFloat16: case DataType::kBFloat16:
    case DataType::kFloat8E4M3FN: case DataType::kFloat8E4M3FNUZ: case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ: case DataType::kFloat4E2M1: case DataType::kFloat8E8M0:
      return true;
    default: return false;
  }
}

bool dtype_is_signed(DataType t) {
  switch (t) {
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32: case DataType::kInt64:
    case DataType::kInt4: case DataType::kInt2: return true;
    default: return false;
  }
}

bool dtype_is_integer(DataType t) {
  switch (t) {
    case DataType::kUInt8: case DataType::kUInt16: case DataType::kUInt32: case DataType::kUInt64:
    case DataType::kUInt4: case DataType::kUInt2: return true;
    default: return dtype_is_signed(t);
  }
}

bool dtype_is_packed(DataType t) { int b = dtype_bits(t); return b > 0 && b < 8; }

void throw_unsupported_dtype(DataType t, const char* what) {
  throw Error(ErrorCode::kNotImplemented, std::string(what) + " does not support element type " + dtype_name(t));
}

// ---- float16 / bfloat16 ----------------------------------------------------

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t man = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (man << 13);  // inf / NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise into a float.
    int e = -1;
    do { ++e; man <<= 1; } while ((man & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((man & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

uint16_t float_to_half(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u) {  // inf or NaN
    return sign | (ax > 0x7F800000u ? 0x7E00u : 0x7C00u);
  }
  if (ax >= 0x477FF000u) return sign | 0x7C00u;  // rounds to >= 65520: overflow to inf
  if (ax < 0x38800000u) {                          // result is subnormal or zero
    if (ax < 0x33000000u) return sign;             // < 2^-25 rounds to zero (2^-25 ties to even 0)
    uint32_t e = ax >> 23;
    uint32_t m = (ax & 0x7FFFFFu) | 0x800000u;
    uint32_t shift = 126 - e;  // 14 + (113 - e) - 1 ... position of the half's LSB
    uint32_t half_m = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half_m & 1u))) ++half_m;
    return sign | static_cast<uint16_t>(half_m);
  }
  // Normal: rebias exponent and round the 13 dropped mantissa bits to nearest even.
  uint32_t r = ax - 0x38000000u;  // exponent bias 127 -> 15
  uint32_t lsb = (r >> 13) & 1u;
  r += 0xFFFu + lsb;
  return sign | static_cast<uint16_t>(r >> 13);
}

float bf16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t float_to_bf16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  uint32_t lsb = (x >> 16) & 1u;
  x += 0x7FFFu + lsb;
  return static_cast<uint16_t>(x >> 16);
}

// ---- float8 / float4 -------------------------------------------------------
// These formats have at most 128 non-negative codes, so encoding is a nearest
// search over a sorted table of their values. It is exact (ties go to the even
// code, i.e. the one whose mantissa LSB is 0) and shared by every format;
// speed matters little because float8 casts are rare on the CPU.

namespace {

struct MiniFormat {
  int ebits, mbits, bias;
  bool has_inf;    // e5m2: exponent all ones is inf/NaN as in IEEE
  bool fnuz;       // 0x80 is the only NaN, no negative zero, no inf
  uint8_t nan;     // code returned for NaN (sign added for non-fnuz formats)
  uint8_t max_code;
};

MiniFormat format_of(DataType t) {
  switch (t) {
    case DataType::kFloat8E4M3FN: return {4, 3, 7, false, false, 0x7F, 0x7E};
    case DataType::kFloat8E4M3FNUZ: return {4, 3, 8, false, true, 0x80, 0x7F};
    case DataType::kFloat8E5M2: return {5, 2, 15, true, false, 0x7F, 0x7B};
    case DataType::kFloat8E5M2FNUZ: return {5, 2, 16, false, true, 0x80, 0x7F};
    case DataType::kFloat4E2M1: return {2, 1, 1, false, false, 0, 0x7};
    default: throw Error(ErrorCode::kInvalidArgument, std::string("not a float8/float4 type: ") + dtype_name(t));
  }
}

float decode_mini(const MiniFormat& f, uint8_t code) {
  int total = 1 + f.ebits + f.mbits;
  uint8_t sign_bit = static_cast<uint8_t>(1u << (total - 1));
  if (f.fnuz && code == 0x80) return std::numeric_limits<float>::quiet_NaN();
  bool neg = code & sign_bit;
  int e = (code >> f.mbits) & ((1 << f.ebits) - 1);
  int m = code & ((1 << f.mbits) - 1);
  int emax = (1 << f.ebits) - 1;
  float v;
  if (f.has_inf && e == emax) {
    v = m == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  } else if (!f.has_inf && !f.fnuz && total == 8 && e == emax && m == (1 << f.mbits) - 1) {
    v = std::numeric_limits<float>::quiet_NaN();  // e4m3fn: S.1111.111
  } else if (e == 0) {
    v = std::ldexp(static_cast<float>(m), 1 - f.bias - f.mbits);
  } else {
    v = std::ldexp(static_cast<float>(m + (1 << f.mbits)), e - f.bias - f.mbits);
  }
  return neg ? -v : v;
}

struct MiniTable {
  MiniFormat fmt;
  std::array<float, 128> value{};  // value of code i for i in [0, max_code]
};

const MiniTable& table_of(DataType t) {
  static const auto tables = [] {
    std::array<MiniTable, kDataTypeCount> all{};
    for (DataType d : {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ, DataType::kFloat8E5M2,
                       DataType::kFloat8E5M2FNUZ, DataType::kFloat4E2M1}) {
      MiniTable& tb = all[static_cast<int>(d)];
      tb.fmt = format_of(d);
      for (int c = 0; c <= tb.fmt.max_code; ++c) tb.value[c] = decode_mini(tb.fmt, static_cast<uint8_t>(c));
    }
    return all;
  }();
  return tables[static_cast<int>(t)];
}

uint8_t encode_mini(DataType t, float f, bool saturate) {
  const MiniTable& tb = table_of(t);
  const MiniFormat& fmt = tb.fmt;
  int total = 1 + fmt.ebits + fmt.mbits;
  uint8_t sign = std::signbit(f) ? static_cast<uint8_t>(1u << (total - 1)) : 0;
  if (std::isnan(f)) return fmt.fnuz ? 0x80 : static_cast<uint8_t>(fmt.nan | sign);
  float a = std::fabs(f);
  float maxv = tb.value[fmt.max_code];
  auto overflow = [&]() -> uint8_t {
    if (saturate || total == 4) return static_cast<uint8_t>(fmt.max_code | (fmt.fnuz ? (sign ? 0x80 : 0) : sign));
    if (fmt.has_inf) return static_cast<uint8_t>(0x7C | sign);
    return fmt.fnuz ? 0x80 : static_cast<uint8_t>(fmt.nan | sign);
  };
  if (std::isinf(a)) return overflow();
  uint8_t code;
  if (a >= maxv) {
    // Beyond the top: values within half a step of max round down to max (RNE
    // with the next code being out of range); larger ones overflow.
    float step = maxv - tb.value[fmt.max_code - 1];
    if (a > maxv + step / 2 || (a == maxv + step / 2 && (fmt.max_code & 1))) return overflow();
    code = fmt.max_code;
  } else {
    const float* v = tb.value.data();
    int hi = static_cast<int>(std::upper_bound(v, v + fmt.max_code + 1, a) - v);  // v[hi-1] <= a < v[hi]
    int lo = hi - 1;
    float dlo = a - v[lo], dhi = v[hi] - a;
    code = static_cast<uint8_t>((dlo < dhi || (dlo == dhi && (lo & 1) == 0)) ? lo : hi);
  }
  if (code == 0 && fmt.fnuz) return 0;  // no negative zero in fnuz formats
  return static_cast<uint8_t>(code | sign);
}

}  // namespace

float f8_to_float(DataType t, uint8_t bits) { return table_of(t).fmt.ebits ? decode_mini(table_of(t).fmt, bits) : 0.f; }

uint8_t float_to_f8(DataType t, float f, bool saturate) { return encode_mini(t, f, saturate); }

float f4e2m1_to_float(uint8_t nibble) { return decode_mini(table_of(DataType::kFloat4E2M1).fmt, nibble & 0xF); }

uint8_t float_to_f4e2m1(float f) {
  // NaN has no encoding in e2m1; ONNX maps it to the largest magnitude, as it does for infinities.
  if (std::isnan(f)) return std::signbit(f) ? 0xF : 0x7;
  return encode_mini(DataType::kFloat4E2M1, f, true);
}

float e8m0_to_float(uint8_t bits) {
  if (bits == 0xFF) return std::numeric_limits<float>::quiet_NaN();
  if (bits == 0) return std::ldexp(1.0f, -127);
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 23);
}

uint8_t float_to_e8m0(float f, bool saturate, std::string_view round_mode) {
  if (std::isnan(f)) return 0xFF;
  if (std::isinf(f)) return saturate ? 0xFE : 0xFF;
  uint32_t x = std::bit_cast<uint32_t>(f) & 0x7FFFFFFFu;  // e8m0 has no sign: use |f|
  uint32_t e = x >> 23;
  uint32_t m = x & 0x7FFFFFu;
  if (round_mode == "up") {
    if (m != 0 && e < 0xFE) ++e;
    else if (m != 0 && e == 0xFE) e = saturate ? 0xFE : 0xFF;
  } else if (round_mode == "nearest") {
    // Halfway between 2^e and 2^(e+1) is mantissa 0.5 (1.5 * 2^e); round half up.
    if (m >= 0x400000u) {
      if (e < 0xFE) ++e;
      else e = saturate ? 0xFE : 0xFF;
    }
  }
  return static_cast<uint8_t>(e);
}

}  // namespace onyx
