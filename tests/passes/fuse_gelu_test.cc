// fuse_gelu: erf and tanh forms -> com.onyx Gelu / FastGelu (then folded into
// the MatMul's epilogue), and forms with a wrong constant that must stay.
#include "passes/pass_test_util.h"

namespace onyx::test {
namespace {

// 0.5 * x * (1 + erf(x / c)) after MatMul + bias, c = sqrt(2) unless given.
std::string erf_gelu(float divisor, bool product_escapes = false) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 8});
  ir::Value* mm = mb.node("MatMul", {x, fconst(mb, "w", {8, 16}, 1)});
  ir::Value* h = mb.node("Add", {fconst(mb, "b", {16}, 2), mm});
  ir::Value* e = mb.node("Erf", {mb.node("Div", {h, scalar_const(mb, "c", divisor)})});
  ir::Value* a = mb.node("Add", {e, scalar_const(mb, "one", 1.f)});
  ir::Value* m = mb.node("Mul", {h, a});
  mb.output(mb.node("Mul", {m, scalar_const(mb, "half", 0.5f)}));
  if (product_escapes) mb.output(m);
  return mb.bytes();
}

// GPT-2's tanh form: (x * 0.5) * (1 + tanh(0.79788 * (x + 0.044715 * x^3)))
std::string tanh_gelu(float cubic) {
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 8});
  ir::Value* h = mb.node("MatMul", {x, fconst(mb, "w", {8, 16}, 1)});
  ir::Value* half = mb.node("Mul", {h, scalar_const(mb, "half", 0.5f)});
  ir::Value* cube = mb.node("Pow", {h, scalar_const(mb, "three", 3.f)});
  ir::Value* inner = mb.node("Add", {h, mb.node("Mul", {cube, scalar_const(mb, "k", cubic)})});
  ir::Value* t = mb.node("Tanh", {mb.node("Mul", {inner, scalar_const(mb, "s", 0.7978845834732056f)})});
  ir::Value* a = mb.node("Add", {t, scalar_const(mb, "one", 1.f)});
  mb.output(mb.node("Mul", {half, a}));
  return mb.bytes();
}

std::vector<Tensor> in() { return {random_floats({2, 3, 8}, 5, -3.f, 3.f)}; }

TEST(FuseGelu, ErfFormBecomesMatMulEpilogue) {
  Optimized o = check_against_unoptimized(erf_gelu(1.4142135381698608f), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Erf"), 0);
  EXPECT_EQ(o.count("com.onyx:FusedMatMul"), 1);
  for (const auto& n : o.session->model().graph->nodes())
    if (n->op_type == "FusedMatMul") {
      EXPECT_EQ(n->attr_string("activation", ""), "Gelu");
    }
}

TEST(FuseGelu, TanhFormBecomesFastGelu) {
  Optimized o = check_against_unoptimized(tanh_gelu(0.044714998453855515f), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Tanh"), 0);
  EXPECT_EQ(o.count("Pow"), 0);
  for (const auto& n : o.session->model().graph->nodes())
    if (n->op_type == "FusedMatMul") {
      EXPECT_EQ(n->attr_string("activation", ""), "GeluTanh");
    }
  EXPECT_EQ(o.count("com.onyx:FusedMatMul"), 1);
}

TEST(FuseGelu, WrongErfScaleIsNotGelu) {
  Optimized o = check_against_unoptimized(erf_gelu(1.5f), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Erf"), 1);
  EXPECT_EQ(o.count("com.onyx:Gelu"), 0);
}

TEST(FuseGelu, WrongCubicCoefficientIsNotFastGelu) {
  Optimized o = check_against_unoptimized(tanh_gelu(0.05f), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Tanh"), 1);
  EXPECT_EQ(o.count("com.onyx:FastGelu"), 0);
}

TEST(FuseGelu, IntermediateReadOutsideThePatternBlocksIt) {
  Optimized o = check_against_unoptimized(erf_gelu(1.4142135381698608f, true), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Erf"), 1);
}

TEST(GeluKernels, FastMatchesReference) {
  for (const char* op : {"Gelu", "FastGelu"}) {
    ModelBuilder mb(17);
    mb.model().opsets["com.onyx"] = 1;
    ir::Value* x = mb.input("x", DataType::kFloat, {3, 1000});
    mb.output(mb.node(op, {x}, {}, 1, "com.onyx"));
    std::vector<Tensor> v = {random_floats({3, 1000}, 4, -6.f, 6.f)};
    Optimized fast = run_level(mb.bytes(), OptLevel::kDisabled, {"x"}, v, false);
    Optimized ref = run_level(mb.bytes(), OptLevel::kDisabled, {"x"}, v, true);
    expect_close(fast.outputs[0], ref.outputs[0], 1e-5f, op);
  }
}

}  // namespace
}  // namespace onyx::test

namespace onyx::test {
namespace {

// Llama's gated MLP: silu(x W1) * (x W3), silu written as h * Sigmoid(h).
std::string gated_mlp(bool sigmoid_escapes) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 8});
  ir::Value* h = mb.node("MatMul", {x, fconst(mb, "w1", {8, 16}, 1)});
  ir::Value* sig = mb.node("Sigmoid", {h});
  ir::Value* act = mb.node("Mul", {h, sig});
  ir::Value* up = mb.node("MatMul", {x, fconst(mb, "w3", {8, 16}, 2)});
  mb.output(mb.node("MatMul", {mb.node("Mul", {act, up}), fconst(mb, "w2", {16, 8}, 3)}));
  if (sigmoid_escapes) mb.output(sig);
  return mb.bytes();
}

TEST(FuseSilu, SigmoidTimesInputIsTheMatMulEpilogue) {
  Optimized o = check_against_unoptimized(gated_mlp(false), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Sigmoid"), 0);
  int silu = 0;
  for (const auto& n : o.session->model().graph->nodes())
    silu += n->op_type == "FusedMatMul" && n->attr_string("activation", "") == "Silu";
  EXPECT_EQ(silu, 1);
}

TEST(FuseSilu, SigmoidReadElsewhereStays) {
  Optimized o = check_against_unoptimized(gated_mlp(true), OptLevel::kExtended, {"x"}, in());
  EXPECT_EQ(o.count("Sigmoid"), 1);
}

}  // namespace
}  // namespace onyx::test
