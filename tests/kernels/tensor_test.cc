// Tensor / layout ops, part 1: Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Concat, Split, Slice, Expand, Tile, Pad, CenterCropPad.
// Edge cases beyond the conformance suite: empty tensors, zero-size dims,
// negative axes, strings, packed 4-bit types, bad inputs and their errors.
#include "kernels/op_test.h"

namespace onyx::test {

namespace {

Tensor i64(Shape shape, std::vector<int64_t> v) { return make_tensor<int64_t>(std::move(shape), v); }
Tensor strings(Shape shape, std::vector<std::string> v) { return make_tensor<std::string>(std::move(shape), v); }

// int4 tensor from values in [-8, 7], packed low nibble first.
Tensor int4(Shape shape, const std::vector<int>& v) {
  Tensor t(DataType::kInt4, std::move(shape));
  std::fill(t.data<uint8_t>(), t.data<uint8_t>() + t.nbytes(), 0);
  for (size_t i = 0; i < v.size(); ++i)
    t.data<uint8_t>()[i / 2] = static_cast<uint8_t>(t.data<uint8_t>()[i / 2] | ((v[i] & 0xF) << ((i % 2) * 4)));
  return t;
}

std::vector<float> iota_f(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return v;
}

}  // namespace

// ---- Reshape --------------------------------------------------------------------------

TEST(Reshape, ZeroCopiesAndMinusOneInfers) {
  OpTest("Reshape", 14)
      .input<float>("x", {2, 3, 4}, iota_f(24))
      .input("shape", i64({2}, {0, -1}))
      .output<float>("y", {2, 12}, iota_f(24))
      .run();
}

TEST(Reshape, IsAViewOfTheInput) {
  Tensor x = make_tensor<float>({2, 3}, iota_f(6));
  auto out = OpTest("Reshape", 14).input("x", x).input("shape", i64({1}, {6})).output<float>("y", {6}, iota_f(6)).run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tensor().raw(), x.raw());
}

TEST(Reshape, AllowZeroKeepsZeroDims) {
  OpTest("Reshape", 14)
      .input<float>("x", {0, 3}, {})
      .input("shape", i64({3}, {3, 0, 1}))
      .attr("allowzero", 1)
      .output<float>("y", {3, 0, 1}, {})
      .run();
}

TEST(Reshape, ZeroWithoutAllowZeroCopiesTheDim) {
  OpTest("Reshape", 14)
      .input<float>("x", {0, 3}, {})
      .input("shape", i64({2}, {0, 3}))
      .output<float>("y", {0, 3}, {})
      .run();
}

TEST(Reshape, AllowZeroWithMinusOneIsAnError) {
  OpTest("Reshape", 14)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("shape", i64({2}, {0, -1}))
      .attr("allowzero", 1)
      .output_unchecked("y")
      .expect_error("both -1 and 0");
}

TEST(Reshape, TwoMinusOnesIsAnError) {
  OpTest("Reshape", 14)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("shape", i64({2}, {-1, -1}))
      .output_unchecked("y")
      .expect_error("more than one -1");
}

TEST(Reshape, WrongElementCountNamesBothShapes) {
  OpTest("Reshape", 14)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("shape", i64({2}, {4, 2}))
      .output_unchecked("y")
      .expect_error("cannot reshape [2,3] (6 elements) to [4,2]");
}

TEST(Reshape, AbsurdTargetIsAnError) {
  OpTest("Reshape", 14)
      .input<float>("x", {2}, {1, 2})
      .input("shape", i64({3}, {int64_t{1} << 40, int64_t{1} << 40, 0}))
      .attr("allowzero", 1)
      .output_unchecked("y")
      .expect_error("more than 2^62 elements");
}

TEST(Reshape, Strings) {
  OpTest("Reshape", 14)
      .input("x", strings({2, 2}, {"a", "b", "c", "d"}))
      .input("shape", i64({1}, {-1}))
      .output("y", strings({4}, {"a", "b", "c", "d"}))
      .run();
}

TEST(Reshape, Opset1ShapeAttribute) {
  OpTest("Reshape", 1)
      .input<float>("x", {2, 3}, iota_f(6))
      .attr("shape", std::vector<int64_t>{3, -1})
      .output<float>("y", {3, 2}, iota_f(6))
      .run();
}

TEST(Reshape, PackedInt4) {
  OpTest("Reshape", 21)
      .input("x", int4({2, 3}, {1, -2, 3, -4, 5, -6}))
      .input("shape", i64({1}, {6}))
      .output("y", int4({6}, {1, -2, 3, -4, 5, -6}))
      .run();
}

// ---- Flatten / Squeeze / Unsqueeze ---------------------------------------------------------

TEST(Flatten, AxisZeroAndNegative) {
  OpTest("Flatten", 13).input<float>("x", {2, 3, 2}, iota_f(12)).attr("axis", 0)
      .output<float>("y", {1, 12}, iota_f(12)).run();
  OpTest("Flatten", 13).input<float>("x", {2, 3, 2}, iota_f(12)).attr("axis", -1)
      .output<float>("y", {6, 2}, iota_f(12)).run();
  OpTest("Flatten", 13).input<float>("x", {2, 3, 2}, iota_f(12)).attr("axis", 3)
      .output<float>("y", {12, 1}, iota_f(12)).run();
}

TEST(Flatten, ZeroSizeDim) {
  OpTest("Flatten", 13).input<float>("x", {2, 0, 3}, {}).output<float>("y", {2, 0}, {}).run();
}

TEST(Flatten, AxisOutOfRange) {
  OpTest("Flatten", 13).input<float>("x", {2, 3}, iota_f(6)).attr("axis", 3).output_unchecked("y")
      .expect_error("axis 3 is out of range for rank 2");
}

TEST(Squeeze, AllSizeOneDimsWithoutAxes) {
  OpTest("Squeeze", 13).input<float>("x", {1, 3, 1, 2}, iota_f(6)).output<float>("y", {3, 2}, iota_f(6)).run();
}

TEST(Squeeze, NegativeAxesInput) {
  OpTest("Squeeze", 13)
      .input<float>("x", {1, 3, 1}, {1, 2, 3})
      .input("axes", i64({1}, {-1}))
      .output<float>("y", {1, 3}, {1, 2, 3})
      .run();
}

TEST(Squeeze, Opset11AxesAttribute) {
  OpTest("Squeeze", 11).input<float>("x", {1, 3}, {1, 2, 3}).attr("axes", std::vector<int64_t>{0})
      .output<float>("y", {3}, {1, 2, 3}).run();
}

TEST(Squeeze, AxisNotOfSizeOneIsAnError) {
  OpTest("Squeeze", 13)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("axes", i64({1}, {1}))
      .output_unchecked("y")
      .expect_error("cannot squeeze axis 1 of size 3");
}

TEST(Unsqueeze, UnsortedAndNegativeAxes) {
  OpTest("Unsqueeze", 13)
      .input<float>("x", {3, 2}, iota_f(6))
      .input("axes", i64({2}, {-1, 0}))
      .output<float>("y", {1, 3, 2, 1}, iota_f(6))
      .run();
}

TEST(Unsqueeze, ScalarAndOpset11Attribute) {
  OpTest("Unsqueeze", 11).input<float>("x", {}, {7}).attr("axes", std::vector<int64_t>{0, 1})
      .output<float>("y", {1, 1}, {7}).run();
}

TEST(Unsqueeze, DuplicateAxesIsAnError) {
  OpTest("Unsqueeze", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("axes", i64({2}, {0, -3}))
      .output_unchecked("y")
      .expect_error("repeat axis 0");
}

// ---- Transpose ---------------------------------------------------------------------------

TEST(Transpose, DefaultReversesAxes) {
  OpTest("Transpose", 13)
      .input<float>("x", {2, 3}, {0, 1, 2, 3, 4, 5})
      .output<float>("y", {3, 2}, {0, 3, 1, 4, 2, 5})
      .run();
}

TEST(Transpose, ThreeDimsPermutation) {
  // y[c][a][b] = x[a][b][c] for x of shape [2,2,3].
  std::vector<float> want;
  for (int c = 0; c < 3; ++c)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) want.push_back(static_cast<float>(a * 6 + b * 3 + c));
  OpTest("Transpose", 13)
      .input<float>("x", {2, 2, 3}, iota_f(12))
      .attr("perm", std::vector<int64_t>{2, 0, 1})
      .output<float>("y", {3, 2, 2}, want)
      .run();
}

TEST(Transpose, LargeMatrixMatchesNaiveLoop) {
  const int64_t r = 67, c = 129;
  Tensor x = random_tensor(DataType::kFloat, {r, c}, 3);
  std::vector<float> want(static_cast<size_t>(r * c));
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) want[static_cast<size_t>(j * r + i)] = x.data<float>()[i * c + j];
  OpTest("Transpose", 13).input("x", x).output<float>("y", {c, r}, want).run();
}

TEST(Transpose, BatchedInnerTransposeMatchesNaiveLoop) {
  // [3, 10, 9] -> [3, 9, 10]: the tiled path with a batch offset per matrix.
  const int64_t b = 3, r = 10, c = 9;
  Tensor x = random_tensor(DataType::kInt32, {b, r, c}, 5, -100, 100);
  std::vector<int32_t> want(static_cast<size_t>(b * r * c));
  for (int64_t k = 0; k < b; ++k)
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) want[static_cast<size_t>(k * r * c + j * r + i)] = x.data<int32_t>()[k * r * c + i * c + j];
  OpTest("Transpose", 13).input("x", x).attr("perm", std::vector<int64_t>{0, 2, 1}).output<int32_t>("y", {b, c, r}, want).run();
}

TEST(Transpose, Strings) {
  OpTest("Transpose", 13)
      .input("x", strings({2, 2}, {"a", "b", "c", "d"}))
      .output("y", strings({2, 2}, {"a", "c", "b", "d"}))
      .run();
}

TEST(Transpose, PackedInt4) {
  OpTest("Transpose", 21)
      .input("x", int4({2, 3}, {1, 2, 3, -4, -5, -6}))
      .output("y", int4({3, 2}, {1, -4, 2, -5, 3, -6}))
      .run();
}

TEST(Transpose, EmptyTensor) {
  OpTest("Transpose", 13).input<float>("x", {0, 3}, {}).output<float>("y", {3, 0}, {}).run();
}

TEST(Transpose, BadPermIsAnError) {
  OpTest("Transpose", 13)
      .input<float>("x", {2, 3}, iota_f(6))
      .attr("perm", std::vector<int64_t>{0, 0})
      .output_unchecked("y")
      .expect_error("repeat axis 0");
}

// ---- Concat / Split --------------------------------------------------------------------------

TEST(Concat, NegativeAxisAndEmptyInput) {
  OpTest("Concat", 13)
      .input<float>("a", {2, 1}, {1, 2})
      .input<float>("b", {2, 0}, {})
      .input<float>("c", {2, 2}, {3, 4, 5, 6})
      .attr("axis", -1)
      .output<float>("y", {2, 3}, {1, 3, 4, 2, 5, 6})
      .run();
}

TEST(Concat, LargeBlocksCutIntoPieces) {
  // One row ([1, C, H, W] on axis 1): blocks of 30000 and 20000 elements are
  // copied in pieces (with remainders) by several threads; and 70 rows (the
  // per-row path).
  for (const Shape& lead : {Shape{1}, Shape{70}}) {
    const int64_t n = lead[0], h = n == 1 ? 10000 : 3;
    Shape sa{n, 3, h}, sb{n, 2, h}, sy{n, 5, h};
    std::vector<float> a(static_cast<size_t>(n * 3 * h)), b(static_cast<size_t>(n * 2 * h));
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i);
    for (size_t i = 0; i < b.size(); ++i) b[i] = -static_cast<float>(i) - 1;
    std::vector<float> y;
    for (int64_t o = 0; o < n; ++o) {
      y.insert(y.end(), a.begin() + o * 3 * h, a.begin() + (o + 1) * 3 * h);
      y.insert(y.end(), b.begin() + o * 2 * h, b.begin() + (o + 1) * 2 * h);
    }
    OpTest("Concat", 13).input<float>("a", sa, a).input<float>("b", sb, b).attr("axis", 1).output<float>("y", sy, y).run();
  }
}

TEST(Concat, Strings) {
  OpTest("Concat", 13)
      .input("a", strings({1}, {"x"}))
      .input("b", strings({2}, {"y", "z"}))
      .attr("axis", 0)
      .output("y", strings({3}, {"x", "y", "z"}))
      .run();
}

TEST(Concat, MismatchedDimsIsAnError) {
  OpTest("Concat", 13)
      .input<float>("a", {2, 2}, {1, 2, 3, 4})
      .input<float>("b", {3, 2}, {1, 2, 3, 4, 5, 6})
      .attr("axis", 1)
      .output_unchecked("y")
      .expect_error("at axis 0");
}

TEST(Split, Opset18NumOutputsUneven) {
  OpTest("Split", 18)
      .input<float>("x", {5}, {1, 2, 3, 4, 5})
      .attr("num_outputs", 3)
      .output<float>("a", {2}, {1, 2})
      .output<float>("b", {2}, {3, 4})
      .output<float>("c", {1}, {5})
      .run();
}

TEST(Split, Opset13SplitInputWithZeroPart) {
  OpTest("Split", 13)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("split", i64({3}, {2, 0, 1}))
      .attr("axis", -1)
      .output<float>("a", {2, 2}, {0, 1, 3, 4})
      .output<float>("b", {2, 0}, {})
      .output<float>("c", {2, 1}, {2, 5})
      .run();
}

TEST(Split, Opset11EqualPartsAttribute) {
  OpTest("Split", 11)
      .input<int32_t>("x", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
      .output<int32_t>("a", {2, 2}, {1, 2, 3, 4})
      .output<int32_t>("b", {2, 2}, {5, 6, 7, 8})
      .run();
}

TEST(Split, AlignedOuterPartsAreViewsOthersCopies) {
  // 32 floats = 128 bytes: both halves start 64-byte aligned (views); a
  // third part starting at byte 4 is copied.
  Tensor x = make_tensor<float>({32}, iota_f(32));
  std::vector<float> lo(iota_f(16)), hi;
  for (int i = 16; i < 32; ++i) hi.push_back(static_cast<float>(i));
  auto out = OpTest("Split", 13).input("x", x).output<float>("a", {16}, lo).output<float>("b", {16}, hi).run();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].tensor().raw(), x.raw());
  OpTest("Split", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("split", i64({2}, {1, 2}))
      .output<float>("a", {1}, {1})
      .output<float>("b", {2}, {2, 3})
      .run();
}

TEST(Split, SizesNotMatchingTheAxisIsAnError) {
  OpTest("Split", 13)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input("split", i64({2}, {1, 2}))
      .output_unchecked("a")
      .output_unchecked("b")
      .expect_error("sums to 3 but the axis has size 4");
}

TEST(Split, HugeSizesAreAnErrorNotAnOverflow) {
  OpTest("Split", 13)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input("split", i64({2}, {INT64_MAX, INT64_MAX}))
      .output_unchecked("a")
      .output_unchecked("b")
      .expect_error("has a size outside [0, 4]");
}

TEST(Split, UnevenWithoutSizesIsAnError) {
  OpTest("Split", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .output_unchecked("a")
      .output_unchecked("b")
      .expect_error("into 2 equal parts");
}

// ---- Slice -------------------------------------------------------------------------------

TEST(Slice, NegativeStepWithClampedBounds) {
  OpTest("Slice", 13)
      .input<float>("x", {5}, {0, 1, 2, 3, 4})
      .input("starts", i64({1}, {INT64_MAX}))
      .input("ends", i64({1}, {INT64_MIN}))
      .input("axes", i64({1}, {0}))
      .input("steps", i64({1}, {-2}))
      .output<float>("y", {3}, {4, 2, 0})
      .run();
}

TEST(Slice, NegativeAxesAndStartsInt32) {
  OpTest("Slice", 13)
      .input<float>("x", {2, 4}, iota_f(8))
      .input<int32_t>("starts", {1}, {-3})
      .input<int32_t>("ends", {1}, {-1})
      .input<int32_t>("axes", {1}, {-1})
      .output<float>("y", {2, 2}, {1, 2, 5, 6})
      .run();
}

TEST(Slice, EmptyResultAndEmptyInput) {
  OpTest("Slice", 13)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input("starts", i64({1}, {3}))
      .input("ends", i64({1}, {1}))
      .output<float>("y", {0}, {})
      .run();
  OpTest("Slice", 13)
      .input<float>("x", {0, 2}, {})
      .input("starts", i64({1}, {0}))
      .input("ends", i64({1}, {5}))
      .input("axes", i64({1}, {1}))
      .input("steps", i64({1}, {-1}))
      .output<float>("y", {0, 0}, {})
      .run();
}

TEST(Slice, Opset1Attributes) {
  OpTest("Slice", 1)
      .input<float>("x", {2, 4}, iota_f(8))
      .attr("starts", std::vector<int64_t>{1, 0})
      .attr("ends", std::vector<int64_t>{2, 1000})
      .output<float>("y", {1, 4}, {4, 5, 6, 7})
      .run();
}

TEST(Slice, Strings) {
  OpTest("Slice", 13)
      .input("x", strings({3}, {"a", "b", "c"}))
      .input("starts", i64({1}, {-1}))
      .input("ends", i64({1}, {-4}))
      .input("axes", i64({1}, {0}))
      .input("steps", i64({1}, {-1}))
      .output("y", strings({3}, {"c", "b", "a"}))
      .run();
}

TEST(Slice, ZeroStepIsAnError) {
  OpTest("Slice", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("starts", i64({1}, {0}))
      .input("ends", i64({1}, {3}))
      .input("axes", i64({1}, {0}))
      .input("steps", i64({1}, {0}))
      .output_unchecked("y")
      .expect_error("step cannot be 0");
}

TEST(Slice, AxisOutOfRangeIsAnError) {
  OpTest("Slice", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("starts", i64({1}, {0}))
      .input("ends", i64({1}, {3}))
      .input("axes", i64({1}, {2}))
      .output_unchecked("y")
      .expect_error("out of range for rank 1");
}

TEST(Slice, ExtremeStepsTakeOneElement) {
  OpTest("Slice", 13)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input("starts", i64({1}, {-1}))
      .input("ends", i64({1}, {INT64_MIN}))
      .input("axes", i64({1}, {0}))
      .input("steps", i64({1}, {INT64_MIN}))
      .output<float>("y", {1}, {4})
      .run();
  OpTest("Slice", 13)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input("starts", i64({1}, {1}))
      .input("ends", i64({1}, {INT64_MAX}))
      .input("axes", i64({1}, {0}))
      .input("steps", i64({1}, {INT64_MAX}))
      .output<float>("y", {1}, {2})
      .run();
}

// ---- Expand / Tile ---------------------------------------------------------------------------

TEST(Expand, BidirectionalBroadcast) {
  OpTest("Expand", 13)
      .input<float>("x", {3, 1}, {1, 2, 3})
      .input("shape", i64({3}, {2, 1, 2}))
      .output<float>("y", {2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3})
      .run();
}

TEST(Expand, ZeroSizeTarget) {
  OpTest("Expand", 13).input<float>("x", {1}, {5}).input("shape", i64({2}, {0, 1}))
      .output<float>("y", {0, 1}, {}).run();
}

TEST(Expand, IncompatibleShapeIsAnError) {
  OpTest("Expand", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("shape", i64({1}, {4}))
      .output_unchecked("y")
      .expect_error("shapes [3] and [4] cannot be broadcast");
}

TEST(Expand, AbsurdSizeIsAnError) {
  OpTest("Expand", 13)
      .input<float>("x", {1}, {1})
      .input("shape", i64({3}, {int64_t{1} << 30, int64_t{1} << 30, int64_t{1} << 30}))
      .output_unchecked("y")
      .expect_error("elements");
}

TEST(Tile, RepeatsEachAxis) {
  OpTest("Tile", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("repeats", i64({2}, {2, 1}))
      .output<float>("y", {4, 2}, {1, 2, 3, 4, 1, 2, 3, 4})
      .run();
  OpTest("Tile", 13)
      .input<int64_t>("x", {2}, {1, 2})
      .input("repeats", i64({1}, {3}))
      .output<int64_t>("y", {6}, {1, 2, 1, 2, 1, 2})
      .run();
}

TEST(Tile, ZeroRepeats) {
  OpTest("Tile", 13).input<float>("x", {2}, {1, 2}).input("repeats", i64({1}, {0}))
      .output<float>("y", {0}, {}).run();
}

TEST(Tile, NegativeOrAbsurdRepeatsAreErrors) {
  OpTest("Tile", 13).input<float>("x", {2}, {1, 2}).input("repeats", i64({1}, {-1})).output_unchecked("y")
      .expect_error("negative");
  OpTest("Tile", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("repeats", i64({2}, {int64_t{1} << 40, int64_t{1} << 40}))
      .output_unchecked("y")
      .expect_error("elements");
}

// ---- Pad / CenterCropPad ---------------------------------------------------------------------

TEST(Pad, ConstantWithValueAndAxes) {
  OpTest("Pad", 18)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("pads", i64({2}, {1, 2}))
      .input<float>("value", {}, {9})
      .input("axes", i64({1}, {-1}))
      .output<float>("y", {2, 5}, {9, 1, 2, 9, 9, 9, 3, 4, 9, 9})
      .run();
}

TEST(Pad, ReflectWiderThanAxisRepeatsLikeNumpy) {
  // numpy.pad([1,2,3], (4, 4), 'reflect') = [3,2,1,2,3,2,1,2,3,2,1]
  OpTest("Pad", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("pads", i64({2}, {4, 4}))
      .attr("mode", "reflect")
      .output<float>("y", {11}, {1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3})
      .run();
}

TEST(Pad, EdgeAndWrap) {
  OpTest("Pad", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("pads", i64({2}, {2, 1}))
      .attr("mode", "edge")
      .output<float>("y", {6}, {1, 1, 1, 2, 3, 3})
      .run();
  OpTest("Pad", 19)
      .input<float>("x", {3}, {1, 2, 3})
      .input("pads", i64({2}, {4, 2}))
      .attr("mode", "wrap")
      .output<float>("y", {9}, {3, 1, 2, 3, 1, 2, 3, 1, 2})
      .run();
}

TEST(Pad, NegativePadsCrop) {
  OpTest("Pad", 13)
      .input<float>("x", {2, 4}, iota_f(8))
      .input("pads", i64({4}, {0, -1, 1, -2}))
      .output<float>("y", {3, 1}, {1, 5, 0})
      .run();
}

TEST(Pad, Opset2PadsAttributeAndValue) {
  OpTest("Pad", 2)
      .input<float>("x", {1, 2}, {1, 2})
      .attr("pads", std::vector<int64_t>{0, 1, 0, 0})
      .attr("value", 1.5f)
      .output<float>("y", {1, 3}, {1.5f, 1, 2})
      .run();
}

TEST(Pad, StringsAndInt32) {
  OpTest("Pad", 13)
      .input("x", strings({1}, {"a"}))
      .input("pads", i64({2}, {1, 0}))
      .input("value", strings({}, {"z"}))
      .output("y", strings({2}, {"z", "a"}))
      .run();
  OpTest("Pad", 13)
      .input<int32_t>("x", {2}, {1, 2})
      .input("pads", i64({2}, {0, 2}))
      .attr("mode", "reflect")
      .output<int32_t>("y", {4}, {1, 2, 1, 2})
      .run();
}

TEST(Pad, PackedInt4) {
  OpTest("Pad", 21)
      .input("x", int4({3}, {1, -2, 3}))
      .input("pads", i64({2}, {1, 1}))
      .input("value", int4({}, {-8}))
      .output("y", int4({5}, {-8, 1, -2, 3, -8}))
      .run();
}

TEST(Pad, EmptyAxisInReflectModeIsAnError) {
  OpTest("Pad", 13)
      .input<float>("x", {0}, {})
      .input("pads", i64({2}, {1, 1}))
      .attr("mode", "reflect")
      .output_unchecked("y")
      .expect_error("cannot pad axis 0 of size 0");
}

TEST(Pad, WrongPadsLengthIsAnError) {
  OpTest("Pad", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("pads", i64({2}, {1, 1}))
      .output_unchecked("y")
      .expect_error("must have 4 entries");
}

TEST(Pad, AbsurdPadsAreErrorsNotCrashes) {
  OpTest("Pad", 13)
      .input<float>("x", {1}, {1})
      .input("pads", i64({2}, {INT64_MAX, INT64_MAX}))
      .output_unchecked("y")
      .expect_error("absurd size");
  OpTest("Pad", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("pads", i64({4}, {int64_t{1} << 40, int64_t{1} << 40, 0, 0}))
      .output_unchecked("y")
      .expect_error("elements");
}

TEST(CenterCropPad, CropsAndPadsCentered) {
  // Axis 0: 4 -> 1 crops one from the start and two from the end; axis 1: 2 -> 5 pads 1 before, 2 after.
  OpTest("CenterCropPad", 18)
      .input<float>("x", {4, 2}, iota_f(8))
      .input("shape", i64({2}, {1, 5}))
      .output<float>("y", {1, 5}, {0, 2, 3, 0, 0})
      .run();
}

TEST(CenterCropPad, NegativeAxesAttribute) {
  OpTest("CenterCropPad", 18)
      .input<float>("x", {2, 3}, iota_f(6))
      .input("shape", i64({1}, {1}))
      .attr("axes", std::vector<int64_t>{-1})
      .output<float>("y", {2, 1}, {1, 4})
      .run();
}

}  // namespace onyx::test
