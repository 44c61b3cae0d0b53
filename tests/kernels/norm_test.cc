// Normalizations and Dropout: LayerNormalization, RMSNormalization,
// BatchNormalization (inference, training, per-activation, mixed types),
// InstanceNormalization, GroupNormalization (18 vs 21), LRN, LpNormalization,
// MeanVarianceNormalization, Dropout. Expected values come from naive double
// loops written here, or from numpy where noted.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

std::vector<float> values(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(t.real_at(static_cast<int64_t>(i)));
  return v;
}

// Normalizes x viewed as [rows, cols] row by row; scale/bias per column (or empty).
struct RowStats {
  std::vector<float> y, mean, inv;
};
RowStats naive_layer_norm(const std::vector<float>& x, int64_t rows, int64_t cols, const std::vector<float>& scale,
                          const std::vector<float>& bias, double eps, bool rms = false) {
  RowStats r;
  r.y.resize(x.size());
  for (int64_t i = 0; i < rows; ++i) {
    double m = 0, v = 0;
    for (int64_t j = 0; j < cols; ++j) m += x[i * cols + j];
    m /= cols;
    for (int64_t j = 0; j < cols; ++j) {
      double d = rms ? x[i * cols + j] : x[i * cols + j] - m;
      v += d * d;
    }
    v /= cols;
    double inv = 1 / std::sqrt(v + eps);
    for (int64_t j = 0; j < cols; ++j) {
      double d = rms ? x[i * cols + j] : x[i * cols + j] - m;
      r.y[i * cols + j] = static_cast<float>(d * inv * scale[j] + (bias.empty() ? 0 : bias[j]));
    }
    r.mean.push_back(static_cast<float>(m));
    r.inv.push_back(static_cast<float>(inv));
  }
  return r;
}

// Per (n, group) normalization of x [n, c, spatial]; scale/bias per channel.
std::vector<float> naive_group_norm(const std::vector<float>& x, int64_t n, int64_t c, int64_t spatial, int64_t groups,
                                    const std::vector<float>& scale, const std::vector<float>& bias, double eps) {
  std::vector<float> y(x.size());
  const int64_t block = c / groups * spatial;
  for (int64_t b = 0; b < n * groups; ++b) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < block; ++i) m += x[b * block + i];
    m /= block;
    for (int64_t i = 0; i < block; ++i) v += (x[b * block + i] - m) * (x[b * block + i] - m);
    v /= block;
    for (int64_t i = 0; i < block; ++i) {
      int64_t ch = (b % groups) * (c / groups) + i / spatial;
      y[b * block + i] = static_cast<float>((x[b * block + i] - m) / std::sqrt(v + eps) * scale[ch] + bias[ch]);
    }
  }
  return y;
}

}  // namespace

// ---- LayerNormalization / RMSNormalization -----------------------------------

TEST(LayerNormalization, EveryAxisWithStatistics) {
  const Shape s = {2, 3, 4};
  Tensor x = random_tensor(DataType::kFloat, s, 11, -3, 3);
  const std::vector<float> xv = values(x);
  for (int axis = 0; axis < 3; ++axis) {
    Shape norm(s.begin() + axis, s.end());
    int64_t cols = shape_numel(norm), rows = 24 / cols;
    Tensor scale = random_tensor(DataType::kFloat, norm, 12, 0.5, 2);
    Tensor bias = random_tensor(DataType::kFloat, norm, 13, -1, 1);
    RowStats r = naive_layer_norm(xv, rows, cols, values(scale), values(bias), 1e-3);
    Shape stat(s.begin(), s.begin() + axis);
    stat.resize(3, 1);
    SCOPED_TRACE(axis);
    OpTest("LayerNormalization", 17)
        .input("x", x)
        .input("scale", scale)
        .input("bias", bias)
        .attr("axis", axis - 3)
        .attr("epsilon", 1e-3f)
        .output<float>("y", s, r.y)
        .output<float>("mean", stat, r.mean)
        .output<float>("inv_std_dev", stat, r.inv)
        .tolerance(1e-4, 1e-5)
        .run();
  }
}

TEST(LayerNormalization, ScaleBroadcastsAndBiasIsOptional) {
  // Scale [1, 4] against the normalized shape [3, 4] (axis 1 of [2, 3, 4]).
  Tensor x = random_tensor(DataType::kFloat, {2, 3, 4}, 5, -2, 2);
  std::vector<float> sc = {1, 2, 3, 4}, full;
  for (int i = 0; i < 3; ++i) full.insert(full.end(), sc.begin(), sc.end());
  RowStats r = naive_layer_norm(values(x), 2, 12, full, {}, 1e-5);
  OpTest("LayerNormalization", 17)
      .input("x", x)
      .input<float>("scale", {1, 4}, sc)
      .attr("axis", 1)
      .output<float>("y", {2, 3, 4}, r.y)
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(LayerNormalization, Float16ComputesInFloatMeanIsStashType) {
  std::vector<Float16> xh;
  for (float v : {1.f, 2.f, 3.f, 4.f}) xh.push_back(Float16(v));
  RowStats r = naive_layer_norm({1, 2, 3, 4}, 1, 4, {1, 1, 1, 1}, {}, 1e-5);
  std::vector<Float16> yh;
  for (float v : r.y) yh.push_back(Float16(v));
  OpTest("LayerNormalization", 17)
      .input("x", make_tensor<Float16>({1, 4}, xh))
      .input("scale", make_tensor<Float16>({4}, std::vector<Float16>(4, Float16(1.0f))))
      .output("y", make_tensor<Float16>({1, 4}, yh))
      .output<float>("mean", {1, 1}, {2.5f})
      .tolerance(1e-3, 1e-3)
      .run();
}

TEST(LayerNormalization, LongRowOfLargeValuesIsStable) {
  // Values around 1e4 with small spread: a one-pass E[x^2] - E[x]^2 would
  // lose the variance to rounding.
  std::vector<float> x(768);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 10000.0f + static_cast<float>(i % 7) * 0.01f;
  RowStats r = naive_layer_norm(x, 1, 768, std::vector<float>(768, 1), {}, 1e-12);
  OpTest("LayerNormalization", 17)
      .input<float>("x", {1, 768}, x)
      .input<float>("scale", {768}, std::vector<float>(768, 1))
      .attr("epsilon", 1e-12f)
      .output<float>("y", {1, 768}, r.y)
      .tolerance(5e-3, 5e-3)
      .run();
}

TEST(LayerNormalization, BadScaleAndAxis) {
  OpTest("LayerNormalization", 17)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("scale", {2}, {1, 1})
      .output_unchecked("y")
      .expect_error("Scale of shape [2] does not broadcast to the normalized shape [3]");
  OpTest("LayerNormalization", 17)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("scale", {3}, {1, 1, 1})
      .attr("axis", 2)
      .output_unchecked("y")
      .expect_error("axis 2 is out of range for rank 2");
}

TEST(LayerNormalization, EmptyRows) {
  OpTest("LayerNormalization", 17)
      .input<float>("x", {0, 3}, {})
      .input<float>("scale", {3}, {1, 1, 1})
      .output<float>("y", {0, 3}, {})
      .run();
}

TEST(RMSNormalization, MatchesNaive) {
  Tensor x = random_tensor(DataType::kFloat, {3, 2, 5}, 21, -2, 2);
  Tensor scale = random_tensor(DataType::kFloat, {2, 5}, 22, 0.5, 1.5);
  RowStats r = naive_layer_norm(values(x), 3, 10, values(scale), {}, 1e-5, true);
  OpTest("RMSNormalization", 23)
      .input("x", x)
      .input("scale", scale)
      .attr("axis", 1)
      .output<float>("y", {3, 2, 5}, r.y)
      .tolerance(1e-4, 1e-5)
      .run();
  RowStats last = naive_layer_norm(values(x), 6, 5, {1, 2, 3, 4, 5}, {}, 1e-5, true);
  OpTest("RMSNormalization", 23)
      .input("x", x)
      .input<float>("scale", {5}, {1, 2, 3, 4, 5})
      .output<float>("y", {3, 2, 5}, last.y)
      .tolerance(1e-4, 1e-5)
      .run();
}

// ---- BatchNormalization -----------------------------------------------------

TEST(BatchNormalization, Inference) {
  // x [1, 2, 2]: channel 0 {1, 3}, channel 1 {5, 7}.
  OpTest("BatchNormalization", 15)
      .input<float>("x", {1, 2, 2}, {1, 3, 5, 7})
      .input<float>("scale", {2}, {1, 2})
      .input<float>("bias", {2}, {0, 1})
      .input<float>("mean", {2}, {2, 6})
      .input<float>("var", {2}, {1, 4})
      .attr("epsilon", 0.0f)
      .output<float>("y", {1, 2, 2}, {-1, 1, 0, 2})
      .run();
}

TEST(BatchNormalization, TrainingModeOutputsRunningStatistics) {
  // Batch stats per channel: c0 {1, 3, 5, 7} mean 4 var 5; c1 {2, 2, 2, 2} mean 2 var 0.
  OpTest("BatchNormalization", 15)
      .input<float>("x", {2, 2, 2}, {1, 3, 2, 2, 5, 7, 2, 2})
      .input<float>("scale", {2}, {1, 1})
      .input<float>("bias", {2}, {0, 0})
      .input<float>("mean", {2}, {0, 10})
      .input<float>("var", {2}, {1, 1})
      .attr("epsilon", 0.0f)
      .attr("momentum", 0.5f)
      .attr("training_mode", 1)
      .output<float>("y", {2, 2, 2},
                     {-3 / std::sqrt(5.f), -1 / std::sqrt(5.f), std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::quiet_NaN(), 1 / std::sqrt(5.f), 3 / std::sqrt(5.f),
                      std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::quiet_NaN()})
      .output<float>("running_mean", {2}, {2, 6})
      .output<float>("running_var", {2}, {3, 0.5f})
      .run();
}

TEST(BatchNormalization, Opset9AndMixedParameterTypes) {
  OpTest("BatchNormalization", 9)
      .input<double>("x", {2, 1}, {1, 3})
      .input<double>("scale", {1}, {2})
      .input<double>("bias", {1}, {1})
      .input<double>("mean", {1}, {2})
      .input<double>("var", {1}, {1})
      .attr("epsilon", 0.0f)
      .output<double>("y", {2, 1}, {-1, 3})
      .run();
  // Opset 15: float16 X with float parameters.
  OpTest("BatchNormalization", 15)
      .input("x", make_tensor<Float16>({1, 1, 2}, {Float16(1.0f), Float16(3.0f)}))
      .input<float>("scale", {1}, {2})
      .input<float>("bias", {1}, {1})
      .input<float>("mean", {1}, {2})
      .input<float>("var", {1}, {1})
      .attr("epsilon", 0.0f)
      .output("y", make_tensor<Float16>({1, 1, 2}, {Float16(-1.0f), Float16(3.0f)}))
      .run();
}

TEST(BatchNormalization, Opset7TrainingWhenStatisticsAreRequested) {
  OpTest("BatchNormalization", 7)
      .input<float>("x", {2, 1}, {1, 3})
      .input<float>("scale", {1}, {1})
      .input<float>("bias", {1}, {0})
      .input<float>("mean", {1}, {0})
      .input<float>("var", {1}, {1})
      .attr("epsilon", 0.0f)
      .output<float>("y", {2, 1}, {-1, 1})
      .output<float>("mean_out", {1}, {0.2f})
      .output<float>("var_out", {1}, {1.0f})
      .output<float>("saved_mean", {1}, {2})
      .output<float>("saved_var", {1}, {1})
      .run();
}

TEST(BatchNormalization, PerActivationBeforeOpset9) {
  // spatial = 0: parameters per (channel, position) = 2 values for x [2, 1, 2].
  OpTest("BatchNormalization", 7)
      .input<float>("x", {2, 1, 2}, {1, 2, 3, 4})
      .input<float>("scale", {1, 2}, {1, 10})
      .input<float>("bias", {1, 2}, {0, 0})
      .input<float>("mean", {1, 2}, {0, 1})
      .input<float>("var", {1, 2}, {1, 1})
      .attr("spatial", 0)
      .attr("epsilon", 0.0f)
      .output<float>("y", {2, 1, 2}, {1, 10, 3, 30})
      .run();
}

TEST(BatchNormalization, WrongParameterSize) {
  OpTest("BatchNormalization", 15)
      .input<float>("x", {1, 2, 2}, {1, 3, 5, 7})
      .input<float>("scale", {3}, {1, 2, 3})
      .input<float>("bias", {2}, {0, 1})
      .input<float>("mean", {2}, {2, 6})
      .input<float>("var", {2}, {1, 4})
      .output_unchecked("y")
      .expect_error("scale has 3 elements");
}

TEST(BatchNormalization, RunningStatsNeedTrainingMode) {
  OpTest("BatchNormalization", 15)
      .input<float>("x", {1, 1}, {1})
      .input<float>("scale", {1}, {1})
      .input<float>("bias", {1}, {0})
      .input<float>("mean", {1}, {0})
      .input<float>("var", {1}, {1})
      .output_unchecked("y")
      .output_unchecked("running_mean")
      .expect_error("only produced in training mode");
}

// ---- InstanceNormalization / GroupNormalization -------------------------------

TEST(InstanceNormalization, MatchesNaive) {
  Tensor x = random_tensor(DataType::kFloat, {2, 3, 4, 5}, 31, -3, 3);
  std::vector<float> sc = {1, 2, 0.5f}, bi = {0, -1, 1};
  OpTest("InstanceNormalization", 6)
      .input("x", x)
      .input<float>("scale", {3}, sc)
      .input<float>("bias", {3}, bi)
      .attr("epsilon", 1e-2f)
      .output<float>("y", {2, 3, 4, 5}, naive_group_norm(values(x), 2, 3, 20, 3, sc, bi, 1e-2))
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(InstanceNormalization, WrongScaleSize) {
  OpTest("InstanceNormalization", 22)
      .input<float>("x", {1, 2, 2}, {1, 2, 3, 4})
      .input<float>("scale", {3}, {1, 1, 1})
      .input<float>("bias", {2}, {0, 0})
      .output_unchecked("y")
      .expect_error("must be 1-D of size C = 2");
}

TEST(GroupNormalization, Opset21PerChannelScale) {
  Tensor x = random_tensor(DataType::kFloat, {2, 4, 3}, 41, -3, 3);
  std::vector<float> sc = {1, 2, 3, 4}, bi = {0, 1, 2, 3};
  OpTest("GroupNormalization", 21)
      .input("x", x)
      .input<float>("scale", {4}, sc)
      .input<float>("bias", {4}, bi)
      .attr("num_groups", 2)
      .output<float>("y", {2, 4, 3}, naive_group_norm(values(x), 2, 4, 3, 2, sc, bi, 1e-5))
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(GroupNormalization, Opset18PerGroupScale) {
  Tensor x = random_tensor(DataType::kFloat, {2, 4, 3}, 42, -3, 3);
  // Per-group {5, 7} is per-channel {5, 5, 7, 7}.
  OpTest("GroupNormalization", 18)
      .input("x", x)
      .input<float>("scale", {2}, {5, 7})
      .input<float>("bias", {2}, {1, -1})
      .attr("num_groups", 2)
      .output<float>("y", {2, 4, 3}, naive_group_norm(values(x), 2, 4, 3, 2, {5, 5, 7, 7}, {1, 1, -1, -1}, 1e-5))
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(GroupNormalization, Opset21RejectsPerGroupScale) {
  OpTest("GroupNormalization", 21)
      .input<float>("x", {1, 4, 1}, {1, 2, 3, 4})
      .input<float>("scale", {2}, {1, 1})
      .input<float>("bias", {2}, {0, 0})
      .attr("num_groups", 2)
      .output_unchecked("y")
      .expect_error("must be 1-D of size C = 4");
}

TEST(GroupNormalization, GroupsMustDivideChannels) {
  OpTest("GroupNormalization", 21)
      .input<float>("x", {1, 3, 1}, {1, 2, 3})
      .input<float>("scale", {3}, {1, 1, 1})
      .input<float>("bias", {3}, {0, 0, 0})
      .attr("num_groups", 2)
      .output_unchecked("y")
      .expect_error("the 3 channels cannot be split into 2 groups");
}

// ---- LRN / LpNormalization / MeanVarianceNormalization --------------------------

TEST(LRN, MatchesNaive) {
  const int64_t n = 2, c = 5, sp = 3;
  const int64_t size = 3;
  const float alpha = 2e-2f, beta = 0.6f, bias = 1.5f;
  Tensor x = random_tensor(DataType::kFloat, {n, c, sp}, 51, -2, 2);
  std::vector<float> xv = values(x), y(xv.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t s = 0; s < sp; ++s) {
        double sq = 0;
        for (int64_t i = std::max<int64_t>(0, ch - 1); i <= std::min<int64_t>(c - 1, ch + 1); ++i)
          sq += double(xv[(b * c + i) * sp + s]) * xv[(b * c + i) * sp + s];
        y[(b * c + ch) * sp + s] = static_cast<float>(xv[(b * c + ch) * sp + s] / std::pow(bias + alpha / size * sq, beta));
      }
  OpTest("LRN", 13)
      .input("x", x)
      .attr("size", size)
      .attr("alpha", alpha)
      .attr("beta", beta)
      .attr("bias", bias)
      .output<float>("y", {n, c, sp}, y)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(LRN, SizeIsRequired) {
  OpTest("LRN", 13).input<float>("x", {1, 1, 1}, {1}).output_unchecked("y").expect_error("size");
}

TEST(LpNormalization, L1AndL2AndZeroVector) {
  OpTest("LpNormalization", 22)
      .input<float>("x", {2, 2}, {3, 4, 0, 0})
      .output<float>("y", {2, 2}, {0.6f, 0.8f, 0, 0})
      .run();
  OpTest("LpNormalization", 1)
      .input<float>("x", {2, 2}, {1, -3, 2, 2})
      .attr("axis", 0)
      .attr("p", 1)
      .output<float>("y", {2, 2}, {1 / 3.f, -0.6f, 2 / 3.f, 0.4f})
      .run();
}

TEST(LpNormalization, OnlyP1OrP2) {
  OpTest("LpNormalization", 22)
      .input<float>("x", {2}, {1, 2})
      .attr("p", 3)
      .output_unchecked("y")
      .expect_error("p must be 1 or 2, got 3");
}

TEST(MeanVarianceNormalization, DefaultAxesPerChannel) {
  // [2, 2, 1, 2]: channel 0 holds {0, 2, 4, 6}, channel 1 {1, 1, 1, 1}.
  const float s = std::sqrt(5.0f);
  OpTest("MeanVarianceNormalization", 13)
      .input<float>("x", {2, 2, 1, 2}, {0, 2, 1, 1, 4, 6, 1, 1})
      .output<float>("y", {2, 2, 1, 2}, {-3 / s, -1 / s, 0, 0, 1 / s, 3 / s, 0, 0})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(MeanVarianceNormalization, LastAxis) {
  OpTest("MeanVarianceNormalization", 9)
      .input<float>("x", {2, 2}, {1, 3, 5, 5})
      .attr("axes", std::vector<int64_t>{-1})
      .output<float>("y", {2, 2}, {-1, 1, 0, 0})
      .tolerance(1e-5, 1e-6)
      .run();
}

// ---- Dropout --------------------------------------------------------------------

TEST(Dropout, InferenceIsIdentityWithFullMask) {
  OpTest("Dropout", 13)
      .input<float>("x", {3}, {1, 2, 3})
      .output<float>("y", {3}, {1, 2, 3})
      .output("mask", make_bool_tensor({3}, {1, 1, 1}))
      .run();
  OpTest("Dropout", 7)
      .input<float>("x", {2}, {1, 2})
      .attr("ratio", 0.9f)
      .output<float>("y", {2}, {1, 2})
      .output<float>("mask", {2}, {1, 1})
      .run();
}

TEST(Dropout, TrainingWithSeedMatchesNumpy) {
  // np.random.seed(3); mask = np.random.uniform(0, 1, 10) >= 0.4; y = mask * x / 0.6
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  OpTest("Dropout", 13)
      .input<float>("x", {10}, x)
      .input<float>("ratio", {}, {0.4f})
      .input("training_mode", make_bool_tensor({}, {1}))
      .attr("seed", 3)
      .output<float>("y", {10}, {1.6666666f, 3.3333333f, 0, 6.6666665f, 8.333333f, 10, 0, 0, 0, 16.666666f})
      .output("mask", make_bool_tensor({10}, {1, 1, 0, 1, 1, 1, 0, 0, 0, 1}))
      .run();
}

TEST(Dropout, TrainingWithZeroRatioIsIdentity) {
  OpTest("Dropout", 12)
      .input<float>("x", {2}, {1, 2})
      .input<float>("ratio", {}, {0})
      .input("training_mode", make_bool_tensor({}, {1}))
      .output<float>("y", {2}, {1, 2})
      .output("mask", make_bool_tensor({2}, {1, 1}))
      .run();
}

TEST(Dropout, TrainingDropsAboutRatio) {
  std::vector<Value> out = OpTest("Dropout", 13)
                               .input<float>("x", {10000}, std::vector<float>(10000, 1.0f))
                               .input<float>("ratio", {}, {0.25f})
                               .input("training_mode", make_bool_tensor({}, {1}))
                               .output_unchecked("y")
                               .run();
  ASSERT_EQ(out.size(), 1u);
  int kept = 0;
  for (int64_t i = 0; i < 10000; ++i) {
    float v = out[0].tensor().data<float>()[i];
    ASSERT_TRUE(v == 0 || std::fabs(v - 1 / 0.75f) < 1e-6) << v;
    kept += v != 0;
  }
  EXPECT_NEAR(kept, 7500, 300);
}

TEST(Dropout, RatioMustBeBelowOne) {
  OpTest("Dropout", 13)
      .input<float>("x", {2}, {1, 2})
      .input<float>("ratio", {}, {1.0f})
      .input("training_mode", make_bool_tensor({}, {1}))
      .output_unchecked("y")
      .expect_error("ratio must be in [0, 1), got 1");
}

}  // namespace onyx::test
