// fold_transpose_into_matmul: MatMul(A, Transpose<1,0>(W)) with W a 2-D float
// constant becomes com.onyx FusedMatMul(A, W, transB=1) (GPT-2's lm_head), so
// W is packed transposed instead of folded into a transposed copy.
#include "passes/pass_test_util.h"

namespace onyx::test {
namespace {

using ir::Dim;

std::string transposed_weight_model(bool second_reader, bool perm_attr = true, int64_t m = 3) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, m, 40});
  ir::Value* w = fconst(mb, "w", {24, 40}, 11);  // [N, K]
  std::vector<ir::Attribute> attrs;
  if (perm_attr) attrs.push_back(ModelBuilder::attr_ints("perm", {1, 0}));
  ir::Value* wt = mb.node("Transpose", {w}, attrs);
  mb.output(mb.node("MatMul", {x, wt}));
  if (second_reader) mb.output(mb.node("Relu", {wt}));  // the transposed copy is needed by itself too
  return mb.bytes();
}

TEST(FoldTransposeIntoMatMul, TransposedWeightGoesIntoThePacking) {
  for (bool perm_attr : {true, false}) {
    for (int64_t m : {3, 1}) {
      Tensor x = random_floats({2, m, 40}, 12);
      Optimized r = check_against_unoptimized(transposed_weight_model(false, perm_attr, m), OptLevel::kExtended,
                                              {"x"}, {x});
      EXPECT_EQ(r.count("com.onyx:FusedMatMul"), 1) << "perm attr " << perm_attr;
      EXPECT_EQ(r.count("Transpose"), 0);
      EXPECT_EQ(r.count("MatMul"), 0);
      for (const auto& n : r.session->model().graph->nodes()) {
        if (n->op_type == "FusedMatMul") {
          EXPECT_EQ(n->attr_int("transB", 0), 1);
        }
      }
    }
  }
}

TEST(FoldTransposeIntoMatMul, NotWhenTheTransposeHasAnotherReader) {
  Tensor x = random_floats({2, 3, 40}, 13);
  Optimized r = check_against_unoptimized(transposed_weight_model(true), OptLevel::kExtended, {"x"}, {x});
  EXPECT_EQ(r.count("com.onyx:FusedMatMul"), 0);
}

TEST(FoldTransposeIntoMatMul, NotAtLevelBasicNorOnActivations) {
  Tensor x = random_floats({2, 3, 40}, 14);
  Optimized basic = check_against_unoptimized(transposed_weight_model(false), OptLevel::kBasic, {"x"}, {x});
  EXPECT_EQ(basic.count("com.onyx:FusedMatMul"), 0);
  EXPECT_EQ(basic.count("Transpose"), 0) << "folded into a constant at level basic";
  // Transpose of an activation (attention's K^T): left alone.
  ModelBuilder mb;
  ir::Value* a = mb.input("a", DataType::kFloat, {4, 8});
  ir::Value* b = mb.input("b", DataType::kFloat, {6, 8});
  mb.output(mb.node("MatMul", {a, mb.node("Transpose", {b}, {ModelBuilder::attr_ints("perm", {1, 0})})}));
  Optimized r = check_against_unoptimized(mb.bytes(), OptLevel::kAll, {"a", "b"},
                                          {random_floats({4, 8}, 15), random_floats({6, 8}, 16)});
  EXPECT_EQ(r.count("com.onyx:FusedMatMul"), 0);  // (matmul_to_gemm may make it a Gemm with transB)
}

TEST(FoldTransposeIntoMatMul, FusedMatMulTransBChecksShapes) {
  // A FusedMatMul written with transB=1 by hand: K mismatch names both shapes.
  ModelBuilder mb;
  ir::Value* a = mb.input("a", DataType::kFloat, {4, 8});
  ir::Value* b = mb.input("b", DataType::kFloat, {6, 7});
  mb.output(mb.node("FusedMatMul", {a, b}, {ModelBuilder::attr_int("transB", 1)}, 1, "com.onyx"));
  mb.model().opsets["com.onyx"] = 1;
  mb.last_node()->opset = 1;
  const std::string bytes = mb.bytes();
  try {
    Session::create(bytes.data(), bytes.size());
    ADD_FAILURE() << "expected a shape error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[6,7]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace onyx::test
