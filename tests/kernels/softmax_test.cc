// Softmax, LogSoftmax, Hardmax: both axis semantics (opset < 13 coerces to
// 2-D, 13+ uses one axis), the contiguous and strided paths, large inputs,
// infinities and NaN, float16, empty tensors and bad axes.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Naive softmax of x [outer, n, inner] along n, in double.
std::vector<float> naive_softmax(const std::vector<float>& x, int64_t outer, int64_t n, int64_t inner, bool log) {
  std::vector<float> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k) {
      double m = -1e300, s = 0;
      for (int64_t i = 0; i < n; ++i) m = std::max(m, double(x[(o * n + i) * inner + k]));
      for (int64_t i = 0; i < n; ++i) s += std::exp(double(x[(o * n + i) * inner + k]) - m);
      for (int64_t i = 0; i < n; ++i) {
        double v = double(x[(o * n + i) * inner + k]) - m;
        y[(o * n + i) * inner + k] = static_cast<float>(log ? v - std::log(s) : std::exp(v) / s);
      }
    }
  return y;
}

std::vector<float> values(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.numel()); }

}  // namespace

TEST(Softmax, LastAxis) {
  OpTest("Softmax", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 0, 0, 0})
      .output<float>("y", {2, 3}, {0.09003057f, 0.24472847f, 0.66524096f, 1 / 3.f, 1 / 3.f, 1 / 3.f})
      .run();
}

TEST(Softmax, EveryAxisMatchesNaive) {
  Tensor x = random_tensor(DataType::kFloat, {3, 4, 5}, 7, -5, 5);
  const std::vector<float> xv = values(x);
  const Shape s = {3, 4, 5};
  for (int axis = 0; axis < 3; ++axis) {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= s[d];
    for (int d = axis + 1; d < 3; ++d) inner *= s[d];
    for (bool log : {false, true}) {
      SCOPED_TRACE(std::to_string(axis) + (log ? " log" : ""));
      OpTest(log ? "LogSoftmax" : "Softmax", 13)
          .input("x", x)
          .attr("axis", axis - 3)  // negative form
          .output<float>("y", s, naive_softmax(xv, outer, s[axis], inner, log))
          .run();
      // Opset 11: everything from `axis` on is one row (negative axes count
      // from the back there too).
      OpTest(log ? "LogSoftmax" : "Softmax", 11)
          .input("x", x)
          .attr("axis", axis - 3)
          .output<float>("y", s, naive_softmax(xv, outer, x.numel() / outer, 1, log))
          .run();
    }
  }
}

TEST(Softmax, Opset11DefaultAxisIsOneAndCoerces) {
  // [2, 2, 2] with axis 1: two rows of 4.
  std::vector<float> x = {0, 1, 2, 3, 3, 2, 1, 0};
  OpTest("Softmax", 11).input<float>("x", {2, 2, 2}, x).output<float>("y", {2, 2, 2}, naive_softmax(x, 2, 4, 1, false)).run();
  // Opset 13 default: the last axis alone.
  OpTest("Softmax", 13).input<float>("x", {2, 2, 2}, x).output<float>("y", {2, 2, 2}, naive_softmax(x, 4, 2, 1, false)).run();
}

TEST(Softmax, Opset11OneDimensionalInputWithDefaultAxis) {
  // Axis 1 of a 1-D input: each element is its own [1] row.
  OpTest("Softmax", 11).input<float>("x", {3}, {1, 2, 3}).output<float>("y", {3}, {1, 1, 1}).run();
  OpTest("LogSoftmax", 6).input<float>("x", {3}, {1, 2, 3}).output<float>("y", {3}, {0, 0, 0}).run();
}

TEST(Softmax, LargeValuesDoNotOverflow) {
  OpTest("Softmax", 13)
      .input<float>("x", {1, 3}, {1000, 1001, 1002})
      .output<float>("y", {1, 3}, {0.09003057f, 0.24472847f, 0.66524096f})
      .run();
  OpTest("LogSoftmax", 13)
      .input<float>("x", {1, 3}, {-1000, -1001, -1002})
      .output<float>("y", {1, 3}, {-0.40760596f, -1.40760596f, -2.40760596f})
      .run();
  // Strided path too (axis 0).
  OpTest("Softmax", 13)
      .input<float>("x", {2, 1}, {1e30f, 1e30f})
      .attr("axis", 0)
      .output<float>("y", {2, 1}, {0.5f, 0.5f})
      .run();
}

TEST(Softmax, MinusInfinityGetsZero) {
  OpTest("Softmax", 13)
      .input<float>("x", {1, 3}, {-kInf, 0, 0})
      .output<float>("y", {1, 3}, {0, 0.5f, 0.5f})
      .run();
  OpTest("LogSoftmax", 13)
      .input<float>("x", {1, 2}, {-kInf, 0})
      .output<float>("y", {1, 2}, {-kInf, 0})
      .run();
}

TEST(Softmax, NaNPoisonsOnlyItsRow) {
  OpTest("Softmax", 13)
      .input<float>("x", {2, 2}, {kNaN, 1, 0, 0})
      .output<float>("y", {2, 2}, {kNaN, kNaN, 0.5f, 0.5f})
      .run();
}

TEST(Softmax, Float16AndDouble) {
  OpTest("Softmax", 13)
      .input("x", make_tensor<Float16>({2}, {Float16(0.0f), Float16(0.0f)}))
      .output("y", make_tensor<Float16>({2}, {Float16(0.5f), Float16(0.5f)}))
      .run();
  OpTest("LogSoftmax", 13)
      .input<double>("x", {2}, {0, 0})
      .output<double>("y", {2}, {-std::log(2.0), -std::log(2.0)})
      .run();
  OpTest("Softmax", 13)
      .input("x", make_tensor<BFloat16>({2, 2}, {BFloat16(0.0f), BFloat16(100.0f), BFloat16(1.0f), BFloat16(1.0f)}))
      .attr("axis", 0)
      .output("y", make_tensor<BFloat16>({2, 2}, {BFloat16(0.26894142f), BFloat16(1.0f), BFloat16(0.7310586f), BFloat16(0.0f)}))
      .tolerance(1e-2, 1e-6)
      .run();
}

TEST(Softmax, EmptyTensor) {
  OpTest("Softmax", 13).input<float>("x", {0, 3}, {}).output<float>("y", {0, 3}, {}).run();
  OpTest("Softmax", 13).input<float>("x", {3, 0}, {}).output<float>("y", {3, 0}, {}).run();
}

TEST(Softmax, AxisOutOfRange) {
  OpTest("Softmax", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .attr("axis", 2)
      .output_unchecked("y")
      .expect_error("axis 2 is out of range for rank 2");
  OpTest("LogSoftmax", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .attr("axis", -3)
      .output_unchecked("y")
      .expect_error("axis -3 is out of range for rank 2");
}

TEST(Softmax, IntegerInputHasNoKernel) {
  OpTest("Softmax", 13)
      .input<int32_t>("x", {2}, {1, 2})
      .output_unchecked("y")
      .expect_error("no kernel for input types");
}

TEST(Hardmax, FirstMaximumPerRow) {
  OpTest("Hardmax", 13)
      .input<float>("x", {3, 3}, {1, 3, 3, 0, -1, -2, 5, 5, 5})
      .output<float>("y", {3, 3}, {0, 1, 0, 1, 0, 0, 1, 0, 0})
      .run();
}

TEST(Hardmax, Axis0AndOpset11Coercion) {
  OpTest("Hardmax", 13)
      .input<float>("x", {2, 2}, {1, 4, 3, 2})
      .attr("axis", 0)
      .output<float>("y", {2, 2}, {0, 1, 1, 0})
      .run();
  // Opset 11, axis 1 of [1, 2, 2]: one max over all four values.
  OpTest("Hardmax", 11)
      .input<float>("x", {1, 2, 2}, {1, 4, 9, 2})
      .output<float>("y", {1, 2, 2}, {0, 0, 1, 0})
      .run();
}

TEST(Hardmax, NaNCountsAsMaximum) {
  OpTest("Hardmax", 13)
      .input<float>("x", {1, 3}, {5, kNaN, 7})
      .output<float>("y", {1, 3}, {0, 1, 0})
      .run();
}

}  // namespace onyx::test
