// The ai.onnx.preview.training optimizers: Adagrad, Adam, Momentum (standard
// and Nesterov). Expected values are worked by hand from the spec's update
// rules (comments), for one and for several optimized tensors.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr const char* kDomain = "ai.onnx.preview.training";

void expect_node_error(OpTest t, const std::string& op, const std::string& what) {
  t.expect_error(what);
  t.expect_error(op + "_node");
}

}  // namespace

// ---- Adagrad -----------------------------------------------------------------------------

TEST(Adagrad, DecayedRateAndRegularization) {
  // r = 0.1 / (1 + 1 * 0.5) = 1/15; g = 0.5 * 2 + 1 = 2; h' = 5 + 4 = 9;
  // x' = 2 - (1/15) * 2 / 3 = 1.95555...
  OpTest("Adagrad", 1, kDomain)
      .input<float>("R", {}, {0.1f})
      .input<int64_t>("T", {}, {1})
      .input<float>("X", {1}, {2})
      .input<float>("G", {1}, {1})
      .input<float>("H", {1}, {5})
      .attr("decay_factor", 0.5f)
      .attr("norm_coefficient", 0.5f)
      .output<float>("X_new", {1}, {2.0f - 2.0f / 45.0f})
      .output<float>("H_new", {1}, {9})
      .run();
}

TEST(Adagrad, EpsilonKeepsZeroHistoryFinite) {
  // g = 0, h = 0: x' = x - r * 0 / (0 + eps) = x.
  OpTest("Adagrad", 1, kDomain)
      .input<double>("R", {}, {1})
      .input<int64_t>("T", {}, {0})
      .input<double>("X", {2}, {3, -4})
      .input<double>("G", {2}, {0, 1})
      .input<double>("H", {2}, {0, 0})
      .attr("epsilon", 1e-6f)
      .output<double>("X_new", {2}, {3, -4 - 1.0 / (1 + 1e-6)})
      .output<double>("H_new", {2}, {0, 1})
      .tolerance(1e-7, 0)
      .run();
}

TEST(Adagrad, TwoTensorsAndEmptyOne) {
  // Inputs R, T, X1, X2, G1, G2, H1, H2; outputs X1', X2', H1', H2'.
  // X1 = 1, G1 = 3, H1 = 0: h' = 9, x' = 1 - 1 * 3 / 3 = 0.  X2 is empty.
  OpTest("Adagrad", 1, kDomain)
      .input<float>("R", {}, {1})
      .input<int64_t>("T", {}, {0})
      .input<float>("X1", {1}, {1})
      .input<float>("X2", {0, 2}, {})
      .input<float>("G1", {1}, {3})
      .input<float>("G2", {0, 2}, {})
      .input<float>("H1", {1}, {0})
      .input<float>("H2", {0, 2}, {})
      .output<float>("X1_new", {1}, {0})
      .output<float>("X2_new", {0, 2}, {})
      .output<float>("H1_new", {1}, {9})
      .output<float>("H2_new", {0, 2}, {})
      .run();
}

// ---- Adam ----------------------------------------------------------------------------------

TEST(Adam, BiasCorrectedStepAndPostRegularization) {
  // alpha 0.5, beta 0.75, R 0.2; x = 1, g = 2, v = h = 0:
  //   v' = 1, h' = 0.25 * 4 = 1.
  //   T = 1: r = 0.2 * sqrt(0.25) / 0.5 = 0.2;  x' = 0.9 * (1 - 0.2) = 0.72.
  //   T = 2: r = 0.2 * sqrt(0.4375) / 0.75;      x' = 0.9 * (1 - r).
  const double r2 = 0.2 * std::sqrt(0.4375) / 0.75;
  for (int64_t t : {1, 2}) {
    SCOPED_TRACE(t);
    OpTest("Adam", 1, kDomain)
        .input<float>("R", {}, {0.2f})
        .input<int64_t>("T", {}, {t})
        .input<float>("X", {1}, {1})
        .input<float>("G", {1}, {2})
        .input<float>("V", {1}, {0})
        .input<float>("H", {1}, {0})
        .attr("alpha", 0.5f)
        .attr("beta", 0.75f)
        .attr("norm_coefficient_post", 0.1f)
        .output<float>("X_new", {1}, {t == 1 ? 0.72f : static_cast<float>(0.9 * (1 - r2))})
        .output<float>("V_new", {1}, {1})
        .output<float>("H_new", {1}, {1})
        .tolerance(1e-6, 1e-7)
        .run();
  }
}

TEST(Adam, IterationZeroUsesTheRawRate) {
  // T = 0: r = R. Defaults alpha 0.9, beta 0.999 (float attributes, so taken as
  // the floats nearest them); norm_coefficient 1 adds x to g:
  //   g = 1 * 2 + 0 = 2; v' = (1 - alpha) * 2; h' = (1 - beta) * 4; x' = 2 - 0.5 * v' / sqrt(h').
  const double alpha = 0.9f, beta = 0.999f;
  const double v = (1 - alpha) * 2, h = (1 - beta) * 4;
  OpTest("Adam", 1, kDomain)
      .input<double>("R", {}, {0.5})
      .input<int64_t>("T", {}, {0})
      .input<double>("X", {1}, {2})
      .input<double>("G", {1}, {0})
      .input<double>("V", {1}, {0})
      .input<double>("H", {1}, {0})
      .attr("norm_coefficient", 1.0f)
      .output<double>("X_new", {1}, {2 - 0.5 * v / std::sqrt(h)})
      .output<double>("V_new", {1}, {v})
      .output<double>("H_new", {1}, {h})
      .tolerance(1e-9, 0)
      .run();
}

// ---- Momentum ------------------------------------------------------------------------------

TEST(Momentum, StandardAndNesterov) {
  // alpha 0.9, beta 0.5, R 0.1; x = 1, g = 2, v = 1.
  //   standard, T = 1: v' = 0.9 + 0.5 * 2 = 1.9, x' = 1 - 0.19 = 0.81.
  //   standard, T = 0: beta is taken as 1: v' = 2.9, x' = 0.71.
  //   nesterov, T = 1: v' = 1.9, x' = 1 - 0.1 * (2 + 0.9 * 1.9) = 0.629.
  struct Case {
    const char* mode;
    int64_t t;
    float x, v;
  };
  for (const Case& c : {Case{"standard", 1, 0.81f, 1.9f}, Case{"standard", 0, 0.71f, 2.9f}, Case{"nesterov", 1, 0.629f, 1.9f}}) {
    SCOPED_TRACE(std::string(c.mode) + std::to_string(c.t));
    OpTest("Momentum", 1, kDomain)
        .input<float>("R", {}, {0.1f})
        .input<int64_t>("T", {}, {c.t})
        .input<float>("X", {1}, {1})
        .input<float>("G", {1}, {2})
        .input<float>("V", {1}, {1})
        .attr("alpha", 0.9f)
        .attr("beta", 0.5f)
        .attr("norm_coefficient", 0.0f)
        .attr("mode", c.mode)
        .output<float>("X_new", {1}, {c.x})
        .output<float>("V_new", {1}, {c.v})
        .tolerance(1e-6, 1e-7)
        .run();
  }
}

TEST(Momentum, TwoTensorsOfDifferentShapes) {
  // alpha 0, beta 1, norm 0.5, R 1: v' = g + 0.5 x, x' = x - v'.
  OpTest("Momentum", 1, kDomain)
      .input<float>("R", {}, {1})
      .input<int64_t>("T", {}, {3})
      .input<float>("X1", {2}, {2, 4})
      .input<float>("X2", {1, 1}, {-2})
      .input<float>("G1", {2}, {1, 1})
      .input<float>("G2", {1, 1}, {0})
      .input<float>("V1", {2}, {9, 9})
      .input<float>("V2", {1, 1}, {9})
      .attr("alpha", 0.0f)
      .attr("beta", 1.0f)
      .attr("norm_coefficient", 0.5f)
      .attr("mode", "standard")
      .output<float>("X1_new", {2}, {0, 1})
      .output<float>("X2_new", {1, 1}, {-1})
      .output<float>("V1_new", {2}, {2, 3})
      .output<float>("V2_new", {1, 1}, {-1})
      .run();
}

TEST(Momentum, NaNGradientPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  OpTest("Momentum", 1, kDomain)
      .input<float>("R", {}, {0.1f})
      .input<int64_t>("T", {}, {1})
      .input<float>("X", {2}, {1, 1})
      .input<float>("G", {2}, {nan, 0})
      .input<float>("V", {2}, {0, 0})
      .attr("alpha", 0.9f)
      .attr("beta", 1.0f)
      .attr("norm_coefficient", 0.0f)
      .attr("mode", "standard")
      .output<float>("X_new", {2}, {nan, 1})
      .output<float>("V_new", {2}, {nan, 0})
      .run();
}

// ---- errors --------------------------------------------------------------------------------

TEST(Optimizers, RejectBadInputs) {
  // Adagrad needs X, G, H per tensor: 2 + 2 inputs is not a whole set.
  expect_node_error(OpTest("Adagrad", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int64_t>("T", {}, {0})
                        .input<float>("X", {1}, {1})
                        .input<float>("G", {1}, {1})
                        .output_unchecked("X_new"),
                    "Adagrad", "expected R, T and 3 inputs per optimized tensor, got 4 inputs");
  expect_node_error(OpTest("Adagrad", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int64_t>("T", {}, {0})
                        .input<float>("X", {2}, {1, 2})
                        .input<float>("G", {3}, {1, 2, 3})
                        .input<float>("H", {2}, {0, 0})
                        .output_unchecked("X_new"),
                    "Adagrad", "input 3 has shape [3] but the tensor it belongs to (input 2) has [2]");
  expect_node_error(OpTest("Adagrad", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int32_t>("T", {}, {0})
                        .input<float>("X", {1}, {1})
                        .input<float>("G", {1}, {1})
                        .input<float>("H", {1}, {0})
                        .output_unchecked("X_new"),
                    "Adagrad", "T must be an int64 scalar");
  expect_node_error(OpTest("Adagrad", 1, kDomain)
                        .input<float>("R", {2}, {0.1f, 0.2f})
                        .input<int64_t>("T", {}, {0})
                        .input<float>("X", {1}, {1})
                        .input<float>("G", {1}, {1})
                        .input<float>("H", {1}, {0})
                        .output_unchecked("X_new"),
                    "Adagrad", "R must be a float scalar");
  expect_node_error(OpTest("Adagrad", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int64_t>("T", {}, {0})
                        .input<int32_t>("X", {1}, {1})
                        .input<int32_t>("G", {1}, {1})
                        .input<int32_t>("H", {1}, {0})
                        .output_unchecked("X_new"),
                    "Adagrad", "optimized tensors must be float or double, got int32");
  expect_node_error(OpTest("Momentum", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int64_t>("T", {}, {0})
                        .input<float>("X", {1}, {1})
                        .input<float>("G", {1}, {1})
                        .input<float>("V", {1}, {0})
                        .attr("alpha", 0.9f)
                        .attr("beta", 1.0f)
                        .attr("norm_coefficient", 0.0f)
                        .attr("mode", "sideways")
                        .output_unchecked("X_new"),
                    "Momentum", "mode is 'sideways', expected 'standard' or 'nesterov'");
  expect_node_error(OpTest("Momentum", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int64_t>("T", {}, {0})
                        .input<float>("X", {1}, {1})
                        .input<float>("G", {1}, {1})
                        .input<float>("V", {1}, {0})
                        .attr("beta", 1.0f)
                        .attr("norm_coefficient", 0.0f)
                        .attr("mode", "standard")
                        .output_unchecked("X_new"),
                    "Momentum", "alpha");
  expect_node_error(OpTest("Adam", 1, kDomain)
                        .input<float>("R", {}, {0.1f})
                        .input<int64_t>("T", {}, {0})
                        .input<float>("X", {1}, {1})
                        .input<float>("G", {1}, {1})
                        .input<float>("V", {1}, {0})
                        .output_unchecked("X_new"),
                    "Adam", "expected R, T and 4 inputs per optimized tensor, got 5 inputs");
}

}  // namespace onyx::test
