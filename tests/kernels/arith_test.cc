#include "kernels/op_test.h"

namespace onyx::test {

TEST(Add, SameShape) {
  OpTest("Add", 14)
      .input<float>("A", {2, 2}, {1, 2, 3, 4})
      .input<float>("B", {2, 2}, {10, 20, 30, 40})
      .output<float>("C", {2, 2}, {11, 22, 33, 44})
      .run();
}

TEST(Add, BroadcastRowAndColumn) {
  OpTest("Add", 14)
      .input<float>("A", {2, 1}, {1, 2})
      .input<float>("B", {3}, {10, 20, 30})
      .output<float>("C", {2, 3}, {11, 21, 31, 12, 22, 32})
      .run();
}

TEST(Add, BroadcastMiddleDim) {
  // [2,1,2] + [1,3,1] exercises a non-mergeable broadcast pattern.
  OpTest("Add", 14)
      .input<int32_t>("A", {2, 1, 2}, {1, 2, 3, 4})
      .input<int32_t>("B", {1, 3, 1}, {10, 20, 30})
      .output<int32_t>("C", {2, 3, 2}, {11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34})
      .run();
}

// Short rows repeated across the next dim out (NCHWc tensor x per-channel
// scale) take binary_broadcast's blocked path; both operand orders, checked
// against index arithmetic.
TEST(Mul, ShortRowRepeatedAcrossMiddleDims) {
  const Shape big{2, 3, 4, 5, 8}, small{2, 3, 1, 1, 8};
  Tensor a = random_tensor(DataType::kFloat, big, 7), b = random_tensor(DataType::kFloat, small, 8);
  Tensor want(DataType::kFloat, big);
  for (int64_t i = 0; i < want.numel(); ++i) {
    const int64_t c = i % 8, nb = i / (4 * 5 * 8);
    want.data<float>()[i] = a.data<float>()[i] * b.data<float>()[nb * 8 + c];
  }
  OpTest("Mul", 14).input("A", a).input("B", b).output("C", want).run();
  OpTest("Mul", 14).input("A", b).input("B", a).output("C", want).run();
  // The same with a row of 3 and the repeat in the outermost dim.
  Tensor c = random_tensor(DataType::kFloat, {5, 3}, 9), d = random_tensor(DataType::kFloat, {1, 3}, 10);
  Tensor sum(DataType::kFloat, {5, 3});
  for (int64_t i = 0; i < 15; ++i) sum.data<float>()[i] = c.data<float>()[i] + d.data<float>()[i % 3];
  OpTest("Add", 14).input("A", d).input("B", c).output("C", sum).run();
  // An empty repeated dim: nothing to compute (and no division by its size).
  OpTest("Mul", 14)
      .input("A", Tensor(DataType::kFloat, {2, 0, 8}))
      .input("B", random_tensor(DataType::kFloat, {2, 1, 8}, 11))
      .output("C", Tensor(DataType::kFloat, {2, 0, 8}))
      .run();
}

TEST(Add, EmptyTensor) {
  OpTest("Add", 14)
      .input<float>("A", {0, 3}, {})
      .input<float>("B", {3}, {1, 2, 3})
      .output<float>("C", {0, 3}, {})
      .run();
}

TEST(Add, Int32OverflowWraps) {
  OpTest("Add", 14)
      .input<int32_t>("A", {1}, {2147483647})
      .input<int32_t>("B", {1}, {1})
      .output<int32_t>("C", {1}, {-2147483647 - 1})
      .run();
}

TEST(Add, Float16) {
  OpTest("Add", 14)
      .input("A", make_tensor<Float16>({2}, {Float16(1.5f), Float16(-2.f)}))
      .input("B", make_tensor<Float16>({2}, {Float16(0.25f), Float16(4.f)}))
      .output("C", make_tensor<Float16>({2}, {Float16(1.75f), Float16(2.f)}))
      .run();
}

TEST(Add, IncompatibleShapesNameBoth) {
  OpTest("Add", 14)
      .input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("B", {4}, {1, 2, 3, 4})
      .output_unchecked("C")
      .expect_error("cannot broadcast shapes [2,3] and [4]");
}

TEST(Add, LegacyBroadcastAxis) {
  // Opset 6: B of shape [3] broadcast along axis 1 of A [2,3,2].
  OpTest("Add", 6)
      .input<float>("A", {2, 3, 2}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
      .input<float>("B", {3}, {1, 2, 3})
      .attr("broadcast", 1)
      .attr("axis", 1)
      .output<float>("C", {2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3})
      .run();
}

TEST(Div, IntegerDivisionByZeroIsAnError) {
  OpTest("Div", 14)
      .input<int32_t>("A", {2}, {1, 2})
      .input<int32_t>("B", {2}, {1, 0})
      .output_unchecked("C")
      .expect_error("integer division by zero");
}

TEST(Div, IntMinByMinusOneWraps) {
  OpTest("Div", 14)
      .input<int32_t>("A", {1}, {-2147483647 - 1})
      .input<int32_t>("B", {1}, {-1})
      .output<int32_t>("C", {1}, {-2147483647 - 1})
      .run();
}

TEST(Sub, Broadcast) {
  OpTest("Sub", 14)
      .input<double>("A", {3}, {1, 2, 3})
      .input<double>("B", {}, {1})
      .output<double>("C", {3}, {0, 1, 2})
      .run();
}

TEST(Mul, Uint8Wraps) {
  OpTest("Mul", 14)
      .input<uint8_t>("A", {2}, {16, 3})
      .input<uint8_t>("B", {2}, {16, 5})
      .output<uint8_t>("C", {2}, {0, 15})
      .run();
}

}  // namespace onyx::test
