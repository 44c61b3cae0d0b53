#include "kernels/common/elementwise_cast.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "kernels/common/math.h"

namespace onyx {

namespace {

// Elements converted per step through the intermediate buffer: each source
// type is read into double / int64 / uint64 (which hold every source value
// exactly), then written out per target type. That needs one loop per source
// and three per target instead of one per (source, target) pair.
constexpr int64_t kChunk = 1024;

template <typename T>
inline constexpr bool kIsFloat8 = std::is_same_v<T, Float8E4M3FN> || std::is_same_v<T, Float8E4M3FNUZ> ||
                                  std::is_same_v<T, Float8E5M2> || std::is_same_v<T, Float8E5M2FNUZ>;
template <typename T>
inline constexpr bool kIsReal = std::is_floating_point_v<T> || is_small_float_v<T> || kIsFloat8<T> ||
                                std::is_same_v<T, Float8E8M0>;
template <typename T>
inline constexpr bool kIsComplex = std::is_same_v<T, Complex64> || std::is_same_v<T, Complex128>;

enum class MidKind { kReal, kSigned, kUnsigned };

union MidBuf {
  double real[kChunk];
  int64_t sint[kChunk];
  uint64_t uint[kChunk];
};

// double -> float with IEEE overflow to +-inf made explicit: C++ leaves a
// conversion of an out-of-range value undefined.
float double_to_float(double v) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (std::isfinite(v) && std::fabs(v) > kMax) {
    // Values below max + half an ulp (2^103) round down to max; from there up
    // (the tie goes to the even side, i.e. up) they overflow.
    const double limit = kMax + std::ldexp(1.0, 103);
    float big = std::fabs(v) >= limit ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::max();
    return v < 0 ? -big : big;
  }
  return static_cast<float>(v);
}

template <typename S>
double real_of(const S& v) {
  if constexpr (std::is_same_v<S, double>) return v;
  else return static_cast<double>(static_cast<float>(v));
}

// Writes one real (double) value as target type D.
template <typename D>
D from_real(double v, const CastOptions& opt) {
  if constexpr (std::is_same_v<D, double>) {
    return v;
  } else if constexpr (std::is_same_v<D, float>) {
    return double_to_float(v);
  } else if constexpr (is_small_float_v<D>) {
    return D(double_to_float(v));
  } else if constexpr (kIsFloat8<D>) {
    D d;
    d.bits = float_to_f8(dtype_of<D>, double_to_float(v), opt.saturate);
    return d;
  } else if constexpr (std::is_same_v<D, Float8E8M0>) {
    D d;
    d.bits = float_to_e8m0(double_to_float(v), opt.saturate, opt.round_mode);
    return d;
  } else if constexpr (std::is_same_v<D, bool>) {
    return v != 0;  // NaN is true, as in C++ and numpy
  } else if constexpr (std::is_integral_v<D>) {
    return float_to_int<D>(v);
  } else {
    fail(ErrorCode::kNotImplemented, "Cast to ", dtype_name(dtype_of<D>), " is not supported");
  }
}

// Writes one integer value as target type D.
template <typename D, typename I>
D from_int(I v, const CastOptions& opt) {
  if constexpr (std::is_same_v<D, double> || std::is_same_v<D, float>) {
    return static_cast<D>(v);
  } else if constexpr (is_small_float_v<D>) {
    return D(static_cast<float>(v));
  } else if constexpr (kIsFloat8<D>) {
    D d;
    d.bits = float_to_f8(dtype_of<D>, static_cast<float>(v), opt.saturate);
    return d;
  } else if constexpr (std::is_same_v<D, Float8E8M0>) {
    D d;
    d.bits = float_to_e8m0(static_cast<float>(v), opt.saturate, opt.round_mode);
    return d;
  } else if constexpr (std::is_same_v<D, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<D>) {
    return static_cast<D>(v);  // modular since C++20: keeps the low bits
  } else {
    fail(ErrorCode::kNotImplemented, "Cast to ", dtype_name(dtype_of<D>), " is not supported");
  }
}

MidKind fill(const Tensor& in, int64_t begin, int64_t count, MidBuf& buf) {
  return dispatch_all(in.dtype(), [&]<typename S>() -> MidKind {
    const S* src = in.data<S>() + begin;
    if constexpr (kIsReal<S>) {
      for (int64_t i = 0; i < count; ++i) buf.real[i] = real_of(src[i]);
      return MidKind::kReal;
    } else if constexpr (std::is_same_v<S, bool> || (std::is_integral_v<S> && std::is_signed_v<S>)) {
      for (int64_t i = 0; i < count; ++i) buf.sint[i] = static_cast<int64_t>(src[i]);
      return MidKind::kSigned;
    } else if constexpr (std::is_integral_v<S>) {
      for (int64_t i = 0; i < count; ++i) buf.uint[i] = static_cast<uint64_t>(src[i]);
      return MidKind::kUnsigned;
    } else {
      fail(ErrorCode::kNotImplemented, "Cast from ", dtype_name(in.dtype()), " is not supported");
    }
  }, "Cast");
}

void drain(Tensor& out, int64_t begin, int64_t count, const MidBuf& buf, MidKind kind, const CastOptions& opt) {
  dispatch_all(out.dtype(), [&]<typename D>() {
    if constexpr (std::is_same_v<D, std::string> || kIsComplex<D>) {
      fail(ErrorCode::kNotImplemented, "Cast to ", dtype_name(out.dtype()), " is not supported here");
    } else {
      D* dst = out.data<D>() + begin;
      switch (kind) {
        case MidKind::kReal:
          for (int64_t i = 0; i < count; ++i) dst[i] = from_real<D>(buf.real[i], opt);
          break;
        case MidKind::kSigned:
          for (int64_t i = 0; i < count; ++i) dst[i] = from_int<D>(buf.sint[i], opt);
          break;
        case MidKind::kUnsigned:
          for (int64_t i = 0; i < count; ++i) dst[i] = from_int<D>(buf.uint[i], opt);
          break;
      }
    }
  }, "Cast");
}

// ---- strings ----------------------------------------------------------------

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Parses decimal / scientific notation and INF / +INF / -INF / NaN (any case).
bool parse_real(std::string_view s, double* out) {
  s = trim(s);
  bool neg = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  if (iequals(s, "inf") || iequals(s, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (iequals(s, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s.front() == '+' || s.front() == '-') return false;  // a second sign
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ptr != s.data() + s.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves v alone on overflow/underflow: strtod gives inf or 0.
    std::string copy(s);
    v = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc()) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

template <typename D>
D parse_string(const std::string& text, const CastOptions& opt) {
  auto bad = [&]() -> D {
    fail(ErrorCode::kInvalidArgument, "cannot convert string '", text, "' to ", dtype_name(dtype_of<D>));
  };
  if constexpr (std::is_same_v<D, bool>) {
    std::string_view t = trim(text);
    if (iequals(t, "true")) return true;
    if (iequals(t, "false")) return false;
  }
  if constexpr (std::is_integral_v<D> && !std::is_same_v<D, bool>) {
    // Integers parse exactly; anything else ("100.5", "1e3") goes through a real.
    std::string_view t = trim(text);
    if (t.size() > 1 && t.front() == '+' && t[1] != '-') t.remove_prefix(1);
    using W = std::conditional_t<std::is_signed_v<D>, int64_t, uint64_t>;
    W w = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), w);
    if (ec == std::errc() && ptr == t.data() + t.size() && !t.empty()) return from_int<D>(w, opt);
  }
  double v = 0;
  if (!parse_real(text, &v)) return bad();
  return from_real<D>(v, opt);
}

// The value x rounded to element type t, as a double (for round-trip checks).
double quantize(DataType t, double x) {
  switch (t) {
    case DataType::kDouble: return x;
    case DataType::kFloat: return double_to_float(x);
    case DataType::kFloat16: return half_to_float(float_to_half(double_to_float(x)));
    case DataType::kBFloat16: return bf16_to_float(float_to_bf16(double_to_float(x)));
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ: return f8_to_float(t, float_to_f8(t, double_to_float(x), true));
    case DataType::kFloat8E8M0: return e8m0_to_float(float_to_e8m0(double_to_float(x), true, "nearest"));
    case DataType::kFloat4E2M1: return f4e2m1_to_float(float_to_f4e2m1(double_to_float(x)));
    default: return x;
  }
}

template <typename S>
std::string format_element(const S& v, DataType t) {
  if constexpr (std::is_same_v<S, bool>) {
    return v ? "1" : "0";
  } else if constexpr (std::is_integral_v<S>) {
    return std::to_string(v);
  } else if constexpr (kIsReal<S>) {
    return cast_real_to_string(t, real_of(v));
  } else {
    fail(ErrorCode::kNotImplemented, "Cast from ", dtype_name(t), " to string is not supported");
  }
}

// ---- packed sub-byte types ----------------------------------------------------

int packed_bits(DataType t) { return dtype_bits(t); }

// float4e2m1 has neither NaN nor inf: inf saturates to +-6 (float_to_f4e2m1),
// and NaN becomes the code 0x8 (negative zero), as the ONNX reference (and
// its conformance data) converts it.
uint8_t float_to_e2m1_code(float f) { return std::isnan(f) ? 0x8 : float_to_f4e2m1(f); }

// Packs the low bits of each int64 (or the float4 code of each float) into out.
void pack_subbyte(const Tensor& wide, Tensor& out) {
  const int bits = packed_bits(out.dtype());
  const int per_byte = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1);
  const int64_t n = wide.numel();
  uint8_t* dst = out.data<uint8_t>();
  const int64_t bytes = (n + per_byte - 1) / per_byte;
  for (int64_t b = 0; b < bytes; ++b) {
    uint8_t byte = 0;
    for (int k = 0; k < per_byte; ++k) {
      int64_t i = b * per_byte + k;
      if (i >= n) break;
      uint8_t code = out.dtype() == DataType::kFloat4E2M1 ? float_to_e2m1_code(wide.data<float>()[i])
                                                          : static_cast<uint8_t>(wide.data<int64_t>()[i]);
      byte = static_cast<uint8_t>(byte | ((code & mask) << (k * bits)));
    }
    dst[b] = byte;
  }
}

}  // namespace

Tensor unpack_subbyte(const Tensor& in) {
  const DataType t = in.dtype();
  const int bits = packed_bits(t);
  const int per_byte = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1);
  const DataType wide = t == DataType::kFloat4E2M1 ? DataType::kFloat : dtype_is_signed(t) ? DataType::kInt8
                                                                                           : DataType::kUInt8;
  Tensor out(wide, in.shape());
  const uint8_t* src = in.data<uint8_t>();
  for (int64_t i = 0; i < in.numel(); ++i) {
    uint8_t code = static_cast<uint8_t>((src[i / per_byte] >> ((i % per_byte) * bits)) & mask);
    if (wide == DataType::kFloat) {
      out.data<float>()[i] = f4e2m1_to_float(code);
    } else if (wide == DataType::kInt8) {
      // Sign-extend: move the field's top bit to bit 7, shift back arithmetically.
      out.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int8_t>(code << (8 - bits)) >> (8 - bits));
    } else {
      out.data<uint8_t>()[i] = code;
    }
  }
  return out;
}

std::string cast_real_to_string(DataType t, double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "INF" : "-INF";
  const int digits_max = t == DataType::kDouble ? 17 : 9;
  char buf[64];
  auto format = [&](int p) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, p);
    return ec == std::errc() ? std::string(buf, end) : std::string();
  };
  // The fewest significant digits that convert back to the same value ...
  int p = 1;
  for (; p < digits_max; ++p) {
    std::string s = format(p);
    double back = 0;
    std::from_chars(s.data(), s.data() + s.size(), back, std::chars_format::general);
    if (quantize(t, back) == v) break;
  }
  // ... but whole numbers that fit the precision print plainly ("100000",
  // not "1e+05"), as %g does once the precision covers the exponent.
  const int exponent = v == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(v))));
  if (exponent >= p && exponent < digits_max) p = exponent + 1;
  return format(p);
}

bool cast_supported(DataType from, DataType to) {
  if (from == DataType::kUndefined || to == DataType::kUndefined) return false;
  if (from == to) return true;
  auto complex = [](DataType t) { return t == DataType::kComplex64 || t == DataType::kComplex128; };
  return !complex(from) && !complex(to);
}

void cast_tensor(const Tensor& in, Tensor& out, const CastOptions& opt, ThreadPool* pool) {
  if (in.numel() != out.numel())
    fail(ErrorCode::kInvalidArgument, "cast: ", in.describe(), " into ", out.describe(), " (element counts differ)");
  if (!cast_supported(in.dtype(), out.dtype()))
    fail(ErrorCode::kNotImplemented, "cannot cast ", dtype_name(in.dtype()), " to ", dtype_name(out.dtype()));
  const int64_t n = in.numel();
  if (n == 0) return;
  if (in.dtype() == out.dtype()) {
    if (in.dtype() == DataType::kString) {
      for (int64_t i = 0; i < n; ++i) out.data<std::string>()[i] = in.data<std::string>()[i];
    } else {
      std::memcpy(out.raw(), in.raw(), in.nbytes());
    }
    return;
  }
  if (dtype_is_packed(in.dtype())) {
    cast_tensor(unpack_subbyte(in), out, opt, pool);
    return;
  }
  if (dtype_is_packed(out.dtype())) {
    Tensor wide(out.dtype() == DataType::kFloat4E2M1 ? DataType::kFloat : DataType::kInt64, in.shape());
    cast_tensor(in, wide, opt, pool);
    pack_subbyte(wide, out);
    return;
  }
  if (in.dtype() == DataType::kString) {
    const std::string* src = in.data<std::string>();
    dispatch_all(out.dtype(), [&]<typename D>() {
      if constexpr (std::is_same_v<D, std::string> || kIsComplex<D>) {
        fail(ErrorCode::kNotImplemented, "cannot cast string to ", dtype_name(out.dtype()));
      } else {
        D* dst = out.data<D>();
        parallel_for(pool, n, 4096, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) dst[i] = parse_string<D>(src[i], opt);
        });
      }
    }, "Cast");
    return;
  }
  if (out.dtype() == DataType::kString) {
    std::string* dst = out.data<std::string>();
    const DataType t = in.dtype();
    dispatch_all(t, [&]<typename S>() {
      const S* src = in.data<S>();
      parallel_for(pool, n, 4096, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = format_element<S>(src[i], t);
      });
    }, "Cast");
    return;
  }
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(pool, chunks, 16, [&](int64_t c0, int64_t c1) {
    MidBuf buf;
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t begin = c * kChunk, count = std::min(kChunk, n - begin);
      MidKind kind = fill(in, begin, count, buf);
      drain(out, begin, count, buf, kind, opt);
    }
  });
}

}  // namespace onyx
