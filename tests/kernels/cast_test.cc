// Cast, CastLike and BitCast: every type family, the defined behaviour for
// NaN and out-of-range values, string parsing and formatting, float8 with and
// without saturation, float8e8m0 rounding modes, packed 4- and 2-bit types,
// and the errors for impossible conversions.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor strings(Shape shape, const std::vector<std::string>& v) { return make_tensor<std::string>(std::move(shape), v); }

// A tensor of a byte-sized special type from raw codes.
Tensor from_codes(DataType dt, Shape shape, const std::vector<uint8_t>& codes) {
  Tensor t(dt, std::move(shape));
  for (size_t i = 0; i < codes.size(); ++i) t.data<uint8_t>()[i] = codes[i];
  return t;
}

// A packed 4- or 2-bit tensor from per-element values (low bits first).
Tensor packed(DataType dt, Shape shape, const std::vector<int>& values) {
  Tensor t(dt, std::move(shape));
  const int bits = dtype_bits(dt), per = 8 / bits;
  std::memset(t.raw(), 0, t.nbytes());
  for (size_t i = 0; i < values.size(); ++i)
    t.data<uint8_t>()[i / per] |= static_cast<uint8_t>((values[i] & ((1 << bits) - 1)) << ((i % per) * bits));
  return t;
}

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const uint8_t* p = t.data<uint8_t>();
  return std::vector<uint8_t>(p, p + t.nbytes());
}

std::vector<uint8_t> cast_codes(const Tensor& x, DataType to, int saturate = 1, const char* round_mode = nullptr) {
  OpTest t("Cast", 25);
  t.input("X", x).attr("to", static_cast<int64_t>(to)).attr("saturate", saturate).output_unchecked("Y");
  if (round_mode) t.attr("round_mode", round_mode);
  auto out = t.run();
  if (out.size() != 1) return {};
  EXPECT_EQ(out[0].tensor().dtype(), to);
  return bytes_of(out[0].tensor());
}

}  // namespace

// ---- numbers -----------------------------------------------------------------------

TEST(Cast, FloatToIntTruncatesAndIsDefinedForNaNAndOverflow) {
  OpTest("Cast", 13)
      .input<float>("X", {7}, {1.9f, -1.9f, kNaN, 1e10f, -1e10f, kInf, -kInf})
      .attr("to", static_cast<int64_t>(DataType::kInt32))
      .output<int32_t>("Y", {7}, {1, -1, 0, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()})
      .run();
  OpTest("Cast", 13)
      .input<double>("X", {3}, {-1, 300, 2.5})
      .attr("to", static_cast<int64_t>(DataType::kUInt8))
      .output<uint8_t>("Y", {3}, {0, 255, 2})
      .run();
}

TEST(Cast, IntegerNarrowingKeepsLowBits) {
  OpTest("Cast", 13).input<int16_t>("X", {3}, {200, -129, 256}).attr("to", static_cast<int64_t>(DataType::kInt8))
      .output<int8_t>("Y", {3}, {-56, 127, 0}).run();
  OpTest("Cast", 13).input<int64_t>("X", {2}, {-1, int64_t{1} << 40}).attr("to", static_cast<int64_t>(DataType::kUInt32))
      .output<uint32_t>("Y", {2}, {0xFFFFFFFFu, 0}).run();
  OpTest("Cast", 13).input<uint64_t>("X", {1}, {~uint64_t{0}}).attr("to", static_cast<int64_t>(DataType::kInt64))
      .output<int64_t>("Y", {1}, {-1}).run();
}

TEST(Cast, LargeIntegersToFloatRoundOnce) {
  // 2^60 + 2^36 + 1 rounds up to 2^60 + 2^37 in float; rounding through double
  // first would lose the +1 and tie down to 2^60.
  const int64_t v = (int64_t{1} << 60) + (int64_t{1} << 36) + 1;
  OpTest("Cast", 13).input<int64_t>("X", {1}, {v}).attr("to", static_cast<int64_t>(DataType::kFloat))
      .output<float>("Y", {1}, {std::ldexp(1.0f, 60) + std::ldexp(1.0f, 37)}).tolerance(0, 0).run();
  OpTest("Cast", 13).input<int64_t>("X", {1}, {(int64_t{1} << 53) + 1}).attr("to", static_cast<int64_t>(DataType::kDouble))
      .output<double>("Y", {1}, {9007199254740992.0}).tolerance(0, 0).run();
  OpTest("Cast", 13).input<uint64_t>("X", {1}, {~uint64_t{0}}).attr("to", static_cast<int64_t>(DataType::kFloat))
      .output<float>("Y", {1}, {18446744073709551616.0f}).run();
}

TEST(Cast, BoolConversions) {
  OpTest("Cast", 13).input<float>("X", {4}, {0, -0.0f, kNaN, 0.1f}).attr("to", static_cast<int64_t>(DataType::kBool))
      .output("Y", make_bool_tensor({4}, {0, 0, 1, 1})).run();
  OpTest("Cast", 13).input("X", make_bool_tensor({2}, {1, 0})).attr("to", static_cast<int64_t>(DataType::kDouble))
      .output<double>("Y", {2}, {1, 0}).run();
  OpTest("Cast", 13).input<int8_t>("X", {3}, {0, -1, 2}).attr("to", static_cast<int64_t>(DataType::kBool))
      .output("Y", make_bool_tensor({3}, {0, 1, 1})).run();
}

TEST(Cast, FloatPrecisions) {
  Tensor h(DataType::kFloat16, {4});
  for (int i = 0; i < 4; ++i) h.data<Float16>()[i] = Float16(std::vector<float>{1.0f / 3, 65504, -2, 0}[i]);
  OpTest("Cast", 13).input<float>("X", {4}, {1.0f / 3, 65504, -2, 0}).attr("to", static_cast<int64_t>(DataType::kFloat16))
      .output("Y", h).run();
  // Beyond float16's range: inf, as the spec asks of float -> float.
  Tensor inf16(DataType::kFloat16, {2});
  inf16.data<Float16>()[0] = Float16(kInf);
  inf16.data<Float16>()[1] = Float16(-kInf);
  OpTest("Cast", 13).input<double>("X", {2}, {1e6, -1e300}).attr("to", static_cast<int64_t>(DataType::kFloat16))
      .output("Y", inf16).run();
  OpTest("Cast", 13).input<double>("X", {3}, {1e300, -1e300, 1e-300}).attr("to", static_cast<int64_t>(DataType::kFloat))
      .output<float>("Y", {3}, {kInf, -kInf, 0}).run();
  Tensor b(DataType::kBFloat16, {2});
  b.data<BFloat16>()[0] = BFloat16(3.0f);
  b.data<BFloat16>()[1] = BFloat16(kNaN);
  OpTest("Cast", 13).input("X", b).attr("to", static_cast<int64_t>(DataType::kFloat)).output<float>("Y", {2}, {3, kNaN}).run();
}

TEST(Cast, SameTypeAndEmpty) {
  OpTest("Cast", 13).input<int32_t>("X", {2}, {5, -5}).attr("to", static_cast<int64_t>(DataType::kInt32))
      .output<int32_t>("Y", {2}, {5, -5}).run();
  OpTest("Cast", 13).input<float>("X", {0, 3}, {}).attr("to", static_cast<int64_t>(DataType::kInt8))
      .output<int8_t>("Y", {0, 3}, {}).run();
}

TEST(Cast, Opset1TakesTheTypeByName) {
  OpTest("Cast", 1).input<int32_t>("X", {2}, {1, -2}).attr("to", "FLOAT").output<float>("Y", {2}, {1, -2}).run();
  OpTest("Cast", 1).input<int32_t>("X", {1}, {1}).attr("to", "QUATERNION").output_unchecked("Y")
      .expect_error("unknown type 'QUATERNION'");
}

TEST(Cast, BadTargets) {
  OpTest("Cast", 13).input<float>("X", {1}, {1}).attr("to", int64_t{99}).output_unchecked("Y")
      .expect_error("not a known element type");
  OpTest("Cast", 13).input<float>("X", {1}, {1}).attr("to", static_cast<int64_t>(DataType::kComplex64))
      .output_unchecked("Y").expect_error("cannot cast float32 to complex64");
  OpTest("Cast", 13).input<float>("X", {1}, {1}).output_unchecked("Y").expect_error("required attribute 'to'");
}

// ---- strings -------------------------------------------------------------------------

TEST(Cast, StringToFloat) {
  OpTest("Cast", 13)
      .input("X", strings({9}, {"3.14", "1e-5", "-1E8", "INF", "+inf", "-INF", "NaN", " 42 ", "+2.5"}))
      .attr("to", static_cast<int64_t>(DataType::kFloat))
      .output<float>("Y", {9}, {3.14f, 1e-5f, -1e8f, kInf, kInf, -kInf, kNaN, 42, 2.5f})
      .run();
  OpTest("Cast", 13).input("X", strings({2}, {"1e400", "-1e-400"})).attr("to", static_cast<int64_t>(DataType::kDouble))
      .output<double>("Y", {2}, {std::numeric_limits<double>::infinity(), 0}).run();
}

TEST(Cast, StringToIntegersAndBool) {
  OpTest("Cast", 13).input("X", strings({4}, {"1000", "-7", "100.5", "9223372036854775807"}))
      .attr("to", static_cast<int64_t>(DataType::kInt64))
      .output<int64_t>("Y", {4}, {1000, -7, 100, std::numeric_limits<int64_t>::max()}).run();
  OpTest("Cast", 13).input("X", strings({2}, {"18446744073709551615", "1e3"}))
      .attr("to", static_cast<int64_t>(DataType::kUInt64))
      .output<uint64_t>("Y", {2}, {~uint64_t{0}, 1000}).run();
  OpTest("Cast", 13).input("X", strings({4}, {"true", "False", "0", "2.5"}))
      .attr("to", static_cast<int64_t>(DataType::kBool))
      .output("Y", make_bool_tensor({4}, {1, 0, 0, 1})).run();
}

TEST(Cast, UnparsableStringIsAnError) {
  OpTest("Cast", 13).input("X", strings({2}, {"1", "Hello World!"})).attr("to", static_cast<int64_t>(DataType::kFloat))
      .output_unchecked("Y").expect_error("cannot convert string 'Hello World!' to float32");
  OpTest("Cast", 13).input("X", strings({1}, {""})).attr("to", static_cast<int64_t>(DataType::kInt32))
      .output_unchecked("Y").expect_error("cannot convert string ''");
  OpTest("Cast", 13).input("X", strings({1}, {"--1"})).attr("to", static_cast<int64_t>(DataType::kDouble))
      .output_unchecked("Y").expect_error("cannot convert");
}

TEST(Cast, NumbersToString) {
  OpTest("Cast", 13)
      .input<float>("X", {8}, {0.1f, 3.14159274f, 1e20f, -2, kInf, -kInf, kNaN, 100000})
      .attr("to", static_cast<int64_t>(DataType::kString))
      .output("Y", strings({8}, {"0.1", "3.1415927", "1e+20", "-2", "INF", "-INF", "NaN", "100000"}))
      .run();
  OpTest("Cast", 13).input<double>("X", {2}, {0.1, 1.0 / 3}).attr("to", static_cast<int64_t>(DataType::kString))
      .output("Y", strings({2}, {"0.1", "0.3333333333333333"})).run();
  OpTest("Cast", 13).input<int64_t>("X", {2}, {std::numeric_limits<int64_t>::min(), 7})
      .attr("to", static_cast<int64_t>(DataType::kString))
      .output("Y", strings({2}, {"-9223372036854775808", "7"})).run();
  OpTest("Cast", 13).input("X", make_bool_tensor({2}, {1, 0})).attr("to", static_cast<int64_t>(DataType::kString))
      .output("Y", strings({2}, {"1", "0"})).run();
  Tensor h(DataType::kFloat16, {1});
  h.data<Float16>()[0] = Float16(0.1f);  // shortest text that is the same float16
  OpTest("Cast", 13).input("X", h).attr("to", static_cast<int64_t>(DataType::kString))
      .output("Y", strings({1}, {"0.1"})).run();
}

TEST(Cast, StringRoundTrip) {
  std::vector<float> v = {1.17549435e-38f, 3.40282347e+38f, -1.4e-45f, 123456.789f};
  auto out = OpTest("Cast", 13).input<float>("X", {4}, v).attr("to", static_cast<int64_t>(DataType::kString))
                 .output_unchecked("Y").run();
  ASSERT_EQ(out.size(), 1u);
  OpTest("Cast", 13).input("X", out[0].tensor()).attr("to", static_cast<int64_t>(DataType::kFloat))
      .output<float>("Y", {4}, v).tolerance(0, 0).run();
}

// ---- float8 / float8e8m0 / float4 -------------------------------------------------------

TEST(CastFloat8, SaturateClampsOtherwiseInfOrNaN) {
  Tensor x = make_tensor<float>({4}, {1.0f, 1000.0f, -1000.0f, kInf});
  // e4m3fn: max 448 (0x7E), NaN 0x7F.
  EXPECT_EQ(cast_codes(x, DataType::kFloat8E4M3FN, 1), (std::vector<uint8_t>{0x38, 0x7E, 0xFE, 0x7E}));
  EXPECT_EQ(cast_codes(x, DataType::kFloat8E4M3FN, 0), (std::vector<uint8_t>{0x38, 0x7F, 0xFF, 0x7F}));
  // e5m2: max 57344 (0x7B), inf 0x7C.
  Tensor big = make_tensor<float>({2}, {1e6f, -1e6f});
  EXPECT_EQ(cast_codes(big, DataType::kFloat8E5M2, 1), (std::vector<uint8_t>{0x7B, 0xFB}));
  EXPECT_EQ(cast_codes(big, DataType::kFloat8E5M2, 0), (std::vector<uint8_t>{0x7C, 0xFC}));
  // fnuz formats: one NaN (0x80), no negative zero.
  Tensor z = make_tensor<float>({3}, {-0.0f, kNaN, 1e6f});
  EXPECT_EQ(cast_codes(z, DataType::kFloat8E4M3FNUZ, 0), (std::vector<uint8_t>{0x00, 0x80, 0x80}));
  EXPECT_EQ(cast_codes(z, DataType::kFloat8E5M2FNUZ, 1), (std::vector<uint8_t>{0x00, 0x80, 0x7F}));
}

TEST(CastFloat8, DecodeToFloatAndInt) {
  Tensor x = from_codes(DataType::kFloat8E4M3FN, {4}, {0x38, 0xC0, 0x7F, 0x01});
  OpTest("Cast", 19).input("X", x).attr("to", static_cast<int64_t>(DataType::kFloat))
      .output<float>("Y", {4}, {1, -2, kNaN, 0.001953125f}).tolerance(0, 0).run();
  OpTest("Cast", 19).input("X", x).attr("to", static_cast<int64_t>(DataType::kInt32))
      .output<int32_t>("Y", {4}, {1, -2, 0, 0}).run();
  // float8 -> float8 goes through float.
  EXPECT_EQ(cast_codes(x, DataType::kFloat8E5M2), (std::vector<uint8_t>{0x3C, 0xC0, 0x7F, 0x18}));
}

TEST(CastFloat8, IntegersToFloat8) {
  EXPECT_EQ(cast_codes(make_tensor<int32_t>({3}, {2, -3, 100000}), DataType::kFloat8E4M3FN),
            (std::vector<uint8_t>{0x40, 0xC4, 0x7E}));
}

TEST(CastFloat8, E8M0RoundModes) {
  Tensor x = make_tensor<float>({4}, {3.0f, 2.0f, 0.75f, 5.0f});
  // 3 = 1.5 * 2^1: up -> 4, down -> 2, nearest (ties up) -> 4. 5 = 1.25 * 2^2: nearest -> 4.
  EXPECT_EQ(cast_codes(x, DataType::kFloat8E8M0, 1, "up"), (std::vector<uint8_t>{129, 128, 127, 130}));
  EXPECT_EQ(cast_codes(x, DataType::kFloat8E8M0, 1, "down"), (std::vector<uint8_t>{128, 128, 126, 129}));
  EXPECT_EQ(cast_codes(x, DataType::kFloat8E8M0, 1, "nearest"), (std::vector<uint8_t>{129, 128, 127, 129}));
  EXPECT_EQ(cast_codes(make_tensor<float>({2}, {kNaN, kInf}), DataType::kFloat8E8M0, 0),
            (std::vector<uint8_t>{0xFF, 0xFF}));
  EXPECT_EQ(cast_codes(make_tensor<float>({1}, {kInf}), DataType::kFloat8E8M0, 1), (std::vector<uint8_t>{0xFE}));
  OpTest("Cast", 25).input("X", from_codes(DataType::kFloat8E8M0, {3}, {127, 130, 0xFF}))
      .attr("to", static_cast<int64_t>(DataType::kFloat)).output<float>("Y", {3}, {1, 8, kNaN}).run();
}

TEST(CastFloat8, BadRoundMode) {
  OpTest("Cast", 25).input<float>("X", {1}, {1}).attr("to", static_cast<int64_t>(DataType::kFloat8E8M0))
      .attr("round_mode", "sideways").output_unchecked("Y").expect_error("expected 'up', 'down' or 'nearest'");
}

TEST(CastFloat4, E2M1SaturatesAndPacks) {
  // Values 0.5, 1.5, 6, 100 (saturates to 6), -1, and an odd count (padding nibble stays 0).
  Tensor x = make_tensor<float>({5}, {0.5f, 1.5f, 6.0f, 100.0f, -1.0f});
  EXPECT_EQ(cast_codes(x, DataType::kFloat4E2M1), (std::vector<uint8_t>{0x31, 0x77, 0x0A}));
  OpTest("Cast", 23).input("X", packed(DataType::kFloat4E2M1, {3}, {0x1, 0xF, 0x4}))
      .attr("to", static_cast<int64_t>(DataType::kFloat)).output<float>("Y", {3}, {0.5f, -6, 2}).run();
}

// ---- packed integers -----------------------------------------------------------------------

TEST(CastPacked, FloatToInt4WrapsLowBits) {
  Tensor x = make_tensor<float>({5}, {-9, -8, 7, 8, 2.7f});
  // -9 -> 7, -8 -> -8 (0x8), 7, 8 -> -8 (0x8), 2.7 -> 2.
  EXPECT_EQ(cast_codes(x, DataType::kInt4), (std::vector<uint8_t>{0x87, 0x87, 0x02}));
  EXPECT_EQ(cast_codes(x, DataType::kUInt4), (std::vector<uint8_t>{0x87, 0x87, 0x02}));
}

TEST(CastPacked, Int2AndUInt2) {
  Tensor x = make_tensor<int32_t>({5}, {-3, -2, -1, 0, 3});
  EXPECT_EQ(cast_codes(x, DataType::kInt2), (std::vector<uint8_t>{0x39, 0x03}));
  OpTest("Cast", 25).input("X", packed(DataType::kInt2, {5}, {1, -2, -1, 0, 1}))
      .attr("to", static_cast<int64_t>(DataType::kInt8)).output<int8_t>("Y", {5}, {1, -2, -1, 0, 1}).run();
  OpTest("Cast", 25).input("X", packed(DataType::kUInt2, {3}, {3, 2, 1}))
      .attr("to", static_cast<int64_t>(DataType::kFloat)).output<float>("Y", {3}, {3, 2, 1}).run();
}

TEST(CastPacked, Int4SignExtends) {
  OpTest("Cast", 21).input("X", packed(DataType::kInt4, {3}, {-8, 7, -1}))
      .attr("to", static_cast<int64_t>(DataType::kInt32)).output<int32_t>("Y", {3}, {-8, 7, -1}).run();
  OpTest("Cast", 21).input("X", packed(DataType::kUInt4, {3}, {15, 0, 8}))
      .attr("to", static_cast<int64_t>(DataType::kFloat)).output<float>("Y", {3}, {15, 0, 8}).run();
  // int4 -> uint4 keeps the low bits.
  EXPECT_EQ(cast_codes(packed(DataType::kInt4, {2}, {-1, 3}), DataType::kUInt4), (std::vector<uint8_t>{0x3F}));
}

TEST(CastPacked, StringsToInt4) {
  EXPECT_EQ(cast_codes(strings({3}, {"1", "-2", "7"}), DataType::kInt4), (std::vector<uint8_t>{0xE1, 0x07}));
}

// ---- CastLike ----------------------------------------------------------------------------

TEST(CastLike, TakesTheTargetTypeFromInput1) {
  OpTest("CastLike", 15).input<float>("X", {3}, {1.5f, -2.5f, 3}).input<int16_t>("like", {0}, {})
      .output<int16_t>("Y", {3}, {1, -2, 3}).run();
  OpTest("CastLike", 19).input<float>("X", {1}, {1000}).input("like", from_codes(DataType::kFloat8E4M3FN, {1}, {0}))
      .attr("saturate", 0).output_unchecked("Y").run();
  OpTest("CastLike", 15).input<double>("X", {2}, {0.5, 2}).input("like", strings({1}, {"x"}))
      .output("Y", strings({2}, {"0.5", "2"})).run();
}

// ---- BitCast -----------------------------------------------------------------------------

TEST(BitCast, ReinterpretsBits) {
  OpTest("BitCast", 26).input<float>("X", {3}, {1.0f, -0.0f, kInf}).attr("to", static_cast<int64_t>(DataType::kInt32))
      .output<int32_t>("Y", {3}, {0x3F800000, std::numeric_limits<int32_t>::min(), 0x7F800000}).run();
  OpTest("BitCast", 26).input<int64_t>("X", {1}, {0x3FF0000000000000}).attr("to", static_cast<int64_t>(DataType::kDouble))
      .output<double>("Y", {1}, {1.0}).run();
  OpTest("BitCast", 26).input<uint8_t>("X", {3}, {0, 1, 2}).attr("to", static_cast<int64_t>(DataType::kBool))
      .output("Y", make_bool_tensor({3}, {0, 1, 1})).run();
  OpTest("BitCast", 26).input<int16_t>("X", {2, 0}, {}).attr("to", static_cast<int64_t>(DataType::kFloat16))
      .output("Y", Tensor(DataType::kFloat16, {2, 0})).run();
}

TEST(BitCast, PackedSameWidth) {
  Tensor x = packed(DataType::kInt4, {3}, {-1, 2, 7});
  OpTest("BitCast", 26).input("X", x).attr("to", static_cast<int64_t>(DataType::kUInt4))
      .output("Y", packed(DataType::kUInt4, {3}, {15, 2, 7})).run();
}

TEST(BitCast, WidthsMustMatch) {
  OpTest("BitCast", 26).input<float>("X", {1}, {1}).attr("to", static_cast<int64_t>(DataType::kInt64))
      .output_unchecked("Y").expect_error("the widths differ");
  OpTest("BitCast", 26).input("X", strings({1}, {"a"})).attr("to", static_cast<int64_t>(DataType::kInt64))
      .output_unchecked("Y").expect_error("string tensors cannot be bit-cast");
}

}  // namespace onyx::test
