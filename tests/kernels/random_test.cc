// RandomNormal, RandomUniform, their *Like forms, Bernoulli and Multinomial:
// shapes and element types, seeded draws equal to numpy's legacy
// RandomState(seed) (the ONNX reference implementation's generator; the
// expected values below were printed by numpy), unseeded runs that differ
// from run to run, the statistics of large draws, and the bad inputs.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

void expect_node_error(OpTest t, const std::string& op, const std::string& what) {
  t.expect_error(what);
  t.expect_error(op + "_node");
}

std::vector<double> values(const Value& v) {
  const Tensor& t = v.tensor();
  std::vector<double> r(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < r.size(); ++i) r[i] = t.real_at(static_cast<int64_t>(i));
  return r;
}

// Runs the model of `t` twice in one session (default kernels).
std::pair<std::vector<double>, std::vector<double>> run_twice(const OpTest& t, const std::vector<std::string>& names,
                                                              const std::vector<Value>& inputs) {
  const std::string bytes = t.model_bytes();
  auto s = Session::create(bytes.data(), bytes.size(), SessionOptions{});
  const std::vector<std::string> outs = {"y"};
  auto a = s->run(names, inputs, outs);
  auto b = s->run(names, inputs, outs);
  return {values(a[0]), values(b[0])};
}

void mean_std(const std::vector<double>& v, double* mean, double* sd) {
  double m = 0, q = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (double x : v) q += (x - m) * (x - m);
  *mean = m;
  *sd = std::sqrt(q / static_cast<double>(v.size()));
}

}  // namespace

// ---- RandomUniform / RandomNormal ---------------------------------------------------------

TEST(RandomUniform, SeededDrawsMatchNumpy) {
  // numpy.random.RandomState(5).random_sample(6)
  OpTest("RandomUniform", 22)
      .attr("shape", std::vector<int64_t>{2, 3})
      .attr("seed", 5.0f)
      .output<float>("y", {2, 3}, {0.22199318f, 0.8707323f, 0.20671916f, 0.91861093f, 0.4884112f, 0.61174387f})
      .run();
  // Scaled to [low, high) = [-1, 3): u * 4 - 1.
  OpTest("RandomUniform", 22)
      .attr("shape", std::vector<int64_t>{6})
      .attr("seed", 5.0f)
      .attr("low", -1.0f)
      .attr("high", 3.0f)
      .output<float>("y", {6}, {-0.11202732f, 2.4829292f, -0.17312337f, 2.6744437f, 0.95364475f, 1.4469755f})
      .tolerance(1e-6, 1e-6)
      .run();
}

TEST(RandomNormal, SeededDrawsMatchNumpy) {
  // numpy.random.RandomState(5).standard_normal(6) * 2 + 1
  OpTest("RandomNormal", 22)
      .attr("shape", std::vector<int64_t>{6})
      .attr("seed", 5.0f)
      .attr("mean", 1.0f)
      .attr("scale", 2.0f)
      .output<float>("y", {6}, {1.882455f, 0.3382597f, 5.861542f, 0.49581575f, 1.2192197f, 4.1649623f})
      .tolerance(1e-6, 1e-6)
      .run();
}

TEST(RandomNormal, DtypeAttribute) {
  for (DataType dt : {DataType::kDouble, DataType::kFloat16, DataType::kBFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    auto out = OpTest("RandomNormal", 22)
                   .attr("shape", std::vector<int64_t>{3, 1})
                   .attr("seed", 1.0f)
                   .attr("dtype", static_cast<int64_t>(dt))
                   .output_unchecked("y")
                   .run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].tensor().dtype(), dt);
    EXPECT_EQ(out[0].tensor().shape(), (Shape{3, 1}));
  }
}

TEST(RandomUniform, ZeroSizeAndScalarShapes) {
  OpTest("RandomUniform", 22).attr("shape", std::vector<int64_t>{2, 0}).attr("seed", 1.0f).output<float>("y", {2, 0}, {}).run();
  auto out = OpTest("RandomUniform", 22)
                 .attr("shape", std::vector<int64_t>{})
                 .attr("seed", 5.0f)
                 .output<float>("y", {}, {0.22199318f})
                 .run();
}

TEST(RandomUniform, UnseededRunsDiffer) {
  // Without a seed every run draws afresh (the op must not be folded into a constant).
  OpTest t("RandomUniform", 22);
  t.attr("shape", std::vector<int64_t>{16}).output_unchecked("y");
  auto [a, b] = run_twice(t, {}, {});
  EXPECT_NE(a, b);
  for (double x : a) {
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
  }
}

TEST(RandomUniform, SeededRunsRepeat) {
  OpTest t("RandomUniform", 22);
  t.attr("shape", std::vector<int64_t>{8}).attr("seed", 3.0f).output_unchecked("y");
  auto [a, b] = run_twice(t, {}, {});
  EXPECT_EQ(a, b);
}

TEST(RandomNormal, StatisticsOfALargeDraw) {
  auto out = OpTest("RandomNormal", 22)
                 .attr("shape", std::vector<int64_t>{40000})
                 .attr("mean", -3.0f)
                 .attr("scale", 0.5f)
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  double m, sd;
  mean_std(values(out[0]), &m, &sd);
  EXPECT_NEAR(m, -3.0, 0.02);  // standard error 0.0025
  EXPECT_NEAR(sd, 0.5, 0.02);
}

TEST(RandomUniform, StatisticsOfALargeDraw) {
  auto out = OpTest("RandomUniform", 22)
                 .attr("shape", std::vector<int64_t>{40000})
                 .attr("low", 2.0f)
                 .attr("high", 6.0f)
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  const std::vector<double> v = values(out[0]);
  double m, sd;
  mean_std(v, &m, &sd);
  EXPECT_NEAR(m, 4.0, 0.05);
  EXPECT_NEAR(sd, 4.0 / std::sqrt(12.0), 0.05);
  for (double x : v) {
    ASSERT_GE(x, 2.0);
    ASSERT_LT(x, 6.0);
  }
}

TEST(RandomUniform, RoundingNeverReachesHigh) {
  // float16 spacing at 2048 is 2: a scaled draw of 1 or more rounds the sum up
  // to 2050 = high, which the half-open range [low, high) excludes.
  auto out = OpTest("RandomUniform", 22)
                 .attr("shape", std::vector<int64_t>{256})
                 .attr("low", 2048.0f)
                 .attr("high", 2050.0f)
                 .attr("dtype", int64_t{10})
                 .attr("seed", 3.0f)
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  for (double x : values(out[0])) {
    ASSERT_GE(x, 2048.0);
    ASSERT_LT(x, 2050.0);
  }
}

TEST(RandomUniformLike, TakesShapeAndTypeOfInput) {
  // The input's values are not read (NaN and inf are fine).
  OpTest("RandomUniformLike", 22)
      .input<double>("x", {2, 3}, {kNaN, kInf, 0, 0, 0, 0})
      .attr("seed", 5.0f)
      .output<double>("y", {2, 3}, {0.22199317108973948, 0.8707323061773764, 0.20671915533942642, 0.9186109079379216,
                                    0.48841118879482914, 0.6117438629026457})
      .tolerance(1e-12, 0)
      .run();
  // dtype overrides the input's type; an integer input needs it.
  auto out = OpTest("RandomNormalLike", 22)
                 .input<int32_t>("x", {4}, {1, 2, 3, 4})
                 .attr("dtype", static_cast<int64_t>(DataType::kFloat))
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tensor().dtype(), DataType::kFloat);
  EXPECT_EQ(out[0].tensor().shape(), (Shape{4}));
  OpTest("RandomNormalLike", 22).input<float>("x", {0, 5}, {}).output<float>("y", {0, 5}, {}).run();
}

TEST(RandomOps, RejectBadAttributes) {
  expect_node_error(OpTest("RandomUniformLike", 22).input<int32_t>("x", {2}, {1, 2}).output_unchecked("y"),
                    "RandomUniformLike", "a 'dtype' attribute naming a float type is needed");
  expect_node_error(OpTest("RandomNormal", 22)
                        .attr("shape", std::vector<int64_t>{2})
                        .attr("dtype", static_cast<int64_t>(DataType::kInt32))
                        .output_unchecked("y"),
                    "RandomNormal", "attribute 'dtype' is 6, expected float16, float, double or bfloat16");
  expect_node_error(OpTest("RandomUniform", 22).attr("shape", std::vector<int64_t>{2, -1}).output_unchecked("y"),
                    "RandomUniform", "attribute 'shape' has a negative dim -1");
  expect_node_error(OpTest("RandomUniform", 22).output_unchecked("y"), "RandomUniform", "shape");
  expect_node_error(OpTest("RandomUniform", 22)
                        .attr("shape", std::vector<int64_t>{1 << 30, 1 << 30, 1 << 30})
                        .output_unchecked("y"),
                    "RandomUniform", "has more than 2^62 elements");
  expect_node_error(OpTest("RandomUniform", 22)
                        .attr("shape", std::vector<int64_t>{2})
                        .attr("seed", kInf)
                        .output_unchecked("y"),
                    "RandomUniform", "attribute 'seed' must be finite");
}

// ---- Bernoulli -------------------------------------------------------------------------------

TEST(Bernoulli, SeededDrawsMatchNumpy) {
  // numpy.random.RandomState(7).binomial(1, p)
  OpTest("Bernoulli", 22)
      .input<float>("x", {6}, {0.1f, 0.5f, 0.9f, 0.3f, 0.7f, 0.5f})
      .attr("seed", 7.0f)
      .output<float>("y", {6}, {0, 1, 1, 1, 0, 1})
      .run();
}

TEST(Bernoulli, CertainProbabilitiesAndOutputTypes) {
  OpTest("Bernoulli", 15)
      .input<double>("x", {2, 2}, {0, 1, 1, 0})
      .output<double>("y", {2, 2}, {0, 1, 1, 0})
      .run();
  OpTest("Bernoulli", 15)
      .input<float>("x", {3}, {1, 0, 1})
      .attr("dtype", static_cast<int64_t>(DataType::kBool))
      .output("y", make_bool_tensor({3}, {1, 0, 1}))
      .run();
  OpTest("Bernoulli", 15)
      .input<float>("x", {3}, {1, 0, 1})
      .attr("dtype", static_cast<int64_t>(DataType::kInt64))
      .output<int64_t>("y", {3}, {1, 0, 1})
      .run();
  OpTest("Bernoulli", 15).input<float>("x", {0}, {}).output<float>("y", {0}, {}).run();
}

TEST(Bernoulli, MeanOfALargeDraw) {
  auto out = OpTest("Bernoulli", 15)
                 .input("x", make_tensor<float>({20000}, std::vector<float>(20000, 0.3f)))
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  double m, sd;
  mean_std(values(out[0]), &m, &sd);
  EXPECT_NEAR(m, 0.3, 0.02);  // standard error 0.0032
}

TEST(Bernoulli, RejectsProbabilitiesOutsideUnitInterval) {
  expect_node_error(OpTest("Bernoulli", 15).input<float>("x", {3}, {0.5f, 1.5f, 0}).output_unchecked("y"), "Bernoulli",
                    "probability 1.5 at index 1 is outside [0, 1]");
  expect_node_error(OpTest("Bernoulli", 15).input<float>("x", {2}, {0.5f, kNaN}).output_unchecked("y"), "Bernoulli",
                    "at index 1 is outside [0, 1]");
  expect_node_error(OpTest("Bernoulli", 15).input<float>("x", {1}, {-0.1f}).output_unchecked("y"), "Bernoulli",
                    "outside [0, 1]");
  expect_node_error(OpTest("Bernoulli", 15)
                        .input<float>("x", {1}, {0.5f})
                        .attr("dtype", static_cast<int64_t>(DataType::kString))
                        .output_unchecked("y"),
                    "Bernoulli", "expected a number type or bool");
}

// ---- Multinomial -------------------------------------------------------------------------------

TEST(Multinomial, SeededDrawsLocateUniformsInTheCdf) {
  // RandomState(3).random_sample(4) = 0.5508, 0.7081, 0.2909, 0.5108.
  // Probabilities (0.2, 0.3, 0.5): cdf (0.2, 0.5, 1) -> classes 2, 2, 1, 2.
  OpTest("Multinomial", 22)
      .input<float>("x", {1, 3}, {std::log(0.2f), std::log(0.3f), std::log(0.5f)})
      .attr("seed", 3.0f)
      .attr("sample_size", 4)
      .output<int32_t>("y", {1, 4}, {2, 2, 1, 2})
      .run();
  // Large logits do not overflow: (1000, 1000 + log 1.5, 1000 + log 2.5) is the same distribution.
  OpTest("Multinomial", 22)
      .input<double>("x", {1, 3}, {1000, 1000 + std::log(1.5), 1000 + std::log(2.5)})
      .attr("seed", 3.0f)
      .attr("sample_size", 4)
      .attr("dtype", static_cast<int64_t>(DataType::kInt64))
      .output<int64_t>("y", {1, 4}, {2, 2, 1, 2})
      .run();
}

TEST(Multinomial, NegativeInfinityIsNeverDrawn) {
  // Logits (0, -inf, 0): cdf (1, 1, 2); u * 2 = 1.10, 1.42, 0.58, 1.02 -> 2, 2, 0, 2.
  OpTest("Multinomial", 22)
      .input<float>("x", {1, 3}, {0, -kInf, 0})
      .attr("seed", 3.0f)
      .attr("sample_size", 4)
      .output<int32_t>("y", {1, 4}, {2, 2, 0, 2})
      .run();
  auto out = OpTest("Multinomial", 22)
                 .input<float>("x", {2, 4}, {-kInf, -kInf, 5, -kInf, -kInf, 0, -kInf, -kInf})
                 .attr("sample_size", 50)
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(out[0].tensor().data<int32_t>()[i], i < 50 ? 2 : 1) << i;
}

TEST(Multinomial, PositiveInfinityTakesAllTheMass) {
  // softmax(0, inf, 0, inf) = (0, .5, 0, .5): only classes 1 and 3, never NaN.
  auto out = OpTest("Multinomial", 22)
                 .input<float>("x", {1, 4}, {0, kInf, 0, kInf})
                 .attr("sample_size", 200)
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  int ones = 0;
  for (int i = 0; i < 200; ++i) {
    const int32_t c = out[0].tensor().data<int32_t>()[i];
    ASSERT_TRUE(c == 1 || c == 3) << i << ": " << c;
    ones += c == 1;
  }
  EXPECT_GT(ones, 50);
  EXPECT_LT(ones, 150);
}

TEST(Multinomial, FrequenciesOfALargeDraw) {
  auto out = OpTest("Multinomial", 22)
                 .input<float>("x", {1, 2}, {0, std::log(3.0f)})
                 .attr("sample_size", 20000)
                 .output_unchecked("y")
                 .run();
  ASSERT_EQ(out.size(), 1u);
  double ones = 0;
  for (int i = 0; i < 20000; ++i) ones += out[0].tensor().data<int32_t>()[i];
  EXPECT_NEAR(ones / 20000, 0.75, 0.02);
}

TEST(Multinomial, EmptyBatchAndZeroSamples) {
  OpTest("Multinomial", 22).input<float>("x", {0, 3}, {}).attr("sample_size", 2).output<int32_t>("y", {0, 2}, {}).run();
  OpTest("Multinomial", 22).input<float>("x", {2, 3}, {0, 0, 0, 0, 0, 0}).attr("sample_size", 0).output<int32_t>("y", {2, 0}, {}).run();
}

TEST(Multinomial, RejectsBadInputs) {
  expect_node_error(OpTest("Multinomial", 22).input<float>("x", {1, 2}, {kNaN, 0}).output_unchecked("y"), "Multinomial",
                    "row 0 holds NaN");
  expect_node_error(OpTest("Multinomial", 22).input<float>("x", {2, 2}, {0, 0, -kInf, -kInf}).output_unchecked("y"),
                    "Multinomial", "row 1 has every log probability -inf");
  expect_node_error(OpTest("Multinomial", 22).input<float>("x", {3}, {0, 0, 0}).output_unchecked("y"), "Multinomial",
                    "must be 2-D");
  expect_node_error(OpTest("Multinomial", 22).input<float>("x", {2, 0}, {}).output_unchecked("y"), "Multinomial",
                    "cannot sample from zero classes");
  expect_node_error(OpTest("Multinomial", 22)
                        .input<float>("x", {1, 2}, {0, 0})
                        .attr("dtype", static_cast<int64_t>(DataType::kFloat))
                        .output_unchecked("y"),
                    "Multinomial", "attribute 'dtype' must be int32 (6) or int64 (7), got 1");
  expect_node_error(OpTest("Multinomial", 22).input<float>("x", {1, 2}, {0, 0}).attr("sample_size", -1).output_unchecked("y"),
                    "Multinomial", "sample_size must not be negative");
}

}  // namespace onyx::test
