// ai.onnx.ml: TreeEnsembleRegressor / TreeEnsembleClassifier / TreeEnsemble,
// LinearRegressor / LinearClassifier, SVMRegressor / SVMClassifier, Scaler,
// Normalizer, Binarizer, Imputer, OneHotEncoder, CategoryMapper,
// ArrayFeatureExtractor, FeatureVectorizer. Expected values are worked by
// hand (comments) from the ONNX-ML operator definitions.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr const char* kMl = "ai.onnx.ml";
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

void expect_node_error(OpTest t, const std::string& op, const std::string& what) {
  t.expect_error(what);
  t.expect_error(op + "_node");
}

Tensor strings(Shape shape, const std::vector<std::string>& v) { return make_tensor<std::string>(std::move(shape), v); }

// Node attributes by name, so a test can replace one before building the node
// (OpTest::attr appends: a second attribute of the same name would be ignored).
struct Attrs {
  std::vector<ir::Attribute> list;
  Attrs& set(ir::Attribute a) {
    for (ir::Attribute& b : list)
      if (b.name == a.name) {
        b = std::move(a);
        return *this;
      }
    list.push_back(std::move(a));
    return *this;
  }
  Attrs& set(std::string name, std::vector<int64_t> v) {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kInts;
    a.ints = std::move(v);
    return set(std::move(a));
  }
  Attrs& set(std::string name, std::vector<float> v) {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kFloats;
    a.floats = std::move(v);
    return set(std::move(a));
  }
  Attrs& set(std::string name, std::vector<std::string> v) {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kStrings;
    a.strings = std::move(v);
    return set(std::move(a));
  }
  Attrs& set(std::string name, int64_t v) {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kInt;
    a.i = v;
    return set(std::move(a));
  }
  Attrs& set(std::string name, const char* v) {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kString;
    a.s = v;
    return set(std::move(a));
  }
  Attrs& set(std::string name, Tensor v) {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kTensor;
    a.t = std::move(v);
    return set(std::move(a));
  }
  OpTest op(const char* op, int version) const {
    OpTest t(op, version, kMl);
    for (const ir::Attribute& a : list) t.attr(a);
    return t;
  }
};

// Two trees over two features:
//   tree 0: x0 <= 0.5 ? leaf 1 (weight 1) : leaf 2 (weight 2)
//   tree 1: x1 <  3   ? leaf 1 (weight 10) : leaf 2 (weight 20)
Attrs two_trees(const char* aggregate = "SUM") {
  Attrs a;
  a.set("nodes_treeids", std::vector<int64_t>{0, 0, 0, 1, 1, 1})
      .set("nodes_nodeids", std::vector<int64_t>{0, 1, 2, 0, 1, 2})
      .set("nodes_featureids", std::vector<int64_t>{0, 0, 0, 1, 0, 0})
      .set("nodes_values", std::vector<float>{0.5f, 0, 0, 3, 0, 0})
      .set("nodes_modes", std::vector<std::string>{"BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF"})
      .set("nodes_truenodeids", std::vector<int64_t>{1, 0, 0, 1, 0, 0})
      .set("nodes_falsenodeids", std::vector<int64_t>{2, 0, 0, 2, 0, 0})
      .set("target_treeids", std::vector<int64_t>{0, 0, 1, 1})
      .set("target_nodeids", std::vector<int64_t>{1, 2, 1, 2})
      .set("target_ids", std::vector<int64_t>{0, 0, 0, 0})
      .set("target_weights", std::vector<float>{1, 2, 10, 20})
      .set("n_targets", int64_t{1})
      .set("aggregate_function", aggregate);
  return a;
}
OpTest two_tree_regressor(const char* aggregate = "SUM") { return two_trees(aggregate).op("TreeEnsembleRegressor", 3); }

// One tree: x0 <mode> 2 ? leaf weight 1 : leaf weight 0.
OpTest one_split_regressor(const char* mode) {
  OpTest t("TreeEnsembleRegressor", 3, kMl);
  t.attr("nodes_treeids", std::vector<int64_t>{0, 0, 0})
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2})
      .attr("nodes_featureids", std::vector<int64_t>{0, 0, 0})
      .attr("nodes_values", std::vector<float>{2, 0, 0})
      .attr("nodes_modes", std::vector<std::string>{mode, "LEAF", "LEAF"})
      .attr("nodes_truenodeids", std::vector<int64_t>{1, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{2, 0, 0})
      .attr("target_treeids", std::vector<int64_t>{0, 0})
      .attr("target_nodeids", std::vector<int64_t>{1, 2})
      .attr("target_ids", std::vector<int64_t>{0, 0})
      .attr("target_weights", std::vector<float>{1, 0})
      .attr("n_targets", 1);
  return t;
}

}  // namespace

// ---- TreeEnsembleRegressor ---------------------------------------------------------------

TEST(TreeEnsembleRegressor, SumOfTwoTreesPlusBase) {
  // (0.5, 3): 1 + 20; (1, 2.9): 2 + 10; (0.6, -1): 2 + 10; + base 100.
  two_tree_regressor()
      .attr("base_values", std::vector<float>{100})
      .input<float>("X", {3, 2}, {0.5f, 3, 1, 2.9f, 0.6f, -1})
      .output<float>("Y", {3, 1}, {121, 112, 112})
      .run();
}

TEST(TreeEnsembleRegressor, AverageMinMax) {
  const std::vector<float> x = {0.5f, 3, 1, 2.9f};  // leaves (1, 20) and (2, 10)
  two_tree_regressor("AVERAGE").input<float>("X", {2, 2}, x).output<float>("Y", {2, 1}, {10.5f, 6}).run();
  two_tree_regressor("MIN").input<float>("X", {2, 2}, x).output<float>("Y", {2, 1}, {1, 2}).run();
  two_tree_regressor("MAX").input<float>("X", {2, 2}, x).output<float>("Y", {2, 1}, {20, 10}).run();
}

TEST(TreeEnsembleRegressor, EveryBranchMode) {
  // x = 1, 2, 3 against 2.
  struct Case {
    const char* mode;
    std::vector<float> want;
  };
  for (const Case& c : {Case{"BRANCH_LEQ", {1, 1, 0}}, Case{"BRANCH_LT", {1, 0, 0}}, Case{"BRANCH_GTE", {0, 1, 1}},
                        Case{"BRANCH_GT", {0, 0, 1}}, Case{"BRANCH_EQ", {0, 1, 0}}, Case{"BRANCH_NEQ", {1, 0, 1}}}) {
    SCOPED_TRACE(c.mode);
    one_split_regressor(c.mode).input<float>("X", {3, 1}, {1, 2, 3}).output<float>("Y", {3, 1}, c.want).run();
  }
}

TEST(TreeEnsembleRegressor, NaNFollowsMissingValueTracksTrue) {
  // Without the flag NaN fails every comparison (false branch): 2 + 20.
  two_tree_regressor().input<float>("X", {1, 2}, {kNaN, kNaN}).output<float>("Y", {1, 1}, {22}).run();
  // With it, the true branch: 1 + 10.
  two_tree_regressor()
      .attr("nodes_missing_value_tracks_true", std::vector<int64_t>{1, 0, 0, 1, 0, 0})
      .input<float>("X", {1, 2}, {kNaN, kNaN})
      .output<float>("Y", {1, 1}, {11})
      .run();
  // Infinities compare as numbers.
  two_tree_regressor().input<float>("X", {1, 2}, {-kInf, kInf}).output<float>("Y", {1, 1}, {21}).run();
}

TEST(TreeEnsembleRegressor, IntegerAndOneDimensionalAndEmptyInput) {
  two_tree_regressor().input<int64_t>("X", {1, 2}, {0, 5}).output<float>("Y", {1, 1}, {21}).run();
  two_tree_regressor().input<double>("X", {2}, {1, 0}).output<float>("Y", {1, 1}, {12}).run();
  two_tree_regressor().input<float>("X", {0, 2}, {}).output<float>("Y", {0, 1}, {}).run();
}

TEST(TreeEnsembleRegressor, PostTransformLogistic) {
  // One target: 1 + 10 = 11 -> logistic(11).
  two_tree_regressor()
      .attr("post_transform", "LOGISTIC")
      .input<float>("X", {1, 2}, {0, 0})
      .output<float>("Y", {1, 1}, {static_cast<float>(1 / (1 + std::exp(-11.0)))})
      .run();
}

TEST(TreeEnsembleRegressor, RejectsBadTrees) {
  // A node whose child lies outside the tree.
  expect_node_error(two_trees()
                        .set("nodes_truenodeids", std::vector<int64_t>{7, 0, 0, 1, 0, 0})
                        .op("TreeEnsembleRegressor", 3)
                        .input<float>("X", {1, 2}, {0, 0})
                        .output_unchecked("Y"),
                    "TreeEnsembleRegressor", "names node 7 of tree 0, which does not exist");
  // A cycle: node 0's true child is node 0.
  expect_node_error(two_trees()
                        .set("nodes_truenodeids", std::vector<int64_t>{0, 0, 0, 1, 0, 0})
                        .op("TreeEnsembleRegressor", 3)
                        .input<float>("X", {1, 2}, {0, 0})
                        .output_unchecked("Y"),
                    "TreeEnsembleRegressor", "cycle");
  // Feature 1 tested, one feature given.
  expect_node_error(two_tree_regressor().input<float>("X", {1, 1}, {0}).output_unchecked("Y"), "TreeEnsembleRegressor",
                    "the trees test feature 1 but the input has only 1");
  expect_node_error(two_trees()
                        .set("nodes_values", std::vector<float>{0.5f, 0, 0, 3, 0})
                        .op("TreeEnsembleRegressor", 3)
                        .input<float>("X", {1, 2}, {0, 0})
                        .output_unchecked("Y"),
                    "TreeEnsembleRegressor", "entries but nodes_treeids has 6");
  expect_node_error(one_split_regressor("BRANCH_SIDEWAYS").input<float>("X", {1, 1}, {0}).output_unchecked("Y"),
                    "TreeEnsembleRegressor", "nodes_modes holds 'BRANCH_SIDEWAYS'");
  expect_node_error(two_tree_regressor("MEDIAN").input<float>("X", {1, 2}, {0, 0}).output_unchecked("Y"),
                    "TreeEnsembleRegressor", "aggregate_function is 'MEDIAN'");
  expect_node_error(two_trees().set("target_ids", std::vector<int64_t>{0, 0, 0, 1}).op("TreeEnsembleRegressor", 3).input<float>("X", {1, 2}, {0, 0})
                        .output_unchecked("Y"),
                    "TreeEnsembleRegressor", "is not below");
  expect_node_error(two_tree_regressor().input<float>("X", {1, 1, 2}, {0, 0}).output_unchecked("Y"),
                    "TreeEnsembleRegressor", "1-D or 2-D");
}

// ---- TreeEnsembleClassifier ----------------------------------------------------------------

namespace {
// x0 <= 0.5 ? leaf 1 : leaf 2.
Attrs stump() {
  Attrs a;
  a.set("nodes_treeids", std::vector<int64_t>{0, 0, 0})
      .set("nodes_nodeids", std::vector<int64_t>{0, 1, 2})
      .set("nodes_featureids", std::vector<int64_t>{0, 0, 0})
      .set("nodes_values", std::vector<float>{0.5f, 0, 0})
      .set("nodes_modes", std::vector<std::string>{"BRANCH_LEQ", "LEAF", "LEAF"})
      .set("nodes_truenodeids", std::vector<int64_t>{1, 0, 0})
      .set("nodes_falsenodeids", std::vector<int64_t>{2, 0, 0})
      .set("class_treeids", std::vector<int64_t>{0, 0, 0})
      .set("class_nodeids", std::vector<int64_t>{1, 1, 2});
  return a;
}
OpTest stump_classifier() { return stump().op("TreeEnsembleClassifier", 3); }
}  // namespace

TEST(TreeEnsembleClassifier, ThreeClassesWithIntLabels) {
  // Leaf 1 scores class 0 (0.7) and class 2 (0.3); leaf 2 scores class 1 (1).
  stump_classifier()
      .attr("class_ids", std::vector<int64_t>{0, 2, 1})
      .attr("class_weights", std::vector<float>{0.7f, 0.3f, 1})
      .attr("classlabels_int64s", std::vector<int64_t>{7, 8, 9})
      .input<float>("X", {2, 1}, {0.2f, 0.9f})
      .output<int64_t>("Y", {2}, {7, 8})
      .output<float>("Z", {2, 3}, {0.7f, 0, 0.3f, 0, 1, 0})
      .run();
}

TEST(TreeEnsembleClassifier, SoftmaxAndStringLabelsAndBaseValues) {
  // Scores (0.7 + 1, 0 + 0, 0.3 - 1) -> softmax.
  const double a = 1.7, b = 0, c = -0.7, s = std::exp(a) + std::exp(b) + std::exp(c);
  stump_classifier()
      .attr("class_ids", std::vector<int64_t>{0, 2, 1})
      .attr("class_weights", std::vector<float>{0.7f, 0.3f, 1})
      .attr("classlabels_strings", std::vector<std::string>{"a", "b", "c"})
      .attr("base_values", std::vector<float>{1, 0, -1})
      .attr("post_transform", "SOFTMAX")
      .input<float>("X", {1, 1}, {0})
      .output("Y", strings({1}, {"a"}))
      .output<float>("Z", {1, 3},
                     {static_cast<float>(std::exp(a) / s), static_cast<float>(std::exp(b) / s), static_cast<float>(std::exp(c) / s)})
      .run();
}

TEST(TreeEnsembleClassifier, BinaryModelScoringOneClass) {
  // Every weight goes to class 1: s = 0.2 or 0.8, scores [1 - s, s], as in the
  // ONNX reference. (ONNX Runtime 1.30 differs here: it gives [0, s] with
  // all-positive weights and [-s, s] with mixed signs for post_transform NONE.)
  stump()
      .set("class_treeids", std::vector<int64_t>{0, 0})
      .set("class_nodeids", std::vector<int64_t>{1, 2})
      .op("TreeEnsembleClassifier", 3)
      .attr("class_ids", std::vector<int64_t>{1, 1})
      .attr("class_weights", std::vector<float>{0.2f, 0.8f})
      .attr("classlabels_int64s", std::vector<int64_t>{0, 1})
      .input<float>("X", {2, 1}, {0.2f, 0.9f})
      .output<int64_t>("Y", {2}, {0, 1})
      .output<float>("Z", {2, 2}, {0.8f, 0.2f, 0.2f, 0.8f})
      .run();
}

TEST(TreeEnsembleClassifier, RejectsBadLabels) {
  expect_node_error(stump_classifier()
                        .attr("class_ids", std::vector<int64_t>{0, 2, 1})
                        .attr("class_weights", std::vector<float>{0.7f, 0.3f, 1})
                        .input<float>("X", {1, 1}, {0})
                        .output_unchecked("Y"),
                    "TreeEnsembleClassifier", "exactly one of classlabels_int64s and classlabels_strings is needed");
  expect_node_error(stump_classifier()
                        .attr("class_ids", std::vector<int64_t>{0, 5, 1})
                        .attr("class_weights", std::vector<float>{0.7f, 0.3f, 1})
                        .attr("classlabels_int64s", std::vector<int64_t>{7, 8, 9})
                        .input<float>("X", {1, 1}, {0})
                        .output_unchecked("Y"),
                    "TreeEnsembleClassifier", "is not below");
}

// ---- TreeEnsemble (ai.onnx.ml 5) ---------------------------------------------------------------

namespace {
// One node: x0 <mode> split ? leaf 0 : leaf 1; leaf weights (1, 2).
Attrs tree5_attrs(int mode, float split) {
  Attrs a;
  a.set("nodes_splits", make_tensor<float>({1}, {split}))
      .set("nodes_featureids", std::vector<int64_t>{0})
      .set("nodes_modes", make_tensor<uint8_t>({1}, {static_cast<uint8_t>(mode)}))
      .set("nodes_truenodeids", std::vector<int64_t>{0})
      .set("nodes_trueleafs", std::vector<int64_t>{1})
      .set("nodes_falsenodeids", std::vector<int64_t>{1})
      .set("nodes_falseleafs", std::vector<int64_t>{1})
      .set("leaf_targetids", std::vector<int64_t>{0, 0})
      .set("leaf_weights", make_tensor<float>({2}, {1, 2}))
      .set("tree_roots", std::vector<int64_t>{0})
      .set("n_targets", int64_t{1})
      .set("aggregate_function", int64_t{1})
      .set("post_transform", int64_t{0});
  return a;
}
OpTest tree5(int mode, float split) { return tree5_attrs(mode, split).op("TreeEnsemble", 5); }
}  // namespace

TEST(TreeEnsemble, LeqSplit) {
  tree5(0, 0.5f).input<float>("X", {3, 1}, {0.2f, 0.5f, 0.9f}).output<float>("Y", {3, 1}, {1, 1, 2}).run();
  tree5(0, 0.5f).input<double>("X", {1, 1}, {0.7}).output<double>("Y", {1, 1}, {2}).run();
}

TEST(TreeEnsemble, SetMembership) {
  // Mode 6 (BRANCH_MEMBER): x0 in {1, 3} (the set ends at NaN).
  tree5(6, kNaN)
      .attr("membership_values", make_tensor<float>({3}, {1, 3, kNaN}))
      .input<float>("X", {4, 1}, {1, 2, 3, kNaN})
      .output<float>("Y", {4, 1}, {1, 2, 1, 2})
      .run();
}

TEST(TreeEnsemble, RejectsBadAttributes) {
  expect_node_error(tree5(9, 0.5f).input<float>("X", {1, 1}, {0}).output_unchecked("Y"), "TreeEnsemble",
                    "nodes_modes[0] is 9, expected 0 to 6");
  expect_node_error(tree5_attrs(0, 0.5f).set("nodes_trueleafs", std::vector<int64_t>{0}).op("TreeEnsemble", 5).input<float>("X", {1, 1}, {0})
                        .output_unchecked("Y"),
                    "TreeEnsemble", "cycle");
  expect_node_error(tree5_attrs(0, 0.5f).set("leaf_weights", make_tensor<float>({1}, {1})).op("TreeEnsemble", 5).input<float>("X", {1, 1}, {0})
                        .output_unchecked("Y"),
                    "TreeEnsemble", "leaf_weights has 1 entries but leaf_targetids has 2");
  expect_node_error(tree5_attrs(0, 0.5f).set("aggregate_function", int64_t{7}).op("TreeEnsemble", 5).input<float>("X", {1, 1}, {0}).output_unchecked("Y"),
                    "TreeEnsemble", "aggregate_function is 7, expected 0 to 3");
}

// ---- LinearRegressor / LinearClassifier ----------------------------------------------------------

TEST(LinearRegressor, TwoTargets) {
  // W = [[1, 2, 3], [-1, 0, 1]], b = (0.5, -2): x = (1, 1, 1) -> (6.5, -2); x = (0, 1, -1) -> (-0.5, -3).
  OpTest("LinearRegressor", 1, kMl)
      .attr("coefficients", std::vector<float>{1, 2, 3, -1, 0, 1})
      .attr("intercepts", std::vector<float>{0.5f, -2})
      .attr("targets", 2)
      .input<float>("X", {2, 3}, {1, 1, 1, 0, 1, -1})
      .output<float>("Y", {2, 2}, {6.5f, -2, -0.5f, -3})
      .run();
}

TEST(LinearRegressor, OneDimensionalIntInputAndEmptyBatch) {
  OpTest("LinearRegressor", 1, kMl)
      .attr("coefficients", std::vector<float>{2, 3})
      .input<int32_t>("X", {2}, {4, -1})
      .output<float>("Y", {1, 1}, {5})
      .run();
  OpTest("LinearRegressor", 1, kMl)
      .attr("coefficients", std::vector<float>{2, 3})
      .input<float>("X", {0, 2}, {})
      .output<float>("Y", {0, 1}, {})
      .run();
}

TEST(LinearRegressor, RejectsMismatchedCoefficients) {
  expect_node_error(OpTest("LinearRegressor", 1, kMl)
                        .attr("coefficients", std::vector<float>{1, 2, 3})
                        .input<float>("X", {1, 2}, {1, 1})
                        .output_unchecked("Y"),
                    "LinearRegressor", "the 3 coefficients do not fit inputs of 2 features");
  expect_node_error(OpTest("LinearRegressor", 1, kMl)
                        .attr("coefficients", std::vector<float>{1, 2})
                        .attr("intercepts", std::vector<float>{1, 2})
                        .input<float>("X", {1, 2}, {1, 1})
                        .output_unchecked("Y"),
                    "LinearRegressor", "intercepts has 2 values for 1 targets");
  expect_node_error(OpTest("LinearRegressor", 1, kMl)
                        .attr("coefficients", std::vector<float>{1, 2})
                        .attr("post_transform", "CUBE")
                        .input<float>("X", {1, 2}, {1, 1})
                        .output_unchecked("Y"),
                    "LinearRegressor", "post_transform is 'CUBE'");
}

TEST(LinearClassifier, ThreeClassesPicksTheBestScore) {
  // W rows (1, 0), (0, 1), (-1, -1); x = (2, 1): scores (2, 1, -3) -> class 0 (label 10);
  // x = (0, 3): (0, 3, -3) -> class 1 (label 20).
  OpTest("LinearClassifier", 1, kMl)
      .attr("coefficients", std::vector<float>{1, 0, 0, 1, -1, -1})
      .attr("classlabels_ints", std::vector<int64_t>{10, 20, 30})
      .input<float>("X", {2, 2}, {2, 1, 0, 3})
      .output<int64_t>("Y", {2}, {10, 20})
      .output<float>("Z", {2, 3}, {2, 1, -3, 0, 3, -3})
      .run();
}

TEST(LinearClassifier, BinaryWithOneRowWidensScores) {
  // One row of coefficients, two labels: scores (-s, s), s = x0 - x1 + 0.5.
  OpTest("LinearClassifier", 1, kMl)
      .attr("coefficients", std::vector<float>{1, -1})
      .attr("intercepts", std::vector<float>{0.5f})
      .attr("classlabels_strings", std::vector<std::string>{"no", "yes"})
      .input<float>("X", {2, 2}, {1, 0, 0, 3})
      .output("Y", strings({2}, {"yes", "no"}))
      .output<float>("Z", {2, 2}, {-1.5f, 1.5f, 2.5f, -2.5f})
      .run();
}

TEST(LinearClassifier, LogisticPostTransform) {
  const float l2 = static_cast<float>(1 / (1 + std::exp(-2.0))), l1 = static_cast<float>(1 / (1 + std::exp(-1.0)));
  OpTest("LinearClassifier", 1, kMl)
      .attr("coefficients", std::vector<float>{1, 0, 0, 1})
      .attr("classlabels_ints", std::vector<int64_t>{0, 1})
      .attr("post_transform", "LOGISTIC")
      .input<float>("X", {1, 2}, {2, 1})
      .output<int64_t>("Y", {1}, {0})
      .output<float>("Z", {1, 2}, {l2, l1})
      .run();
}

TEST(LinearClassifier, RejectsMismatchedLabels) {
  expect_node_error(OpTest("LinearClassifier", 1, kMl)
                        .attr("coefficients", std::vector<float>{1, 0, 0, 1, 1, 1})
                        .attr("classlabels_ints", std::vector<int64_t>{0, 1})
                        .input<float>("X", {1, 2}, {2, 1})
                        .output_unchecked("Y"),
                    "LinearClassifier", "there are 3 rows of coefficients but 2 class labels");
  expect_node_error(OpTest("LinearClassifier", 1, kMl)
                        .attr("coefficients", std::vector<float>{1, 0, 0, 1})
                        .attr("classlabels_ints", std::vector<int64_t>{0, 1})
                        .attr("classlabels_strings", std::vector<std::string>{"a", "b"})
                        .input<float>("X", {1, 2}, {2, 1})
                        .output_unchecked("Y"),
                    "LinearClassifier", "only one of classlabels_ints and classlabels_strings");
  expect_node_error(OpTest("LinearClassifier", 1, kMl)
                        .attr("coefficients", std::vector<float>{1, 0, 0, 1})
                        .input<std::string>("X", {1, 2}, {"a", "b"})
                        .output_unchecked("Y"),
                    "LinearClassifier", "string");
}

// ---- SVMRegressor / SVMClassifier ------------------------------------------------------------------

TEST(SVMRegressor, LinearWithoutSupportVectors) {
  // y = rho + w . x = 1 + (2 * 1 + -1 * 3) = 0.
  OpTest("SVMRegressor", 1, kMl)
      .attr("coefficients", std::vector<float>{2, -1})
      .attr("rho", std::vector<float>{1})
      .input<float>("X", {2, 2}, {1, 3, 0, 0})
      .output<float>("Y", {2, 1}, {0, 1})
      .run();
}

TEST(SVMRegressor, RbfSupportVectors) {
  // gamma 0.5; SVs (0, 0) and (1, 1), coefficients (2, -1), rho 0.25.
  // x = (1, 0): K = exp(-0.5), exp(-0.5) -> y = 0.25 + exp(-0.5).
  const float e = static_cast<float>(std::exp(-0.5));
  OpTest("SVMRegressor", 1, kMl)
      .attr("kernel_type", "RBF")
      .attr("kernel_params", std::vector<float>{0.5f, 0, 0})
      .attr("n_supports", 2)
      .attr("support_vectors", std::vector<float>{0, 0, 1, 1})
      .attr("coefficients", std::vector<float>{2, -1})
      .attr("rho", std::vector<float>{0.25f})
      .input<float>("X", {1, 2}, {1, 0})
      .output<float>("Y", {1, 1}, {0.25f + e})
      .run();
}

TEST(SVMRegressor, PolyAndOneClass) {
  // POLY (gamma a.b + coef0)^degree with (1, 1, 2): SV (1, 2), x = (1, 1): (3 + 1)^2 = 16; coef -1, rho 10 -> -6.
  OpTest("SVMRegressor", 1, kMl)
      .attr("kernel_type", "POLY")
      .attr("kernel_params", std::vector<float>{1, 1, 2})
      .attr("n_supports", 1)
      .attr("support_vectors", std::vector<float>{1, 2})
      .attr("coefficients", std::vector<float>{-1})
      .attr("rho", std::vector<float>{10})
      .input<float>("X", {1, 2}, {1, 1})
      .output<float>("Y", {1, 1}, {-6})
      .run();
  // one_class: the sign only.
  OpTest("SVMRegressor", 1, kMl)
      .attr("kernel_type", "POLY")
      .attr("kernel_params", std::vector<float>{1, 1, 2})
      .attr("n_supports", 1)
      .attr("support_vectors", std::vector<float>{1, 2})
      .attr("coefficients", std::vector<float>{-1})
      .attr("rho", std::vector<float>{10})
      .attr("one_class", 1)
      .input<float>("X", {2, 2}, {1, 1, 0, 0})  // -6 -> -1; (0 + 1)^2 = 1 -> 9 -> 1
      .output<float>("Y", {2, 1}, {-1, 1})
      .run();
}

TEST(SVMRegressor, RejectsBadAttributes) {
  expect_node_error(OpTest("SVMRegressor", 1, kMl)
                        .attr("coefficients", std::vector<float>{2, -1})
                        .attr("rho", std::vector<float>{1})
                        .input<float>("X", {1, 3}, {1, 2, 3})
                        .output_unchecked("Y"),
                    "SVMRegressor", "there are 2 coefficients but the input has 3 features");
  expect_node_error(OpTest("SVMRegressor", 1, kMl)
                        .attr("coefficients", std::vector<float>{2, -1})
                        .input<float>("X", {1, 2}, {1, 2})
                        .output_unchecked("Y"),
                    "SVMRegressor", "rho is required");
  expect_node_error(OpTest("SVMRegressor", 1, kMl)
                        .attr("kernel_type", "CUBIC")
                        .attr("coefficients", std::vector<float>{2, -1})
                        .attr("rho", std::vector<float>{1})
                        .input<float>("X", {1, 2}, {1, 2})
                        .output_unchecked("Y"),
                    "SVMRegressor", "kernel_type is 'CUBIC'");
  expect_node_error(OpTest("SVMRegressor", 1, kMl)
                        .attr("n_supports", 2)
                        .attr("support_vectors", std::vector<float>{0, 0, 1})
                        .attr("coefficients", std::vector<float>{2, -1})
                        .attr("rho", std::vector<float>{1})
                        .input<float>("X", {1, 2}, {1, 2})
                        .output_unchecked("Y"),
                    "SVMRegressor", "support vector values do not split into");
}

TEST(SVMClassifier, LinearOneScorePerClass) {
  // liblinear: score_c = rho[0] + w_c . x, rho 0. W rows (1, 0), (0, 1), (1, 1).
  // x = (2, -1): (2, -1, 1) -> class 0; x = (-1, 3): (-1, 3, 2) -> class 1.
  OpTest("SVMClassifier", 1, kMl)
      .attr("coefficients", std::vector<float>{1, 0, 0, 1, 1, 1})
      .attr("rho", std::vector<float>{0, 0, 0})
      .attr("classlabels_ints", std::vector<int64_t>{5, 6, 7})
      .input<float>("X", {2, 2}, {2, -1, -1, 3})
      .output<int64_t>("Y", {2}, {5, 6})
      .output<float>("Z", {2, 3}, {2, -1, 1, -1, 3, 2})
      .run();
}

TEST(SVMClassifier, OneVsOneVotes) {
  // Three classes, one linear support vector each: SV0 (1, 0), SV1 (0, 1), SV2 (-1, -1).
  // coefficients [classes - 1 = 2 rows, 3 vectors]; pair (i, j) uses row j-1 on class i's
  // vectors and row i on class j's:
  //   (0,1): rho0 + c[0][0] K0 + c[0][1] K1;  (0,2): rho1 + c[1][0] K0 + c[0][2] K2;
  //   (1,2): rho2 + c[1][1] K1 + c[1][2] K2.
  // With every coefficient 1 (row 0) / -1 (row 1) and rho 0, x = (2, 0): K = (2, 0, -2):
  //   (0,1) = 2 + 0 = 2 > 0 -> vote 0; (0,2) = -2 + -2 = -4 -> vote 2; (1,2) = 0 + 2 = 2 -> vote 1.
  // A three-way tie: the first class wins.
  OpTest("SVMClassifier", 1, kMl)
      .attr("vectors_per_class", std::vector<int64_t>{1, 1, 1})
      .attr("support_vectors", std::vector<float>{1, 0, 0, 1, -1, -1})
      .attr("coefficients", std::vector<float>{1, 1, 1, -1, -1, -1})
      .attr("rho", std::vector<float>{0, 0, 0})
      .attr("classlabels_ints", std::vector<int64_t>{0, 1, 2})
      .input<float>("X", {1, 2}, {2, 0})
      .output<int64_t>("Y", {1}, {0})
      .output<float>("Z", {1, 3}, {2, -4, 2})
      .run();
}

TEST(SVMClassifier, RejectsBadAttributes) {
  expect_node_error(OpTest("SVMClassifier", 1, kMl)
                        .attr("vectors_per_class", std::vector<int64_t>{1, 1, 1})
                        .attr("support_vectors", std::vector<float>{1, 0, 0, 1, -1, -1})
                        .attr("coefficients", std::vector<float>{1, 1, 1, -1, -1, -1})
                        .attr("rho", std::vector<float>{0, 0})
                        .attr("classlabels_ints", std::vector<int64_t>{0, 1, 2})
                        .input<float>("X", {1, 2}, {2, 0})
                        .output_unchecked("Y"),
                    "SVMClassifier", "rho has 2 values for 3 class pairs");
  expect_node_error(OpTest("SVMClassifier", 1, kMl)
                        .attr("vectors_per_class", std::vector<int64_t>{1, -1})
                        .attr("support_vectors", std::vector<float>{1, 0})
                        .attr("coefficients", std::vector<float>{1})
                        .attr("rho", std::vector<float>{0})
                        .attr("classlabels_ints", std::vector<int64_t>{0, 1})
                        .input<float>("X", {1, 2}, {2, 0})
                        .output_unchecked("Y"),
                    "SVMClassifier", "vectors_per_class holds a negative count -1");
  expect_node_error(OpTest("SVMClassifier", 1, kMl)
                        .attr("vectors_per_class", std::vector<int64_t>{1, 1, 1})
                        .attr("support_vectors", std::vector<float>{1, 0, 0, 1, -1, -1})
                        .attr("coefficients", std::vector<float>{1, 1, 1, -1, -1, -1})
                        .attr("rho", std::vector<float>{0, 0, 0})
                        .attr("classlabels_ints", std::vector<int64_t>{0, 1, 2})
                        .input<float>("X", {1, 3}, {2, 0, 1})
                        .output_unchecked("Y"),
                    "SVMClassifier", "the support vectors have 2 features but the input has 3");
}

// ---- Scaler / Normalizer / Binarizer / Imputer ---------------------------------------------------

TEST(Scaler, PerFeatureAndShared) {
  OpTest("Scaler", 1, kMl)
      .attr("offset", std::vector<float>{1, 2})
      .attr("scale", std::vector<float>{2, 0.5f})
      .input<float>("X", {2, 2}, {1, 2, 3, 6})
      .output<float>("Y", {2, 2}, {0, 0, 4, 2})
      .run();
  OpTest("Scaler", 1, kMl)
      .attr("offset", std::vector<float>{1})
      .attr("scale", std::vector<float>{-1})
      .input<int64_t>("X", {3}, {1, 5, -2})
      .output<float>("Y", {3}, {0, -4, 3})
      .run();
  // NaN and infinity pass through the arithmetic; empty input.
  OpTest("Scaler", 1, kMl)
      .attr("offset", std::vector<float>{1})
      .attr("scale", std::vector<float>{2})
      .input<double>("X", {2}, {kNaN, -kInf})
      .output<float>("Y", {2}, {kNaN, -kInf})
      .run();
  OpTest("Scaler", 1, kMl).attr("scale", std::vector<float>{2}).input<float>("X", {0, 3}, {}).output<float>("Y", {0, 3}, {}).run();
}

TEST(Scaler, RejectsWrongNumberOfScales) {
  expect_node_error(OpTest("Scaler", 1, kMl)
                        .attr("offset", std::vector<float>{1, 2, 3})
                        .input<float>("X", {2, 2}, {1, 2, 3, 4})
                        .output_unchecked("Y"),
                    "Scaler", "offset has 3 values but X has 2 features");
}

TEST(Normalizer, MaxL1L2) {
  // Rows (3, 4) and (0, 0) (left as is): MAX -> (0.75, 1); L1 -> (3/7, 4/7); L2 -> (0.6, 0.8).
  OpTest("Normalizer", 1, kMl)
      .attr("norm", "MAX")
      .input<float>("X", {2, 2}, {3, 4, 0, 0})
      .output<float>("Y", {2, 2}, {0.75f, 1, 0, 0})
      .run();
  // MAX divides by the largest absolute value (the ONNX reference and
  // scikit-learn's norm='max'; ONNX Runtime 1.30 divides by the plain maximum,
  // giving (2, 1) for (-4, -2)).
  OpTest("Normalizer", 1, kMl)
      .attr("norm", "MAX")
      .input<float>("X", {2, 2}, {-4, -2, -4, 2})
      .output<float>("Y", {2, 2}, {-1, -0.5f, -1, 0.5f})
      .run();
  OpTest("Normalizer", 1, kMl)
      .attr("norm", "L1")
      .input<int32_t>("X", {1, 2}, {-3, 4})
      .output<float>("Y", {1, 2}, {-3.0f / 7, 4.0f / 7})
      .run();
  OpTest("Normalizer", 1, kMl)
      .attr("norm", "L2")
      .input<double>("X", {2}, {3, -4})
      .output<float>("Y", {2}, {0.6f, -0.8f})
      .run();
  OpTest("Normalizer", 1, kMl).attr("norm", "L2").input<float>("X", {0, 2}, {}).output<float>("Y", {0, 2}, {}).run();
}

TEST(Normalizer, RejectsUnknownNorm) {
  expect_node_error(OpTest("Normalizer", 1, kMl).attr("norm", "L3").input<float>("X", {1, 2}, {1, 2}).output_unchecked("Y"),
                    "Normalizer", "norm is 'L3', expected MAX, L1 or L2");
  expect_node_error(OpTest("Normalizer", 1, kMl).attr("norm", "L1").input<float>("X", {1, 1, 2}, {1, 2}).output_unchecked("Y"),
                    "Normalizer", "1-D or 2-D");
}

TEST(Binarizer, ThresholdIsStrict) {
  OpTest("Binarizer", 1, kMl)
      .attr("threshold", 1.0f)
      .input<float>("X", {6}, {0.5f, 1, 1.5f, kNaN, kInf, -kInf})
      .output<float>("Y", {6}, {0, 0, 1, 0, 1, 0})
      .run();
  OpTest("Binarizer", 1, kMl).input<int64_t>("X", {3}, {-1, 0, 7}).output<int64_t>("Y", {3}, {0, 0, 1}).run();
  OpTest("Binarizer", 1, kMl).input<double>("X", {2, 0}, {}).output<double>("Y", {2, 0}, {}).run();
}

TEST(Imputer, ReplacesNaNPerFeature) {
  OpTest("Imputer", 1, kMl)
      .attr("imputed_value_floats", std::vector<float>{10, 20})
      .attr("replaced_value_float", kNaN)
      .input<float>("X", {2, 2}, {kNaN, 1, 2, kNaN})
      .output<float>("Y", {2, 2}, {10, 1, 2, 20})
      .run();
}

TEST(Imputer, ReplacesAValueWithOneSharedImputation) {
  OpTest("Imputer", 1, kMl)
      .attr("imputed_value_floats", std::vector<float>{0.5f})
      .attr("replaced_value_float", -1.0f)
      .input<double>("X", {3}, {-1, kNaN, 3})
      .output<double>("Y", {3}, {0.5, kNaN, 3})
      .run();
  OpTest("Imputer", 1, kMl)
      .attr("imputed_value_int64s", std::vector<int64_t>{7, 8})
      .attr("replaced_value_int64", -1)
      .input<int64_t>("X", {2, 2}, {-1, -1, 0, 5})
      .output<int64_t>("Y", {2, 2}, {7, 8, 0, 5})
      .run();
}

TEST(Imputer, RejectsMismatchedImputations) {
  expect_node_error(OpTest("Imputer", 1, kMl)
                        .attr("imputed_value_floats", std::vector<float>{1, 2, 3})
                        .input<float>("X", {1, 2}, {1, 2})
                        .output_unchecked("Y"),
                    "Imputer", "there are 3 imputed values but X has 2 features");
  expect_node_error(OpTest("Imputer", 1, kMl)
                        .attr("imputed_value_floats", std::vector<float>{1})
                        .input<int64_t>("X", {1, 2}, {1, 2})
                        .output_unchecked("Y"),
                    "Imputer", "X is int64 but no imputed_value_int64s are given");
  expect_node_error(OpTest("Imputer", 1, kMl).input<float>("X", {1, 2}, {1, 2}).output_unchecked("Y"), "Imputer",
                    "imputed_value_floats or imputed_value_int64s is required");
}

// ---- OneHotEncoder / CategoryMapper ---------------------------------------------------------------

TEST(OneHotEncoder, IntegersAndStrings) {
  OpTest("OneHotEncoder", 1, kMl)
      .attr("cats_int64s", std::vector<int64_t>{3, 1, 5})
      .input<int64_t>("X", {2, 2}, {1, 5, 4, 3})
      .output<float>("Y", {2, 2, 3}, {0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0})
      .run();
  OpTest("OneHotEncoder", 1, kMl)
      .attr("cats_strings", std::vector<std::string>{"cat", "dog"})
      .input("X", strings({3}, {"dog", "cow", "cat"}))
      .output<float>("Y", {3, 2}, {0, 1, 0, 0, 1, 0})
      .run();
  // Floats match truncated; NaN and inf match nothing.
  OpTest("OneHotEncoder", 1, kMl)
      .attr("cats_int64s", std::vector<int64_t>{1, 2})
      .input<double>("X", {3}, {2.0, kNaN, kInf})
      .output<float>("Y", {3, 2}, {0, 1, 0, 0, 0, 0})
      .run();
  OpTest("OneHotEncoder", 1, kMl).attr("cats_int64s", std::vector<int64_t>{1, 2}).input<int64_t>("X", {0}, {})
      .output<float>("Y", {0, 2}, {}).run();
}

TEST(OneHotEncoder, RejectsUnknownCategoryWithoutZeros) {
  expect_node_error(OpTest("OneHotEncoder", 1, kMl)
                        .attr("cats_int64s", std::vector<int64_t>{1, 2})
                        .attr("zeros", 0)
                        .input<int64_t>("X", {2}, {1, 9})
                        .output_unchecked("Y"),
                    "OneHotEncoder", "element 1 of X is in no category");
  expect_node_error(OpTest("OneHotEncoder", 1, kMl)
                        .attr("cats_strings", std::vector<std::string>{"a"})
                        .input<int64_t>("X", {1}, {1})
                        .output_unchecked("Y"),
                    "OneHotEncoder", "X is int64 but the categories are strings");
  expect_node_error(OpTest("OneHotEncoder", 1, kMl).input<int64_t>("X", {1}, {1}).output_unchecked("Y"), "OneHotEncoder",
                    "exactly one of cats_int64s and cats_strings must be given");
}

TEST(CategoryMapper, BothDirectionsWithDefaults) {
  OpTest("CategoryMapper", 1, kMl)
      .attr("cats_strings", std::vector<std::string>{"a", "b", "c"})
      .attr("cats_int64s", std::vector<int64_t>{1, 2, 3})
      .attr("default_int64", 42)
      .input("X", strings({2, 2}, {"c", "x", "a", ""}))
      .output<int64_t>("Y", {2, 2}, {3, 42, 1, 42})
      .run();
  OpTest("CategoryMapper", 1, kMl)
      .attr("cats_strings", std::vector<std::string>{"a", "b", "c"})
      .attr("cats_int64s", std::vector<int64_t>{1, 2, 3})
      .input<int64_t>("X", {3}, {2, -1, 3})
      .output("Y", strings({3}, {"b", "_Unused", "c"}))
      .run();
  OpTest("CategoryMapper", 1, kMl)
      .attr("cats_strings", std::vector<std::string>{"a"})
      .attr("cats_int64s", std::vector<int64_t>{1})
      .input<int64_t>("X", {0}, {})
      .output("Y", strings({0}, {}))
      .run();
}

TEST(CategoryMapper, RejectsListsOfDifferentLengths) {
  expect_node_error(OpTest("CategoryMapper", 1, kMl)
                        .attr("cats_strings", std::vector<std::string>{"a", "b"})
                        .attr("cats_int64s", std::vector<int64_t>{1})
                        .input<int64_t>("X", {1}, {1})
                        .output_unchecked("Y"),
                    "CategoryMapper", "cats_int64s (1) and cats_strings (2) must have the same length");
}

// ---- ArrayFeatureExtractor / FeatureVectorizer --------------------------------------------------------

TEST(ArrayFeatureExtractor, SelectsFromTheLastDimension) {
  OpTest("ArrayFeatureExtractor", 1, kMl)
      .input<float>("X", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<int64_t>("Y", {3}, {2, 0, 2})
      .output<float>("Z", {2, 3}, {3, 1, 3, 6, 4, 6})
      .run();
  // A 1-D X gives [1, k]; strings work too.
  OpTest("ArrayFeatureExtractor", 1, kMl)
      .input("X", strings({3}, {"a", "b", "c"}))
      .input<int64_t>("Y", {1, 2}, {1, 0})
      .output("Z", strings({1, 2}, {"b", "a"}))
      .run();
  OpTest("ArrayFeatureExtractor", 1, kMl)
      .input<int64_t>("X", {2, 2}, {1, 2, 3, 4})
      .input<int64_t>("Y", {0}, {})
      .output<int64_t>("Z", {2, 0}, {})
      .run();
}

TEST(ArrayFeatureExtractor, RejectsIndexOutOfRange) {
  expect_node_error(OpTest("ArrayFeatureExtractor", 1, kMl)
                        .input<float>("X", {2, 3}, {1, 2, 3, 4, 5, 6})
                        .input<int64_t>("Y", {2}, {0, 3})
                        .output_unchecked("Z"),
                    "ArrayFeatureExtractor", "index 3 (Y[1]) is out of range for X's last dimension 3");
  expect_node_error(OpTest("ArrayFeatureExtractor", 1, kMl)
                        .input<float>("X", {3}, {1, 2, 3})
                        .input<int64_t>("Y", {1}, {-1})
                        .output_unchecked("Z"),
                    "ArrayFeatureExtractor", "index -1 (Y[0]) is out of range");
}

TEST(FeatureVectorizer, ConcatenatesTruncatesAndPads) {
  // Input 0 [2, 3] takes 2 columns; input 1 [2, 1] is padded to 2 columns.
  OpTest("FeatureVectorizer", 1, kMl)
      .attr("inputdimensions", std::vector<int64_t>{2, 2})
      .input<float>("X0", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<int64_t>("X1", {2, 1}, {7, 8})
      .output<float>("Y", {2, 4}, {1, 2, 7, 0, 4, 5, 8, 0})
      .run();
  OpTest("FeatureVectorizer", 1, kMl)
      .attr("inputdimensions", std::vector<int64_t>{2})
      .input<double>("X0", {2}, {1.5, 2.5})
      .output<float>("Y", {1, 2}, {1.5f, 2.5f})
      .run();
}

TEST(FeatureVectorizer, RejectsMismatchedRows) {
  expect_node_error(OpTest("FeatureVectorizer", 1, kMl)
                        .attr("inputdimensions", std::vector<int64_t>{1, 1})
                        .input<float>("X0", {2, 1}, {1, 2})
                        .input<float>("X1", {3, 1}, {1, 2, 3})
                        .output_unchecked("Y"),
                    "FeatureVectorizer", "input 1 has 3 rows but input 0 has 2");
  expect_node_error(OpTest("FeatureVectorizer", 1, kMl)
                        .attr("inputdimensions", std::vector<int64_t>{1})
                        .input<float>("X0", {2, 1}, {1, 2})
                        .input<float>("X1", {2, 1}, {1, 2})
                        .output_unchecked("Y"),
                    "FeatureVectorizer", "inputdimensions has 1 sizes for 2 inputs");
}

}  // namespace onyx::test
