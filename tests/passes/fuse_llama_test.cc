// A Llama-style decoder block written as the TorchScript exporter writes it
// (decomposed RMSNorm, grouped-query attention with repeat_kv, rotate-half
// rotary embeddings on Q and K, causal mask, scores / sqrt(D)): the
// attention fuses into one com.onyx MultiHeadAttention with kv_num_heads,
// Cos/Sin inputs and causal=1, the norm into RMSNormalization; outputs match
// the unfused graph.
#include <limits>

#include "passes/pass_test_util.h"

namespace onyx::test {
namespace {

constexpr int64_t S = 6, H = 4, Hkv = 2, D = 8, E = H * D;

std::string llama_block(bool rotate_k) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, S, E});
  ir::Value* cos = mb.input("cos", DataType::kFloat, {1, 1, S, D});
  ir::Value* sin = mb.input("sin", DataType::kFloat, {1, 1, S, D});
  // RMSNorm: x * Reciprocal(Sqrt(mean(x^2) + eps)) * gamma
  ir::Value* ms = mb.node("ReduceMean", {mb.node("Pow", {x, scalar_const(mb, "two", 2.f)})},
                          {ModelBuilder::attr_ints("axes", {-1})});
  ir::Value* r = mb.node("Reciprocal", {mb.node("Sqrt", {mb.node("Add", {ms, scalar_const(mb, "eps", 1e-6f)})})});
  ir::Value* xn = mb.node("Mul", {fconst(mb, "gamma", {E}, 9), mb.node("Mul", {x, r})});
  auto heads = [&](ir::Value* p, int64_t n, const std::string& name) {
    ir::Value* rs = mb.node("Reshape", {p, ints_const(mb, name + "_shape", {1, S, n, D})});
    return mb.node("Transpose", {rs}, {ModelBuilder::attr_ints("perm", {0, 2, 1, 3})});
  };
  ir::Value* q = heads(mb.node("MatMul", {xn, fconst(mb, "wq", {E, H * D}, 1)}), H, "q");
  ir::Value* k = heads(mb.node("MatMul", {xn, fconst(mb, "wk", {E, Hkv * D}, 2)}), Hkv, "k");
  ir::Value* v = heads(mb.node("MatMul", {xn, fconst(mb, "wv", {E, Hkv * D}, 3)}), Hkv, "v");
  int uid = 0;
  auto rotary = [&](ir::Value* t) {
    const std::string p = "rot" + std::to_string(uid++);
    ir::Value* axes = ints_const(mb, p + "_axes", {-1});
    ir::Value* hi = mb.node("Slice", {t, ints_const(mb, p + "_b1", {D / 2}),
                                      ints_const(mb, p + "_e1", {std::numeric_limits<int64_t>::max()}), axes});
    ir::Value* lo = mb.node("Slice", {t, ints_const(mb, p + "_b0", {0}), ints_const(mb, p + "_e0", {D / 2}), axes});
    ir::Value* rot = mb.node("Concat", {mb.node("Neg", {hi}), lo}, {ModelBuilder::attr_int("axis", -1)});
    return mb.node("Add", {mb.node("Mul", {t, cos}), mb.node("Mul", {rot, sin})});
  };
  auto repeat = [&](ir::Value* t) {
    const std::string p = "rep" + std::to_string(uid++);
    ir::Value* u = mb.node("Unsqueeze", {t, ints_const(mb, p + "_axes", {2})});
    ir::Value* e = mb.node("Expand", {u, ints_const(mb, p + "_shape", {1, Hkv, H / Hkv, S, D})});
    return mb.node("Reshape", {e, ints_const(mb, p + "_merge", {1, H, S, D})});
  };
  q = rotary(q);
  if (rotate_k) k = rotary(k);
  ir::Value* kt = mb.node("Transpose", {repeat(k)}, {ModelBuilder::attr_ints("perm", {0, 1, 3, 2})});
  ir::Value* scores = mb.node("Div", {mb.node("MatMul", {q, kt}), scalar_const(mb, "sqrt_d", std::sqrt(float(D)))});
  Tensor causal(DataType::kFloat, {1, 1, S, S});
  for (int64_t i = 0; i < S; ++i)
    for (int64_t j = 0; j < S; ++j)
      causal.data<float>()[i * S + j] = j <= i ? 0.f : -std::numeric_limits<float>::infinity();
  ir::Value* probs = mb.node("Softmax", {mb.node("Add", {scores, mb.constant("causal", causal)})},
                             {ModelBuilder::attr_int("axis", -1)});
  ir::Value* ctx = mb.node("MatMul", {probs, repeat(v)});
  ir::Value* merged = mb.node("Reshape", {mb.node("Transpose", {ctx}, {ModelBuilder::attr_ints("perm", {0, 2, 1, 3})}),
                                          ints_const(mb, "merged", {1, S, E})});
  mb.output(mb.node("Add", {x, mb.node("MatMul", {merged, fconst(mb, "wo", {E, E}, 4)})}));
  return mb.bytes();
}

std::vector<Tensor> inputs() {
  Tensor cos(DataType::kFloat, {1, 1, S, D}), sin(DataType::kFloat, {1, 1, S, D});
  for (int64_t p = 0; p < S; ++p)
    for (int64_t i = 0; i < D; ++i) {
      const double inv = std::pow(10000.0, -2.0 * static_cast<double>(i % (D / 2)) / D);
      cos.data<float>()[p * D + i] = static_cast<float>(std::cos(p * inv));
      sin.data<float>()[p * D + i] = static_cast<float>(std::sin(p * inv));
    }
  return {random_floats({1, S, E}, 21, -2.f, 2.f), cos, sin};
}

TEST(FuseLlama, GroupedQueryAttentionWithRotaryAndRmsNorm) {
  Optimized o = check_against_unoptimized(llama_block(true), OptLevel::kExtended, {"x", "cos", "sin"}, inputs());
  ASSERT_EQ(o.count("com.onyx:MultiHeadAttention"), 1);
  EXPECT_EQ(o.count("com.onyx:RMSNormalization"), 1);
  EXPECT_EQ(o.count("Softmax") + o.count("Expand") + o.count("Concat") + o.count("Neg"), 0);
  for (const auto& n : o.session->model().graph->nodes())
    if (n->op_type == "MultiHeadAttention") {
      EXPECT_EQ(n->attr_int("num_heads", 0), H);
      EXPECT_EQ(n->attr_int("kv_num_heads", 0), Hkv);
      EXPECT_EQ(n->attr_int("causal", 0), 1);
      EXPECT_EQ(n->num_inputs(), 4);  // QKV, (no mask), Cos, Sin
    }
}

TEST(FuseLlama, RotaryOnQueriesOnlyDoesNotFuse) {
  Optimized o = check_against_unoptimized(llama_block(false), OptLevel::kExtended, {"x", "cos", "sin"}, inputs());
  EXPECT_EQ(o.count("com.onyx:MultiHeadAttention"), 0);
}

}  // namespace
}  // namespace onyx::test
