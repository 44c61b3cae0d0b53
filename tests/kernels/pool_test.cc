// MaxPool, AveragePool, LpPool, the global pools and MaxUnpool.
#include <cmath>
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

std::vector<float> iota(int n, float start = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = start + static_cast<float>(i);
  return v;
}

}  // namespace

TEST(MaxPool, Basic2D) {
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 4, 4}, iota(16))
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("strides", std::vector<int64_t>{2, 2})
      .output<float>("Y", {1, 1, 2, 2}, {5, 7, 13, 15})
      .run();
}

TEST(MaxPool, PadsNeverWin) {
  // All inputs negative: a zero from padding must not be the maximum.
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 2, 2}, {-4, -3, -2, -1})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
      .output<float>("Y", {1, 1, 3, 3}, {-4, -3, -3, -2, -1, -1, -2, -1, -1})
      .run();
}

TEST(MaxPool, CeilModeDropsWindowStartingInEndPadding) {
  // in 4, k 2, s 2, pad end 1: ceil gives 3 windows, but the third would start
  // at position 4 (in the end padding) and is dropped -> 2, as in PyTorch.
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 1, 4}, {1, 2, 3, 4})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .attr("pads", std::vector<int64_t>{0, 0, 0, 1})
      .attr("ceil_mode", 1)
      .output<float>("Y", {1, 1, 1, 2}, {2, 4})
      .run();
  // in 5, k 2, s 2: ceil keeps a partial last window [4] -> 3 outputs.
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 1, 5}, {1, 2, 3, 4, 5})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .attr("ceil_mode", 1)
      .output<float>("Y", {1, 1, 1, 3}, {2, 4, 5})
      .run();
}

TEST(MaxPool, Dilations) {
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 1, 6}, {1, 9, 2, 8, 3, 7})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("dilations", std::vector<int64_t>{1, 2})
      .output<float>("Y", {1, 1, 1, 4}, {2, 9, 3, 8})
      .run();
}

TEST(MaxPool, IndicesRowAndColumnMajor) {
  // 2 channels of 2x3; 2x2 windows, stride 1 -> 1x2 per channel.
  const std::vector<float> x{1, 5, 2, 4, 3, 6, 9, 1, 1, 1, 1, 8};
  // ch0 windows: [1,5,4,3] max 5 at (0,1); [5,2,3,6] max 6 at (1,2).
  // ch1 windows: [9,1,1,1] max 9 at (0,0); [1,1,1,8] max 8 at (1,2).
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 2, 2, 3}, x)
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .output<float>("Y", {1, 2, 1, 2}, {5, 6, 9, 8})
      .output<int64_t>("I", {1, 2, 1, 2}, {1, 5, 6, 11})
      .run();
  // storage_order 1: spatial index h + w * H.
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 2, 2, 3}, x)
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("storage_order", 1)
      .output<float>("Y", {1, 2, 1, 2}, {5, 6, 9, 8})
      .output<int64_t>("I", {1, 2, 1, 2}, {2, 5, 6, 11})
      .run();
}

TEST(MaxPool, NaNIsIgnored) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 1, 4}, {nan, 1, 2, nan})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .output<float>("Y", {1, 1, 1, 2}, {1, 2})
      .run();
}

TEST(MaxPool, Int8AndUInt8) {
  OpTest("MaxPool", 12)
      .input<int8_t>("X", {1, 1, 1, 4}, {-128, -100, 127, -5})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .output<int8_t>("Y", {1, 1, 1, 2}, {-100, 127})
      .run();
  OpTest("MaxPool", 12)
      .input<uint8_t>("X", {1, 1, 3}, {0, 255, 7})
      .attr("kernel_shape", std::vector<int64_t>{2})
      .output<uint8_t>("Y", {1, 1, 2}, {255, 255})
      .run();
}

TEST(MaxPool, OneAndThreeDimensional) {
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 5}, {3, 1, 4, 1, 5})
      .attr("kernel_shape", std::vector<int64_t>{3})
      .attr("pads", std::vector<int64_t>{1, 1})
      .attr("strides", std::vector<int64_t>{2})
      .output<float>("Y", {1, 1, 3}, {3, 4, 5})
      .run();
  // 2x2x2 cube 0..7, kernel 2x2x2 -> its max.
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 2, 2, 2}, iota(8))
      .attr("kernel_shape", std::vector<int64_t>{2, 2, 2})
      .output<float>("Y", {1, 1, 1, 1, 1}, {7})
      .output<int64_t>("I", {1, 1, 1, 1, 1}, {7})
      .run();
}

TEST(MaxPool, SameLowerAndUpper) {
  // in 4, k 2, s 1 -> total pad 1: SAME_UPPER pads at the end, SAME_LOWER at the start.
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 1, 4}, {4, 1, 2, 3})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("auto_pad", "SAME_UPPER")
      .output<float>("Y", {1, 1, 1, 4}, {4, 2, 3, 3})
      .run();
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 1, 4}, {4, 1, 2, 3})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("auto_pad", "SAME_LOWER")
      .output<float>("Y", {1, 1, 1, 4}, {4, 4, 2, 3})
      .run();
}

TEST(MaxPool, Float16) {
  OpTest("MaxPool", 12)
      .input("X", make_tensor<Float16>({1, 1, 1, 2}, {Float16(1.5f), Float16(-2.f)}))
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .output("Y", make_tensor<Float16>({1, 1, 1, 1}, {Float16(1.5f)}))
      .run();
}

TEST(MaxPool, EmptyBatch) {
  OpTest("MaxPool", 12)
      .input<float>("X", {0, 3, 4, 4}, {})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .output<float>("Y", {0, 3, 3, 3}, {})
      .run();
}

TEST(MaxPool, HugeKernelCostsNothing) {
  // A 2^30-wide window with matching pads and stride: two windows, each
  // seeing one input value. Taps are counted, not enumerated.
  const int64_t big = int64_t{1} << 30;
  OpTest("AveragePool", 19)
      .input<float>("X", {1, 1, 2}, {3, 5})
      .attr("kernel_shape", std::vector<int64_t>{big})
      .attr("pads", std::vector<int64_t>{big - 1, big - 1})
      .attr("strides", std::vector<int64_t>{big})
      .output<float>("Y", {1, 1, 2}, {3, 5})
      .run();
}

TEST(MaxPool, KernelShapeIsRequired) {
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .output_unchecked("Y")
      .expect_error("kernel_shape is required");
}

TEST(MaxPool, KernelLargerThanInput) {
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .attr("kernel_shape", std::vector<int64_t>{3, 3})
      .output_unchecked("Y")
      .expect_error("larger than the padded input");
}

TEST(MaxPool, KernelShapeOfWrongLength) {
  OpTest("MaxPool", 12)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .attr("kernel_shape", std::vector<int64_t>{2})
      .output_unchecked("Y")
      .expect_error("kernel_shape [2] has 1 values but the input has 2 spatial dims");
}

TEST(MaxPool, InputOfRankTwoIsAnError) {
  OpTest("MaxPool", 12)
      .input<float>("X", {2, 2}, {1, 2, 3, 4})
      .attr("kernel_shape", std::vector<int64_t>{2})
      .output_unchecked("Y")
      .expect_error("must have at least 3 dims");
}

TEST(AveragePool, CountIncludePad) {
  // 2x2 input [1,2;3,4], 2x2 kernel, pads 1: corners see one value.
  const std::vector<float> x{1, 2, 3, 4};
  OpTest("AveragePool", 11)
      .input<float>("X", {1, 1, 2, 2}, x)
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
      .output<float>("Y", {1, 1, 3, 3}, {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4})
      .run();
  OpTest("AveragePool", 11)
      .input<float>("X", {1, 1, 2, 2}, x)
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
      .attr("count_include_pad", 1)
      .output<float>("Y", {1, 1, 3, 3}, {0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1})
      .run();
}

TEST(AveragePool, CeilModePartialWindowCountsOnlyPaddedInput) {
  // in 5, k 2, s 2, ceil: last window [5, beyond] holds one element; with
  // count_include_pad it still divides by 1 (nothing past the input padding).
  OpTest("AveragePool", 19)
      .input<float>("X", {1, 1, 5}, {1, 2, 3, 4, 5})
      .attr("kernel_shape", std::vector<int64_t>{2})
      .attr("strides", std::vector<int64_t>{2})
      .attr("ceil_mode", 1)
      .attr("count_include_pad", 1)
      .output<float>("Y", {1, 1, 3}, {1.5f, 3.5f, 5})
      .run();
}

TEST(AveragePool, DilationsFromOpset19) {
  OpTest("AveragePool", 19)
      .input<float>("X", {1, 1, 5}, {1, 2, 3, 4, 5})
      .attr("kernel_shape", std::vector<int64_t>{2})
      .attr("dilations", std::vector<int64_t>{3})
      .output<float>("Y", {1, 1, 2}, {2.5f, 3.5f})
      .run();
}

TEST(AveragePool, ThreeDimensional) {
  OpTest("AveragePool", 19)
      .input<float>("X", {1, 1, 2, 2, 2}, iota(8))
      .attr("kernel_shape", std::vector<int64_t>{2, 2, 2})
      .output<float>("Y", {1, 1, 1, 1, 1}, {3.5f})
      .run();
}

TEST(LpPool, P2AndP1) {
  OpTest("LpPool", 18)
      .input<float>("X", {1, 1, 1, 4}, {3, -4, 1, 0})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .output<float>("Y", {1, 1, 1, 2}, {5, 1})
      .run();
  OpTest("LpPool", 18)
      .input<float>("X", {1, 1, 1, 4}, {3, -4, 1, 0})
      .attr("kernel_shape", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .attr("p", 1)
      .output<float>("Y", {1, 1, 1, 2}, {7, 1})
      .run();
}

TEST(LpPool, Opset1FloatP) {
  OpTest("LpPool", 1)
      .input<float>("X", {1, 1, 2}, {1, 2})
      .attr("kernel_shape", std::vector<int64_t>{2})
      .attr("p", 3.0f)
      .output<float>("Y", {1, 1, 1}, {std::cbrt(9.0f)})
      .run();
}

TEST(GlobalPools, AverageMaxLp) {
  const std::vector<float> x{1, 2, 3, 4, -1, -2, -3, -4};
  OpTest("GlobalAveragePool", 1)
      .input<float>("X", {1, 2, 2, 2}, x)
      .output<float>("Y", {1, 2, 1, 1}, {2.5f, -2.5f})
      .run();
  OpTest("GlobalMaxPool", 1)
      .input<float>("X", {1, 2, 2, 2}, x)
      .output<float>("Y", {1, 2, 1, 1}, {4, -1})
      .run();
  OpTest("GlobalLpPool", 2)
      .input<float>("X", {1, 2, 4}, x)
      .output<float>("Y", {1, 2, 1}, {std::sqrt(30.0f), std::sqrt(30.0f)})
      .run();
}

TEST(GlobalPools, AverageOfPlanesWithTails) {
  // Planes of 49, 20, 8 and 3 elements: the eight partial sums plus tails.
  for (int64_t size : {49, 20, 8, 3}) {
    Tensor x = random_tensor(DataType::kFloat, {2, 3, size}, 500 + static_cast<uint32_t>(size));
    std::vector<float> want;
    for (int64_t p = 0; p < 6; ++p) {
      double acc = 0;
      for (int64_t i = 0; i < size; ++i) acc += x.data<float>()[p * size + i];
      want.push_back(static_cast<float>(acc / static_cast<double>(size)));
    }
    OpTest("GlobalAveragePool", 22).input("X", x).output<float>("Y", {2, 3, 1}, want).tolerance(1e-5, 1e-6).run();
  }
}

TEST(GlobalPools, EmptyBatchAndDouble) {
  OpTest("GlobalAveragePool", 22)
      .input<double>("X", {0, 2, 3}, {})
      .output<double>("Y", {0, 2, 1}, {})
      .run();
  OpTest("GlobalAveragePool", 22)
      .input<double>("X", {1, 1, 3}, {1, 2, 6})
      .output<double>("Y", {1, 1, 1}, {3})
      .run();
}

TEST(MaxUnpool, ScattersByIndices) {
  // MaxPool of a 1x1x2x4 input with 2x2 windows, stride 2 -> 2 outputs.
  OpTest("MaxUnpool", 11)
      .input<float>("X", {1, 1, 1, 2}, {5, 8})
      .input<int64_t>("I", {1, 1, 1, 2}, {4, 3})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("strides", std::vector<int64_t>{2, 2})
      .output<float>("Y", {1, 1, 2, 4}, {0, 0, 0, 8, 5, 0, 0, 0})
      .run();
}

TEST(MaxUnpool, OutputShapeInputPadsAtTheEnd) {
  // Indices address the unpooled [1,1,2,4] shape; output_shape [1,1,2,5]
  // adds a zero column at the end (the ONNX reference's rule).
  OpTest("MaxUnpool", 11)
      .input<float>("X", {1, 1, 1, 2}, {5, 8})
      .input<int64_t>("I", {1, 1, 1, 2}, {4, 7})
      .input<int64_t>("output_shape", {4}, {1, 1, 2, 5})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("strides", std::vector<int64_t>{2, 2})
      .output<float>("Y", {1, 1, 2, 5}, {0, 0, 0, 0, 0, 5, 0, 0, 8, 0})
      .run();
}

TEST(MaxUnpool, OutputShapeSmallerThanUnpooledIsAnError) {
  OpTest("MaxUnpool", 11)
      .input<float>("X", {1, 1, 1, 2}, {5, 8})
      .input<int64_t>("I", {1, 1, 1, 2}, {4, 7})
      .input<int64_t>("output_shape", {4}, {1, 1, 2, 3})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("strides", std::vector<int64_t>{2, 2})
      .output_unchecked("Y")
      .expect_error("output_shape [1,1,2,3] is smaller than the unpooled shape [1,1,2,4]");
}

TEST(MaxUnpool, IndexOutOfRangeIsAnError) {
  OpTest("MaxUnpool", 11)
      .input<float>("X", {1, 1, 1, 2}, {5, 8})
      .input<int64_t>("I", {1, 1, 1, 2}, {4, 8})
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .attr("strides", std::vector<int64_t>{2, 2})
      .output_unchecked("Y")
      .expect_error("index 8 at position 1 of I is out of range for the output [1,1,2,4]");
}

TEST(MaxRoiPool, PoolsEachRegion) {
  OpTest("MaxRoiPool", 1)
      .input<float>("X", {1, 1, 4, 4}, iota(16))
      .input<float>("rois", {2, 5}, {0, 0, 0, 3, 3, 0, 1, 1, 2, 2})
      .attr("pooled_shape", std::vector<int64_t>{2, 2})
      .output<float>("Y", {2, 1, 2, 2}, {5, 7, 13, 15, 5, 6, 9, 10})
      .run();
}

TEST(MaxRoiPool, BatchIndexOutOfRangeIsAnError) {
  OpTest("MaxRoiPool", 22)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("rois", {1, 5}, {1, 0, 0, 1, 1})
      .attr("pooled_shape", std::vector<int64_t>{1, 1})
      .output_unchecked("Y")
      .expect_error("roi 0 has batch index 1 outside [0, 1)");
}

}  // namespace onyx::test
