// QuantizeLinear, DequantizeLinear (per-tensor, per-axis, blocked; 8-, 16-,
// 4-bit and float8 targets; saturate) and DynamicQuantizeLinear. Expected
// values follow the spec's formulas, worked by hand in the comments:
//   Q: y = saturate(round_half_even(x / scale) + zero_point)
//   D: y = (x - zero_point) * scale
// ConvInteger / QLinearConv and MatMulInteger / QLinearMatMul are tested in
// conv_test.cc and matmul_test.cc.
#include <cstring>
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A packed 4- or 2-bit tensor from per-element values (low bits first).
Tensor packed(DataType dt, Shape shape, const std::vector<int>& values) {
  Tensor t(dt, std::move(shape));
  const int bits = dtype_bits(dt), per = 8 / bits;
  std::memset(t.raw(), 0, t.nbytes());
  for (size_t i = 0; i < values.size(); ++i)
    t.data<uint8_t>()[i / per] |= static_cast<uint8_t>((values[i] & ((1 << bits) - 1)) << ((i % per) * bits));
  return t;
}

// A tensor of a byte-sized float8 type from raw codes.
Tensor codes(DataType dt, Shape shape, const std::vector<uint8_t>& c) {
  Tensor t(dt, std::move(shape));
  for (size_t i = 0; i < c.size(); ++i) t.data<uint8_t>()[i] = c[i];
  return t;
}

// Expects the error to mention `what` and to name the node (OpTest calls it <Op>_node).
void expect_node_error(OpTest t, const std::string& op, const std::string& what) {
  t.expect_error(what);
  t.expect_error(op + "_node");
}

}  // namespace

// ---- QuantizeLinear ------------------------------------------------------------------

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturatesUint8) {
  // x / 2 = {0, .5, 1.5, 2.5, -1.5, 500, -500, NaN, inf, -inf}
  // rne   = {0, 0, 2, 2, -2, ...}; + 128, clamp to [0, 255]; NaN -> 0 + zp.
  OpTest("QuantizeLinear", 13)
      .input<float>("x", {10}, {0, 1, 3, 5, -3, 1000, -1000, kNaN, kInf, -kInf})
      .input<float>("y_scale", {}, {2})
      .input<uint8_t>("y_zero_point", {}, {128})
      .output<uint8_t>("y", {10}, {128, 128, 130, 130, 126, 255, 0, 128, 255, 0})
      .run();
}

TEST(QuantizeLinear, ZeroPointOmittedGivesUint8) {
  OpTest("QuantizeLinear", 10)
      .input<float>("x", {4}, {1, 2, -1, 200})
      .input<float>("y_scale", {}, {0.5f})
      .output<uint8_t>("y", {4}, {2, 4, 0, 255})
      .run();
}

TEST(QuantizeLinear, Int8SaturatesToItsRange) {
  OpTest("QuantizeLinear", 13)
      .input<float>("x", {5}, {-129, -128.5f, 126.5f, 127.5f, 300})
      .input<float>("y_scale", {}, {1})
      .input<int8_t>("y_zero_point", {}, {0})
      // -128.5 -> -128 (even), 126.5 -> 126, 127.5 -> 128 -> 127.
      .output<int8_t>("y", {5}, {-128, -128, 126, 127, 127})
      .run();
}

TEST(QuantizeLinear, Int16AndUint16) {
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {3}, {-40000, 1.5f, 40000})
      .input<float>("y_scale", {}, {1})
      .input<int16_t>("y_zero_point", {}, {-2})
      .output<int16_t>("y", {3}, {-32768, 0, 32767})
      .run();
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {3}, {-1, 2.5f, 1e6f})
      .input<float>("y_scale", {}, {1})
      .input<uint16_t>("y_zero_point", {}, {10})
      .output<uint16_t>("y", {3}, {9, 12, 65535})
      .run();
}

TEST(QuantizeLinear, PerAxisWithNegativeAxis) {
  // Columns scaled by {1, 2, 4}, zero points {0, 1, -1}:
  //   row 0: 1/1+0=1, 2/2+1=2, 4/4-1=0;  row 1: -8, 6/2+1=4, 100/4-1=24.
  for (int64_t axis : {1, -1}) {
    SCOPED_TRACE(axis);
    OpTest("QuantizeLinear", 13)
        .input<float>("x", {2, 3}, {1, 2, 4, -8, 6, 100})
        .input<float>("y_scale", {3}, {1, 2, 4})
        .input<int8_t>("y_zero_point", {3}, {0, 1, -1})
        .attr("axis", axis)
        .output<int8_t>("y", {2, 3}, {1, 2, 0, -8, 4, 24})
        .run();
  }
  // Axis 0 of a rank-3 input: one scale per outer slice.
  OpTest("QuantizeLinear", 13)
      .input<float>("x", {2, 1, 2}, {3, 4, 3, 4})
      .input<float>("y_scale", {2}, {1, 2})
      .input<uint8_t>("y_zero_point", {2}, {0, 10})
      .attr("axis", 0)
      .output<uint8_t>("y", {2, 1, 2}, {3, 4, 12, 12})  // 1.5 -> 2, 2 -> 2; + 10
      .run();
}

TEST(QuantizeLinear, BlockedWithShortLastBlock) {
  // x [2, 5] in blocks of 2 along axis 1: scales [2, 3], the last block one wide.
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {2, 5}, {2, 4, 30, 60, 7, 1, 2, 3, 4, 5})
      .input<float>("y_scale", {2, 3}, {2, 10, 7, 1, 1, 5})
      .input<int8_t>("y_zero_point", {2, 3}, {0, 1, 0, 0, 0, -1})
      .attr("axis", 1)
      .attr("block_size", 2)
      // row 0: 2/2, 4/2 | 30/10+1, 60/10+1 | 7/7;  row 1: 1, 2 | 3, 4 | 5/5-1
      .output<int8_t>("y", {2, 5}, {1, 2, 4, 7, 1, 1, 2, 3, 4, 0})
      .run();
}

TEST(QuantizeLinear, BlockedAlongAxisZero) {
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {4, 1}, {2, 4, 9, 12})
      .input<float>("y_scale", {2, 1}, {2, 3})
      .attr("axis", 0)
      .attr("block_size", 2)
      .output<uint8_t>("y", {4, 1}, {1, 2, 3, 4})
      .run();
}

TEST(QuantizeLinear, Int4AndUint4Saturate) {
  // int4 range [-8, 7]; 0.5 -> 0 and 1.5 -> 2 (half to even).
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {7}, {-20, -3, 0.5f, 1.5f, 7.4f, 20, kNaN})
      .input<float>("y_scale", {}, {1})
      .input("y_zero_point", packed(DataType::kInt4, {}, {0}))
      .output("y", packed(DataType::kInt4, {7}, {-8, -3, 0, 2, 7, 7, 0}))
      .run();
  // uint4 range [0, 15], zero point 8.
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {5}, {-20, -1, 0, 6.5f, 20})
      .input<float>("y_scale", {}, {1})
      .input("y_zero_point", packed(DataType::kUInt4, {}, {8}))
      .output("y", packed(DataType::kUInt4, {5}, {0, 7, 8, 14, 15}))
      .run();
}

TEST(QuantizeLinear, Int4PerAxisOddLength) {
  // Odd element count: the last byte holds a single element.
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {3, 1}, {4, -4, 9})
      .input<float>("y_scale", {3}, {2, 1, 3})
      .input("y_zero_point", packed(DataType::kInt4, {3}, {1, 0, -1}))
      .attr("axis", 0)
      .output("y", packed(DataType::kInt4, {3, 1}, {3, -4, 2}))
      .run();
}

TEST(QuantizeLinear, Float8SaturateAttribute) {
  // e4m3fn: 1.0 = 0x38, max 448 = 0x7E, NaN 0x7F.
  Tensor zp = codes(DataType::kFloat8E4M3FN, {}, {0});
  OpTest("QuantizeLinear", 19)
      .input<float>("x", {3}, {2, 2000, -2000})
      .input<float>("y_scale", {}, {2})
      .input("y_zero_point", zp)
      .output("y", codes(DataType::kFloat8E4M3FN, {3}, {0x38, 0x7E, 0xFE}))
      .run();
  OpTest("QuantizeLinear", 19)
      .input<float>("x", {3}, {2, 2000, -2000})
      .input<float>("y_scale", {}, {2})
      .input("y_zero_point", zp)
      .attr("saturate", 0)
      .output("y", codes(DataType::kFloat8E4M3FN, {3}, {0x38, 0x7F, 0xFF}))
      .run();
  // e5m2: saturate gives max 57344 (0x7B), otherwise inf (0x7C).
  Tensor zp52 = codes(DataType::kFloat8E5M2, {}, {0});
  OpTest("QuantizeLinear", 19)
      .input<float>("x", {1}, {1e6f})
      .input<float>("y_scale", {}, {1})
      .input("y_zero_point", zp52)
      .output("y", codes(DataType::kFloat8E5M2, {1}, {0x7B}))
      .run();
  OpTest("QuantizeLinear", 19)
      .input<float>("x", {1}, {1e6f})
      .input<float>("y_scale", {}, {1})
      .input("y_zero_point", zp52)
      .attr("saturate", 0)
      .output("y", codes(DataType::kFloat8E5M2, {1}, {0x7C}))
      .run();
}

TEST(QuantizeLinear, OutputDtypeAttributeWithoutZeroPoint) {
  OpTest("QuantizeLinear", 23)
      .input<float>("x", {3}, {-3, 0, 300})
      .input<float>("y_scale", {}, {1})
      .attr("output_dtype", static_cast<int64_t>(DataType::kInt8))
      .output<int8_t>("y", {3}, {-3, 0, 127})
      .run();
}

TEST(QuantizeLinear, Int32InputDividesExactly) {
  OpTest("QuantizeLinear", 21)
      .input<int32_t>("x", {4}, {3, 5, -7, 1000})
      .input<float>("y_scale", {}, {2})
      .input<int8_t>("y_zero_point", {}, {0})
      .output<int8_t>("y", {4}, {2, 2, -4, 127})  // 1.5 -> 2, 2.5 -> 2, -3.5 -> -4
      .run();
}

TEST(QuantizeLinear, Float16Input) {
  std::vector<Float16> x = {Float16(1.0f), Float16(-2.5f), Float16(6.0f)};
  OpTest("QuantizeLinear", 19)
      .input("x", make_tensor<Float16>({3}, x))
      .input("y_scale", make_tensor<Float16>({}, {Float16(1.0f)}))
      .input<int8_t>("y_zero_point", {}, {1})
      .output<int8_t>("y", {3}, {2, -1, 7})
      .run();
}

TEST(QuantizeLinear, BlockedWithNegativeAxis) {
  // x [2, 4], blocks of 2 along axis -1 (= 1): scales [[1, 2], [4, 8]].
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {2, 4}, {1, 2, 4, 6, 4, 8, 8, 24})
      .input<float>("y_scale", {2, 2}, {1, 2, 4, 8})
      .attr("axis", -1)
      .attr("block_size", 2)
      .output<uint8_t>("y", {2, 4}, {1, 2, 2, 3, 1, 2, 1, 3})
      .run();
}

TEST(QuantizeLinear, TwoBitTargets) {
  // Opset 25: int2 range [-2, 1], uint2 [0, 3].
  OpTest("QuantizeLinear", 25)
      .input<float>("x", {5}, {-5, -1, 0, 1, 5})
      .input<float>("y_scale", {}, {1})
      .attr("output_dtype", static_cast<int64_t>(DataType::kInt2))
      .output("y", packed(DataType::kInt2, {5}, {-2, -1, 0, 1, 1}))
      .run();
  OpTest("QuantizeLinear", 25)
      .input<float>("x", {4}, {-1, 0, 2, 9})
      .input<float>("y_scale", {}, {1})
      .input("y_zero_point", packed(DataType::kUInt2, {}, {0}))
      .output("y", packed(DataType::kUInt2, {4}, {0, 0, 2, 3}))
      .run();
}

TEST(QuantizeLinear, Float4E2M1AlwaysSaturates) {
  // e2m1 magnitudes by code: 0, .5, 1, 1.5, 2, 3, 4, 6; sign is bit 3. 100 -> 6 (code 7).
  OpTest("QuantizeLinear", 23)
      .input<float>("x", {5}, {0.5f, 1, 3, 100, -2})
      .input<float>("y_scale", {}, {1})
      .attr("output_dtype", static_cast<int64_t>(DataType::kFloat4E2M1))
      .output("y", packed(DataType::kFloat4E2M1, {5}, {1, 2, 5, 7, 12}))
      .run();
}

TEST(QuantizeLinear, Float8E8M0Scale) {
  // Opset 24: an exponent-only scale; code 128 is 2^(128-127) = 2.
  OpTest("QuantizeLinear", 24)
      .input<float>("x", {3}, {4, 5, -7})
      .input("y_scale", codes(DataType::kFloat8E8M0, {}, {128}))
      .input<int8_t>("y_zero_point", {}, {0})
      .output<int8_t>("y", {3}, {2, 2, -4})
      .run();
}

TEST(QuantizeLinear, DivisionPrecisionFollowsScaleOrAttribute) {
  // A float16 scale divides in float16: 2049 becomes 2048 first. precision =
  // float (opset 23) keeps it exact. Large int32 inputs saturate, never wrap.
  OpTest("QuantizeLinear", 23)
      .input<float>("x", {2}, {2049, -70000})
      .input("y_scale", make_tensor<Float16>({}, {Float16(1.0f)}))
      .input<int16_t>("y_zero_point", {}, {0})
      .output<int16_t>("y", {2}, {2048, -32768})
      .run();
  OpTest("QuantizeLinear", 23)
      .input<float>("x", {2}, {2049, -70000})
      .input("y_scale", make_tensor<Float16>({}, {Float16(1.0f)}))
      .input<int16_t>("y_zero_point", {}, {0})
      .attr("precision", static_cast<int64_t>(DataType::kFloat))
      .output<int16_t>("y", {2}, {2049, -32768})
      .run();
  OpTest("QuantizeLinear", 21)
      .input<int32_t>("x", {2}, {std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()})
      .input<float>("y_scale", {}, {1})
      .input<int16_t>("y_zero_point", {}, {5})
      .output<int16_t>("y", {2}, {32767, -32768})
      .run();
}

TEST(QuantizeLinear, EmptyAndZeroSizeInputs) {
  OpTest("QuantizeLinear", 13)
      .input<float>("x", {0, 3}, {})
      .input<float>("y_scale", {3}, {1, 2, 3})
      .input<uint8_t>("y_zero_point", {3}, {0, 0, 0})
      .attr("axis", 1)
      .output<uint8_t>("y", {0, 3}, {})
      .run();
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {2, 0}, {})
      .input<float>("y_scale", {2, 0}, {})
      .attr("axis", 1)
      .attr("block_size", 4)
      .output<uint8_t>("y", {2, 0}, {})
      .run();
  OpTest("QuantizeLinear", 21)
      .input<float>("x", {0}, {})
      .input<float>("y_scale", {}, {1})
      .input("y_zero_point", packed(DataType::kInt4, {}, {0}))
      .output("y", packed(DataType::kInt4, {0}, {}))
      .run();
}

TEST(QuantizeLinear, ScalarInput) {
  OpTest("QuantizeLinear", 13)
      .input<float>("x", {}, {7})
      .input<float>("y_scale", {}, {2})
      .input<uint8_t>("y_zero_point", {}, {1})
      .output<uint8_t>("y", {}, {5})  // 3.5 -> 4, + 1
      .run();
}

TEST(QuantizeLinear, RejectsBadParameters) {
  // Zero point shape differs from the scale's.
  expect_node_error(OpTest("QuantizeLinear", 13)
                        .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<float>("y_scale", {3}, {1, 1, 1})
                        .input<uint8_t>("y_zero_point", {2}, {0, 0})
                        .output_unchecked("y"),
                    "QuantizeLinear", "y_zero_point shape [2] must equal y_scale shape [3]");
  // Per-axis scale of the wrong length.
  expect_node_error(OpTest("QuantizeLinear", 13)
                        .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<float>("y_scale", {2}, {1, 1})
                        .attr("axis", 1)
                        .output_unchecked("y"),
                    "QuantizeLinear", "y_scale has 2 elements but the input has 3 along axis 1");
  // Axis out of range.
  expect_node_error(OpTest("QuantizeLinear", 13)
                        .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<float>("y_scale", {3}, {1, 1, 1})
                        .attr("axis", 2)
                        .output_unchecked("y"),
                    "QuantizeLinear", "axis 2 is out of range for rank 2");
  expect_node_error(OpTest("QuantizeLinear", 13)
                        .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<float>("y_scale", {2}, {1, 1})
                        .attr("axis", -3)
                        .output_unchecked("y"),
                    "QuantizeLinear", "axis -3 is out of range for rank 2");
  // Before opset 13 only a per-tensor scale exists.
  expect_node_error(OpTest("QuantizeLinear", 10)
                        .input<float>("x", {3}, {1, 2, 3})
                        .input<float>("y_scale", {3}, {1, 1, 1})
                        .output_unchecked("y"),
                    "QuantizeLinear", "y_scale must be a scalar without block_size");
  // A 2-D scale without block_size.
  expect_node_error(OpTest("QuantizeLinear", 21)
                        .input<float>("x", {2, 2}, {1, 2, 3, 4})
                        .input<float>("y_scale", {2, 2}, {1, 1, 1, 1})
                        .output_unchecked("y"),
                    "QuantizeLinear", "y_scale must be a scalar or a 1-D tensor without block_size");
  // Float zero point: not a quantized type.
  expect_node_error(OpTest("QuantizeLinear", 21)
                        .input<float>("x", {2}, {1, 2})
                        .input<float>("y_scale", {}, {1})
                        .input<float>("y_zero_point", {}, {0})
                        .output_unchecked("y"),
                    "QuantizeLinear", "cannot quantize to float");
  // output_dtype contradicting the zero point.
  expect_node_error(OpTest("QuantizeLinear", 23)
                        .input<float>("x", {2}, {1, 2})
                        .input<float>("y_scale", {}, {1})
                        .input<uint8_t>("y_zero_point", {}, {0})
                        .attr("output_dtype", static_cast<int64_t>(DataType::kInt8))
                        .output_unchecked("y"),
                    "QuantizeLinear", "output_dtype int8 does not match y_zero_point type uint8");
  expect_node_error(OpTest("QuantizeLinear", 23)
                        .input<float>("x", {2}, {1, 2})
                        .input<float>("y_scale", {}, {1})
                        .attr("precision", static_cast<int64_t>(DataType::kInt8))
                        .output_unchecked("y"),
                    "QuantizeLinear", "attribute 'precision' must name a float type, got int8");
  // Negative block size.
  expect_node_error(OpTest("QuantizeLinear", 21)
                        .input<float>("x", {2, 2}, {1, 2, 3, 4})
                        .input<float>("y_scale", {2, 1}, {1, 1})
                        .attr("block_size", -2)
                        .output_unchecked("y"),
                    "QuantizeLinear", "block_size must not be negative");
}

TEST(QuantizeLinear, RejectsBadBlocks) {
  // dim 5 in blocks of 2 needs 3 scales along the axis.
  expect_node_error(OpTest("QuantizeLinear", 21)
                        .input<float>("x", {1, 5}, {1, 2, 3, 4, 5})
                        .input<float>("y_scale", {1, 2}, {1, 1})
                        .attr("axis", 1)
                        .attr("block_size", 2)
                        .output_unchecked("y"),
                    "QuantizeLinear", "y_scale has 2 blocks along axis 1 but an input dim of 5 with block_size 2 needs 3");
  // Non-blocked dims of the scale must match the input.
  expect_node_error(OpTest("QuantizeLinear", 21)
                        .input<float>("x", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})
                        .input<float>("y_scale", {1, 2}, {1, 1})
                        .attr("axis", 1)
                        .attr("block_size", 2)
                        .output_unchecked("y"),
                    "QuantizeLinear", "must equal the input shape [2,4] except along axis 1");
  // Blocked scale of the wrong rank.
  expect_node_error(OpTest("QuantizeLinear", 21)
                        .input<float>("x", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})
                        .input<float>("y_scale", {2}, {1, 1})
                        .attr("axis", 1)
                        .attr("block_size", 2)
                        .output_unchecked("y"),
                    "QuantizeLinear", "blocked quantization needs y_scale of the input's rank 2");
}

// ---- DequantizeLinear ----------------------------------------------------------------

TEST(DequantizeLinear, Uint8PerTensor) {
  OpTest("DequantizeLinear", 13)
      .input<uint8_t>("x", {4}, {0, 128, 255, 130})
      .input<float>("x_scale", {}, {0.5f})
      .input<uint8_t>("x_zero_point", {}, {128})
      .output<float>("y", {4}, {-64, 0, 63.5f, 1})
      .run();
}

TEST(DequantizeLinear, Int32WithoutZeroPointDoesNotOverflow) {
  // x - zp is taken exactly (no int32 wrap): INT32_MIN * 1 stays exact in float.
  OpTest("DequantizeLinear", 13)
      .input<int32_t>("x", {3}, {-5, 7, std::numeric_limits<int32_t>::min()})
      .input<float>("x_scale", {}, {2})
      .output<float>("y", {3}, {-10, 14, -4294967296.0f})
      .run();
  // int8: -128 - 127 = -255 (would wrap in 8 bits).
  OpTest("DequantizeLinear", 13)
      .input<int8_t>("x", {2}, {-128, 127})
      .input<float>("x_scale", {}, {1})
      .input<int8_t>("x_zero_point", {}, {127})
      .output<float>("y", {2}, {-255, 0})
      .run();
}

TEST(DequantizeLinear, PerAxisAndNegativeAxis) {
  for (int64_t axis : {0, -2}) {
    SCOPED_TRACE(axis);
    OpTest("DequantizeLinear", 13)
        .input<int8_t>("x", {2, 3}, {1, 2, 3, -1, -2, -3})
        .input<float>("x_scale", {2}, {2, 0.5f})
        .input<int8_t>("x_zero_point", {2}, {1, -1})
        .attr("axis", axis)
        .output<float>("y", {2, 3}, {0, 2, 4, 0, -0.5f, -1})
        .run();
  }
}

TEST(DequantizeLinear, BlockedInt4) {
  // x [1, 5] int4, blocks of 2 along axis 1: scales {1, 2, 4}, zero points {0, 1, -1}.
  OpTest("DequantizeLinear", 21)
      .input("x", packed(DataType::kInt4, {1, 5}, {-8, 7, 1, 3, -2}))
      .input<float>("x_scale", {1, 3}, {1, 2, 4})
      .input("x_zero_point", packed(DataType::kInt4, {1, 3}, {0, 1, -1}))
      .attr("axis", 1)
      .attr("block_size", 2)
      .output<float>("y", {1, 5}, {-8, 7, 0, 4, -4})
      .run();
}

TEST(DequantizeLinear, Uint4AndInt2) {
  OpTest("DequantizeLinear", 21)
      .input("x", packed(DataType::kUInt4, {3}, {0, 15, 8}))
      .input<float>("x_scale", {}, {0.5f})
      .input("x_zero_point", packed(DataType::kUInt4, {}, {8}))
      .output<float>("y", {3}, {-4, 3.5f, 0})
      .run();
  OpTest("DequantizeLinear", 25)
      .input("x", packed(DataType::kInt2, {5}, {-2, -1, 0, 1, 1}))
      .input<float>("x_scale", {}, {3})
      .output<float>("y", {5}, {-6, -3, 0, 3, 3})
      .run();
}

TEST(DequantizeLinear, Float8Input) {
  // e4m3fn 0x38 = 1, 0xC0 = -2, 0x7F = NaN; e5m2 0x7C = inf.
  OpTest("DequantizeLinear", 19)
      .input("x", codes(DataType::kFloat8E4M3FN, {3}, {0x38, 0xC0, 0x7F}))
      .input<float>("x_scale", {}, {3})
      .output<float>("y", {3}, {3, -6, kNaN})
      .run();
  OpTest("DequantizeLinear", 19)
      .input("x", codes(DataType::kFloat8E5M2, {2}, {0x7C, 0xFC}))
      .input<float>("x_scale", {}, {1})
      .output<float>("y", {2}, {kInf, -kInf})
      .run();
}

TEST(DequantizeLinear, Float16ScaleGivesFloat16) {
  OpTest("DequantizeLinear", 19)
      .input<uint8_t>("x", {2}, {10, 0})
      .input("x_scale", make_tensor<Float16>({}, {Float16(0.25f)}))
      .input<uint8_t>("x_zero_point", {}, {2})
      .output("y", make_tensor<Float16>({2}, {Float16(2.0f), Float16(-0.5f)}))
      .run();
  // output_dtype (opset 23) overrides the scale's type.
  OpTest("DequantizeLinear", 23)
      .input<uint8_t>("x", {1}, {10})
      .input<float>("x_scale", {}, {0.25f})
      .attr("output_dtype", static_cast<int64_t>(DataType::kFloat16))
      .output("y", make_tensor<Float16>({1}, {Float16(2.5f)}))
      .run();
}

TEST(DequantizeLinear, Float8E8M0ScaleGivesFloat) {
  OpTest("DequantizeLinear", 24)
      .input<int8_t>("x", {2}, {3, -2})
      .input("x_scale", codes(DataType::kFloat8E8M0, {}, {128}))
      .output<float>("y", {2}, {6, -4})
      .run();
}

TEST(DequantizeLinear, Float4E2M1Input) {
  OpTest("DequantizeLinear", 23)
      .input("x", packed(DataType::kFloat4E2M1, {4}, {1, 7, 12, 15}))
      .input<float>("x_scale", {}, {2})
      .output<float>("y", {4}, {1, 12, -4, -12})
      .run();
}

TEST(DequantizeLinear, EmptyInput) {
  OpTest("DequantizeLinear", 13)
      .input<int8_t>("x", {3, 0}, {})
      .input<float>("x_scale", {3}, {1, 2, 3})
      .attr("axis", 0)
      .output<float>("y", {3, 0}, {})
      .run();
}

TEST(DequantizeLinear, RejectsBadParameters) {
  expect_node_error(OpTest("DequantizeLinear", 13)
                        .input<uint8_t>("x", {2}, {1, 2})
                        .input<float>("x_scale", {}, {1})
                        .input<int8_t>("x_zero_point", {}, {0})
                        .output_unchecked("y"),
                    "DequantizeLinear", "x_zero_point has type int8 but x has uint8");
  expect_node_error(OpTest("DequantizeLinear", 13)
                        .input<uint8_t>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<float>("x_scale", {3}, {1, 1, 1})
                        .attr("axis", 0)
                        .output_unchecked("y"),
                    "DequantizeLinear", "x_scale has 3 elements but the input has 2 along axis 0");
  expect_node_error(OpTest("DequantizeLinear", 13)
                        .input<uint8_t>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<float>("x_scale", {3}, {1, 1, 1})
                        .attr("axis", -3)
                        .output_unchecked("y"),
                    "DequantizeLinear", "axis -3 is out of range for rank 2");
  expect_node_error(OpTest("DequantizeLinear", 21)
                        .input<int8_t>("x", {1, 4}, {1, 2, 3, 4})
                        .input<float>("x_scale", {1, 1}, {1})
                        .attr("axis", 1)
                        .attr("block_size", 3)
                        .output_unchecked("y"),
                    "DequantizeLinear", "x_scale has 1 blocks along axis 1 but an input dim of 4 with block_size 3 needs 2");
  expect_node_error(OpTest("DequantizeLinear", 13)
                        .input<uint8_t>("x", {3}, {1, 2, 3})
                        .input<float>("x_scale", {3}, {1, 1, 1})
                        .input<uint8_t>("x_zero_point", {1}, {0})
                        .attr("axis", 0)
                        .output_unchecked("y"),
                    "DequantizeLinear", "x_zero_point shape [1] must equal x_scale shape [3]");
  // A scalar input cannot take a per-axis scale.
  expect_node_error(OpTest("DequantizeLinear", 13)
                        .input<uint8_t>("x", {}, {1})
                        .input<float>("x_scale", {2}, {1, 1})
                        .output_unchecked("y"),
                    "DequantizeLinear", "but the input is a scalar");
}

// ---- DynamicQuantizeLinear -------------------------------------------------------------

TEST(DynamicQuantizeLinear, SpecExample) {
  // lo = -3, hi = 2: scale = 5 / 255, zero point = round(3 / scale) = 153.
  const float scale = 5.0f / 255.0f;
  OpTest("DynamicQuantizeLinear", 11)
      .input<float>("x", {6}, {0, 2, -3, -2.5f, 1.34f, 0.5f})
      .output<uint8_t>("y", {6}, {153, 255, 0, 26, 221, 179})
      .output<float>("y_scale", {}, {scale})
      .output<uint8_t>("y_zero_point", {}, {153})
      .run();
}

TEST(DynamicQuantizeLinear, RangeAlwaysContainsZero) {
  // All positive: lo = 0, scale = 3 / 255, zero point 0.
  OpTest("DynamicQuantizeLinear", 11)
      .input<float>("x", {3}, {1, 2, 3})
      .output<uint8_t>("y", {3}, {85, 170, 255})
      .output<float>("y_scale", {}, {3.0f / 255.0f})
      .output<uint8_t>("y_zero_point", {}, {0})
      .run();
  // All negative: hi = 0, lo = -255: scale 1, zero point 255; -127.5 rounds to -128 (even).
  OpTest("DynamicQuantizeLinear", 11)
      .input<float>("x", {3, 1}, {-255, -127.5f, -1})
      .output<uint8_t>("y", {3, 1}, {0, 127, 254})
      .output<float>("y_scale", {}, {1})
      .output<uint8_t>("y_zero_point", {}, {255})
      .run();
}

TEST(DynamicQuantizeLinear, AllZeroAndEmptyGiveZeroScale) {
  OpTest("DynamicQuantizeLinear", 11)
      .input<float>("x", {3}, {0, 0, 0})
      .output<uint8_t>("y", {3}, {0, 0, 0})
      .output<float>("y_scale", {}, {0})
      .output<uint8_t>("y_zero_point", {}, {0})
      .run();
  OpTest("DynamicQuantizeLinear", 11)
      .input<float>("x", {0, 4}, {})
      .output<uint8_t>("y", {0, 4}, {})
      .output<float>("y_scale", {}, {0})
      .output<uint8_t>("y_zero_point", {}, {0})
      .run();
}

TEST(DynamicQuantizeLinear, InfinityMakesScaleInfinite) {
  // hi = inf: scale inf, zero point = round(clip(-0 / inf)) = 0; finite x / inf = 0.
  OpTest("DynamicQuantizeLinear", 11)
      .input<float>("x", {2}, {1, kInf})
      .output_unchecked("y")
      .output<float>("y_scale", {}, {kInf})
      .output<uint8_t>("y_zero_point", {}, {0})
      .run();
}

TEST(DynamicQuantizeLinear, RejectsNonFloat) {
  expect_node_error(OpTest("DynamicQuantizeLinear", 11).input<double>("x", {2}, {1, 2}).output_unchecked("y"),
                    "DynamicQuantizeLinear", "float");
}

// ---- edge cases of the integer / QLinear ops (value tests in matmul_test.cc, conv_test.cc) ----

TEST(MatMulInteger, MixedSignednessAndEmptyShapes) {
  // uint8 A times int8 B: (200, 100) . (-1, 2) = 0; with a_zero_point 100: (100, 0) . (-1, 2) = -100.
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {1, 2}, {200, 100})
      .input<int8_t>("B", {2, 1}, {-1, 2})
      .output<int32_t>("Y", {1, 1}, {0})
      .run();
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {1, 2}, {200, 100})
      .input<int8_t>("B", {2, 1}, {-1, 2})
      .input<uint8_t>("a_zero_point", {}, {100})
      .output<int32_t>("Y", {1, 1}, {-100})
      .run();
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {0, 3}, {})
      .input<uint8_t>("B", {3, 2}, {1, 2, 3, 4, 5, 6})
      .output<int32_t>("Y", {0, 2}, {})
      .run();
  // K = 0: every sum is empty.
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {2, 0}, {})
      .input<uint8_t>("B", {0, 3}, {})
      .output<int32_t>("Y", {2, 3}, {0, 0, 0, 0, 0, 0})
      .run();
}

TEST(MatMulInteger, RejectsZeroPointOfAnotherType) {
  expect_node_error(OpTest("MatMulInteger", 10)
                        .input<uint8_t>("A", {1, 2}, {1, 2})
                        .input<uint8_t>("B", {2, 1}, {1, 2})
                        .input<int8_t>("a_zero_point", {}, {0})
                        .output_unchecked("Y"),
                    "MatMulInteger", "a_zero_point");
}

TEST(QLinearMatMul, PerColumnScalesAndEmptyBatch) {
  // (1, 1) . [[1, 2], [3, 4]] = (4, 6); column scales (1, 0.5) -> (4, 3).
  OpTest("QLinearMatMul", 10)
      .input<uint8_t>("a", {1, 2}, {1, 1})
      .input<float>("a_scale", {}, {1})
      .input<uint8_t>("a_zero_point", {}, {0})
      .input<uint8_t>("b", {2, 2}, {1, 2, 3, 4})
      .input<float>("b_scale", {2}, {1, 0.5f})
      .input<uint8_t>("b_zero_point", {2}, {0, 0})
      .input<float>("y_scale", {}, {1})
      .input<uint8_t>("y_zero_point", {}, {0})
      .output<uint8_t>("y", {1, 2}, {4, 3})
      .run();
  OpTest("QLinearMatMul", 10)
      .input<uint8_t>("a", {0, 2}, {})
      .input<float>("a_scale", {}, {1})
      .input<uint8_t>("a_zero_point", {}, {0})
      .input<uint8_t>("b", {2, 2}, {1, 2, 3, 4})
      .input<float>("b_scale", {}, {1})
      .input<uint8_t>("b_zero_point", {}, {0})
      .input<float>("y_scale", {}, {1})
      .input<uint8_t>("y_zero_point", {}, {0})
      .output<uint8_t>("y", {0, 2}, {})
      .run();
}

TEST(QLinearMatMul, RejectsScaleOfWrongLength) {
  expect_node_error(OpTest("QLinearMatMul", 10)
                        .input<uint8_t>("a", {1, 2}, {1, 1})
                        .input<float>("a_scale", {}, {1})
                        .input<uint8_t>("a_zero_point", {}, {0})
                        .input<uint8_t>("b", {2, 2}, {1, 2, 3, 4})
                        .input<float>("b_scale", {3}, {1, 1, 1})
                        .input<uint8_t>("b_zero_point", {3}, {0, 0, 0})
                        .input<float>("y_scale", {}, {1})
                        .input<uint8_t>("y_zero_point", {}, {0})
                        .output_unchecked("y"),
                    "QLinearMatMul", "b_scale");
}

TEST(ConvInteger, EmptyBatchAndGroups) {
  OpTest("ConvInteger", 10)
      .input<uint8_t>("x", {0, 1, 3, 3}, {})
      .input<uint8_t>("w", {2, 1, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1})
      .output<int32_t>("y", {0, 2, 2, 2}, {})
      .run();
  // group 2: channel 0 by w 2, channel 1 by w 3 (1x1 kernels), x_zero_point 1.
  OpTest("ConvInteger", 10)
      .input<uint8_t>("x", {1, 2, 1, 2}, {1, 2, 3, 4})
      .input<uint8_t>("w", {2, 1, 1, 1}, {2, 3})
      .input<uint8_t>("x_zero_point", {}, {1})
      .attr("group", 2)
      .output<int32_t>("y", {1, 2, 1, 2}, {0, 2, 6, 9})
      .run();
}

TEST(QLinearConv, WithoutBiasSaturatesBothWays) {
  // y = x * w + 128: w = -1 gives -72 (saturates to 0) and 128; w = 1 gives 328 (255) and 128.
  OpTest("QLinearConv", 10)
      .input<uint8_t>("x", {1, 1, 1, 2}, {200, 0})
      .input<float>("x_scale", {}, {1})
      .input<uint8_t>("x_zero_point", {}, {0})
      .input<int8_t>("w", {2, 1, 1, 1}, {-1, 1})
      .input<float>("w_scale", {}, {1})
      .input<int8_t>("w_zero_point", {}, {0})
      .input<float>("y_scale", {}, {1})
      .input<uint8_t>("y_zero_point", {}, {128})
      .output<uint8_t>("y", {1, 2, 1, 2}, {0, 128, 255, 128})
      .run();
}

}  // namespace onyx::test
