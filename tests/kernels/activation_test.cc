// Activations: each checked against its formula evaluated here in double, at
// ordinary points and at the extremes where naive formulas overflow, in every
// float type; attributes, legacy opsets and bad inputs.
#include <cmath>
#include <functional>
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

const std::vector<float> kPoints = {-1000.0f, -20.0f, -3.0f, -1.0f, -0.25f, 0.0f, 0.25f, 1.0f, 3.0f, 20.0f, 1000.0f};

std::vector<float> apply(const std::vector<float>& x, const std::function<double(double)>& f) {
  std::vector<float> y;
  for (float v : x) y.push_back(static_cast<float>(f(v)));
  return y;
}

// Runs `op` on kPoints in float32 and on a few points in float16/bfloat16/double.
void check_activation(const std::string& op, int opset, const std::function<double(double)>& f,
                      const std::function<void(OpTest&)>& attrs = {}) {
  {
    OpTest t(op, opset);
    t.input<float>("X", {static_cast<int64_t>(kPoints.size())}, kPoints)
        .output<float>("Y", {static_cast<int64_t>(kPoints.size())}, apply(kPoints, f));
    if (attrs) attrs(t);
    SCOPED_TRACE(op + " float32");
    t.run();
  }
  const std::vector<float> small = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f};
  {
    OpTest t(op, opset);
    std::vector<double> xd(small.begin(), small.end()), yd;
    for (double v : xd) yd.push_back(f(v));
    t.input<double>("X", {5}, xd).output<double>("Y", {5}, yd).tolerance(1e-6, 1e-7);
    if (attrs) attrs(t);
    SCOPED_TRACE(op + " float64");
    t.run();
  }
  {
    Tensor x(DataType::kFloat16, {5}), y(DataType::kFloat16, {5});
    for (int i = 0; i < 5; ++i) {
      x.data<Float16>()[i] = Float16(small[i]);
      y.data<Float16>()[i] = Float16(static_cast<float>(f(small[i])));
    }
    OpTest t(op, opset);
    t.input("X", x).output("Y", y).tolerance(2e-3, 2e-3);
    if (attrs) attrs(t);
    SCOPED_TRACE(op + " float16");
    t.run();
  }
  {
    Tensor x(DataType::kBFloat16, {5}), y(DataType::kBFloat16, {5});
    for (int i = 0; i < 5; ++i) {
      x.data<BFloat16>()[i] = BFloat16(small[i]);
      y.data<BFloat16>()[i] = BFloat16(static_cast<float>(f(small[i])));
    }
    OpTest t(op, opset);
    t.input("X", x).output("Y", y).tolerance(1e-2, 1e-2);
    if (attrs) attrs(t);
    SCOPED_TRACE(op + " bfloat16");
    t.run();
  }
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus(double x) { return x > 30 ? x : std::log1p(std::exp(x)); }

}  // namespace

TEST(Activation, Sigmoid) { check_activation("Sigmoid", 13, sigmoid); }
TEST(Activation, Tanh) { check_activation("Tanh", 13, [](double x) { return std::tanh(x); }); }

TEST(Activation, HardSigmoid) {
  check_activation("HardSigmoid", 22, [](double x) { return std::clamp(0.2 * x + 0.5, 0.0, 1.0); });
  check_activation("HardSigmoid", 6, [](double x) { return std::clamp(double(0.5f) * x + double(0.25f), 0.0, 1.0); },
                   [](OpTest& t) { t.attr("alpha", 0.5f).attr("beta", 0.25f); });
}

TEST(Activation, HardSwish) {
  check_activation("HardSwish", 14, [](double x) { return x * std::clamp(x / 6 + 0.5, 0.0, 1.0); });
}

TEST(Activation, LeakyRelu) {
  check_activation("LeakyRelu", 16, [](double x) { return x < 0 ? double(0.01f) * x : x; });
  check_activation("LeakyRelu", 6, [](double x) { return x < 0 ? 0.5 * x : x; },
                   [](OpTest& t) { t.attr("alpha", 0.5f); });
}

TEST(Activation, Elu) {
  check_activation("Elu", 6, [](double x) { return x < 0 ? std::expm1(x) : x; });
  check_activation("Elu", 22, [](double x) { return x < 0 ? 2 * std::expm1(x) : x; },
                   [](OpTest& t) { t.attr("alpha", 2.0f); });
}

TEST(Activation, Selu) {
  const double a = 1.67326319217681884765625, g = 1.05070102214813232421875;
  check_activation("Selu", 6, [=](double x) { return x > 0 ? g * x : g * a * std::expm1(x); });
  check_activation("Selu", 22, [](double x) { return x > 0 ? 3 * x : 3 * 2 * std::expm1(x); },
                   [](OpTest& t) { t.attr("alpha", 2.0f).attr("gamma", 3.0f); });
}

TEST(Activation, Celu) {
  check_activation("Celu", 12, [](double x) { return std::max(0.0, x) + std::min(0.0, std::expm1(x)); });
  check_activation("Celu", 12, [](double x) { return std::max(0.0, x) + std::min(0.0, 2 * std::expm1(x / 2)); },
                   [](OpTest& t) { t.attr("alpha", 2.0f); });
}

TEST(Activation, CeluZeroAlphaIsRejected) {
  OpTest("Celu", 12).input<float>("X", {1}, {1}).attr("alpha", 0.0f).output_unchecked("Y")
      .expect_error("must not be 0");
}

TEST(Activation, SoftplusDoesNotOverflow) { check_activation("Softplus", 22, softplus); }
TEST(Activation, Softsign) { check_activation("Softsign", 22, [](double x) { return x / (1 + std::fabs(x)); }); }

TEST(Activation, ThresholdedRelu) {
  check_activation("ThresholdedRelu", 10, [](double x) { return x > 1 ? x : 0; });
  check_activation("ThresholdedRelu", 22, [](double x) { return x > -0.5 ? x : 0; },
                   [](OpTest& t) { t.attr("alpha", -0.5f); });
}

TEST(Activation, GeluExactAndTanh) {
  check_activation("Gelu", 20, [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); });
  check_activation("Gelu", 20, [](double x) {
    return 0.5 * x * (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
  }, [](OpTest& t) { t.attr("approximate", "tanh"); });
}

TEST(Activation, GeluBadApproximate) {
  OpTest("Gelu", 20).input<float>("X", {1}, {1}).attr("approximate", "fast").output_unchecked("Y")
      .expect_error("expected 'none' or 'tanh'");
}

TEST(Activation, Mish) { check_activation("Mish", 22, [](double x) { return x * std::tanh(softplus(x)); }); }

TEST(Activation, Swish) {
  check_activation("Swish", 24, [](double x) { return x * sigmoid(x); });
  check_activation("Swish", 24, [](double x) { return x * sigmoid(1.702 * x); },
                   [](OpTest& t) { t.attr("alpha", 1.702f); });
}

TEST(Activation, NaNAndInfPassThrough) {
  OpTest("Sigmoid", 13).input<float>("X", {3}, {kNaN, kInf, -kInf}).output<float>("Y", {3}, {kNaN, 1, 0}).run();
  OpTest("Softplus", 22).input<float>("X", {3}, {kNaN, kInf, -kInf}).output<float>("Y", {3}, {kNaN, kInf, 0}).run();
  OpTest("Tanh", 13).input<float>("X", {2}, {kInf, -kInf}).output<float>("Y", {2}, {1, -1}).run();
}

TEST(Activation, EmptyTensor) {
  OpTest("Elu", 22).input<float>("X", {0, 4}, {}).output<float>("Y", {0, 4}, {}).run();
}

TEST(Activation, RejectsIntegers) {
  OpTest("Sigmoid", 13).input<int32_t>("X", {1}, {1}).output_unchecked("Y").expect_error("no kernel for input types");
}

// ---- Shrink --------------------------------------------------------------------------

TEST(ActivationShrink, FloatDefaultsAndAttributes) {
  OpTest("Shrink", 9).input<float>("X", {5}, {-1, -0.5f, 0, 0.5f, 1})
      .output<float>("Y", {5}, {-1, 0, 0, 0, 1}).run();
  OpTest("Shrink", 9).input<float>("X", {5}, {-2, -1, 0, 1, 2}).attr("lambd", 1.5f).attr("bias", 1.5f)
      .output<float>("Y", {5}, {-0.5f, 0, 0, 0, 0.5f}).run();
}

TEST(ActivationShrink, Integers) {
  OpTest("Shrink", 9).input<int8_t>("X", {5}, {-128, -3, 0, 3, 127}).attr("lambd", 2.0f).attr("bias", 1.0f)
      .output<int8_t>("Y", {5}, {-127, -2, 0, 2, 126}).run();
  OpTest("Shrink", 9).input<uint8_t>("X", {3}, {0, 1, 255}).attr("lambd", 0.5f).attr("bias", 0.5f)
      .output<uint8_t>("Y", {3}, {0, 0, 254}).run();
}

// ---- PRelu ---------------------------------------------------------------------------

TEST(ActivationPRelu, NumpyBroadcastOfSlope) {
  OpTest("PRelu", 16)
      .input<float>("X", {2, 3}, {-1, -2, 3, -4, 5, -6})
      .input<float>("slope", {3}, {0.5f, 1, 2})
      .output<float>("Y", {2, 3}, {-0.5f, -2, 3, -2, 5, -12})
      .run();
  OpTest("PRelu", 16)
      .input<float>("X", {2, 2}, {-1, -1, -1, 1})
      .input<float>("slope", {2, 1}, {2, 3})
      .output<float>("Y", {2, 2}, {-2, -2, -3, 1})
      .run();
}

TEST(ActivationPRelu, LegacyPerChannelSlope) {
  // Opset 6: a [C] slope applies along axis 1 of [N, C, H].
  OpTest("PRelu", 6)
      .input<float>("X", {1, 2, 3}, {-1, -1, 1, -1, -1, 1})
      .input<float>("slope", {2}, {2, 3})
      .output<float>("Y", {1, 2, 3}, {-2, -2, 1, -3, -3, 1})
      .run();
  OpTest("PRelu", 6)
      .input<float>("X", {2, 2}, {-1, 2, -3, 4})
      .input<float>("slope", {1}, {0.5f})
      .output<float>("Y", {2, 2}, {-0.5f, 2, -1.5f, 4})
      .run();
}

TEST(ActivationPRelu, IntegersAndFloat16) {
  OpTest("PRelu", 16).input<int32_t>("X", {3}, {-3, 0, 3}).input<int32_t>("slope", {}, {2})
      .output<int32_t>("Y", {3}, {-6, 0, 3}).run();
  OpTest("PRelu", 16).input<uint64_t>("X", {2}, {1, 2}).input<uint64_t>("slope", {}, {7})
      .output<uint64_t>("Y", {2}, {1, 2}).run();
  Tensor x(DataType::kFloat16, {2}), s(DataType::kFloat16, {1}), y(DataType::kFloat16, {2});
  x.data<Float16>()[0] = Float16(-2.0f);
  x.data<Float16>()[1] = Float16(2.0f);
  s.data<Float16>()[0] = Float16(0.25f);
  y.data<Float16>()[0] = Float16(-0.5f);
  y.data<Float16>()[1] = Float16(2.0f);
  OpTest("PRelu", 16).input("X", x).input("slope", s).output("Y", y).run();
}

TEST(ActivationPRelu, SlopeThatWouldGrowTheOutputIsAnError) {
  OpTest("PRelu", 16).input<float>("X", {3}, {1, 2, 3}).input<float>("slope", {2, 3}, {1, 1, 1, 1, 1, 1})
      .output_unchecked("Y").expect_error("does not broadcast to the input shape");
}

// ---- SwiGLU ---------------------------------------------------------------------------

TEST(ActivationSwiGLU, DefaultAndAlpha) {
  std::vector<float> a = {-2, -0.5f, 0, 1, 3, 100};
  std::vector<float> b = {1, 2, 3, -1, 0.5f, 2};
  std::vector<float> y1, y2;
  for (size_t i = 0; i < a.size(); ++i) {
    y1.push_back(static_cast<float>(a[i] * sigmoid(a[i]) * b[i]));
    y2.push_back(static_cast<float>(a[i] * sigmoid(0.5 * a[i]) * b[i]));
  }
  OpTest("SwiGLU", 28).input<float>("A", {2, 3}, a).input<float>("B", {2, 3}, b).output<float>("Y", {2, 3}, y1).run();
  OpTest("SwiGLU", 28).input<float>("A", {2, 3}, a).input<float>("B", {2, 3}, b).attr("alpha", 0.5f)
      .output<float>("Y", {2, 3}, y2).run();
}

TEST(ActivationSwiGLU, ShapesMustMatch) {
  OpTest("SwiGLU", 28).input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6}).input<float>("B", {3}, {1, 2, 3})
      .output_unchecked("Y").expect_error("must have the same shape");
}

TEST(ActivationSwiGLU, NotBeforeOpset28) {
  OpTest("SwiGLU", 27).input<float>("A", {1}, {1}).input<float>("B", {1}, {1}).output_unchecked("Y")
      .expect_error("not implemented at opset 27");
}

// ---- Relu (existing kernel; integer types from opset 14) ---------------------------------

TEST(ActivationRelu, IntegersAndNaN) {
  OpTest("Relu", 14).input<int8_t>("X", {3}, {-128, 0, 127}).output<int8_t>("Y", {3}, {0, 0, 127}).run();
  OpTest("Relu", 14).input<float>("X", {3}, {-kInf, kNaN, 2}).output<float>("Y", {3}, {0, kNaN, 2}).run();
}

}  // namespace onyx::test
