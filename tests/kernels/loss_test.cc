// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: every reduction,
// class weights, ignore_index, extra dims, log_prob, and untrusted targets.
#include "kernels/op_test.h"

namespace onyx::test {

namespace {

// log-probabilities [2, 3] and targets {2, 0}.
const std::vector<float> kLogp = {-1, -2, -3, -0.5f, -1.5f, -2.5f};

}  // namespace

TEST(NegativeLogLikelihoodLoss, Reductions) {
  auto run = [](const char* reduction, Shape shape, std::vector<float> want) {
    SCOPED_TRACE(reduction);
    OpTest("NegativeLogLikelihoodLoss", 13)
        .input<float>("input", {2, 3}, kLogp)
        .input<int64_t>("target", {2}, {2, 0})
        .attr("reduction", reduction)
        .output<float>("loss", shape, want)
        .run();
  };
  run("none", {2}, {3, 0.5f});
  run("sum", {}, {3.5f});
  run("mean", {}, {1.75f});
}

TEST(NegativeLogLikelihoodLoss, WeightsAndIgnoreIndex) {
  // Weighted mean divides by the weights of the targets: (3*3 + 0.5*1) / (3 + 1).
  OpTest("NegativeLogLikelihoodLoss", 22)
      .input<float>("input", {2, 3}, kLogp)
      .input<int32_t>("target", {2}, {2, 0})
      .input<float>("weight", {3}, {1, 2, 3})
      .output<float>("loss", {}, {2.375f})
      .run();
  // The ignored target counts neither in the sum nor in the divisor.
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {2}, {2, 0})
      .attr("ignore_index", 0)
      .output<float>("loss", {}, {3})
      .run();
  // An ignore_index outside [0, C) is fine where it appears.
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {2}, {-100, 1})
      .input<float>("weight", {3}, {1, 2, 3})
      .attr("ignore_index", -100)
      .attr("reduction", "none")
      .output<float>("loss", {2}, {0, 3})
      .run();
}

TEST(NegativeLogLikelihoodLoss, ExtraDims) {
  // input [1, 2, 2]: class 0 = {-1, -2}, class 1 = {-3, -4} over d.
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {1, 2, 2}, {-1, -2, -3, -4})
      .input<int64_t>("target", {1, 2}, {1, 0})
      .attr("reduction", "none")
      .output<float>("loss", {1, 2}, {3, 2})
      .run();
}

TEST(NegativeLogLikelihoodLoss, Float16AndDouble) {
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input("input", make_tensor<Float16>({1, 2}, {Float16(-1.0f), Float16(-2.0f)}))
      .input<int64_t>("target", {1}, {1})
      .output("loss", make_tensor<Float16>({}, {Float16(2.0f)}))
      .run();
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<double>("input", {1, 2}, {-1, -2})
      .input<int64_t>("target", {1}, {0})
      .attr("reduction", "sum")
      .output<double>("loss", {}, {1})
      .run();
}

TEST(NegativeLogLikelihoodLoss, BadInputs) {
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {2}, {3, 0})
      .output_unchecked("loss")
      .expect_error("target value 3 at index 0 is out of range [0, 3)");
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {2}, {-1, 0})
      .attr("ignore_index", 5)
      .output_unchecked("loss")
      .expect_error("target value -1 at index 0 is out of range [0, 3) and is not ignore_index 5");
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {3}, {0, 0, 0})
      .output_unchecked("loss")
      .expect_error("does not match input");
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {2}, {0, 0})
      .input<float>("weight", {2}, {1, 1})
      .output_unchecked("loss")
      .expect_error("one value per class (3)");
  OpTest("NegativeLogLikelihoodLoss", 13)
      .input<float>("input", {2, 3}, kLogp)
      .input<int64_t>("target", {2}, {0, 0})
      .attr("reduction", "max")
      .output_unchecked("loss")
      .expect_error("reduction must be 'none', 'sum' or 'mean', got 'max'");
}

TEST(SoftmaxCrossEntropyLoss, MeanAndLogProb) {
  const float l2 = std::log(2.0f);
  OpTest("SoftmaxCrossEntropyLoss", 13)
      .input<float>("scores", {2, 2}, {0, 0, 1000, 0})
      .input<int64_t>("labels", {2}, {1, 0})
      .output<float>("loss", {}, {l2 / 2})
      .output<float>("log_prob", {2, 2}, {-l2, -l2, 0, -1000})
      .run();
}

TEST(SoftmaxCrossEntropyLoss, ExtraDimsWeightsIgnoreIndex) {
  // scores [1, 2, 2]: per d, classes {0, x}; labels {1, 1} with d1 ignored.
  const float a = std::log(1 + std::exp(1.0f));  // -log_softmax of the smaller class
  OpTest("SoftmaxCrossEntropyLoss", 12)
      .input<float>("scores", {1, 2, 2}, {1, 0, 0, 0})
      .input<int32_t>("labels", {1, 2}, {1, 1})
      .input<float>("weights", {2}, {1, 4})
      .attr("ignore_index", 1)
      .attr("reduction", "none")
      .output<float>("loss", {1, 2}, {0, 0})
      .run();
  OpTest("SoftmaxCrossEntropyLoss", 13)
      .input<float>("scores", {1, 2, 2}, {1, 0, 0, 0})
      .input<int32_t>("labels", {1, 2}, {1, 0})
      .input<float>("weights", {2}, {1, 4})
      .attr("reduction", "sum")
      .output<float>("loss", {}, {4 * a + std::log(2.0f)})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(SoftmaxCrossEntropyLoss, LabelOutOfRange) {
  OpTest("SoftmaxCrossEntropyLoss", 13)
      .input<float>("scores", {1, 2}, {0, 0})
      .input<int64_t>("labels", {1}, {2})
      .output_unchecked("loss")
      .expect_error("target value 2 at index 0 is out of range [0, 2)");
}

}  // namespace onyx::test
