// Tensor ops, part 3: Shape, Size, ConstantOfShape, Range, EyeLike, NonZero,
// Compress, Trilu, DepthToSpace, SpaceToDepth, ReverseSequence, Unique,
// CumSum, CumProd, TopK, Einsum, Det.
#include <cmath>
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

Tensor i64(Shape shape, std::vector<int64_t> v) { return make_tensor<int64_t>(std::move(shape), v); }

std::vector<float> iota_f(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return v;
}

}  // namespace

// ---- Shape / Size / ConstantOfShape / Range / EyeLike --------------------------------------

TEST(Shape, StartEndClampedAndNegative) {
  OpTest("Shape", 15).input<float>("x", {2, 3, 4}, iota_f(24)).attr("start", -2).output("y", i64({2}, {3, 4})).run();
  OpTest("Shape", 15).input<float>("x", {2, 3, 4}, iota_f(24)).attr("start", -10).attr("end", 10)
      .output("y", i64({3}, {2, 3, 4})).run();
  OpTest("Shape", 15).input<float>("x", {2, 3, 4}, iota_f(24)).attr("start", 2).attr("end", 1)
      .output("y", i64({0}, {})).run();
}

TEST(Shape, ScalarAndEmpty) {
  OpTest("Shape", 13).input<float>("x", {}, {1}).output("y", i64({0}, {})).run();
  OpTest("Shape", 13).input<float>("x", {0, 5}, {}).output("y", i64({2}, {0, 5})).run();
}

TEST(Size, CountsElements) {
  OpTest("Size", 13).input<float>("x", {2, 0}, {}).output("y", i64({}, {0})).run();
  OpTest("Size", 13).input<float>("x", {2, 3}, iota_f(6)).output("y", i64({}, {6})).run();
}

TEST(ConstantOfShape, Int32ValueAndScalarShape) {
  OpTest("ConstantOfShape", 20)
      .input("s", i64({2}, {2, 2}))
      .attr("value", make_tensor<int32_t>({1}, {7}))
      .output<int32_t>("y", {2, 2}, {7, 7, 7, 7})
      .run();
  OpTest("ConstantOfShape", 20).input("s", i64({0}, {})).output<float>("y", {}, {0}).run();
  OpTest("ConstantOfShape", 20).input("s", i64({2}, {3, 0})).output<float>("y", {3, 0}, {}).run();
}

TEST(ConstantOfShape, PackedInt4Value) {
  Tensor v(DataType::kInt4, {1});
  v.data<uint8_t>()[0] = 0x0D;  // -3
  Tensor want(DataType::kInt4, {3});
  want.data<uint8_t>()[0] = 0xDD;
  want.data<uint8_t>()[1] = 0x0D;
  OpTest("ConstantOfShape", 21).input("s", i64({1}, {3})).attr("value", v).output("y", want).run();
}

TEST(Shape, OfAPackedTensor) {
  Tensor x(DataType::kUInt4, {3, 1});
  std::fill(x.data<uint8_t>(), x.data<uint8_t>() + x.nbytes(), 0);
  OpTest("Shape", 21).input("x", x).output("y", i64({2}, {3, 1})).run();
  OpTest("Size", 21).input("x", x).output("y", i64({}, {3})).run();
}

TEST(ConstantOfShape, NegativeOrAbsurdShapeIsAnError) {
  OpTest("ConstantOfShape", 20).input("s", i64({1}, {-1})).output_unchecked("y").expect_error("negative dim");
  OpTest("ConstantOfShape", 20)
      .input("s", i64({2}, {int64_t{1} << 40, int64_t{1} << 40}))
      .output_unchecked("y")
      .expect_error("more than 2^62 elements");
}

TEST(Range, IntegerNegativeDeltaAndEmpty) {
  OpTest("Range", 11)
      .input<int32_t>("s", {}, {10})
      .input<int32_t>("l", {}, {3})
      .input<int32_t>("d", {}, {-3})
      .output<int32_t>("y", {3}, {10, 7, 4})
      .run();
  OpTest("Range", 11)
      .input<int64_t>("s", {}, {1})
      .input<int64_t>("l", {}, {1})
      .input<int64_t>("d", {}, {2})
      .output<int64_t>("y", {0}, {})
      .run();
}

TEST(Range, FloatAndZeroDeltaError) {
  OpTest("Range", 11)
      .input<float>("s", {}, {0})
      .input<float>("l", {}, {1})
      .input<float>("d", {}, {0.25f})
      .output<float>("y", {4}, {0, 0.25f, 0.5f, 0.75f})
      .run();
  OpTest("Range", 11)
      .input<float>("s", {}, {0})
      .input<float>("l", {}, {1})
      .input<float>("d", {}, {0})
      .output_unchecked("y")
      .expect_error("delta cannot be 0");
}

TEST(Range, HugeCountIsAnError) {
  OpTest("Range", 11)
      .input<float>("s", {}, {0})
      .input<float>("l", {}, {1e30f})
      .input<float>("d", {}, {1})
      .output_unchecked("y")
      .expect_error("too many elements");
}

TEST(EyeLike, OffsetDiagonalAndDtype) {
  OpTest("EyeLike", 22)
      .input<float>("x", {2, 3}, iota_f(6))
      .attr("k", 1)
      .attr("dtype", static_cast<int64_t>(DataType::kInt32))
      .output<int32_t>("y", {2, 3}, {0, 1, 0, 0, 0, 1})
      .run();
  OpTest("EyeLike", 22)
      .input<int64_t>("x", {3, 2}, {0, 0, 0, 0, 0, 0})
      .attr("k", -1)
      .output<int64_t>("y", {3, 2}, {0, 0, 1, 0, 0, 1})
      .run();
}

// ---- NonZero / Compress / Trilu ----------------------------------------------------------

TEST(NonZero, FloatBoolAndNaN) {
  OpTest("NonZero", 13)
      .input<float>("x", {2, 2}, {0, -0.f, std::numeric_limits<float>::quiet_NaN(), 2})
      .output("y", i64({2, 2}, {1, 1, 0, 1}))
      .run();
  OpTest("NonZero", 13).input("x", make_bool_tensor({3}, {1, 0, 1})).output("y", i64({1, 2}, {0, 2})).run();
  OpTest("NonZero", 13).input<float>("x", {0, 2}, {}).output("y", i64({2, 0}, {})).run();
}

TEST(Compress, FlattenedAndShortCondition) {
  OpTest("Compress", 11)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("c", make_bool_tensor({3}, {0, 1, 1}))
      .output<float>("y", {2}, {2, 3})
      .run();
  OpTest("Compress", 11)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("c", make_bool_tensor({2}, {1, 0}))
      .attr("axis", -1)
      .output<float>("y", {2, 1}, {0, 3})
      .run();
}

TEST(Compress, TrueEntryPastTheAxisIsAnError) {
  OpTest("Compress", 11)
      .input<float>("x", {2}, {1, 2})
      .input("c", make_bool_tensor({3}, {0, 0, 1}))
      .attr("axis", 0)
      .output_unchecked("y")
      .expect_error("entry 2 is true");
}

TEST(Trilu, LowerWithNegativeKAndBatch) {
  OpTest("Trilu", 14)
      .input<float>("x", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
      .input("k", i64({}, {-1}))
      .attr("upper", 0)
      .output<float>("y", {2, 2, 2}, {0, 0, 3, 0, 0, 0, 7, 0})
      .run();
}

TEST(Trilu, HugeKKeepsNothingOrEverything) {
  OpTest("Trilu", 14)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("k", i64({}, {INT64_MAX}))
      .output<float>("y", {2, 2}, {0, 0, 0, 0})
      .run();
  OpTest("Trilu", 14)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("k", i64({}, {INT64_MIN}))
      .output<float>("y", {2, 2}, {1, 2, 3, 4})
      .run();
}

// ---- DepthToSpace / SpaceToDepth / ReverseSequence -----------------------------------------

TEST(DepthToSpace, DcrAndCrdAreInverseOfSpaceToDepth) {
  // [1, 4, 1, 1]: DCR puts channel c at (c / 2, c % 2); CRD the same for one output channel.
  OpTest("DepthToSpace", 13).input<float>("x", {1, 4, 1, 1}, {0, 1, 2, 3}).attr("blocksize", 2)
      .output<float>("y", {1, 1, 2, 2}, {0, 1, 2, 3}).run();
  OpTest("DepthToSpace", 13).input<float>("x", {1, 8, 1, 1}, iota_f(8)).attr("blocksize", 2)
      .output<float>("y", {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7}).run();
  OpTest("DepthToSpace", 13).input<float>("x", {1, 8, 1, 1}, iota_f(8)).attr("blocksize", 2).attr("mode", "CRD")
      .output<float>("y", {1, 2, 2, 2}, iota_f(8)).run();
  OpTest("SpaceToDepth", 13).input<float>("x", {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7}).attr("blocksize", 2)
      .output<float>("y", {1, 8, 1, 1}, iota_f(8)).run();
}

TEST(DepthToSpace, IndivisibleChannelsIsAnError) {
  OpTest("DepthToSpace", 13).input<float>("x", {1, 3, 1, 1}, {0, 1, 2}).attr("blocksize", 2).output_unchecked("y")
      .expect_error("not divisible");
}

TEST(ReverseSequence, BatchAxisZero) {
  OpTest("ReverseSequence", 10)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input("lens", i64({2}, {2, 3}))
      .attr("batch_axis", 0)
      .attr("time_axis", 1)
      .output<float>("y", {2, 3}, {2, 1, 3, 6, 5, 4})
      .run();
}

TEST(ReverseSequence, LengthPastTheTimeAxisIsAnError) {
  OpTest("ReverseSequence", 10)
      .input<float>("x", {2, 1}, {1, 2})
      .input("lens", i64({1}, {3}))
      .output_unchecked("y")
      .expect_error("sequence_lens[0] = 3 is outside [0, 2]");
}

// ---- Unique -------------------------------------------------------------------------------

TEST(Unique, UnsortedKeepsFirstOccurrenceOrder) {
  OpTest("Unique", 11)
      .input<float>("x", {6}, {2, 1, 1, 3, 4, 3})
      .attr("sorted", 0)
      .output<float>("y", {4}, {2, 1, 3, 4})
      .output("idx", i64({4}, {0, 1, 3, 4}))
      .output("inv", i64({6}, {0, 1, 1, 2, 3, 2}))
      .output("cnt", i64({4}, {1, 2, 2, 1}))
      .run();
}

TEST(Unique, SortedAlongAxisAndEmpty) {
  OpTest("Unique", 11)
      .input<float>("x", {3, 2}, {1, 0, 0, 1, 1, 0})
      .attr("axis", 0)
      .output<float>("y", {2, 2}, {0, 1, 1, 0})
      .output("idx", i64({2}, {1, 0}))
      .output("inv", i64({3}, {1, 0, 1}))
      .output("cnt", i64({2}, {1, 2}))
      .run();
  OpTest("Unique", 11).input<float>("x", {0}, {}).output<float>("y", {0}, {}).run();
}

TEST(Unique, Strings) {
  OpTest("Unique", 11)
      .input("x", make_tensor<std::string>({3}, {"b", "a", "b"}))
      .output("y", make_tensor<std::string>({2}, {"a", "b"}))
      .run();
}

// ---- CumSum / CumProd ---------------------------------------------------------------------

TEST(CumSum, ExclusiveReverseInt32Axis) {
  OpTest("CumSum", 14)
      .input<int32_t>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<int32_t>("axis", {}, {-1})
      .attr("exclusive", 1)
      .attr("reverse", 1)
      .output<int32_t>("y", {2, 3}, {5, 3, 0, 11, 6, 0})
      .run();
}

TEST(CumSum, Float16AndAxisOutOfRange) {
  OpTest("CumSum", 14)
      .input("x", make_tensor<Float16>({3}, {Float16(1.f), Float16(0.5f), Float16(0.25f)}))
      .input("axis", i64({}, {0}))
      .output("y", make_tensor<Float16>({3}, {Float16(1.f), Float16(1.5f), Float16(1.75f)}))
      .run();
  OpTest("CumSum", 14)
      .input<float>("x", {3}, {1, 2, 3})
      .input("axis", i64({}, {1}))
      .output_unchecked("y")
      .expect_error("axis 1 is out of range for rank 1");
}

TEST(CumProd, ExclusiveAlongAxis0) {
  OpTest("CumProd", 26)
      .input<float>("x", {3, 1}, {2, 3, 4})
      .input("axis", i64({}, {0}))
      .attr("exclusive", 1)
      .output<float>("y", {3, 1}, {1, 2, 6})
      .run();
}

// ---- TopK ---------------------------------------------------------------------------------

TEST(TopK, TiesKeepLowerIndexFirst) {
  OpTest("TopK", 11)
      .input<float>("x", {5}, {1, 3, 3, 2, 3})
      .input("k", i64({1}, {3}))
      .output<float>("v", {3}, {3, 3, 3})
      .output("i", i64({3}, {1, 2, 4}))
      .run();
  OpTest("TopK", 11)
      .input<float>("x", {5}, {1, 3, 1, 2, 1})
      .input("k", i64({1}, {2}))
      .attr("largest", 0)
      .output<float>("v", {2}, {1, 1})
      .output("i", i64({2}, {0, 2}))
      .run();
}

TEST(TopK, Axis0AndOpset1Attribute) {
  OpTest("TopK", 1)
      .input<float>("x", {3, 2}, {1, 6, 5, 2, 3, 4})
      .attr("k", 1)
      .attr("axis", 0)
      .output<float>("v", {1, 2}, {5, 6})
      .output("i", i64({1, 2}, {1, 0}))
      .run();
}

TEST(TopK, KZeroAndTooLarge) {
  OpTest("TopK", 11)
      .input<float>("x", {3}, {1, 2, 3})
      .input("k", i64({1}, {0}))
      .output<float>("v", {0}, {})
      .output("i", i64({0}, {}))
      .run();
  OpTest("TopK", 11)
      .input<float>("x", {3}, {1, 2, 3})
      .input("k", i64({1}, {4}))
      .output_unchecked("v")
      .output_unchecked("i")
      .expect_error("k = 4 is out of range for axis 0 of size 3");
}

// ---- Einsum / Det -------------------------------------------------------------------------

TEST(Einsum, MatMulTraceDiagonalOuter) {
  OpTest("Einsum", 12)
      .input<float>("a", {2, 2}, {1, 2, 3, 4})
      .input<float>("b", {2, 2}, {5, 6, 7, 8})
      .attr("equation", "ij,jk->ik")
      .output<float>("y", {2, 2}, {19, 22, 43, 50})
      .run();
  OpTest("Einsum", 12).input<float>("a", {2, 2}, {1, 2, 3, 4}).attr("equation", "ii")
      .output<float>("y", {}, {5}).run();
  OpTest("Einsum", 12).input<float>("a", {2, 2}, {1, 2, 3, 4}).attr("equation", "ii->i")
      .output<float>("y", {2}, {1, 4}).run();
  OpTest("Einsum", 12)
      .input<int32_t>("a", {2}, {1, 2})
      .input<int32_t>("b", {3}, {1, 10, 100})
      .attr("equation", "i,j")
      .output<int32_t>("y", {2, 3}, {1, 10, 100, 2, 20, 200})
      .run();
}

TEST(Einsum, EllipsisBroadcastsBatchDims) {
  // a [2,1,1,2] x b [3,2,1]: the "..." dims [2,1] and [3] broadcast to [2,3].
  OpTest("Einsum", 12)
      .input<float>("a", {2, 1, 1, 2}, {1, 2, 3, 4})
      .input<float>("b", {3, 2, 1}, {1, 1, 2, 2, 3, 3})
      .attr("equation", "...ij,...jk->...ik")
      .output<float>("y", {2, 3, 1, 1}, {3, 6, 9, 7, 14, 21})
      .run();
}

TEST(Einsum, ImplicitOutputSortsLabelsAndSumsEllipsisWhenLeftOut) {
  OpTest("Einsum", 12).input<float>("a", {2, 3}, iota_f(6)).attr("equation", "ba")
      .output<float>("y", {3, 2}, {0, 3, 1, 4, 2, 5}).run();
  OpTest("Einsum", 12).input<float>("a", {2, 3}, iota_f(6)).attr("equation", "...j->j")
      .output<float>("y", {3}, {3, 5, 7}).run();
}

TEST(Einsum, MismatchedDimsIsAnError) {
  OpTest("Einsum", 12)
      .input<float>("a", {2, 3}, iota_f(6))
      .input<float>("b", {2, 3}, iota_f(6))
      .attr("equation", "ij,jk->ik")
      .output_unchecked("y")
      .expect_error("einsum label of size 3 meets a dim of size 2");
}

TEST(Det, BatchedAndSingular) {
  OpTest("Det", 22)
      .input<float>("x", {2, 2, 2}, {1, 2, 3, 4, 2, 4, 1, 2})
      .output<float>("y", {2}, {-2, 0})
      .run();
  OpTest("Det", 22)
      .input<double>("x", {3, 3}, {0, 2, 1, 1, 0, 0, 0, 0, 3})
      .output<double>("y", {}, {-6})
      .run();
}

}  // namespace onyx::test
