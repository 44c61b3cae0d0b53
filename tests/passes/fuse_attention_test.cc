// fuse_attention: BERT-style (separate Q/K/V projections, input mask) and
// GPT-2-style (packed projection + Split, constant causal mask) blocks fuse
// into one com.onyx MultiHeadAttention with the unfused outputs; and the
// cases where it must not fire.
#include "passes/pass_test_util.h"

namespace onyx::test {
namespace {

constexpr int64_t S = 6, H = 2, D = 4, E = H * D;

enum class Mask { kNone, kInput, kCausalConst, kOtherConst };

struct AttnModel {
  bool packed = false;         // one projection + Split (GPT-2) vs three MatMul+Add (BERT)
  Mask mask = Mask::kInput;
  bool probs_escape = false;   // the softmax output is also a graph output
  bool dynamo_kt = false;      // K^T as Reshape -> Transpose<0,2,1> -> Reshape (dynamo)
  float q_scale = 0.5f;        // split scale as BERT's exporter does (sqrt on both)
  bool div_scores = false;     // older exports: MatMul(Q, K^T) / sqrt(D), no Mul on Q, K
};

std::string build(const AttnModel& m) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, S, E});
  ir::Value* heads_shape = ints_const(mb, "heads_shape", {1, S, H, D});
  ir::Value *q, *k, *v;
  if (m.packed) {
    ir::Value* qkv = mb.node("MatMul", {x, fconst(mb, "w_qkv", {E, 3 * E}, 1)});
    ir::Node* split = nullptr;
    mb.node("Split", {qkv}, {ModelBuilder::attr_int("axis", 2)}, 3);
    split = mb.last_node();
    q = split->outputs[0];
    k = split->outputs[1];
    v = split->outputs[2];
  } else {
    auto proj = [&](const char* n, uint32_t seed) {
      ir::Value* mm = mb.node("MatMul", {x, fconst(mb, std::string("w_") + n, {E, E}, seed)});
      return mb.node("Add", {fconst(mb, std::string("b_") + n, {E}, seed + 10), mm});
    };
    q = proj("q", 2);
    k = proj("k", 3);
    v = proj("v", 4);
  }
  auto heads = [&](ir::Value* t, std::vector<int64_t> perm) {
    return mb.node("Transpose", {mb.node("Reshape", {t, heads_shape})}, {ModelBuilder::attr_ints("perm", perm)});
  };
  ir::Value* qh = heads(q, {0, 2, 1, 3});
  if (!m.div_scores) qh = mb.node("Mul", {qh, scalar_const(mb, "sq", m.q_scale)});
  ir::Value* kt;
  if (m.dynamo_kt) {
    ir::Value* kh = heads(k, {0, 2, 1, 3});
    ir::Value* flat = mb.node("Reshape", {kh, ints_const(mb, "flat", {-1, S, D})});
    ir::Value* tr = mb.node("Transpose", {flat}, {ModelBuilder::attr_ints("perm", {0, 2, 1})});
    kt = mb.node("Reshape", {tr, ints_const(mb, "unflat", {1, H, D, S})});
  } else {
    kt = heads(k, {0, 2, 3, 1});
  }
  ir::Value* ks = m.div_scores ? kt : mb.node("Mul", {kt, scalar_const(mb, "sk", 0.7071f)});
  ir::Value* scores = mb.node("MatMul", {qh, ks});
  if (m.div_scores) scores = mb.node("Div", {scores, scalar_const(mb, "sqrt_d", 2.f)});
  ir::Value* mask_in = nullptr;
  if (m.mask == Mask::kInput) {
    mask_in = mb.input("mask", DataType::kFloat, {1, 1, S, S});
  } else if (m.mask == Mask::kCausalConst || m.mask == Mask::kOtherConst) {
    Tensor t(DataType::kFloat, {1, 1, S, S});
    for (int64_t i = 0; i < S; ++i)
      for (int64_t j = 0; j < S; ++j) t.data<float>()[i * S + j] = j <= i ? 0.f : -3.4028234663852886e+38f;
    if (m.mask == Mask::kOtherConst) t.data<float>()[1] = -1.f;  // not a causal mask any more
    mask_in = mb.constant("causal", t);
  }
  if (mask_in) scores = mb.node("Add", {scores, mask_in});
  ir::Value* probs = mb.node("Softmax", {scores}, {ModelBuilder::attr_int("axis", -1)});
  ir::Value* nan = mb.node("IsNaN", {probs});
  ir::Value* clean = mb.node("Where", {nan, scalar_const(mb, "zero", 0.f), probs});
  ir::Value* ctx = mb.node("MatMul", {clean, heads(v, {0, 2, 1, 3})});
  ir::Value* back = mb.node("Transpose", {ctx}, {ModelBuilder::attr_ints("perm", {0, 2, 1, 3})});
  ir::Value* merged = mb.node("Reshape", {back, ints_const(mb, "merged", {1, S, E})});
  mb.output(mb.node("MatMul", {merged, fconst(mb, "w_o", {E, E}, 5)}));
  if (m.probs_escape) mb.output(probs);
  return mb.bytes();
}

std::vector<Tensor> inputs_for(const AttnModel& m, std::vector<std::string>& names) {
  names = {"x"};
  std::vector<Tensor> in = {random_floats({1, S, E}, 7, -2.f, 2.f)};
  if (m.mask == Mask::kInput) {
    names.push_back("mask");
    Tensor mask(DataType::kFloat, {1, 1, S, S});
    for (int64_t i = 0; i < S * S; ++i) mask.data<float>()[i] = (i % S) >= S - 2 ? -INFINITY : 0.f;
    in.push_back(mask);
  }
  return in;
}

int mha_count(const Optimized& o) { return o.count("com.onyx:MultiHeadAttention"); }

// m optimized at `level` on its usual inputs, checked against the unoptimized run.
Optimized optimized(const AttnModel& m, OptLevel level = OptLevel::kExtended) {
  std::vector<std::string> names;
  auto in = inputs_for(m, names);
  return check_against_unoptimized(build(m), level, names, in);
}

TEST(FuseAttention, BertStyleSeparateProjectionsWithMask) {
  AttnModel m;
  Optimized o = optimized(m);
  EXPECT_EQ(mha_count(o), 1);
  EXPECT_EQ(o.count("Softmax"), 0);
  EXPECT_EQ(o.count("Transpose"), 0);
  // Q, K, V projections were packed into one product.
  EXPECT_EQ(o.count("MatMul") + o.count("com.onyx:FusedMatMul"), 2);
}

TEST(FuseAttention, FullyMaskedRowsGiveZerosLikeTheExport) {
  AttnModel m;
  std::vector<std::string> names;
  auto in = inputs_for(m, names);
  for (int64_t j = 0; j < S; ++j) in[1].data<float>()[2 * S + j] = -INFINITY;  // query row 2 sees nothing
  Optimized o = check_against_unoptimized(build(m), OptLevel::kExtended, names, in);
  EXPECT_EQ(mha_count(o), 1);
}

TEST(FuseAttention, Gpt2StylePackedSplitCausal) {
  AttnModel m;
  m.packed = true;
  m.mask = Mask::kCausalConst;
  m.dynamo_kt = true;
  Optimized o = optimized(m);
  EXPECT_EQ(mha_count(o), 1);
  for (const auto& n : o.session->model().graph->nodes())
    if (n->op_type == "MultiHeadAttention") {
      EXPECT_EQ(n->attr_int("causal", 0), 1);
      EXPECT_EQ(n->num_inputs(), 1);  // the constant mask became the attribute
    }
  EXPECT_EQ(o.count("Split"), 0);
}

TEST(FuseAttention, MaskThatIsNotCausalStaysAnInput) {
  AttnModel m;
  m.packed = true;
  m.mask = Mask::kOtherConst;
  Optimized o = optimized(m);
  ASSERT_EQ(mha_count(o), 1);
  for (const auto& n : o.session->model().graph->nodes())
    if (n->op_type == "MultiHeadAttention") {
      EXPECT_EQ(n->attr_int("causal", 0), 0);
      EXPECT_EQ(n->num_inputs(), 2);
    }
}

TEST(FuseAttention, ScoresDividedBySqrtD) {
  AttnModel m;
  m.div_scores = true;
  Optimized o = optimized(m);
  EXPECT_EQ(mha_count(o), 1);
  EXPECT_EQ(o.count("Div"), 0);
}

TEST(FuseAttention, NoMask) {
  AttnModel m;
  m.mask = Mask::kNone;
  Optimized o = optimized(m);
  EXPECT_EQ(mha_count(o), 1);
}

TEST(FuseAttention, DoesNotFireWhenProbabilitiesAreReadOutside) {
  AttnModel m;
  m.probs_escape = true;
  Optimized o = optimized(m);
  EXPECT_EQ(mha_count(o), 0);
  EXPECT_EQ(o.count("Softmax"), 1);
}

TEST(FuseAttention, NotAtBasicLevel) {
  AttnModel m;
  Optimized o = optimized(m, OptLevel::kBasic);
  EXPECT_EQ(mha_count(o), 0);
}

TEST(FuseAttention, SavedModelReloadsWithTheSameOutputs) {
  AttnModel m;
  m.packed = true;
  m.mask = Mask::kCausalConst;
  std::vector<std::string> names;
  auto in = inputs_for(m, names);
  const std::string path = ::testing::TempDir() + "onyx_attention_opt.onnx";
  Optimized o = run_level(build(m), OptLevel::kAll, names, in, false, path);
  ASSERT_EQ(mha_count(o), 1);
  SessionOptions so;
  so.opt_level = OptLevel::kDisabled;
  auto again = Session::create(path, so);
  int mha = 0;
  for (const auto& n : again->model().graph->nodes()) mha += n->op_type == "MultiHeadAttention";
  EXPECT_EQ(mha, 1);
  EXPECT_EQ(again->model().opset("com.onyx"), 1);
  std::vector<Value> iv(in.begin(), in.end());
  auto out = again->run(names, iv, {});
  expect_close(out[0].tensor(), o.outputs[0], 1e-6f, "reloaded output");
}

// The kernels against each other on a grouped-query, batched, rotary case,
// with and without causal masking (two query blocks).
TEST(MultiHeadAttentionKernel, FastMatchesReferenceGqaCausalMasked) {
  for (bool causal : {false, true}) {
    ModelBuilder mb(17);
    const int64_t B = 2, T = 70, Hq = 4, Hkv = 2, Dh = 8;
    ir::Value* qkv = mb.input("qkv", DataType::kFloat, {B, T, (Hq + 2 * Hkv) * Dh});
    ir::Value* mask = mb.input("mask", DataType::kFloat, {B, 1, 1, T});
    ir::Value* cos = mb.input("cos", DataType::kFloat, {B, 1, T, Dh});
    ir::Value* sin = mb.input("sin", DataType::kFloat, {B, 1, T, Dh});
    mb.model().opsets["com.onyx"] = 1;
    ir::Value* y = mb.node("MultiHeadAttention", {qkv, mask, cos, sin},
                           {ModelBuilder::attr_int("num_heads", Hq), ModelBuilder::attr_int("kv_num_heads", Hkv),
                            ModelBuilder::attr_int("causal", causal)},
                           1, "com.onyx");
    mb.last_node()->opset = 1;
    mb.output(y);
    Tensor m = random_floats({B, 1, 1, T}, 3, -1.f, 0.f);
    m.data<float>()[5] = -INFINITY;
    std::vector<Tensor> in = {random_floats({B, T, (Hq + 2 * Hkv) * Dh}, 9, -3.f, 3.f), m,
                              random_floats({B, 1, T, Dh}, 10), random_floats({B, 1, T, Dh}, 11)};
    std::string bytes = mb.bytes();
    const std::vector<std::string> names = {"qkv", "mask", "cos", "sin"};
    Optimized fast = run_level(bytes, OptLevel::kDisabled, names, in, false);
    Optimized ref = run_level(bytes, OptLevel::kDisabled, names, in, true);
    expect_close(fast.outputs[0], ref.outputs[0], 1e-5f, causal ? "causal" : "masked");
    EXPECT_EQ(fast.outputs[0].shape(), (Shape{B, T, Hq * Dh}));
  }
}

}  // namespace
}  // namespace onyx::test
