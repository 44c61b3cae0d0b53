// Elementwise ops: unary math, classification, logic, comparisons, bit ops,
// Pow, Mod, the variadic ops, Where and Clip. Edge cases beyond the ONNX
// conformance suite: empty tensors, broadcasting, NaN/inf, integer overflow,
// the legacy opset attributes, and bad inputs.
#include <limits>

#include "kernels/op_test.h"
#include "shape/infer.h"
#include "unit/model_builder.h"

namespace onyx::test {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor f16(Shape shape, const std::vector<float>& v) {
  Tensor t(DataType::kFloat16, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) t.data<Float16>()[i] = Float16(v[i]);
  return t;
}
Tensor bf16(Shape shape, const std::vector<float>& v) {
  Tensor t(DataType::kBFloat16, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) t.data<BFloat16>()[i] = BFloat16(v[i]);
  return t;
}
Tensor strings(Shape shape, const std::vector<std::string>& v) { return make_tensor<std::string>(std::move(shape), v); }

}  // namespace

// ---- unary math ----------------------------------------------------------------

TEST(ElementwiseUnary, AbsIntMinWraps) {
  OpTest("Abs", 13)
      .input<int32_t>("X", {3}, {-5, 0, std::numeric_limits<int32_t>::min()})
      .output<int32_t>("Y", {3}, {5, 0, std::numeric_limits<int32_t>::min()})
      .run();
}

TEST(ElementwiseUnary, AbsUnsignedAndFloat) {
  OpTest("Abs", 13).input<uint8_t>("X", {2}, {0, 255}).output<uint8_t>("Y", {2}, {0, 255}).run();
  OpTest("Abs", 13)
      .input<float>("X", {4}, {-1.5f, -0.0f, kNaN, -kInf})
      .output<float>("Y", {4}, {1.5f, 0.0f, kNaN, kInf})
      .run();
}

TEST(ElementwiseUnary, NegInt8Wraps) {
  OpTest("Neg", 13).input<int8_t>("X", {3}, {-128, 127, 0}).output<int8_t>("Y", {3}, {-128, -127, 0}).run();
}

TEST(ElementwiseUnary, NegUnsignedIsRejected) {
  OpTest("Neg", 13).input<uint32_t>("X", {1}, {1}).output_unchecked("Y").expect_error("no kernel for input types");
}

TEST(ElementwiseUnary, ExpLogSpecialValues) {
  OpTest("Exp", 13)
      .input<float>("X", {4}, {0, -kInf, kInf, kNaN})
      .output<float>("Y", {4}, {1, 0, kInf, kNaN})
      .run();
  OpTest("Log", 13)
      .input<double>("X", {4}, {1, 0, -1, std::exp(2.0)})
      .output<double>("Y", {4}, {0, -std::numeric_limits<double>::infinity(), std::nan(""), 2})
      .run();
}

TEST(ElementwiseUnary, SqrtReciprocal) {
  OpTest("Sqrt", 13).input<float>("X", {3}, {4, -1, 0}).output<float>("Y", {3}, {2, kNaN, 0}).run();
  OpTest("Reciprocal", 13).input<float>("X", {3}, {4, 0, -0.5f}).output<float>("Y", {3}, {0.25f, kInf, -2}).run();
}

TEST(ElementwiseUnary, FloorCeil) {
  OpTest("Floor", 13).input<float>("X", {4}, {-1.5f, 1.5f, -0.0f, kInf}).output<float>("Y", {4}, {-2, 1, 0, kInf}).run();
  OpTest("Ceil", 13).input<float>("X", {4}, {-1.5f, 1.5f, 2, kNaN}).output<float>("Y", {4}, {-1, 2, 2, kNaN}).run();
}

TEST(ElementwiseUnary, RoundHalfToEven) {
  auto out = OpTest("Round", 11)
                 .input<float>("X", {9}, {0.5f, 1.5f, 2.5f, -2.5f, -0.5f, 2.4f, 2.6f, 1e30f, kNaN})
                 .output<float>("Y", {9}, {0, 2, 2, -2, -0.0f, 2, 3, 1e30f, kNaN})
                 .run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::signbit(out[0].tensor().data<float>()[4])) << "Round(-0.5) must be -0";
}

TEST(ElementwiseUnary, RoundBFloat16) {
  OpTest("Round", 22).input("X", bf16({3}, {0.5f, 3.5f, -7.5f})).output("Y", bf16({3}, {0, 4, -8})).run();
}

TEST(ElementwiseUnary, SignAllFamilies) {
  OpTest("Sign", 13).input<int64_t>("X", {3}, {-7, 0, 9}).output<int64_t>("Y", {3}, {-1, 0, 1}).run();
  OpTest("Sign", 13).input<uint16_t>("X", {2}, {0, 7}).output<uint16_t>("Y", {2}, {0, 1}).run();
  OpTest("Sign", 13).input<float>("X", {4}, {-3, 0, 2, kNaN}).output<float>("Y", {4}, {-1, 0, 1, kNaN}).run();
}

TEST(ElementwiseUnary, TrigAndHyperbolic) {
  const double pi = 3.14159265358979323846;
  OpTest("Sin", 7).input<double>("X", {2}, {0, pi / 2}).output<double>("Y", {2}, {0, 1}).run();
  OpTest("Cos", 7).input<double>("X", {2}, {0, pi}).output<double>("Y", {2}, {1, -1}).run();
  OpTest("Tan", 7).input<float>("X", {1}, {static_cast<float>(pi / 4)}).output<float>("Y", {1}, {1}).run();
  OpTest("Asin", 7).input<float>("X", {2}, {1, 2}).output<float>("Y", {2}, {static_cast<float>(pi / 2), kNaN}).run();
  OpTest("Acos", 7).input<float>("X", {1}, {-1}).output<float>("Y", {1}, {static_cast<float>(pi)}).run();
  OpTest("Atan", 7).input<float>("X", {2}, {1, kInf}).output<float>("Y", {2}, {static_cast<float>(pi / 4), static_cast<float>(pi / 2)}).run();
  OpTest("Sinh", 9).input<float>("X", {1}, {1}).output<float>("Y", {1}, {std::sinh(1.0f)}).run();
  OpTest("Cosh", 9).input<float>("X", {1}, {1}).output<float>("Y", {1}, {std::cosh(1.0f)}).run();
  OpTest("Asinh", 9).input<float>("X", {1}, {1}).output<float>("Y", {1}, {std::asinh(1.0f)}).run();
  OpTest("Acosh", 9).input<float>("X", {2}, {1, 0.5f}).output<float>("Y", {2}, {0, kNaN}).run();
  OpTest("Atanh", 9).input<float>("X", {3}, {0, 1, 0.5f}).output<float>("Y", {3}, {0, kInf, std::atanh(0.5f)}).run();
}

TEST(ElementwiseUnary, ErfFloatAndFloat16) {
  OpTest("Erf", 13).input<float>("X", {3}, {0, 1, -kInf}).output<float>("Y", {3}, {0, std::erf(1.0f), -1}).run();
  OpTest("Erf", 13).input("X", f16({2}, {0.5f, -2})).output("Y", f16({2}, {std::erf(0.5f), std::erf(-2.0f)}))
      .tolerance(1e-3, 1e-3).run();
}

TEST(ElementwiseUnary, ErfOnIntegersTruncates) {
  OpTest("Erf", 13).input<int32_t>("X", {3}, {0, 1, 10}).output<int32_t>("Y", {3}, {0, 0, 1}).run();
}

TEST(ElementwiseUnary, EmptyAndZeroSizedDims) {
  OpTest("Exp", 13).input<float>("X", {0}, {}).output<float>("Y", {0}, {}).run();
  OpTest("Abs", 13).input<int64_t>("X", {2, 0, 3}, {}).output<int64_t>("Y", {2, 0, 3}, {}).run();
}

TEST(ElementwiseUnary, ExpRejectsIntegers) {
  OpTest("Exp", 13).input<int32_t>("X", {1}, {1}).output_unchecked("Y").expect_error("no kernel for input types");
}

TEST(ElementwiseUnary, LargeTensorUsesThreadsCorrectly) {
  const int64_t n = 100000;
  std::vector<float> x(n), y(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i % 1000) - 500.0f;
    y[i] = std::fabs(x[i]);
  }
  OpTest("Abs", 13).input<float>("X", {n}, x).output<float>("Y", {n}, y).run();
}

// ---- IsNaN / IsInf ---------------------------------------------------------------

TEST(ElementwiseClassify, IsNaN) {
  OpTest("IsNaN", 13)
      .input<float>("X", {4}, {1, kNaN, kInf, -kNaN})
      .output("Y", make_bool_tensor({4}, {0, 1, 0, 1}))
      .run();
  OpTest("IsNaN", 13).input("X", f16({2}, {kNaN, 3})).output("Y", make_bool_tensor({2}, {1, 0})).run();
}

TEST(ElementwiseClassify, IsNaNFloat8) {
  Tensor x(DataType::kFloat8E4M3FN, {3});
  x.data<uint8_t>()[0] = 0x7F;  // NaN
  x.data<uint8_t>()[1] = 0x38;  // 1.0
  x.data<uint8_t>()[2] = 0xFF;  // -NaN
  OpTest("IsNaN", 20).input("X", x).output("Y", make_bool_tensor({3}, {1, 0, 1})).run();
}

TEST(ElementwiseClassify, IsInfDirections) {
  std::vector<float> x = {-kInf, kInf, kNaN, 1e38f};
  OpTest("IsInf", 10).input<float>("X", {4}, x).output("Y", make_bool_tensor({4}, {1, 1, 0, 0})).run();
  OpTest("IsInf", 10).input<float>("X", {4}, x).attr("detect_negative", 0)
      .output("Y", make_bool_tensor({4}, {0, 1, 0, 0})).run();
  OpTest("IsInf", 10).input<double>("X", {2}, {-INFINITY, INFINITY}).attr("detect_positive", 0)
      .output("Y", make_bool_tensor({2}, {1, 0})).run();
}

TEST(ElementwiseClassify, IsInfRejectsIntegers) {
  OpTest("IsInf", 20).input<int32_t>("X", {1}, {1}).output_unchecked("Y").expect_error("no kernel for input types");
}

// ---- logic -------------------------------------------------------------------------

TEST(ElementwiseLogic, NotAndOrXorBroadcast) {
  OpTest("Not", 1).input("X", make_bool_tensor({3}, {1, 0, 1})).output("Y", make_bool_tensor({3}, {0, 1, 0})).run();
  Tensor a = make_bool_tensor({2, 2}, {1, 0, 1, 0});
  Tensor b = make_bool_tensor({2}, {1, 1});
  Tensor c = make_bool_tensor({2, 1}, {0, 1});
  OpTest("And", 7).input("A", a).input("B", c).output("C", make_bool_tensor({2, 2}, {0, 0, 1, 0})).run();
  OpTest("Or", 7).input("A", a).input("B", c).output("C", make_bool_tensor({2, 2}, {1, 0, 1, 1})).run();
  OpTest("Xor", 7).input("A", a).input("B", b).output("C", make_bool_tensor({2, 2}, {0, 1, 0, 1})).run();
}

TEST(ElementwiseLogic, LegacyBroadcastAxisOpset1) {
  // B [2] applied along axis 0 of A [2, 3].
  OpTest("And", 1)
      .input("A", make_bool_tensor({2, 3}, {1, 1, 1, 1, 1, 1}))
      .input("B", make_bool_tensor({2}, {0, 1}))
      .attr("broadcast", 1)
      .attr("axis", 0)
      .output("C", make_bool_tensor({2, 3}, {0, 0, 0, 1, 1, 1}))
      .run();
}

TEST(ElementwiseLogic, AndRejectsNonBool) {
  OpTest("And", 7).input<int32_t>("A", {1}, {1}).input<int32_t>("B", {1}, {1}).output_unchecked("C")
      .expect_error("no kernel for input types");
}

TEST(ElementwiseLogic, EmptyBroadcast) {
  OpTest("Or", 7)
      .input("A", make_bool_tensor({0, 2}, {}))
      .input("B", make_bool_tensor({2}, {1, 0}))
      .output("C", make_bool_tensor({0, 2}, {}))
      .run();
}

// ---- comparisons -------------------------------------------------------------------

TEST(ElementwiseCompare, NaNIsUnequalToEverything) {
  OpTest("Equal", 13)
      .input<float>("A", {3}, {kNaN, 1, kInf})
      .input<float>("B", {3}, {kNaN, 1, kInf})
      .output("C", make_bool_tensor({3}, {0, 1, 1}))
      .run();
  OpTest("Less", 13).input<float>("A", {1}, {kNaN}).input<float>("B", {1}, {1})
      .output("C", make_bool_tensor({1}, {0})).run();
  OpTest("GreaterOrEqual", 16).input<float>("A", {1}, {kNaN}).input<float>("B", {1}, {kNaN})
      .output("C", make_bool_tensor({1}, {0})).run();
}

TEST(ElementwiseCompare, OrderingsWithBroadcast) {
  std::vector<int64_t> a = {1, 2, 3, 4, 5, 6};
  OpTest("Less", 13).input<int64_t>("A", {2, 3}, a).input<int64_t>("B", {3}, {2, 2, 6})
      .output("C", make_bool_tensor({2, 3}, {1, 0, 1, 0, 0, 0})).run();
  OpTest("Greater", 13).input<int64_t>("A", {2, 3}, a).input<int64_t>("B", {}, {3})
      .output("C", make_bool_tensor({2, 3}, {0, 0, 0, 1, 1, 1})).run();
  OpTest("LessOrEqual", 16).input<int64_t>("A", {2, 3}, a).input<int64_t>("B", {2, 1}, {2, 5})
      .output("C", make_bool_tensor({2, 3}, {1, 1, 0, 1, 1, 0})).run();
  OpTest("GreaterOrEqual", 16).input<int64_t>("A", {2, 3}, a).input<int64_t>("B", {3}, {1, 3, 3})
      .output("C", make_bool_tensor({2, 3}, {1, 0, 1, 1, 1, 1})).run();
}

TEST(ElementwiseCompare, LargeUnsignedValues) {
  const uint64_t big = std::numeric_limits<uint64_t>::max();
  OpTest("Greater", 13).input<uint64_t>("A", {2}, {big, big - 1}).input<uint64_t>("B", {2}, {big - 1, big})
      .output("C", make_bool_tensor({2}, {1, 0})).run();
  OpTest("Equal", 13).input<uint64_t>("A", {1}, {big}).input<uint64_t>("B", {1}, {big - 1})
      .output("C", make_bool_tensor({1}, {0})).run();
}

TEST(ElementwiseCompare, EqualStringsAndBools) {
  OpTest("Equal", 19)
      .input("A", strings({2, 2}, {"a", "bc", "", "x"}))
      .input("B", strings({2}, {"a", "x"}))
      .output("C", make_bool_tensor({2, 2}, {1, 0, 0, 1}))
      .run();
  OpTest("Equal", 11)
      .input("A", make_bool_tensor({2}, {1, 0}))
      .input("B", make_bool_tensor({2}, {1, 1}))
      .output("C", make_bool_tensor({2}, {1, 0}))
      .run();
}

TEST(ElementwiseCompare, Float16AndBFloat16) {
  OpTest("Less", 13).input("A", f16({2}, {1.5f, -2})).input("B", f16({2}, {1.75f, -3}))
      .output("C", make_bool_tensor({2}, {1, 0})).run();
  OpTest("Equal", 13).input("A", bf16({1}, {2})).input("B", bf16({1}, {2}))
      .output("C", make_bool_tensor({1}, {1})).run();
}

TEST(ElementwiseCompare, MismatchedTypesAreAnError) {
  OpTest("Equal", 13).input<int32_t>("A", {1}, {1}).input<int64_t>("B", {1}, {1}).output_unchecked("C")
      .expect_error("must match");
}

TEST(ElementwiseCompare, IncompatibleShapes) {
  OpTest("Less", 13).input<float>("A", {3}, {1, 2, 3}).input<float>("B", {2}, {1, 2}).output_unchecked("C")
      .expect_error("cannot broadcast");
}

TEST(ElementwiseCompare, LegacyBroadcastOpset1) {
  OpTest("Greater", 1)
      .input<float>("A", {2, 2}, {1, 2, 3, 4})
      .input<float>("B", {2}, {2, 2})
      .attr("broadcast", 1)
      .output("C", make_bool_tensor({2, 2}, {0, 0, 1, 1}))
      .run();
}

// ---- bit ops -------------------------------------------------------------------------

TEST(ElementwiseBits, BitShiftBothWays) {
  OpTest("BitShift", 11).input<uint8_t>("X", {3}, {1, 255, 16}).input<uint8_t>("Y", {3}, {7, 1, 2})
      .attr("direction", "LEFT").output<uint8_t>("Z", {3}, {128, 254, 64}).run();
  OpTest("BitShift", 11).input<uint64_t>("X", {2}, {~uint64_t{0}, 8}).input<uint64_t>("Y", {}, {3})
      .attr("direction", "RIGHT").output<uint64_t>("Z", {2}, {~uint64_t{0} >> 3, 1}).run();
}

TEST(ElementwiseBits, ShiftByWidthOrMoreGivesZero) {
  OpTest("BitShift", 11).input<uint32_t>("X", {3}, {1, 1, 0xFFFFFFFFu}).input<uint32_t>("Y", {3}, {32, 100, 31})
      .attr("direction", "LEFT").output<uint32_t>("Z", {3}, {0, 0, 0x80000000u}).run();
  OpTest("BitShift", 11).input<uint16_t>("X", {1}, {0xFFFF}).input<uint16_t>("Y", {1}, {16})
      .attr("direction", "RIGHT").output<uint16_t>("Z", {1}, {0}).run();
}

TEST(ElementwiseBits, BitShiftBadDirection) {
  OpTest("BitShift", 11).input<uint8_t>("X", {1}, {1}).input<uint8_t>("Y", {1}, {1}).attr("direction", "UP")
      .output_unchecked("Z").expect_error("expected 'LEFT' or 'RIGHT'");
}

TEST(ElementwiseBits, BitShiftRejectsSigned) {
  OpTest("BitShift", 11).input<int32_t>("X", {1}, {1}).input<int32_t>("Y", {1}, {1}).attr("direction", "LEFT")
      .output_unchecked("Z").expect_error("no kernel for input types");
}

TEST(ElementwiseBits, BitwiseAndOrXorNot) {
  OpTest("BitwiseAnd", 18).input<int8_t>("A", {2, 2}, {-1, 12, 5, 0}).input<int8_t>("B", {2}, {10, 6})
      .output<int8_t>("C", {2, 2}, {10, 4, 0, 0}).run();
  OpTest("BitwiseOr", 18).input<uint16_t>("A", {2}, {0x0F00, 1}).input<uint16_t>("B", {2}, {0x00F0, 2})
      .output<uint16_t>("C", {2}, {0x0FF0, 3}).run();
  OpTest("BitwiseXor", 18).input<int64_t>("A", {2}, {-1, 5}).input<int64_t>("B", {}, {-1})
      .output<int64_t>("C", {2}, {0, -6}).run();
  OpTest("BitwiseNot", 18).input<uint8_t>("X", {2}, {0, 0xF0}).output<uint8_t>("Y", {2}, {0xFF, 0x0F}).run();
  OpTest("BitwiseNot", 18).input<int32_t>("X", {1}, {0}).output<int32_t>("Y", {1}, {-1}).run();
}

TEST(ElementwiseBits, BitwiseRejectsFloats) {
  OpTest("BitwiseAnd", 18).input<float>("A", {1}, {1}).input<float>("B", {1}, {1}).output_unchecked("C")
      .expect_error("no kernel for input types");
}

// ---- Pow ------------------------------------------------------------------------------

TEST(ElementwisePow, FloatBaseMixedExponents) {
  OpTest("Pow", 15).input<float>("X", {3}, {2, -2, 0}).input<int64_t>("Y", {3}, {10, 3, 0})
      .output<float>("Z", {3}, {1024, -8, 1}).run();
  OpTest("Pow", 15).input<float>("X", {2, 2}, {4, 9, -1, 16}).input<float>("Y", {}, {0.5f})
      .output<float>("Z", {2, 2}, {2, 3, kNaN, 4}).run();
  OpTest("Pow", 15).input("X", f16({2}, {3, 0.5f})).input<double>("Y", {2}, {2, -1})
      .output("Z", f16({2}, {9, 2})).run();
}

TEST(ElementwisePow, IntegerPowerWrapsAndTruncates) {
  OpTest("Pow", 15).input<int32_t>("X", {4}, {3, 2, -3, 7}).input<int32_t>("Y", {4}, {4, 31, 3, 0})
      .output<int32_t>("Z", {4}, {81, std::numeric_limits<int32_t>::min(), -27, 1}).run();
  OpTest("Pow", 15).input<int64_t>("X", {4}, {1, -1, -1, 5}).input<int64_t>("Y", {4}, {-5, -3, -2, -1})
      .output<int64_t>("Z", {4}, {1, -1, 1, 0}).run();
  OpTest("Pow", 15).input<int32_t>("X", {2}, {2, 9}).input<float>("Y", {2}, {0.5f, 0.5f})
      .output<int32_t>("Z", {2}, {1, 3}).run();
}

TEST(ElementwisePow, ZeroToNegativeIntegerPowerIsAnError) {
  OpTest("Pow", 15).input<int32_t>("X", {1}, {0}).input<int32_t>("Y", {1}, {-1}).output_unchecked("Z")
      .expect_error("zero raised to a negative power");
}

TEST(ElementwisePow, BroadcastAndEmpty) {
  OpTest("Pow", 13).input<double>("X", {2, 1}, {2, 3}).input<double>("Y", {3}, {0, 1, 2})
      .output<double>("Z", {2, 3}, {1, 2, 4, 1, 3, 9}).run();
  OpTest("Pow", 13).input<float>("X", {0, 3}, {}).input<float>("Y", {3}, {1, 2, 3})
      .output<float>("Z", {0, 3}, {}).run();
}

TEST(ElementwisePow, BeforeOpset12TypesMustMatch) {
  OpTest("Pow", 7).input<float>("X", {1}, {2}).input<double>("Y", {1}, {2}).output_unchecked("Z")
      .expect_error("must match");
}

// ---- Mod ------------------------------------------------------------------------------

TEST(ElementwiseMod, IntegerSignRules) {
  std::vector<int32_t> a = {7, -7, 7, -7, 0};
  std::vector<int32_t> b = {3, 3, -3, -3, 5};
  OpTest("Mod", 13).input<int32_t>("A", {5}, a).input<int32_t>("B", {5}, b)
      .output<int32_t>("C", {5}, {1, 2, -2, -1, 0}).run();  // divisor's sign (numpy)
  OpTest("Mod", 13).input<int32_t>("A", {5}, a).input<int32_t>("B", {5}, b).attr("fmod", 1)
      .output<int32_t>("C", {5}, {1, -1, 1, -1, 0}).run();  // dividend's sign (C)
}

TEST(ElementwiseMod, IntMinByMinusOne) {
  OpTest("Mod", 13).input<int64_t>("A", {1}, {std::numeric_limits<int64_t>::min()}).input<int64_t>("B", {1}, {-1})
      .output<int64_t>("C", {1}, {0}).run();
}

TEST(ElementwiseMod, ModuloByZeroIsAnError) {
  OpTest("Mod", 13).input<uint8_t>("A", {2}, {1, 2}).input<uint8_t>("B", {2}, {1, 0}).output_unchecked("C")
      .expect_error("integer modulo by zero");
}

TEST(ElementwiseMod, FloatNeedsFmod) {
  OpTest("Mod", 13).input<float>("A", {3}, {5.5f, -5.5f, 1}).input<float>("B", {3}, {2, 2, 0}).attr("fmod", 1)
      .output<float>("C", {3}, {1.5f, -1.5f, kNaN}).run();
  OpTest("Mod", 13).input("A", f16({2}, {-5.5f, 5.5f})).input("B", f16({2}, {2, -2})).attr("fmod", 1)
      .output("C", f16({2}, {-1.5f, 1.5f})).run();
  OpTest("Mod", 13).input<double>("A", {2}, {-5.5, 5.5}).input<double>("B", {2}, {2, -2}).output_unchecked("C")
      .expect_error("fmod must be 1 for floating-point inputs");
}

TEST(ElementwiseMod, Unsigned64AndBroadcast) {
  OpTest("Mod", 13).input<uint64_t>("A", {2, 2}, {10, 11, 12, 13}).input<uint64_t>("B", {2}, {3, 5})
      .output<uint64_t>("C", {2, 2}, {1, 1, 0, 3}).run();
}

// ---- Max / Min / Sum / Mean ------------------------------------------------------------

TEST(ElementwiseVariadic, ThreeInputsBroadcast) {
  OpTest("Max", 13)
      .input<float>("A", {2, 1}, {1, 5})
      .input<float>("B", {3}, {0, 3, 6})
      .input<float>("C", {}, {2})
      .output<float>("Y", {2, 3}, {2, 3, 6, 5, 5, 6})
      .run();
  OpTest("Min", 13)
      .input<int32_t>("A", {2, 1}, {1, 5})
      .input<int32_t>("B", {3}, {0, 3, 6})
      .input<int32_t>("C", {}, {2})
      .output<int32_t>("Y", {2, 3}, {0, 1, 1, 0, 2, 2})
      .run();
  OpTest("Sum", 13)
      .input<double>("A", {2, 1}, {1, 5})
      .input<double>("B", {3}, {0, 3, 6})
      .input<double>("C", {}, {2})
      .output<double>("Y", {2, 3}, {3, 6, 9, 7, 10, 13})
      .run();
  OpTest("Mean", 13)
      .input<float>("A", {2, 1}, {1, 5})
      .input<float>("B", {3}, {0, 3, 6})
      .input<float>("C", {}, {2})
      .output<float>("Y", {2, 3}, {1, 2, 3, 7.0f / 3, 10.0f / 3, 13.0f / 3})
      .run();
}

TEST(ElementwiseVariadic, MaxMinPropagateNaN) {
  OpTest("Max", 13).input<float>("A", {3}, {kNaN, 1, 2}).input<float>("B", {3}, {1, kNaN, 3})
      .output<float>("Y", {3}, {kNaN, kNaN, 3}).run();
  OpTest("Min", 13).input<float>("A", {2}, {kNaN, -kInf}).input<float>("B", {2}, {1, 0})
      .output<float>("Y", {2}, {kNaN, -kInf}).run();
}

TEST(ElementwiseVariadic, SingleInput) {
  OpTest("Max", 13).input<int8_t>("A", {2}, {-1, 4}).output<int8_t>("Y", {2}, {-1, 4}).run();
  OpTest("Mean", 13).input<float>("A", {2}, {-1, 4}).output<float>("Y", {2}, {-1, 4}).run();
}

TEST(ElementwiseVariadic, IntegerSumWraps) {
  OpTest("Sum", 13).input<uint8_t>("A", {1}, {200}).input<uint8_t>("B", {1}, {100}).output<uint8_t>("Y", {1}, {44}).run();
}

TEST(ElementwiseVariadic, Float16MaxAndEmpty) {
  OpTest("Max", 13).input("A", f16({2}, {1, -2})).input("B", f16({2}, {0.5f, -1})).output("Y", f16({2}, {1, -1})).run();
  OpTest("Sum", 13).input<float>("A", {0, 2}, {}).input<float>("B", {2}, {1, 2}).output<float>("Y", {0, 2}, {}).run();
}

TEST(ElementwiseVariadic, MismatchedTypesAndShapes) {
  OpTest("Max", 13).input<float>("A", {1}, {1}).input<double>("B", {1}, {1}).output_unchecked("Y")
      .expect_error("must match");
  OpTest("Sum", 13).input<float>("A", {2}, {1, 2}).input<float>("B", {3}, {1, 2, 3}).output_unchecked("Y")
      .expect_error("cannot broadcast");
}

// ---- Where -----------------------------------------------------------------------------

TEST(ElementwiseWhere, ThreeWayBroadcast) {
  OpTest("Where", 16)
      .input("C", make_bool_tensor({2, 1}, {1, 0}))
      .input<float>("X", {3}, {1, 2, 3})
      .input<float>("Y", {}, {-1})
      .output<float>("Z", {2, 3}, {1, 2, 3, -1, -1, -1})
      .run();
}

TEST(ElementwiseWhere, StringsInt64AndBool) {
  OpTest("Where", 16)
      .input("C", make_bool_tensor({3}, {1, 0, 1}))
      .input("X", strings({3}, {"a", "b", "c"}))
      .input("Y", strings({1}, {"z"}))
      .output("Z", strings({3}, {"a", "z", "c"}))
      .run();
  OpTest("Where", 16)
      .input("C", make_bool_tensor({2}, {0, 1}))
      .input<int64_t>("X", {2}, {std::numeric_limits<int64_t>::max(), 2})
      .input<int64_t>("Y", {2}, {std::numeric_limits<int64_t>::min(), 4})
      .output<int64_t>("Z", {2}, {std::numeric_limits<int64_t>::min(), 2})
      .run();
  OpTest("Where", 9)
      .input("C", make_bool_tensor({2}, {0, 1}))
      .input("X", make_bool_tensor({2}, {1, 1}))
      .input("Y", make_bool_tensor({2}, {0, 0}))
      .output("Z", make_bool_tensor({2}, {0, 1}))
      .run();
}

TEST(ElementwiseWhere, ConditionMustBeBool) {
  OpTest("Where", 16).input<int32_t>("C", {1}, {1}).input<float>("X", {1}, {1}).input<float>("Y", {1}, {2})
      .output_unchecked("Z").expect_error("condition must be bool");
}

TEST(ElementwiseWhere, XAndYTypesMustMatch) {
  OpTest("Where", 16).input("C", make_bool_tensor({1}, {1})).input<float>("X", {1}, {1}).input<int32_t>("Y", {1}, {2})
      .output_unchecked("Z").expect_error("must match");
}

// ---- Clip ------------------------------------------------------------------------------

TEST(ElementwiseClip, Opset6Attributes) {
  OpTest("Clip", 6).input<float>("X", {4}, {-3, 0, 3, kNaN}).attr("min", -1.0f).attr("max", 2.0f)
      .output<float>("Y", {4}, {-1, 0, 2, kNaN}).run();
  OpTest("Clip", 6).input<float>("X", {2}, {-1e30f, 1e30f}).attr("max", 0.0f)
      .output<float>("Y", {2}, {-1e30f, 0}).run();
}

TEST(ElementwiseClip, Opset11OptionalInputs) {
  OpTest("Clip", 11).input<float>("X", {3}, {-3, 0, 3}).omitted_input().input<float>("max", {}, {1})
      .output<float>("Y", {3}, {-3, 0, 1}).run();
  OpTest("Clip", 11).input<float>("X", {3}, {-3, 0, 3}).input<float>("min", {}, {-1})
      .output<float>("Y", {3}, {-1, 0, 3}).run();
  OpTest("Clip", 11).input<float>("X", {2}, {-3, 3}).output<float>("Y", {2}, {-3, 3}).run();
}

TEST(ElementwiseClip, IntegersAndMinAboveMax) {
  OpTest("Clip", 13).input<int8_t>("X", {3}, {-128, 0, 127}).input<int8_t>("min", {}, {-5}).input<int8_t>("max", {}, {5})
      .output<int8_t>("Y", {3}, {-5, 0, 5}).run();
  OpTest("Clip", 13).input<uint64_t>("X", {2}, {0, ~uint64_t{0}}).input<uint64_t>("min", {}, {10})
      .output<uint64_t>("Y", {2}, {10, ~uint64_t{0}}).run();
  OpTest("Clip", 13).input<float>("X", {3}, {-1, 5, 10}).input<float>("min", {}, {6}).input<float>("max", {}, {2})
      .output<float>("Y", {3}, {2, 2, 2}).run();
}

TEST(ElementwiseClip, BoundMustBeScalarOfSameType) {
  OpTest("Clip", 13).input<float>("X", {2}, {1, 2}).input<float>("min", {2}, {0, 0}).output_unchecked("Y")
      .expect_error("must be a scalar");
  OpTest("Clip", 13).input<float>("X", {2}, {1, 2}).input<double>("min", {}, {0}).output_unchecked("Y")
      .expect_error("must match");
}

TEST(ElementwiseClip, Float16AndEmpty) {
  OpTest("Clip", 13).input("X", f16({3}, {-2, 0.5f, 7})).input("min", f16({}, {-1})).input("max", f16({}, {1}))
      .output("Y", f16({3}, {-1, 0.5f, 1})).run();
  OpTest("Clip", 13).input<float>("X", {0}, {}).input<float>("min", {}, {0}).output<float>("Y", {0}, {}).run();
}

// ---- shape values through Equal / Where / Max / Cast ------------------------------------

// Shape(x) -> Equal -> Where / Max / Cast -> Reshape keeps the symbolic batch
// dim: the elementwise ops carry the (symbolic) values of shape tensors.
TEST(ElementwiseShapeValues, SymbolicDimsSurviveShapeArithmetic) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {ir::Dim::sym("batch"), 6});
  ir::Value* s = mb.node("Shape", {x});
  ir::Value* fallback = mb.constant("fallback", make_tensor<int64_t>({2}, {7, 6}));
  ir::Value* eq = mb.node("Equal", {s, s});
  ir::Value* w = mb.node("Where", {eq, s, fallback});
  ir::Value* mx = mb.node("Max", {w, mb.constant("one", make_tensor<int64_t>({2}, {0, 2}))});
  ir::Value* c = mb.node("Cast", {mx}, {ModelBuilder::attr_int("to", static_cast<int64_t>(DataType::kInt64))});
  ir::Value* y = mb.node("Reshape", {x, c});
  mb.output(y);
  infer_graph(mb.graph());
  ASSERT_TRUE(y->type.has_shape);
  ASSERT_EQ(y->type.dims.size(), 2u);
  EXPECT_EQ(y->type.dims[0], ir::Dim::sym("batch")) << y->type.str();  // Max(batch, 0) is batch: dims are >= 0
  EXPECT_EQ(y->type.dims[1], ir::Dim(6)) << y->type.str();
}

}  // namespace onyx::test
