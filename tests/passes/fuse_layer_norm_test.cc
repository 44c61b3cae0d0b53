// fuse_layer_norm / fuse_skip_layer_norm: decomposed LayerNorm and RMSNorm,
// Add + LayerNormalization -> SkipLayerNormalization (with and without the
// sum read elsewhere), and the cases that must not fuse.
#include "passes/pass_test_util.h"

namespace onyx::test {
namespace {

constexpr int64_t C = 16;

// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add over `axis`.
// With `skip`, x is Add(x0, x1) of two inputs (a residual before the norm).
std::string decomposed_ln(int64_t axis, float pow_exp = 2.f, int64_t opset = 17, bool skip = false) {
  ModelBuilder mb(opset);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 5, C});
  if (skip) x = mb.node("Add", {x, mb.input("x1", DataType::kFloat, {2, 5, C})});
  auto axes = ModelBuilder::attr_ints("axes", {axis});
  ir::Value* m = mb.node("ReduceMean", {x}, {axes});
  ir::Value* d = mb.node("Sub", {x, m});
  ir::Value* v = mb.node("ReduceMean", {mb.node("Pow", {d, scalar_const(mb, "two", pow_exp)})}, {axes});
  ir::Value* s = mb.node("Sqrt", {mb.node("Add", {v, scalar_const(mb, "eps", 1e-5f)})});
  ir::Value* n = mb.node("Div", {d, s});
  ir::Value* y = mb.node("Add", {mb.node("Mul", {n, fconst(mb, "gamma", {C}, 1)}), fconst(mb, "beta", {C}, 2)});
  mb.output(y);
  return mb.bytes();
}

std::string decomposed_rms(bool reciprocal) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 5, C});
  ir::Value* ms = mb.node("ReduceMean", {mb.node("Pow", {x, scalar_const(mb, "two", 2.f)})},
                          {ModelBuilder::attr_ints("axes", {-1})});
  ir::Value* s = mb.node("Sqrt", {mb.node("Add", {ms, scalar_const(mb, "eps", 1e-6f)})});
  ir::Value* n = reciprocal ? mb.node("Mul", {x, mb.node("Reciprocal", {s})}) : mb.node("Div", {x, s});
  mb.output(mb.node("Mul", {fconst(mb, "gamma", {C}, 1), n}));
  return mb.bytes();
}

std::vector<Tensor> in() { return {random_floats({2, 5, C}, 3, -2.f, 3.f)}; }

TEST(FuseLayerNorm, DecomposedFormBecomesLayerNormalization) {
  Optimized o = check_against_unoptimized(decomposed_ln(-1), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("LayerNormalization"), 1);
  EXPECT_EQ(o.count("ReduceMean"), 0);
  EXPECT_EQ(o.count("Sqrt"), 0);
}

// Below opset 17 ai.onnx has no LayerNormalization: the fused op is Onyx's, and
// an Add before it still becomes SkipLayerNormalization.
TEST(FuseLayerNorm, OlderOpsetsGetOnyxLayerNormalization) {
  for (int64_t opset : {11, 13, 16}) {
    Optimized o = check_against_unoptimized(decomposed_ln(-1, 2.f, opset), OptLevel::kExtended, {"x"}, in());
    EXPECT_EQ(o.count("com.onyx:LayerNormalization"), 1) << opset;
    EXPECT_EQ(o.count("LayerNormalization"), 0) << opset;
    EXPECT_EQ(o.count("ReduceMean"), 0) << opset;
  }
  Optimized p = check_against_unoptimized(decomposed_ln(1, 2.f, 13), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(p.count("com.onyx:LayerNormalization"), 0);
  Optimized q = check_against_unoptimized(decomposed_ln(-1, 2.f, 13, true), OptLevel::kExtended, {"x", "x1"},
                                          {random_floats({2, 5, C}, 3), random_floats({2, 5, C}, 4)});
  EXPECT_EQ(q.count("com.onyx:SkipLayerNormalization"), 1);
  EXPECT_EQ(q.count("com.onyx:LayerNormalization"), 0);
  EXPECT_EQ(q.count("Add"), 0);
}

TEST(FuseLayerNorm, WrongAxisOrExponentDoesNotFuse) {
  Optimized o = check_against_unoptimized(decomposed_ln(1), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("LayerNormalization"), 0);
  Optimized p = check_against_unoptimized(decomposed_ln(-1, 3.f), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(p.count("LayerNormalization"), 0);
}

TEST(FuseLayerNorm, RmsNormBothForms) {
  for (bool recip : {false, true}) {
    Optimized o = check_against_unoptimized(decomposed_rms(recip), OptLevel::kExtended, {"x"}, in());
    EXPECT_EQ(o.count("com.onyx:RMSNormalization"), 1) << recip;
    EXPECT_EQ(o.count("ReduceMean"), 0) << recip;
  }
}

// Add(a, b) -> LayerNormalization; `sum_out`: the sum is also a graph output;
// `b_shape` lets b broadcast.
std::string add_ln(bool sum_out, Shape b_shape) {
  ModelBuilder mb(17);
  ir::Value* a = mb.input("a", DataType::kFloat, {2, 5, C});
  ir::Dims bd;
  for (int64_t d : b_shape) bd.push_back(d);
  ir::Value* b = mb.input("b", DataType::kFloat, bd);
  ir::Value* s = mb.node("Add", {a, b});
  ir::Value* y = mb.node("LayerNormalization", {s, fconst(mb, "g", {C}, 1), fconst(mb, "be", {C}, 2)},
                         {ModelBuilder::attr_int("axis", -1), attr_f("epsilon", 1e-5f)});
  mb.output(y);
  if (sum_out) mb.output(mb.node("Relu", {s}));
  return mb.bytes();
}

TEST(FuseSkipLayerNorm, AddThenLayerNorm) {
  for (bool sum_out : {false, true}) {
    std::vector<Tensor> v = {random_floats({2, 5, C}, 1), random_floats({2, 5, C}, 2)};
    Optimized o = check_against_unoptimized(add_ln(sum_out, {2, 5, C}), OptLevel::kExtended, {"a", "b"}, v);
    EXPECT_EQ(o.count("com.onyx:SkipLayerNormalization"), 1) << sum_out;
    EXPECT_EQ(o.count("Add"), 0) << sum_out;
    EXPECT_EQ(o.count("LayerNormalization"), 0) << sum_out;
  }
}

TEST(FuseSkipLayerNorm, BroadcastAddDoesNotFuse) {
  std::vector<Tensor> v = {random_floats({2, 5, C}, 1), random_floats({1, 5, C}, 2)};
  Optimized o = check_against_unoptimized(add_ln(false, {1, 5, C}), OptLevel::kExtended, {"a", "b"}, v);
  EXPECT_EQ(o.count("com.onyx:SkipLayerNormalization"), 0);
  EXPECT_EQ(o.count("LayerNormalization"), 1);
}

}  // namespace
}  // namespace onyx::test
