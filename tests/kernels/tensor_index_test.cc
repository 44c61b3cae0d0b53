// Tensor ops driven by index inputs: Gather, GatherElements, GatherND,
// Scatter, ScatterElements, ScatterND, TensorScatter, OneHot. Indices are
// untrusted: each out-of-range index must give an error naming it.
#include "kernels/op_test.h"

namespace onyx::test {

namespace {

Tensor i64(Shape shape, std::vector<int64_t> v) { return make_tensor<int64_t>(std::move(shape), v); }
Tensor strings(Shape shape, std::vector<std::string> v) { return make_tensor<std::string>(std::move(shape), v); }

}  // namespace

// ---- Gather -------------------------------------------------------------------------

TEST(Gather, NegativeIndicesAlongAxis1) {
  OpTest("Gather", 13)
      .input<float>("x", {2, 3}, {0, 1, 2, 3, 4, 5})
      .input("i", i64({2}, {-1, 0}))
      .attr("axis", 1)
      .output<float>("y", {2, 2}, {2, 0, 5, 3})
      .run();
}

TEST(Gather, ScalarIndexDropsTheAxis) {
  OpTest("Gather", 13)
      .input<float>("x", {3, 2}, {0, 1, 2, 3, 4, 5})
      .input<int32_t>("i", {}, {2})
      .output<float>("y", {2}, {4, 5})
      .run();
}

TEST(Gather, EmptyIndicesAndStrings) {
  OpTest("Gather", 13).input<float>("x", {3}, {1, 2, 3}).input("i", i64({0}, {})).output<float>("y", {0}, {}).run();
  OpTest("Gather", 13)
      .input("x", strings({3}, {"a", "b", "c"}))
      .input("i", i64({2, 2}, {2, 0, 1, 1}))
      .output("y", strings({2, 2}, {"c", "a", "b", "b"}))
      .run();
}

TEST(Gather, OutOfRangeIndexIsAnError) {
  OpTest("Gather", 13)
      .input<float>("x", {3, 2}, {0, 1, 2, 3, 4, 5})
      .input("i", i64({2}, {0, 3}))
      .output_unchecked("y")
      .expect_error("index 3 is out of range for axis 0 of size 3 (valid range [-3, 2])");
  OpTest("Gather", 13)
      .input<float>("x", {3}, {0, 1, 2})
      .input("i", i64({1}, {-4}))
      .output_unchecked("y")
      .expect_error("index -4 is out of range");
}

TEST(Gather, AnyIndexIntoAnEmptyAxisIsAnError) {
  OpTest("Gather", 13)
      .input<float>("x", {0, 2}, {})
      .input("i", i64({1}, {0}))
      .output_unchecked("y")
      .expect_error("of size 0");
}

TEST(GatherElements, NegativeIndicesAxis1) {
  OpTest("GatherElements", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("i", i64({2, 2}, {-1, 0, 1, -2}))
      .attr("axis", 1)
      .output<float>("y", {2, 2}, {2, 1, 4, 3})
      .run();
}

TEST(GatherElements, OutOfRangeIsAnError) {
  OpTest("GatherElements", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("i", i64({1, 2}, {0, 2}))
      .output_unchecked("y")
      .expect_error("index 2 is out of range for axis 0 of size 2");
}

TEST(GatherND, BatchDims) {
  // data [2,2,2], indices [2,1] with batch_dims=1: y[b] = data[b, i[b]].
  OpTest("GatherND", 13)
      .input<float>("x", {2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})
      .input("i", i64({2, 1}, {1, 0}))
      .attr("batch_dims", 1)
      .output<float>("y", {2, 2}, {2, 3, 4, 5})
      .run();
}

TEST(GatherND, OutOfRangeIsAnError) {
  OpTest("GatherND", 13)
      .input<float>("x", {2, 2}, {0, 1, 2, 3})
      .input("i", i64({1, 2}, {1, 5}))
      .output_unchecked("y")
      .expect_error("index 5 is out of range for axis 1 of size 2");
}

TEST(GatherND, TooLongIndexTupleIsAnError) {
  OpTest("GatherND", 13)
      .input<float>("x", {2, 2}, {0, 1, 2, 3})
      .input("i", i64({1, 3}, {0, 0, 0}))
      .output_unchecked("y")
      .expect_error("must be in [1, 2]");
}

// ---- Scatter family ------------------------------------------------------------------

TEST(Scatter, Opset9) {
  OpTest("Scatter", 9)
      .input<float>("x", {1, 5}, {1, 2, 3, 4, 5})
      .input("i", i64({1, 2}, {1, 3}))
      .input<float>("u", {1, 2}, {1.1f, 2.1f})
      .attr("axis", 1)
      .output<float>("y", {1, 5}, {1, 1.1f, 3, 2.1f, 5})
      .run();
}

TEST(ScatterElements, AddWithDuplicatesAndNegativeIndex) {
  OpTest("ScatterElements", 16)
      .input<int32_t>("x", {4}, {1, 1, 1, 1})
      .input("i", i64({3}, {0, -4, 3}))
      .input<int32_t>("u", {3}, {5, 6, 7})
      .attr("reduction", "add")
      .output<int32_t>("y", {4}, {12, 1, 1, 8})
      .run();
}

TEST(ScatterElements, MaxMinAndMul) {
  OpTest("ScatterElements", 18)
      .input<float>("x", {3}, {1, 5, 3})
      .input("i", i64({3}, {0, 1, 1}))
      .input<float>("u", {3}, {4, 2, 7})
      .attr("reduction", "max")
      .output<float>("y", {3}, {4, 7, 3})
      .run();
  OpTest("ScatterElements", 18)
      .input<float>("x", {3}, {1, 5, 3})
      .input("i", i64({2}, {1, 1}))
      .input<float>("u", {2}, {4, 2})
      .attr("reduction", "min")
      .output<float>("y", {3}, {1, 2, 3})
      .run();
  OpTest("ScatterElements", 16)
      .input<float>("x", {2}, {2, 3})
      .input("i", i64({2}, {1, 1}))
      .input<float>("u", {2}, {4, 5})
      .attr("reduction", "mul")
      .output<float>("y", {2}, {2, 60})
      .run();
}

TEST(ScatterElements, StringsWithoutReduction) {
  OpTest("ScatterElements", 18)
      .input("x", strings({3}, {"a", "b", "c"}))
      .input("i", i64({1}, {2}))
      .input("u", strings({1}, {"z"}))
      .output("y", strings({3}, {"a", "b", "z"}))
      .run();
}

TEST(ScatterElements, OutOfRangeIsAnErrorAndLeavesNothingHalfDone) {
  OpTest("ScatterElements", 18)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("i", i64({1, 2}, {0, 7}))
      .input<float>("u", {1, 2}, {9, 9})
      .attr("axis", 1)
      .output_unchecked("y")
      .expect_error("index 7 is out of range for axis 1 of size 2");
}

TEST(ScatterND, MulAndSliceUpdates) {
  OpTest("ScatterND", 16)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("i", i64({2, 1}, {1, 1}))
      .input<float>("u", {2, 2}, {2, 3, 4, 5})
      .attr("reduction", "mul")
      .output<float>("y", {2, 2}, {1, 2, 24, 60})
      .run();
}

TEST(ScatterND, NegativeIndexAndEmptyUpdates) {
  OpTest("ScatterND", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("i", i64({1, 1}, {-1}))
      .input<float>("u", {1}, {9})
      .output<float>("y", {3}, {1, 2, 9})
      .run();
  OpTest("ScatterND", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("i", i64({0, 1}, {}))
      .input<float>("u", {0}, {})
      .output<float>("y", {3}, {1, 2, 3})
      .run();
}

TEST(ScatterND, OutOfRangeAndBadShapeAreErrors) {
  OpTest("ScatterND", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("i", i64({1, 1}, {3}))
      .input<float>("u", {1}, {9})
      .output_unchecked("y")
      .expect_error("index 3 is out of range for axis 0 of size 3");
  OpTest("ScatterND", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .input("i", i64({1, 1}, {0}))
      .input<float>("u", {2}, {9, 9})
      .output_unchecked("y")
      .expect_error("updates float32[2] must have shape [1]");
}

TEST(TensorScatter, LinearWithWriteIndices) {
  // Cache [2, 4, 1] (batch, seq, dim), axis 1; batch 0 writes at 1, batch 1 at 2.
  OpTest("TensorScatter", 24)
      .input<float>("past", {2, 4, 1}, {0, 0, 0, 0, 0, 0, 0, 0})
      .input<float>("update", {2, 2, 1}, {1, 2, 3, 4})
      .input("wi", i64({2}, {1, 2}))
      .attr("axis", 1)
      .output<float>("present", {2, 4, 1}, {0, 1, 2, 0, 0, 0, 3, 4})
      .run();
}

TEST(TensorScatter, CircularWrapsAndDefaultAxis) {
  OpTest("TensorScatter", 24)
      .input<float>("past", {1, 3, 1}, {0, 0, 0})
      .input<float>("update", {1, 2, 1}, {7, 8})
      .input("wi", i64({1}, {2}))
      .attr("mode", "circular")
      .output<float>("present", {1, 3, 1}, {8, 0, 7})
      .run();
}

TEST(TensorScatter, LinearOverflowIsAnError) {
  OpTest("TensorScatter", 24)
      .input<float>("past", {1, 3, 1}, {0, 0, 0})
      .input<float>("update", {1, 2, 1}, {7, 8})
      .input("wi", i64({1}, {2}))
      .output_unchecked("present")
      .expect_error("write index 2 for batch 0 with 2 new entries does not fit a sequence axis of size 3");
}

// ---- OneHot ---------------------------------------------------------------------------

TEST(OneHot, OutOfRangeIndicesGiveOffRows) {
  OpTest("OneHot", 11)
      .input<int64_t>("i", {3}, {1, 5, -1})
      .input<int64_t>("depth", {}, {3})
      .input<float>("v", {2}, {0, 1})
      .output<float>("y", {3, 3}, {0, 1, 0, 0, 0, 0, 0, 0, 1})
      .run();
}

TEST(OneHot, AxisZeroFloatIndicesAndDepth) {
  OpTest("OneHot", 11)
      .input<float>("i", {2}, {0, 1.7f})
      .input<float>("depth", {1}, {2})
      .input<int32_t>("v", {2}, {-1, 7})
      .attr("axis", 0)
      .output<int32_t>("y", {2, 2}, {7, -1, -1, 7})
      .run();
}

TEST(OneHot, Opset9NegativeIndexIsOff) {
  OpTest("OneHot", 9)
      .input<int64_t>("i", {1}, {-1})
      .input<int64_t>("depth", {}, {2})
      .input<float>("v", {2}, {0, 1})
      .output<float>("y", {1, 2}, {0, 0})
      .run();
}

TEST(OneHot, NegativeDepthIsAnError) {
  OpTest("OneHot", 11)
      .input<int64_t>("i", {1}, {0})
      .input<int64_t>("depth", {}, {-2})
      .input<float>("v", {2}, {0, 1})
      .output_unchecked("y")
      .expect_error("depth must not be negative");
}

}  // namespace onyx::test
