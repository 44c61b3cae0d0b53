// Resize, Upsample, GridSample, AffineGrid, RoiAlign, NonMaxSuppression,
// ImageDecoder.
//
// Expected values are worked out by hand from the ONNX formulas on tiny
// inputs (the comments show the sampled coordinates), one case per
// coordinate mode / nearest mode / padding mode, plus the bad inputs each op
// must refuse. The image decoders are also fed truncated and bit-flipped
// files: every one must decode or fail with an error, never crash.
#include <cstring>
#include <numeric>

#include "kernels/image/image_codecs.h"
#include "kernels/op_test.h"

namespace onyx::test {

namespace {

const std::vector<float> kRamp = {0, 10, 20, 30};

OpTest resize_1d(const char* mode, const char* coord, std::vector<float> scales, std::vector<int64_t> sizes = {},
                 int opset = 19) {
  OpTest t("Resize", opset);
  t.input<float>("X", {4}, kRamp);
  t.omitted_input();
  if (!scales.empty()) t.input<float>("scales", {static_cast<int64_t>(scales.size())}, scales);
  else t.omitted_input();
  if (!sizes.empty()) t.input<int64_t>("sizes", {static_cast<int64_t>(sizes.size())}, sizes);
  t.attr("mode", mode);
  if (coord) t.attr("coordinate_transformation_mode", coord);
  return t;
}

}  // namespace

// ---- Resize: coordinate modes ---------------------------------------------------

TEST(Resize, LinearHalfPixel) {
  // x = (j + 0.5) / 2 - 0.5 = -0.25, 0.25, ... 3.25; outside reads the edge.
  resize_1d("linear", "half_pixel", {2})
      .output<float>("Y", {8}, {0, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30})
      .run();
}

TEST(Resize, LinearAlignCornersSizes) {
  // x = j * 3 / 6.
  resize_1d("linear", "align_corners", {}, {7}).output<float>("Y", {7}, {0, 5, 10, 15, 20, 25, 30}).run();
}

TEST(Resize, LinearAlignCornersDownsampleUsesScaledLength) {
  // scales 0.6: length_resized = 2.4 (not the 2 output elements), so
  // x_1 = 1 * 3 / 1.4 = 2.142857 -> 21.42857, as the ONNX test data has it.
  resize_1d("linear", "align_corners", {0.6f}).output<float>("Y", {2}, {0, 21.428572f}).tolerance(1e-5, 1e-4).run();
}

TEST(Resize, LinearAsymmetric) {
  resize_1d("linear", "asymmetric", {2}).output<float>("Y", {8}, {0, 5, 10, 15, 20, 25, 30, 30}).run();
}

TEST(Resize, PytorchHalfPixelSingleOutputSamplesZero) {
  // length_resized = 1: x = 0 (spec), so the first element.
  resize_1d("linear", "pytorch_half_pixel", {}, {1}).output<float>("Y", {1}, {0}).run();
  resize_1d("cubic", "pytorch_half_pixel", {}, {1}).output<float>("Y", {1}, {0}).run();
  // Otherwise as half_pixel.
  resize_1d("linear", "pytorch_half_pixel", {2})
      .output<float>("Y", {8}, {0, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30})
      .run();
}

TEST(Resize, HalfPixelSymmetric) {
  // scale 1.7: 6 outputs of a 6.8-long extent; offset = 2 * (1 - 6 / 6.8).
  resize_1d("linear", "half_pixel_symmetric", {1.7f})
      .output<float>("Y", {6}, {0.294118f, 6.176471f, 12.058824f, 17.941176f, 23.823529f, 29.705882f})
      .tolerance(1e-5, 1e-4)
      .run();
}

TEST(Resize, TfCropAndResize) {
  // roi [0.25, 0.75]: x = 0.75 + 0.75 j.
  OpTest("Resize", 19)
      .input<float>("X", {4}, kRamp)
      .input<float>("roi", {2}, {0.25f, 0.75f})
      .omitted_input()
      .input<int64_t>("sizes", {1}, {3})
      .attr("mode", "linear")
      .attr("coordinate_transformation_mode", "tf_crop_and_resize")
      .output<float>("Y", {3}, {7.5f, 15, 22.5f})
      .run();
  // roi [-0.5, 0.5]: x = -0.5 * 3 + j * (1 * 3) / 2 = -1.5 (outside:
  // extrapolation_value), 0, 1.5 (round_prefer_floor: 1).
  OpTest("Resize", 19)
      .input<float>("X", {4}, kRamp)
      .input<float>("roi", {2}, {-0.5f, 0.5f})
      .omitted_input()
      .input<int64_t>("sizes", {1}, {3})
      .attr("mode", "nearest")
      .attr("coordinate_transformation_mode", "tf_crop_and_resize")
      .attr("extrapolation_value", 99.0f)
      .output<float>("Y", {3}, {99, 0, 10})
      .run();
}

TEST(Resize, TfCropAndResizeOutsideOnOneAxisOnly) {
  // 2-D: rows map to -1, 0.5 (row 0 outside), columns inside: row 0 is all extrapolation.
  OpTest("Resize", 19)
      .input<float>("X", {2, 2}, {1, 2, 3, 4})
      .input<float>("roi", {4}, {-1, 0, 0.5f, 1})
      .omitted_input()
      .input<int64_t>("sizes", {2}, {2, 2})
      .attr("mode", "linear")
      .attr("coordinate_transformation_mode", "tf_crop_and_resize")
      .attr("extrapolation_value", -1.0f)
      .output<float>("Y", {2, 2}, {-1, -1, 2, 3})
      .run();
}

TEST(Resize, TfHalfPixelForNearestNeighbour) {
  // opset 11: x = (j + 0.5) / 2 = 0.25, 0.75, ... 3.75, rounded half down.
  resize_1d("nearest", "tf_half_pixel_for_nn", {2}, {}, 11)
      .output<float>("Y", {8}, {0, 10, 10, 20, 20, 30, 30, 30})
      .run();
}

TEST(Resize, NearestModes) {
  // asymmetric x2: x = 0, 0.5, 1, 1.5, ... 3.5 (3.5 rounds or ceils to 4, clamped to 3).
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"round_prefer_floor", {0, 0, 10, 10, 20, 20, 30, 30}},
      {"round_prefer_ceil", {0, 10, 10, 20, 20, 30, 30, 30}},
      {"floor", {0, 0, 10, 10, 20, 20, 30, 30}},
      {"ceil", {0, 10, 10, 20, 20, 30, 30, 30}},
  };
  for (const auto& [mode, want] : cases) {
    SCOPED_TRACE(mode);
    resize_1d("nearest", "asymmetric", {}, {8}).attr("nearest_mode", mode).output<float>("Y", {8}, want).run();
  }
  // half_pixel x1.5: x = (j + 0.5) / 1.5 - 0.5 = -1/6, 0.5, 7/6, 11/6, 2.5, 19/6.
  resize_1d("nearest", "half_pixel", {1.5f}).output<float>("Y", {6}, {0, 0, 10, 20, 20, 30}).run();
  resize_1d("nearest", "half_pixel", {1.5f})
      .attr("nearest_mode", "round_prefer_ceil")
      .output<float>("Y", {6}, {0, 10, 10, 20, 30, 30})
      .run();
}

TEST(Resize, Cubic) {
  // Keys kernel, a = -0.75, half_pixel x2; edge-replicated taps overshoot at the ends.
  resize_1d("cubic", nullptr, {2})
      .output<float>("Y", {8}, {-1.054688f, 1.914062f, 6.679688f, 12.96875f, 17.03125f, 23.320312f, 28.085938f, 31.054688f})
      .tolerance(1e-5, 1e-4)
      .run();
  // exclude_outside drops taps outside the input and renormalises; a = -0.5.
  resize_1d("cubic", nullptr, {2})
      .attr("cubic_coeff_a", -0.5f)
      .attr("exclude_outside", int64_t{1})
      .output<float>("Y", {8}, {-0.882353f, 1.678832f, 7.099237f, 12.5f, 17.5f, 22.900763f, 28.321168f, 30.882353f})
      .tolerance(1e-5, 1e-4)
      .run();
}

TEST(Resize, Antialias) {
  // Downsampling by 2 stretches the filter by 2: linear reads 4 taps with
  // weights 1/8, 3/8, 3/8, 1/8 (edge-replicated), cubic 8 taps.
  resize_1d("linear", nullptr, {}, {2}).attr("antialias", int64_t{1}).output<float>("Y", {2}, {6.25f, 23.75f}).run();
  resize_1d("cubic", nullptr, {}, {2})
      .attr("antialias", int64_t{1})
      .output<float>("Y", {2}, {4.902344f, 25.097656f})
      .tolerance(1e-5, 1e-4)
      .run();
  // Without antialias: plain 2-tap interpolation at x = 0.5, 2.5.
  resize_1d("linear", nullptr, {}, {2}).output<float>("Y", {2}, {5, 25}).run();
}

TEST(Resize, AxesAndKeepAspectRatio) {
  // axes = [1]: only the columns change.
  OpTest("Resize", 18)
      .input<float>("X", {2, 2}, {1, 2, 3, 4})
      .omitted_input()
      .input<float>("scales", {1}, {2})
      .attr("mode", "nearest")
      .attr("axes", std::vector<int64_t>{1})
      .output<float>("Y", {2, 4}, {1, 1, 2, 2, 3, 3, 4, 4})
      .run();
  // not_larger: scale = min(4/2, 4/4) = 1 -> unchanged; not_smaller: 2 -> [4, 8].
  auto aspect = [](const char* policy, Shape out) {
    OpTest t("Resize", 18);
    t.input("X", random_tensor(DataType::kFloat, {1, 2, 4}, 3))
        .omitted_input()
        .omitted_input()
        .input<int64_t>("sizes", {2}, {4, 4})
        .attr("mode", "nearest")
        .attr("axes", std::vector<int64_t>{-2, -1})
        .attr("keep_aspect_ratio_policy", policy)
        .output_unchecked("Y");
    std::vector<Value> got = t.run();
    EXPECT_EQ(got[0].tensor().shape(), out) << policy;
  };
  aspect("not_larger", {1, 2, 4});
  aspect("not_smaller", {1, 4, 8});
}

TEST(Resize, IntegerAndStringTypes) {
  // Linear on uint8 truncates: x = 0, 0.5, 1, 1.5 -> 0, 127.5, 255, 255.
  OpTest("Resize", 19)
      .input<uint8_t>("X", {2}, {0, 255})
      .omitted_input()
      .input<float>("scales", {1}, {2})
      .attr("mode", "linear")
      .attr("coordinate_transformation_mode", "asymmetric")
      .output<uint8_t>("Y", {4}, {0, 127, 255, 255})
      .run();
  // Nearest moves any type, strings included.
  OpTest("Resize", 19)
      .input<std::string>("X", {2}, {"a", "b"})
      .omitted_input()
      .input<float>("scales", {1}, {2})
      .attr("coordinate_transformation_mode", "asymmetric")
      .output<std::string>("Y", {4}, {"a", "a", "b", "b"})
      .run();
}

TEST(Resize, ComplexLinearInterpolatesBothParts) {
  OpTest t("Resize", 19);
  t.input<Complex64>("X", {2}, {Complex64{0, 0}, Complex64{2, 4}})
      .omitted_input()
      .input<float>("scales", {1}, {2})
      .attr("mode", "linear")
      .attr("coordinate_transformation_mode", "asymmetric")
      .output_unchecked("Y");
  const Tensor y = t.run()[0].tensor();
  ASSERT_EQ(y.shape(), (Shape{4}));
  const Complex64* p = y.data<Complex64>();
  EXPECT_EQ(p[1].re, 1);
  EXPECT_EQ(p[1].im, 2);
  EXPECT_EQ(p[3].im, 4);
}

TEST(Resize, EmptyAndZeroSizedOutputs) {
  OpTest("Resize", 19)
      .input<float>("X", {0, 2}, {})
      .omitted_input()
      .input<float>("scales", {2}, {1, 2})
      .attr("mode", "linear")
      .output<float>("Y", {0, 4}, {})
      .run();
  // floor(2 * 0.4) = 0 columns.
  OpTest("Resize", 19)
      .input<float>("X", {1, 2}, {1, 2})
      .omitted_input()
      .input<float>("scales", {2}, {1, 0.4f})
      .output<float>("Y", {1, 0}, {})
      .run();
}

TEST(Resize, Opset10AndUpsample) {
  // Resize-10 nearest: asymmetric, ceil when downsampling (x = j / 0.6 = 0, 1.67 -> 0, 2).
  OpTest("Resize", 10)
      .input<float>("X", {1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})
      .input<float>("scales", {4}, {1, 1, 0.6f, 0.6f})
      .output<float>("Y", {1, 1, 1, 2}, {1, 3})
      .run();
  OpTest("Resize", 10)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("scales", {4}, {1, 1, 2, 2})
      .attr("mode", "linear")
      .output<float>("Y", {1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4})
      .run();
  OpTest("Upsample", 9)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("scales", {4}, {1, 1, 2, 3})
      .output<float>("Y", {1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4})
      .run();
  OpTest("Upsample", 7)
      .input<int32_t>("X", {2}, {5, 6})
      .attr("scales", std::vector<float>{2})
      .output<int32_t>("Y", {4}, {5, 5, 6, 6})
      .run();
  OpTest("Upsample", 1)
      .input<float>("X", {1, 1, 1, 2}, {1, 2})
      .attr("height_scale", 2.0f)
      .attr("width_scale", 2.0f)
      .attr("mode", "bilinear")
      .output<float>("Y", {1, 1, 2, 4}, {1, 1.5f, 2, 2, 1, 1.5f, 2, 2})
      .run();
}

TEST(Resize, BadInputs) {
  resize_1d("linear", nullptr, {2}, {8}).output_unchecked("Y").expect_error("only one of scales and sizes");
  resize_1d("linear", nullptr, {}).output_unchecked("Y").expect_error("one of scales and sizes must be given");
  resize_1d("linear", nullptr, {2, 2}).output_unchecked("Y").expect_error("scales has 2 values but X has rank 1");
  resize_1d("linear", nullptr, {-1}).output_unchecked("Y").expect_error("must be positive");
  resize_1d("linear", nullptr, {1e30f}).output_unchecked("Y").expect_error("too large");
  resize_1d("linear", nullptr, {}, {-3}).output_unchecked("Y").expect_error("sizes[0] = -3 is negative");
  resize_1d("area", nullptr, {2}).output_unchecked("Y").expect_error("mode must be nearest, linear or cubic");
  resize_1d("linear", "center", {2}).output_unchecked("Y").expect_error("unknown coordinate_transformation_mode 'center'");
  OpTest("Resize", 19)
      .input<std::string>("X", {2}, {"a", "b"})
      .omitted_input()
      .input<float>("scales", {1}, {2})
      .attr("mode", "linear")
      .output_unchecked("Y")
      .expect_error("linear and cubic modes need numeric input");
  OpTest("Upsample", 9)
      .input<float>("X", {2}, {1, 2})
      .input<float>("scales", {1}, {0.5f})
      .output_unchecked("Y")
      .expect_error("Upsample scales must be >= 1");
  OpTest("Resize", 19)
      .input<float>("X", {4}, kRamp)
      .input<float>("roi", {1}, {0})
      .omitted_input()
      .input<int64_t>("sizes", {1}, {3})
      .attr("coordinate_transformation_mode", "tf_crop_and_resize")
      .output_unchecked("Y")
      .expect_error("roi has 1 values; expected 2");
}

// ---- GridSample ----------------------------------------------------------------

namespace {

OpTest grid_sample(std::vector<float> grid, int64_t points, const char* mode, const char* pad, int align,
                   int opset = 20) {
  OpTest t("GridSample", opset);
  t.input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("grid", {1, 1, points, 2}, grid)
      .attr("mode", mode)
      .attr("padding_mode", pad)
      .attr("align_corners", int64_t{align});
  return t;
}

}  // namespace

TEST(GridSample, LinearAlignCorners) {
  // align_corners = 1: -1 -> 0, 1 -> 1; (0, 0) is the centre.
  grid_sample({-1, -1, 1, 1, 0, 0, 1, -1}, 4, "linear", "zeros", 1)
      .output<float>("Y", {1, 1, 1, 4}, {1, 4, 2.5f, 2})
      .run();
}

TEST(GridSample, PaddingModes) {
  // align_corners = 0: (-1, -1) -> (-0.5, -0.5), half of each tap outside;
  // (1.5, 0) -> x = 2 (right of the border at 1.5), y = 0.5.
  const std::vector<float> g = {-1, -1, 1.5f, 0};
  grid_sample(g, 2, "bilinear", "zeros", 0, 16).output<float>("Y", {1, 1, 1, 2}, {0.25f, 0}).run();
  grid_sample(g, 2, "linear", "border", 0).output<float>("Y", {1, 1, 1, 2}, {1, 3}).run();
  // reflection: x = 2 folds back to 1; the -1 tap of (-0.5) reflects to 0.
  grid_sample(g, 2, "linear", "reflection", 0).output<float>("Y", {1, 1, 1, 2}, {1, 3}).run();
}

TEST(GridSample, NearestRoundsHalfToEven) {
  // align_corners = 1, 2-D: x = 0.55 -> 1, y = 0.45 -> 0; x = 0.5 -> 0 (half to even).
  grid_sample({0.1f, -0.1f, 0, 1}, 2, "nearest", "zeros", 1).output<float>("Y", {1, 1, 1, 2}, {2, 3}).run();
  // Outside with zeros padding: 0.
  grid_sample({3, 3}, 1, "nearest", "zeros", 1).output<float>("Y", {1, 1, 1, 1}, {0}).run();
  grid_sample({3, 3}, 1, "nearest", "border", 1).output<float>("Y", {1, 1, 1, 1}, {4}).run();
}

TEST(GridSample, NearestVolumetricRoundsHalfToEven) {
  // 3 spatial axes round half to even too (as the volumetric conformance
  // tests expect): align_corners = 1 over W = 3, x = g + 1: g = -0.5 -> 0.5 -> 0,
  // g = 0.5 -> 1.5 -> 2.
  OpTest("GridSample", 20)
      .input<float>("X", {1, 1, 1, 1, 3}, {5, 7, 9})
      .input<float>("grid", {1, 1, 1, 2, 3}, {-0.5f, 0, 0, 0.5f, 0, 0})
      .attr("mode", "nearest")
      .attr("align_corners", int64_t{1})
      .output<float>("Y", {1, 1, 1, 1, 2}, {5, 9})
      .run();
}

TEST(GridSample, CubicAndOneDimensional) {
  // 1-D, align_corners = 1 over [0, 10, 20, 30]: g = -1/3 -> x = 1: exactly 10.
  OpTest("GridSample", 20)
      .input<float>("X", {1, 1, 4}, kRamp)
      .input<float>("grid", {1, 2, 1}, {-1.0f / 3, 1})
      .attr("mode", "cubic")
      .attr("padding_mode", "border")
      .attr("align_corners", int64_t{1})
      .output<float>("Y", {1, 1, 2}, {10, 30})
      .tolerance(1e-5, 1e-4)
      .run();
  // x = 1.5 between 10 and 20 on a linear ramp: cubic convolution is exact on lines -> 15.
  OpTest("GridSample", 20)
      .input<float>("X", {1, 1, 4}, kRamp)
      .input<float>("grid", {1, 1, 1}, {0})
      .attr("mode", "cubic")
      .attr("align_corners", int64_t{1})
      .output<float>("Y", {1, 1, 1}, {15})
      .tolerance(1e-5, 1e-4)
      .run();
}

TEST(GridSample, HostileGridValues) {
  // NaN and huge coordinates give defined results, not crashes.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  grid_sample({nan, 0, 1e30f, -1e30f}, 2, "linear", "zeros", 0).output<float>("Y", {1, 1, 1, 2}, {0, 0}).run();
  grid_sample({nan, nan, 1e30f, 1e30f}, 2, "cubic", "reflection", 0).output_unchecked("Y").run();
  grid_sample({1e30f, -1e30f}, 1, "nearest", "border", 1).output<float>("Y", {1, 1, 1, 1}, {2}).run();
}

TEST(GridSample, BadInputs) {
  OpTest("GridSample", 20)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("grid", {1, 1, 1, 3}, {0, 0, 0})
      .output_unchecked("Y")
      .expect_error("grid has shape [1,1,1,3]");
  OpTest("GridSample", 16)
      .input<float>("X", {1, 1, 2}, {1, 2})
      .input<float>("grid", {1, 1, 1}, {0})
      .output_unchecked("Y")
      .expect_error("GridSample-16 needs a 4-D X");
  grid_sample({0, 0}, 1, "area", "zeros", 0).output_unchecked("Y").expect_error("mode must be linear, nearest or cubic");
}

// ---- AffineGrid ------------------------------------------------------------------

TEST(AffineGrid, Identity2D) {
  const std::vector<float> id = {1, 0, 0, 0, 1, 0};
  // align_corners = 0: x at pixel centres -2/3, 0, 2/3; y at -1/2, 1/2.
  OpTest("AffineGrid", 20)
      .input<float>("theta", {1, 2, 3}, id)
      .input<int64_t>("size", {4}, {1, 1, 2, 3})
      .output<float>("grid", {1, 2, 3, 2},
                     {-2.0f / 3, -0.5f, 0, -0.5f, 2.0f / 3, -0.5f, -2.0f / 3, 0.5f, 0, 0.5f, 2.0f / 3, 0.5f})
      .run();
  OpTest("AffineGrid", 20)
      .input<float>("theta", {1, 2, 3}, id)
      .input<int64_t>("size", {4}, {1, 1, 2, 3})
      .attr("align_corners", int64_t{1})
      .output<float>("grid", {1, 2, 3, 2}, {-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1})
      .run();
}

TEST(AffineGrid, Translation3D) {
  // Identity plus translation (0.5, 0, -1): every point shifts.
  OpTest("AffineGrid", 20)
      .input<float>("theta", {1, 3, 4}, {1, 0, 0, 0.5f, 0, 1, 0, 0, 0, 0, 1, -1})
      .input<int64_t>("size", {5}, {1, 1, 1, 1, 2})
      .attr("align_corners", int64_t{1})
      .output<float>("grid", {1, 1, 1, 2, 3}, {-0.5f, -1, -2, 1.5f, -1, -2})
      .run();
}

TEST(AffineGrid, BadInputs) {
  OpTest("AffineGrid", 20)
      .input<float>("theta", {2, 2, 3}, std::vector<float>(12, 0))
      .input<int64_t>("size", {4}, {1, 1, 2, 2})
      .output_unchecked("grid")
      .expect_error("theta has shape [2,2,3]; expected [1,2,3]");
  OpTest("AffineGrid", 20)
      .input<float>("theta", {1, 2, 3}, std::vector<float>(6, 0))
      .input<int64_t>("size", {3}, {1, 1, 2})
      .output_unchecked("grid")
      .expect_error("size must be [N, C, H, W] or [N, C, D, H, W]");
}

// ---- RoiAlign --------------------------------------------------------------------

namespace {

std::vector<float> iota16() {
  std::vector<float> v(16);
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

}  // namespace

TEST(RoiAlign, CoordinateModes) {
  // One 3x3 box sampled once: output_half_pixel samples (1.5, 1.5) = 7.5;
  // half_pixel shifts the box by -0.5 and samples (1, 1) = 5.
  OpTest("RoiAlign", 10)
      .input<float>("X", {1, 1, 4, 4}, iota16())
      .input<float>("rois", {1, 4}, {0, 0, 3, 3})
      .input<int64_t>("batch_indices", {1}, {0})
      .attr("sampling_ratio", int64_t{1})
      .output<float>("Y", {1, 1, 1, 1}, {7.5f})
      .run();
  OpTest("RoiAlign", 16)
      .input<float>("X", {1, 1, 4, 4}, iota16())
      .input<float>("rois", {1, 4}, {0, 0, 3, 3})
      .input<int64_t>("batch_indices", {1}, {0})
      .attr("sampling_ratio", int64_t{1})
      .output<float>("Y", {1, 1, 1, 1}, {5})
      .run();
}

TEST(RoiAlign, AvgAndMax) {
  // Box (0,0)-(4,4), half_pixel, 2x2 samples at 0.5 and 2.5 on each axis.
  // avg: mean of bilinear values 2.5, 4.5, 10.5, 12.5. max: the largest
  // weighted corner of any sample: 0.25 * 15.
  for (const auto& [mode, want] : std::vector<std::pair<const char*, float>>{{"avg", 7.5f}, {"max", 3.75f}}) {
    SCOPED_TRACE(mode);
    OpTest("RoiAlign", 16)
        .input<float>("X", {1, 1, 4, 4}, iota16())
        .input<float>("rois", {1, 4}, {0, 0, 4, 4})
        .input<int64_t>("batch_indices", {1}, {0})
        .attr("mode", mode)
        .attr("sampling_ratio", int64_t{2})
        .output<float>("Y", {1, 1, 1, 1}, {want})
        .run();
  }
}

TEST(RoiAlign, SpatialScaleBatchIndexAndSamplesOutside) {
  // Second image (all 100); box scaled by 0.5; a box far outside gives 0.
  std::vector<float> x = iota16();
  x.insert(x.end(), 16, 100.0f);
  OpTest("RoiAlign", 16)
      .input<float>("X", {2, 1, 4, 4}, x)
      .input<float>("rois", {2, 4}, {0, 0, 4, 4, 100, 100, 104, 104})
      .input<int64_t>("batch_indices", {2}, {1, 0})
      .attr("spatial_scale", 0.5f)
      .attr("output_height", int64_t{2})
      .attr("output_width", int64_t{2})
      .output<float>("Y", {2, 1, 2, 2}, {100, 100, 100, 100, 0, 0, 0, 0})
      .run();
}

TEST(RoiAlign, BadInputs) {
  auto base = [](std::vector<float> rois, std::vector<int64_t> idx) {
    OpTest t("RoiAlign", 16);
    t.input<float>("X", {1, 1, 4, 4}, iota16())
        .input<float>("rois", {static_cast<int64_t>(rois.size() / 4), 4}, rois)
        .input<int64_t>("batch_indices", {static_cast<int64_t>(idx.size())}, idx)
        .output_unchecked("Y");
    return t;
  };
  base({0, 0, 1, 1}, {1}).expect_error("batch_indices[0] = 1 is out of range for a batch of 1");
  base({0, 0, 1, 1}, {-1}).expect_error("batch_indices[0] = -1");
  base({0, 0, 1, 1}, {0, 0}).expect_error("batch_indices has shape [2]; expected [num_rois] = [1]");
  base({0, 0, std::numeric_limits<float>::infinity(), 1}, {0}).expect_error("non-finite coordinate");
  base({0, 0, 1e12f, 1e12f}, {0}).expect_error("too large");
  OpTest("RoiAlign", 16)
      .input<float>("X", {1, 1, 4, 4}, iota16())
      .input<float>("rois", {1, 3}, {0, 0, 1})
      .input<int64_t>("batch_indices", {1}, {0})
      .output_unchecked("Y")
      .expect_error("rois must be [num_rois, 4]");
}

// ---- NonMaxSuppression ----------------------------------------------------------

namespace {

// Boxes (y1, x1, y2, x2): two overlapping unit boxes (IoU 0.6 after shifting
// 0.25), a far one, and a flipped copy of the first.
const std::vector<float> kBoxes = {0, 0, 1, 1, 0.25f, 0, 1.25f, 1, 5, 5, 6, 6, 1, 1, 0, 0};

OpTest nms(std::vector<float> scores, int64_t classes, int64_t max_out, float iou, float score_threshold = -1) {
  OpTest t("NonMaxSuppression", 11);
  t.input<float>("boxes", {1, 4, 4}, kBoxes)
      .input<float>("scores", {1, classes, 4}, scores)
      .input<int64_t>("max_output_boxes_per_class", {1}, {max_out})
      .input<float>("iou_threshold", {1}, {iou});
  if (score_threshold >= 0) t.input<float>("score_threshold", {1}, {score_threshold});
  return t;
}

}  // namespace

TEST(NonMaxSuppression, SuppressesOverlapsByScoreOrder) {
  // IoU(box0, box1) = 0.75 / 1.25 = 0.6 > 0.5: box1 goes; box3 is box0 flipped (IoU 1).
  nms({0.9f, 0.8f, 0.7f, 0.6f}, 1, 10, 0.5f).output<int64_t>("selected_indices", {2, 3}, {0, 0, 0, 0, 0, 2}).run();
  // IoU exactly at the threshold is kept (suppression needs IoU > threshold).
  nms({0.9f, 0.8f, 0.7f, 0.6f}, 1, 10, 0.6f)
      .output<int64_t>("selected_indices", {3, 3}, {0, 0, 0, 0, 0, 1, 0, 0, 2})
      .run();
}

TEST(NonMaxSuppression, ScoreThresholdTiesAndClasses) {
  // Scores equal: lower index first. score_threshold keeps scores strictly above 0.5.
  nms({0.5f, 0.7f, 0.7f, 0.1f, 0.2f, 0.3f, 0.9f, 0.9f}, 2, 10, 1.0f, 0.5f)
      .output<int64_t>("selected_indices", {4, 3}, {0, 0, 1, 0, 0, 2, 0, 1, 2, 0, 1, 3})
      .run();
  // max_output_boxes_per_class limits each class; 0 selects nothing.
  nms({0.9f, 0.8f, 0.7f, 0.6f}, 1, 1, 1.0f).output<int64_t>("selected_indices", {1, 3}, {0, 0, 0}).run();
  nms({0.9f, 0.8f, 0.7f, 0.6f}, 1, 0, 0.5f).output<int64_t>("selected_indices", {0, 3}, {}).run();
}

TEST(NonMaxSuppression, CenterPointBoxes) {
  // (x_c, y_c, w, h): boxes 0 and 1 coincide, box 2 is far away.
  OpTest("NonMaxSuppression", 11)
      .input<float>("boxes", {1, 3, 4}, {0.5f, 0.5f, 1, 1, 0.5f, 0.5f, 1, 1, 10, 10, 1, 1})
      .input<float>("scores", {1, 1, 3}, {0.8f, 0.9f, 0.1f})
      .input<int64_t>("max_output_boxes_per_class", {1}, {3})
      .attr("center_point_box", int64_t{1})
      .output<int64_t>("selected_indices", {2, 3}, {0, 0, 1, 0, 0, 2})
      .run();
}

TEST(NonMaxSuppression, NoOptionalInputsSelectsNothing) {
  OpTest("NonMaxSuppression", 10)
      .input<float>("boxes", {1, 4, 4}, kBoxes)
      .input<float>("scores", {1, 1, 4}, {1, 1, 1, 1})
      .output<int64_t>("selected_indices", {0, 3}, {})
      .run();
}

TEST(NonMaxSuppression, BadInputs) {
  nms({0.9f, 0.8f, 0.7f, 0.6f}, 1, 10, 1.5f).output_unchecked("selected_indices").expect_error("iou_threshold must be in [0, 1]");
  OpTest("NonMaxSuppression", 11)
      .input<float>("boxes", {1, 4, 4}, kBoxes)
      .input<float>("scores", {1, 1, 3}, {1, 1, 1})
      .output_unchecked("selected_indices")
      .expect_error("scores has shape [1,1,3]");
  OpTest("NonMaxSuppression", 11)
      .input<float>("boxes", {1, 2, 3}, {0, 0, 1, 1, 1, 1})
      .input<float>("scores", {1, 1, 2}, {1, 1})
      .output_unchecked("selected_indices")
      .expect_error("boxes must be [num_batches, spatial_dimension, 4]");
  OpTest("NonMaxSuppression", 11)
      .input<float>("boxes", {1, 4, 4}, kBoxes)
      .input<float>("scores", {1, 1, 4}, {1, 1, 1, 1})
      .attr("center_point_box", int64_t{2})
      .output_unchecked("selected_indices")
      .expect_error("center_point_box must be 0 or 1");
}

// ---- ImageDecoder ----------------------------------------------------------------

namespace {

std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

void put16(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(static_cast<uint8_t>(x));
  v.push_back(static_cast<uint8_t>(x >> 8));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
  put16(v, x & 0xFFFF);
  put16(v, x >> 16);
}

// A 2x2 24-bit bottom-up BMP: top row red, green; bottom row blue, white.
std::vector<uint8_t> tiny_bmp() {
  std::vector<uint8_t> v = bytes("BM");
  put32(v, 54 + 16);
  put32(v, 0);
  put32(v, 54);
  put32(v, 40);
  put32(v, 2);
  put32(v, 2);
  put16(v, 1);
  put16(v, 24);
  for (int i = 0; i < 6; ++i) put32(v, 0);
  // Bottom row first (B G R), each row padded to 8 bytes.
  const uint8_t rows[] = {255, 0, 0, 255, 255, 255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0};
  v.insert(v.end(), rows, rows + 16);
  return v;
}

std::vector<uint8_t> tiny_ppm() {
  std::vector<uint8_t> v = bytes("P6\n# comment\n2 2\n255\n");
  const uint8_t px[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  v.insert(v.end(), px, px + 12);
  return v;
}

// A 2x2 little-endian uncompressed RGB TIFF with the same pixels.
std::vector<uint8_t> tiny_tiff() {
  std::vector<uint8_t> v = bytes(std::string("II*\0", 4));
  put32(v, 8);
  const uint16_t n = 8;
  put16(v, n);
  auto entry = [&](uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
    put16(v, tag);
    put16(v, type);
    put32(v, count);
    put32(v, value);
  };
  const uint32_t bits_at = 8 + 2 + n * 12 + 4, pixels_at = bits_at + 6;
  entry(256, 3, 1, 2);
  entry(257, 3, 1, 2);
  entry(258, 3, 3, bits_at);
  entry(259, 3, 1, 1);
  entry(262, 3, 1, 2);
  entry(273, 4, 1, pixels_at);
  entry(277, 3, 1, 3);
  entry(279, 4, 1, 12);
  put32(v, 0);
  put16(v, 8);
  put16(v, 8);
  put16(v, 8);
  const uint8_t px[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  v.insert(v.end(), px, px + 12);
  return v;
}

const std::vector<uint8_t> kRgb2x2 = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};

// The 2x2 pixels of kRgb2x2 as lossless WebP (libwebp's WebPEncodeLosslessRGB)
// and as a lossless JPEG 2000 JP2 file (OpenJPEG, reversible 5/3 wavelet, one
// resolution); the JP2's codestream box holds a raw J2K stream from byte 85.
const std::vector<uint8_t> kWebp2x2 = {
      0x52, 0x49, 0x46, 0x46, 0x2C, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4C, 0x1F, 0x00,
      0x00, 0x00, 0x2F, 0x01, 0x40, 0x00, 0x00, 0x1F, 0x20, 0x10, 0x48, 0xDE, 0x1F, 0x3A, 0x8D, 0xF9, 0x17, 0x10,
      0x14, 0xFC, 0x1F, 0xDD, 0xFC, 0x47, 0x64, 0x0F, 0xE0, 0x06, 0x0C, 0x11, 0xFD, 0x0F, 0x01, 0x00};
const std::vector<uint8_t> kJp2_2x2 = {
      0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0x00, 0x00, 0x00, 0x14, 0x66, 0x74,
      0x79, 0x70, 0x6A, 0x70, 0x32, 0x20, 0x00, 0x00, 0x00, 0x00, 0x6A, 0x70, 0x32, 0x20, 0x00, 0x00, 0x00, 0x2D,
      0x6A, 0x70, 0x32, 0x68, 0x00, 0x00, 0x00, 0x16, 0x69, 0x68, 0x64, 0x72, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
      0x00, 0x02, 0x00, 0x03, 0x07, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0F, 0x63, 0x6F, 0x6C, 0x72, 0x01, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x9A, 0x6A, 0x70, 0x32, 0x63, 0xFF, 0x4F, 0xFF, 0x51, 0x00,
      0x2F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x03, 0x07, 0x01, 0x01, 0x07, 0x01, 0x01, 0x07, 0x01, 0x01, 0xFF, 0x52, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01,
      0x01, 0x00, 0x04, 0x04, 0x00, 0x01, 0xFF, 0x5C, 0x00, 0x04, 0x40, 0x40, 0xFF, 0x64, 0x00, 0x25, 0x00, 0x01,
      0x43, 0x72, 0x65, 0x61, 0x74, 0x65, 0x64, 0x20, 0x62, 0x79, 0x20, 0x4F, 0x70, 0x65, 0x6E, 0x4A, 0x50, 0x45,
      0x47, 0x20, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6F, 0x6E, 0x20, 0x32, 0x2E, 0x35, 0x2E, 0x30, 0xFF, 0x90, 0x00,
      0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x22, 0x00, 0x01, 0xFF, 0x93, 0xCF, 0xB4, 0x18, 0x08, 0xCE, 0x03, 0x65,
      0xF0, 0x3F, 0xDF, 0x80, 0x18, 0x0A, 0x74, 0x1F, 0xDF, 0x80, 0x10, 0x03, 0x18, 0xFF, 0xD9};
constexpr size_t kJp2CodestreamAt = 85;

OpTest decoder(const std::vector<uint8_t>& file, const char* format) {
  OpTest t("ImageDecoder", 20);
  t.input<uint8_t>("encoded_stream", {static_cast<int64_t>(file.size())}, file).attr("pixel_format", format);
  return t;
}

}  // namespace

TEST(ImageDecoder, HandWrittenFormats) {
  for (const auto& [name, file] : std::vector<std::pair<const char*, std::vector<uint8_t>>>{
           {"bmp", tiny_bmp()}, {"ppm", tiny_ppm()}, {"tiff", tiny_tiff()}}) {
    SCOPED_TRACE(name);
    decoder(file, "RGB").output<uint8_t>("image", {2, 2, 3}, kRgb2x2).run();
    decoder(file, "BGR").output<uint8_t>("image", {2, 2, 3}, {0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255}).run();
    // PIL's luma: (19595 R + 38470 G + 7471 B + 32768) >> 16.
    decoder(file, "Grayscale").output<uint8_t>("image", {2, 2, 1}, {76, 150, 29, 255}).run();
  }
}

TEST(ImageDecoder, PlainPnmAndBitmaps) {
  decoder(bytes("P2 2 1 15 0 15"), "Grayscale").output<uint8_t>("image", {1, 2, 1}, {0, 255}).run();
  decoder(bytes("P1\n3 1\n1 0 1"), "RGB").output<uint8_t>("image", {1, 3, 3}, {0, 0, 0, 255, 255, 255, 0, 0, 0}).run();
}

TEST(ImageDecoder, PngAndJpeg) {
  // A 1x1 PNG (RGB 8-bit, pixel 10, 20, 30), written out byte by byte: IHDR;
  // IDAT = zlib stream 78 DA, deflate of the scanline {filter 0, 10, 20, 30},
  // Adler-32 0x0068003D; IEND. Each chunk ends with its CRC-32.
  const std::vector<uint8_t> png = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xDE, 0x00, 0x00, 0x00,
      0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xE0, 0x12, 0x91, 0x03, 0x00, 0x00, 0x68, 0x00, 0x3D, 0x6A,
      0xF5, 0x70, 0x5B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  decoder(png, "RGB").output<uint8_t>("image", {1, 1, 3}, {10, 20, 30}).run();
  decoder(png, "Grayscale").output<uint8_t>("image", {1, 1, 1}, {18}).run();
}

TEST(ImageDecoder, WebPAndJpeg2000) {
  decoder(kWebp2x2, "RGB").output<uint8_t>("image", {2, 2, 3}, kRgb2x2).run();
  decoder(kWebp2x2, "Grayscale").output<uint8_t>("image", {2, 2, 1}, {76, 150, 29, 255}).run();
  decoder(kJp2_2x2, "RGB").output<uint8_t>("image", {2, 2, 3}, kRgb2x2).run();
  decoder(kJp2_2x2, "BGR").output<uint8_t>("image", {2, 2, 3}, {0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255}).run();
  const std::vector<uint8_t> j2k(kJp2_2x2.begin() + kJp2CodestreamAt, kJp2_2x2.end());
  decoder(j2k, "RGB").output<uint8_t>("image", {2, 2, 3}, kRgb2x2).run();
}

TEST(ImageDecoder, UnsupportedAndGarbage) {
  decoder(bytes(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "RGB").output_unchecked("image").expect_error("cannot decode WebP image");
  std::vector<uint8_t> jp2 = kJp2_2x2;
  jp2.resize(120);  // the codestream ends inside its main header
  decoder(jp2, "RGB").output_unchecked("image").expect_error("cannot decode JPEG 2000 image");
  decoder(bytes("GIF89a"), "RGB").output_unchecked("image").expect_error("GIF images are not supported");
  decoder(bytes("hello world"), "RGB").output_unchecked("image").expect_error("unrecognised image format");
  decoder(tiny_bmp(), "CMYK").output_unchecked("image").expect_error("pixel_format must be RGB, BGR or Grayscale");
  std::vector<uint8_t> huge = tiny_ppm();
  huge = bytes("P6 100000 100000 255\n");
  decoder(huge, "RGB").output_unchecked("image").expect_error("more than the limit");
  decoder(bytes("P6 4 4 255\n\x01\x02"), "RGB").output_unchecked("image").expect_error("data ends at byte");
  std::vector<uint8_t> bmp = tiny_bmp();
  bmp[10] = 0xF0;  // pixel data offset past the end
  decoder(bmp, "RGB").output_unchecked("image").expect_error("cannot decode BMP image");
  decoder(std::vector<uint8_t>{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, "RGB").output_unchecked("image").expect_error("cannot decode JPEG image");
}

TEST(ImageDecoder, TruncatedAndCorruptedFilesNeverCrash) {
  // Every prefix and many single-byte corruptions of each file: decode or a
  // clean error, nothing else.
  const std::vector<std::vector<uint8_t>> files = {tiny_bmp(), tiny_ppm(), tiny_tiff(), kWebp2x2,
                                                   {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49,
                                                    0x48, 0x44, 0x52, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 8, 2}};
  std::mt19937 rng(7);
  int decoded = 0, refused = 0;
  for (const auto& f : files) {
    for (size_t n = 0; n <= f.size(); ++n) {
      try {
        decode_image(f.data(), n);
        ++decoded;
      } catch (const Error&) {
        ++refused;
      }
    }
    for (int k = 0; k < 300; ++k) {
      std::vector<uint8_t> g = f;
      g[rng() % g.size()] = static_cast<uint8_t>(rng());
      g[rng() % g.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      try {
        DecodedImage img = decode_image(g.data(), g.size());
        EXPECT_EQ(img.rgb.size(), static_cast<size_t>(img.width * img.height * 3));
        ++decoded;
      } catch (const Error&) {
        ++refused;
      }
    }
  }
  // JPEG 2000: every prefix only (a random byte in the SIZ header can declare
  // a 2^28-pixel image that OpenJPEG would allocate gigabytes for).
  for (size_t n = 0; n <= kJp2_2x2.size(); ++n) {
    try {
      decode_image(kJp2_2x2.data(), n);
      ++decoded;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(decoded, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace onyx::test
