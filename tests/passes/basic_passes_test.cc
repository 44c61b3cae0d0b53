// Basic-level passes: CSE, no-op Cast, Reshape chains, Transpose pairs,
// unused initializers; and the extended 2-D rewrites (MatMul + Add -> Gemm,
// Transpose folded into Gemm, Reshape-Gemm-Reshape -> MatMul).
#include "passes/pass_test_util.h"

namespace onyx::test {
namespace {

std::vector<Tensor> x_in(Shape s) { return {random_floats(std::move(s), 11, -2.f, 2.f)}; }

TEST(Cse, IdenticalNodesMerge) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4, 8});
  ir::Value* a = mb.node("Relu", {x});
  ir::Value* b = mb.node("Relu", {x});
  mb.output(mb.node("Add", {a, b}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({4, 8}));
  EXPECT_EQ(o.count("Relu"), 1);
}

TEST(Cse, DifferentAttributesDoNotMerge) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4, 8});
  ir::Value* a = mb.node("LeakyRelu", {x}, {attr_f("alpha", 0.1f)});
  ir::Value* b = mb.node("LeakyRelu", {x}, {attr_f("alpha", 0.2f)});
  mb.output(mb.node("Add", {a, b}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({4, 8}));
  EXPECT_EQ(o.count("LeakyRelu"), 2);
}

TEST(Cse, GraphOutputsKeepTheirNodes) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4, 8});
  mb.output(mb.node("Relu", {x}));
  mb.output(mb.node("Relu", {x}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({4, 8}));
  EXPECT_EQ(o.outputs.size(), 2u);
}

TEST(EliminateCast, SameTypeCastGoesOtherStays) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4, 8});
  ir::Value* same = mb.node("Cast", {x}, {ModelBuilder::attr_int("to", static_cast<int64_t>(DataType::kFloat))});
  ir::Value* to_int = mb.node("Cast", {same}, {ModelBuilder::attr_int("to", static_cast<int64_t>(DataType::kInt32))});
  ir::Value* back = mb.node("Cast", {to_int}, {ModelBuilder::attr_int("to", static_cast<int64_t>(DataType::kFloat))});
  mb.output(back);
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({4, 8}));
  EXPECT_EQ(o.count("Cast"), 2);  // float->int32->float truncates: not a no-op
}

TEST(EliminateReshapes, ChainCollapsesAndNoOpGoes) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 4});
  ir::Value* r1 = mb.node("Reshape", {x, ints_const(mb, "s1", {6, 4})});
  ir::Value* r2 = mb.node("Reshape", {r1, ints_const(mb, "s2", {4, -1})});
  ir::Value* r3 = mb.node("Reshape", {r2, ints_const(mb, "s3", {4, 6})});  // no-op
  mb.output(mb.node("Relu", {r3}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({2, 3, 4}));
  EXPECT_EQ(o.count("Reshape"), 1);
}

TEST(EliminateReshapes, CopiedDimsBlockTheChain) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 4});
  ir::Value* r1 = mb.node("Reshape", {x, ints_const(mb, "s1", {6, 4})});
  ir::Value* r2 = mb.node("Reshape", {r1, ints_const(mb, "s2", {0, 2, 2})});  // 0 copies r1's dim 0
  mb.output(mb.node("Relu", {r2}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({2, 3, 4}));
  EXPECT_EQ(o.count("Reshape"), 2);
}

TEST(EliminateTransposes, InversePairVanishesOtherPairMerges) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 4});
  ir::Value* t1 = mb.node("Transpose", {x}, {ModelBuilder::attr_ints("perm", {1, 2, 0})});
  ir::Value* t2 = mb.node("Transpose", {t1}, {ModelBuilder::attr_ints("perm", {2, 0, 1})});  // inverse
  ir::Value* t3 = mb.node("Transpose", {t2}, {ModelBuilder::attr_ints("perm", {1, 0, 2})});
  ir::Value* t4 = mb.node("Transpose", {t3}, {ModelBuilder::attr_ints("perm", {0, 2, 1})});
  mb.output(mb.node("Relu", {t4}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({2, 3, 4}));
  EXPECT_EQ(o.count("Transpose"), 1);
}

TEST(EliminateTransposes, BatchedSwapThroughReshapes) {
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 2, 5, 3});
  ir::Value* f = mb.node("Reshape", {x, ints_const(mb, "s1", {-1, 5, 3})});
  ir::Value* t = mb.node("Transpose", {f}, {ModelBuilder::attr_ints("perm", {0, 2, 1})});
  ir::Value* u = mb.node("Reshape", {t, ints_const(mb, "s2", {1, 2, 3, 5})});
  mb.output(mb.node("Relu", {u}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({1, 2, 5, 3}));
  EXPECT_EQ(o.count("Reshape"), 0);
  EXPECT_EQ(o.count("Transpose"), 1);
}

TEST(EliminateTransposes, ReshapeThatIsNotABatchedSwapStays) {
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 2, 5, 3});
  ir::Value* f = mb.node("Reshape", {x, ints_const(mb, "s1", {-1, 5, 3})});
  ir::Value* t = mb.node("Transpose", {f}, {ModelBuilder::attr_ints("perm", {0, 2, 1})});
  ir::Value* u = mb.node("Reshape", {t, ints_const(mb, "s2", {2, 1, 3, 5})});  // batch axes reordered
  mb.output(mb.node("Relu", {u}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({1, 2, 5, 3}));
  EXPECT_EQ(o.count("Reshape"), 2);
}

TEST(UnusedInitializers, Dropped) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4});
  fconst(mb, "orphan", {1000}, 1);
  mb.output(mb.node("Relu", {x}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kBasic, {"x"}, x_in({4}));
  EXPECT_EQ(o.session->model().graph->initializers.size(), 0u);
  Optimized d = run_level(mb.bytes(), OptLevel::kDisabled, {"x"}, x_in({4}));
  EXPECT_EQ(d.session->model().graph->initializers.size(), 1u);
}

TEST(MatMulToGemm, TwoDimMatMulAddBecomesGemm) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {5, 8});
  ir::Value* w = mb.input("w", DataType::kFloat, {6, 8});
  ir::Value* wt = mb.node("Transpose", {w}, {ModelBuilder::attr_ints("perm", {1, 0})});
  ir::Value* mm = mb.node("MatMul", {x, wt});
  mb.output(mb.node("Add", {mm, fconst(mb, "b", {6}, 1)}));
  std::vector<Tensor> v = {random_floats({5, 8}, 1), random_floats({6, 8}, 2)};
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kExtended, {"x", "w"}, v);
  EXPECT_EQ(o.count("Gemm") + o.count("com.onyx:FusedGemm"), 1);
  EXPECT_EQ(o.count("Transpose"), 0);
  EXPECT_EQ(o.count("MatMul"), 0);
}

TEST(MatMulToGemm, BatchedMatMulOrWideBiasStays) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 5, 8});
  ir::Value* mm = mb.node("MatMul", {x, fconst(mb, "w", {8, 6}, 1)});
  mb.output(mb.node("Add", {mm, mb.input("c", DataType::kFloat, {2, 5, 6})}));
  ir::Value* x2 = mb.input("x2", DataType::kFloat, {5, 8});
  ir::Value* mm2 = mb.node("MatMul", {x2, fconst(mb, "w2", {8, 6}, 2)});
  mb.output(mb.node("Add", {mm2, mb.input("c2", DataType::kFloat, {3, 5, 6})}));  // rank grows: not Gemm
  std::vector<Tensor> v = {random_floats({2, 5, 8}, 1), random_floats({2, 5, 6}, 2), random_floats({5, 8}, 3),
                           random_floats({3, 5, 6}, 4)};
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kExtended, {"x", "c", "x2", "c2"}, v);
  EXPECT_EQ(o.count("Gemm") + o.count("com.onyx:FusedGemm"), 0);
}

// Reshape(x, [-1,K]) -> Gemm(W, C) -> Reshape(back) as the dynamo exporter writes Linear.
std::string linear_3d(int64_t trans_a, bool zero_in_shape) {
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 4, 8});
  ir::Value* f = mb.node("Reshape", {x, ints_const(mb, "flat", {-1, 8})});
  std::vector<ir::Attribute> attrs = {ModelBuilder::attr_int("transB", 1), ModelBuilder::attr_int("transA", trans_a)};
  ir::Value* w = trans_a ? mb.node("Transpose", {f}, {ModelBuilder::attr_ints("perm", {1, 0})}) : f;
  ir::Value* gm = mb.node("Gemm", {w, fconst(mb, "w", {6, 8}, 1), fconst(mb, "c", {6}, 2)}, attrs);
  ir::Value* u = mb.node("Reshape", {gm, zero_in_shape ? ints_const(mb, "back", {0, 6})  // 0 copies the 4
                                                     : ints_const(mb, "back", {1, 4, 6})});
  mb.output(mb.node("Relu", {u}));
  return mb.bytes();
}

TEST(GemmToMatMul, FlattenedLinearBecomesMatMulBiasRelu) {
  Optimized o = check_against_unoptimized(linear_3d(0, false), OptLevel::kExtended, {"x"}, x_in({1, 4, 8}));
  EXPECT_EQ(o.count("Gemm"), 0);
  EXPECT_EQ(o.count("Reshape"), 0);
  EXPECT_EQ(o.count("com.onyx:FusedMatMul"), 1);
}

TEST(GemmToMatMul, CopiedDimInTheUnflattenBlocksIt) {
  Optimized o = check_against_unoptimized(linear_3d(0, true), OptLevel::kExtended, {"x"}, x_in({1, 4, 8}));
  EXPECT_EQ(o.count("com.onyx:FusedMatMul") + o.count("MatMul"), 0);
}

}  // namespace
}  // namespace onyx::test
