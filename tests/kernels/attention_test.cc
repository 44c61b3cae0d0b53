// Attention (opsets 23, 24), RotaryEmbedding, LinearAttention and
// FlexAttention. Expected values come from small hand-worked cases and from a
// naive double-precision scaled-dot-product attention written here
// (scores -> softcap -> bias -> softmax -> weighted sum of V).
#include <functional>
#include <limits>

#include "kernels/op_test.h"
#include "kernels/subgraph.h"

namespace onyx::test {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

std::vector<float> values(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(t.real_at(static_cast<int64_t>(i)));
  return v;
}

// Bias added to score (b, h, i, j); kNegInf masks.
using BiasFn = std::function<double(int64_t b, int64_t h, int64_t i, int64_t j)>;

// q [B, Hq, Sq, D], k [B, Hkv, T, D], v [B, Hkv, T, Dv] -> [B, Hq, Sq, Dv].
// probs (optional) receives the softmax [B, Hq, Sq, T].
std::vector<float> naive_sdpa(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                              int64_t B, int64_t Hq, int64_t Hkv, int64_t Sq, int64_t T, int64_t D, int64_t Dv,
                              double scale, double softcap, const BiasFn& bias, std::vector<float>* probs = nullptr) {
  std::vector<float> y(static_cast<size_t>(B * Hq * Sq * Dv), 0.0f);
  if (probs) probs->assign(static_cast<size_t>(B * Hq * Sq * T), 0.0f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t hk = h / (Hq / Hkv);
      for (int64_t i = 0; i < Sq; ++i) {
        std::vector<double> s(static_cast<size_t>(T));
        double mx = kNegInf;
        for (int64_t j = 0; j < T; ++j) {
          double acc = 0;
          for (int64_t d = 0; d < D; ++d)
            acc += static_cast<double>(q[static_cast<size_t>(((b * Hq + h) * Sq + i) * D + d)]) *
                   k[static_cast<size_t>(((b * Hkv + hk) * T + j) * D + d)];
          acc *= scale;
          if (softcap > 0) acc = softcap * std::tanh(acc / softcap);
          acc += bias ? bias(b, h, i, j) : 0.0;
          s[static_cast<size_t>(j)] = acc;
          mx = std::max(mx, acc);
        }
        if (mx == kNegInf) continue;  // every key masked: zeros
        double sum = 0;
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (int64_t j = 0; j < T; ++j) {
          const double p = s[static_cast<size_t>(j)] / sum;
          if (probs) (*probs)[static_cast<size_t>(((b * Hq + h) * Sq + i) * T + j)] = static_cast<float>(p);
          for (int64_t d = 0; d < Dv; ++d)
            y[static_cast<size_t>(((b * Hq + h) * Sq + i) * Dv + d)] +=
                static_cast<float>(p * v[static_cast<size_t>(((b * Hkv + hk) * T + j) * Dv + d)]);
        }
      }
    }
  return y;
}

// [B, H, S, D] -> [B, S, H*D]
std::vector<float> to_packed(const std::vector<float>& x, int64_t B, int64_t H, int64_t S, int64_t D) {
  std::vector<float> y(x.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t s = 0; s < S; ++s)
        for (int64_t d = 0; d < D; ++d)
          y[static_cast<size_t>(((b * S + s) * H + h) * D + d)] = x[static_cast<size_t>(((b * H + h) * S + s) * D + d)];
  return y;
}

void expect_node_error(OpTest t, const std::string& op, const std::string& what) {
  t.expect_error(what);
  t.expect_error(op + "_node");
}

}  // namespace

// ---- Attention -------------------------------------------------------------------------

TEST(Attention, HandWorkedSingleQuery) {
  // q = (1, 0), keys (1, 0) and (0, 1): scores (1/sqrt2, 0) -> softmax
  // (0.66976, 0.33024) -> y = 0.66976 * (1, 2) + 0.33024 * (3, 4).
  OpTest("Attention", 23)
      .input<float>("Q", {1, 1, 1, 2}, {1, 0})
      .input<float>("K", {1, 1, 2, 2}, {1, 0, 0, 1})
      .input<float>("V", {1, 1, 2, 2}, {1, 2, 3, 4})
      .output<float>("Y", {1, 1, 1, 2}, {1.6604769f, 2.6604769f})
      .run();
}

TEST(Attention, GroupedQueryHeadsAgainstNaive) {
  const int64_t B = 2, Hq = 4, Hkv = 2, Sq = 3, T = 5, D = 4, Dv = 3;
  Tensor q = random_tensor(DataType::kFloat, {B, Hq, Sq, D}, 1);
  Tensor k = random_tensor(DataType::kFloat, {B, Hkv, T, D}, 2);
  Tensor v = random_tensor(DataType::kFloat, {B, Hkv, T, Dv}, 3);
  std::vector<float> y =
      naive_sdpa(values(q), values(k), values(v), B, Hq, Hkv, Sq, T, D, Dv, 1 / std::sqrt(4.0), 0, nullptr);
  OpTest("Attention", 23)
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .output<float>("Y", {B, Hq, Sq, Dv}, y)
      .tolerance(1e-5, 1e-6)
      .run();
  // The same in the packed 3-D layout with head counts as attributes.
  OpTest("Attention", 23)
      .input<float>("Q", {B, Sq, Hq * D}, to_packed(values(q), B, Hq, Sq, D))
      .input<float>("K", {B, T, Hkv * D}, to_packed(values(k), B, Hkv, T, D))
      .input<float>("V", {B, T, Hkv * Dv}, to_packed(values(v), B, Hkv, T, Dv))
      .attr("q_num_heads", Hq)
      .attr("kv_num_heads", Hkv)
      .output<float>("Y", {B, Sq, Hq * Dv}, to_packed(y, B, Hq, Sq, Dv))
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(Attention, ScaleAndSoftcap) {
  const int64_t Sq = 2, T = 3, D = 2;
  Tensor q = random_tensor(DataType::kFloat, {1, 1, Sq, D}, 4, -3, 3);
  Tensor k = random_tensor(DataType::kFloat, {1, 1, T, D}, 5, -3, 3);
  Tensor v = random_tensor(DataType::kFloat, {1, 1, T, D}, 6);
  std::vector<float> y = naive_sdpa(values(q), values(k), values(v), 1, 1, 1, Sq, T, D, D, 2.0, 1.5, nullptr);
  OpTest("Attention", 23)
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .attr("scale", 2.0f)
      .attr("softcap", 1.5f)
      .output<float>("Y", {1, 1, Sq, D}, y)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(Attention, CausalWithPastKeyValue) {
  // Past of 2 positions, 2 new: query i sees keys j <= i + 2.
  const int64_t P = 2, S = 2, T = P + S, D = 2;
  Tensor q = random_tensor(DataType::kFloat, {1, 1, S, D}, 7);
  Tensor k = random_tensor(DataType::kFloat, {1, 1, S, D}, 8);
  Tensor v = random_tensor(DataType::kFloat, {1, 1, S, D}, 9);
  Tensor pk = random_tensor(DataType::kFloat, {1, 1, P, D}, 10);
  Tensor pv = random_tensor(DataType::kFloat, {1, 1, P, D}, 11);
  std::vector<float> kall = values(pk), vall = values(pv);
  for (float x : values(k)) kall.push_back(x);
  for (float x : values(v)) vall.push_back(x);
  std::vector<float> y = naive_sdpa(values(q), kall, vall, 1, 1, 1, S, T, D, D, 1 / std::sqrt(2.0), 0,
                                    [&](int64_t, int64_t, int64_t i, int64_t j) { return j > i + P ? kNegInf : 0.0; });
  OpTest("Attention", 23)
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .omitted_input()
      .input("past_key", pk)
      .input("past_value", pv)
      .attr("is_causal", 1)
      .output<float>("Y", {1, 1, S, D}, y)
      .output<float>("present_key", {1, 1, T, D}, kall)
      .output<float>("present_value", {1, 1, T, D}, vall)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(Attention, PackedGroupedQueriesWithCacheAndCausal) {
  // 3-D Q/K/V with 4 query heads over 2 KV heads, 4-D past of 3 positions, 2 new.
  const int64_t B = 1, Hq = 4, Hkv = 2, S = 2, P = 3, T = P + S, D = 2;
  Tensor q = random_tensor(DataType::kFloat, {B, Hq, S, D}, 31);
  Tensor k = random_tensor(DataType::kFloat, {B, Hkv, S, D}, 32);
  Tensor v = random_tensor(DataType::kFloat, {B, Hkv, S, D}, 33);
  Tensor pk = random_tensor(DataType::kFloat, {B, Hkv, P, D}, 34);
  Tensor pv = random_tensor(DataType::kFloat, {B, Hkv, P, D}, 35);
  // present = concat(past, new) per KV head.
  std::vector<float> kall, vall;
  for (int64_t h = 0; h < Hkv; ++h) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < D; ++d) {
        const bool past = t < P;
        kall.push_back(past ? pk.data<float>()[(h * P + t) * D + d] : k.data<float>()[(h * S + t - P) * D + d]);
        vall.push_back(past ? pv.data<float>()[(h * P + t) * D + d] : v.data<float>()[(h * S + t - P) * D + d]);
      }
  }
  std::vector<float> y = naive_sdpa(values(q), kall, vall, B, Hq, Hkv, S, T, D, D, 1 / std::sqrt(2.0), 0,
                                    [&](int64_t, int64_t, int64_t i, int64_t j) { return j > i + P ? kNegInf : 0.0; });
  OpTest("Attention", 23)
      .input<float>("Q", {B, S, Hq * D}, to_packed(values(q), B, Hq, S, D))
      .input<float>("K", {B, S, Hkv * D}, to_packed(values(k), B, Hkv, S, D))
      .input<float>("V", {B, S, Hkv * D}, to_packed(values(v), B, Hkv, S, D))
      .omitted_input()
      .input("past_key", pk)
      .input("past_value", pv)
      .attr("q_num_heads", Hq)
      .attr("kv_num_heads", Hkv)
      .attr("is_causal", 1)
      .output<float>("Y", {B, S, Hq * D}, to_packed(y, B, Hq, S, D))
      .output<float>("present_key", {B, Hkv, T, D}, kall)
      .output<float>("present_value", {B, Hkv, T, D}, vall)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(Attention, CausalWithoutCacheMasksTheFuture) {
  // Square causal: the first query sees only key 0, so it returns V[0] exactly.
  OpTest("Attention", 23)
      .input<float>("Q", {1, 1, 2, 1}, {1, 1})
      .input<float>("K", {1, 1, 2, 1}, {0, 0})
      .input<float>("V", {1, 1, 2, 1}, {10, 20})
      .attr("is_causal", 1)
      .output<float>("Y", {1, 1, 2, 1}, {10, 15})
      .run();
}

TEST(Attention, BoolAndFloatMasksBroadcast) {
  const int64_t B = 2, H = 2, Sq = 2, T = 3, D = 2;
  Tensor q = random_tensor(DataType::kFloat, {B, H, Sq, D}, 12);
  Tensor k = random_tensor(DataType::kFloat, {B, H, T, D}, 13);
  Tensor v = random_tensor(DataType::kFloat, {B, H, T, D}, 14);
  // Bool mask [Sq, T] broadcast over batch and heads.
  const std::vector<int> bm = {1, 0, 1, 0, 1, 1};
  std::vector<float> y = naive_sdpa(values(q), values(k), values(v), B, H, H, Sq, T, D, D, 1 / std::sqrt(2.0), 0,
                                    [&](int64_t, int64_t, int64_t i, int64_t j) {
                                      return bm[static_cast<size_t>(i * T + j)] ? 0.0 : kNegInf;
                                    });
  OpTest("Attention", 23)
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .input("attn_mask", make_bool_tensor({Sq, T}, bm))
      .output<float>("Y", {B, H, Sq, D}, y)
      .tolerance(1e-5, 1e-6)
      .run();
  // Float mask [B, 1, 1, T]: added per batch, broadcast over heads and queries.
  const std::vector<float> fm = {0.5f, -1, 0, 0, 2, -3};
  std::vector<float> y2 = naive_sdpa(values(q), values(k), values(v), B, H, H, Sq, T, D, D, 1 / std::sqrt(2.0), 0,
                                     [&](int64_t b, int64_t, int64_t, int64_t j) { return fm[static_cast<size_t>(b * T + j)]; });
  OpTest("Attention", 23)
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .input<float>("attn_mask", {B, 1, 1, T}, fm)
      .output<float>("Y", {B, H, Sq, D}, y2)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(Attention, ShortMaskMasksTheRest) {
  // A mask covering 2 of 3 keys: key 2 is masked.
  OpTest("Attention", 23)
      .input<float>("Q", {1, 1, 1, 1}, {0})
      .input<float>("K", {1, 1, 3, 1}, {0, 0, 0})
      .input<float>("V", {1, 1, 3, 1}, {2, 4, 100})
      .input<float>("attn_mask", {1, 2}, {0, 0})
      .output<float>("Y", {1, 1, 1, 1}, {3})
      .run();
}

TEST(Attention, FullyMaskedRowGivesZerosNotNaN) {
  OpTest("Attention", 23)
      .input<float>("Q", {1, 1, 2, 1}, {1, 1})
      .input<float>("K", {1, 1, 2, 1}, {1, 2})
      .input<float>("V", {1, 1, 2, 1}, {5, 7})
      .input("attn_mask", make_bool_tensor({2, 2}, {0, 0, 1, 0}))
      .output<float>("Y", {1, 1, 2, 1}, {0, 5})
      .run();
}

TEST(Attention, QkMatmulOutputModes) {
  // q = 2, keys (1, -1), scale 1, softcap 1, float mask (0, 0.5):
  //   mode 0: (2, -2); mode 1: tanh -> (0.96403, -0.96403); mode 2: + mask; mode 3: softmax.
  const double t = std::tanh(2.0);
  const double a = t, b2 = -t + 0.5;
  const double e0 = std::exp(a), e1 = std::exp(b2);
  const std::vector<std::vector<float>> want = {
      {2, -2},
      {static_cast<float>(t), static_cast<float>(-t)},
      {static_cast<float>(a), static_cast<float>(b2)},
      {static_cast<float>(e0 / (e0 + e1)), static_cast<float>(e1 / (e0 + e1))}};
  for (int mode = 0; mode < 4; ++mode) {
    SCOPED_TRACE(mode);
    OpTest("Attention", 23)
        .input<float>("Q", {1, 1, 1, 1}, {2})
        .input<float>("K", {1, 1, 2, 1}, {1, -1})
        .input<float>("V", {1, 1, 2, 1}, {1, 0})
        .input<float>("attn_mask", {1, 2}, {0, 0.5f})
        .attr("scale", 1.0f)
        .attr("softcap", 1.0f)
        .attr("qk_matmul_output_mode", mode)
        .output<float>("Y", {1, 1, 1, 1}, {static_cast<float>(e0 / (e0 + e1))})
        .omitted_output()
        .omitted_output()
        .output<float>("qk_matmul_output", {1, 1, 1, 2}, want[static_cast<size_t>(mode)])
        .tolerance(1e-5, 1e-6)
        .run();
  }
}

TEST(Attention, NonpadKvSeqlenMasksPadding) {
  // Opset 24: batch 0 has 1 valid key, batch 1 has 3.
  OpTest("Attention", 24)
      .input<float>("Q", {2, 1, 1, 1}, {0, 0})
      .input<float>("K", {2, 1, 3, 1}, {0, 0, 0, 0, 0, 0})
      .input<float>("V", {2, 1, 3, 1}, {1, 50, 90, 1, 2, 3})
      .omitted_input()
      .omitted_input()
      .omitted_input()
      .input<int64_t>("nonpad_kv_seqlen", {2}, {1, 3})
      .output<float>("Y", {2, 1, 1, 1}, {1, 2})
      .run();
}

TEST(Attention, Float16ComputesInFloat) {
  std::vector<Float16> qh = {Float16(1.0f), Float16(0.0f)}, kh = {Float16(1.0f), Float16(0.0f), Float16(0.0f), Float16(1.0f)},
                       vh = {Float16(1.0f), Float16(2.0f), Float16(3.0f), Float16(4.0f)};
  OpTest("Attention", 23)
      .input("Q", make_tensor<Float16>({1, 1, 1, 2}, qh))
      .input("K", make_tensor<Float16>({1, 1, 2, 2}, kh))
      .input("V", make_tensor<Float16>({1, 1, 2, 2}, vh))
      .output("Y", make_tensor<Float16>({1, 1, 1, 2}, {Float16(1.6604769f), Float16(2.6604769f)}))
      .tolerance(1e-3, 1e-3)
      .run();
}

TEST(Attention, DoubleSoftmaxPrecision) {
  // softmax_precision = double (11) on float inputs gives the same result.
  OpTest("Attention", 23)
      .input<float>("Q", {1, 1, 1, 2}, {1, 0})
      .input<float>("K", {1, 1, 2, 2}, {1, 0, 0, 1})
      .input<float>("V", {1, 1, 2, 2}, {1, 2, 3, 4})
      .attr("softmax_precision", static_cast<int64_t>(DataType::kDouble))
      .output<float>("Y", {1, 1, 1, 2}, {1.6604769f, 2.6604769f})
      .run();
  OpTest("Attention", 23)
      .input<double>("Q", {1, 1, 1, 2}, {1, 0})
      .input<double>("K", {1, 1, 2, 2}, {1, 0, 0, 1})
      .input<double>("V", {1, 1, 2, 2}, {1, 2, 3, 4})
      .output<double>("Y", {1, 1, 1, 2}, {1.660476901346686, 2.660476901346686})
      .tolerance(1e-9, 0)
      .run();
}

TEST(Attention, PackedHiddenNotDivisibleByHeads) {
  expect_node_error(OpTest("Attention", 23)
                        .input("Q", random_tensor(DataType::kFloat, {1, 1, 5}, 1))
                        .input("K", random_tensor(DataType::kFloat, {1, 1, 4}, 2))
                        .input("V", random_tensor(DataType::kFloat, {1, 1, 4}, 3))
                        .attr("q_num_heads", 2)
                        .attr("kv_num_heads", 2)
                        .output_unchecked("Y"),
                    "Attention", "Q");
}

TEST(Attention, EmptyQueriesAndEmptyKeys) {
  OpTest("Attention", 23)
      .input<float>("Q", {1, 2, 0, 4}, {})
      .input<float>("K", {1, 2, 3, 4}, std::vector<float>(24, 1.0f))
      .input<float>("V", {1, 2, 3, 2}, std::vector<float>(12, 1.0f))
      .output<float>("Y", {1, 2, 0, 2}, {})
      .run();
  // No keys at all: every row attends to nothing and gives zeros.
  OpTest("Attention", 23)
      .input<float>("Q", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("K", {1, 1, 0, 2}, {})
      .input<float>("V", {1, 1, 0, 3}, {})
      .output<float>("Y", {1, 1, 2, 3}, {0, 0, 0, 0, 0, 0})
      .run();
}

TEST(Attention, RejectsBadInputs) {
  auto base = [](Shape qs, Shape ks, Shape vs) {
    OpTest t("Attention", 23);
    t.input("Q", random_tensor(DataType::kFloat, qs, 1))
        .input("K", random_tensor(DataType::kFloat, ks, 2))
        .input("V", random_tensor(DataType::kFloat, vs, 3));
    return t;
  };
  expect_node_error(base({1, 3, 1, 2}, {1, 2, 2, 2}, {1, 2, 2, 2}).output_unchecked("Y"), "Attention",
                    "q_num_heads (3) must be a multiple of kv_num_heads (2)");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 3}, {1, 1, 2, 2}).output_unchecked("Y"), "Attention",
                    "K head size 3 differs from Q head size 2");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 2}, {1, 1, 3, 2}).output_unchecked("Y"), "Attention",
                    "do not match");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 2}, {1, 1, 2, 2})
                        .input<float>("attn_mask", {3, 2}, {0, 0, 0, 0, 0, 0})
                        .output_unchecked("Y"),
                    "Attention", "attn_mask shape [3,2] does not broadcast");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 2}, {1, 1, 2, 2})
                        .input<float>("attn_mask", {1, 3}, {0, 0, 0})
                        .output_unchecked("Y"),
                    "Attention", "attn_mask covers 3 key positions but there are only 2");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 2}, {1, 1, 2, 2})
                        .omitted_input()
                        .input("past_key", random_tensor(DataType::kFloat, {1, 1, 1, 2}, 4))
                        .output_unchecked("Y"),
                    "Attention", "past_key and past_value must be given together");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 2}, {1, 1, 2, 2})
                        .omitted_input()
                        .input("past_key", random_tensor(DataType::kFloat, {1, 1, 1, 3}, 4))
                        .input("past_value", random_tensor(DataType::kFloat, {1, 1, 1, 2}, 5))
                        .output_unchecked("Y"),
                    "Attention", "past_key [1,1,1,3] and past_value [1,1,1,2] must be");
  expect_node_error(base({1, 1, 4}, {1, 1, 4}, {1, 1, 4}).output_unchecked("Y"), "Attention",
                    "3-D inputs need the q_num_heads and kv_num_heads attributes");
  expect_node_error(base({1, 1, 1, 2}, {1, 1, 2, 2}, {1, 1, 2, 2}).attr("qk_matmul_output_mode", 4).output_unchecked("Y"),
                    "Attention", "qk_matmul_output_mode must be 0, 1, 2 or 3, got 4");
  expect_node_error(OpTest("Attention", 24)
                        .input("Q", random_tensor(DataType::kFloat, {2, 1, 1, 2}, 1))
                        .input("K", random_tensor(DataType::kFloat, {2, 1, 2, 2}, 2))
                        .input("V", random_tensor(DataType::kFloat, {2, 1, 2, 2}, 3))
                        .omitted_input()
                        .omitted_input()
                        .omitted_input()
                        .input<int64_t>("nonpad_kv_seqlen", {1}, {2})
                        .output_unchecked("Y"),
                    "Attention", "nonpad_kv_seqlen must be an integer tensor of shape [2]");
}

// ---- RotaryEmbedding ---------------------------------------------------------------------

TEST(RotaryEmbedding, HalvesWithPositionIds) {
  // D = 4: pairs (x0, x2) and (x1, x3). Position 1 of the caches: cos (0, 1), sin (1, 0).
  //   (x0, x2) = (1, 3) rotated by 90 degrees -> (-3, 1); (x1, x3) = (2, 4) unchanged.
  OpTest("RotaryEmbedding", 23)
      .input<float>("X", {1, 1, 1, 4}, {1, 2, 3, 4})
      .input<float>("cos_cache", {2, 2}, {1, 1, 0, 1})
      .input<float>("sin_cache", {2, 2}, {0, 0, 1, 0})
      .input<int64_t>("position_ids", {1, 1}, {1})
      .output<float>("Y", {1, 1, 1, 4}, {-3, 2, 1, 4})
      .run();
}

TEST(RotaryEmbedding, InterleavedPairs) {
  // Pairs (x0, x1) and (x2, x3); cos 0.6, sin 0.8 for the first, identity for the second.
  OpTest("RotaryEmbedding", 23)
      .input<float>("X", {1, 1, 1, 4}, {1, 2, 3, 4})
      .input<float>("cos_cache", {1, 2}, {0.6f, 1})
      .input<float>("sin_cache", {1, 2}, {0.8f, 0})
      .input<int64_t>("position_ids", {1, 1}, {0})
      .attr("interleaved", 1)
      .output<float>("Y", {1, 1, 1, 4}, {0.6f - 1.6f, 0.8f + 1.2f, 3, 4})
      .run();
}

TEST(RotaryEmbedding, PartialRotaryDimPassesTheRestThrough) {
  OpTest("RotaryEmbedding", 23)
      .input<float>("X", {1, 1, 1, 4}, {1, 2, 3, 4})
      .input<float>("cos_cache", {1, 1}, {0})
      .input<float>("sin_cache", {1, 1}, {1})
      .input<int64_t>("position_ids", {1, 1}, {0})
      .attr("rotary_embedding_dim", 2)
      .output<float>("Y", {1, 1, 1, 4}, {-2, 1, 3, 4})
      .run();
}

TEST(RotaryEmbedding, PackedInputWithPerTokenCaches) {
  // [B=1, S=2, H*D = 2*2], caches [B, S, 1] without position ids.
  // Token 0: cos 1 sin 0 (identity). Token 1: cos 0 sin 1 -> (x0, x1) -> (-x1, x0).
  OpTest("RotaryEmbedding", 23)
      .input<float>("X", {1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})
      .input<float>("cos_cache", {1, 2, 1}, {1, 0})
      .input<float>("sin_cache", {1, 2, 1}, {0, 1})
      .attr("num_heads", 2)
      .output<float>("Y", {1, 2, 4}, {1, 2, 3, 4, -6, 5, -8, 7})
      .run();
}

TEST(RotaryEmbedding, EmptySequence) {
  OpTest("RotaryEmbedding", 23)
      .input<float>("X", {1, 2, 0, 4}, {})
      .input<float>("cos_cache", {3, 2}, {1, 1, 1, 1, 1, 1})
      .input<float>("sin_cache", {3, 2}, {0, 0, 0, 0, 0, 0})
      .input<int64_t>("position_ids", {1, 0}, {})
      .output<float>("Y", {1, 2, 0, 4}, {})
      .run();
}

TEST(RotaryEmbedding, RejectsBadInputs) {
  auto base = [] {
    OpTest t("RotaryEmbedding", 23);
    t.input<float>("X", {1, 1, 1, 4}, {1, 2, 3, 4})
        .input<float>("cos_cache", {2, 2}, {1, 1, 1, 1})
        .input<float>("sin_cache", {2, 2}, {0, 0, 0, 0});
    return t;
  };
  expect_node_error(base().input<int64_t>("position_ids", {1, 1}, {2}).output_unchecked("Y"), "RotaryEmbedding",
                    "position id 2 is outside the caches' 2 positions");
  expect_node_error(base().input<int64_t>("position_ids", {1, 1}, {-1}).output_unchecked("Y"), "RotaryEmbedding",
                    "position id -1 is outside");
  expect_node_error(base().input<int64_t>("position_ids", {1, 1}, {0}).attr("rotary_embedding_dim", 3).output_unchecked("Y"),
                    "RotaryEmbedding", "rotary_embedding_dim 3 must be even and at most the head size 4");
  expect_node_error(base().input<int64_t>("position_ids", {1, 2}, {0, 0}).output_unchecked("Y"), "RotaryEmbedding",
                    "position_ids must be an integer tensor of shape [1, 1]");
  expect_node_error(OpTest("RotaryEmbedding", 23)
                        .input<float>("X", {1, 1, 4}, {1, 2, 3, 4})
                        .input<float>("cos_cache", {1, 1, 2}, {1, 1})
                        .input<float>("sin_cache", {1, 1, 2}, {0, 0})
                        .output_unchecked("Y"),
                    "RotaryEmbedding", "a 3-D input needs the num_heads attribute");
  expect_node_error(OpTest("RotaryEmbedding", 23)
                        .input<float>("X", {1, 1, 1, 4}, {1, 2, 3, 4})
                        .input<float>("cos_cache", {2, 2}, {1, 1, 1, 1})
                        .input<float>("sin_cache", {2, 1}, {0, 0})
                        .input<int64_t>("position_ids", {1, 1}, {0})
                        .output_unchecked("Y"),
                    "RotaryEmbedding", "must have the same shape");
}

// ---- LinearAttention ----------------------------------------------------------------------

namespace {
// One head, dk = dv = 1, T = 2: q (1, 2), k (1, 1), v (2, 3).
OpTest linear_attention(const char* rule) {
  OpTest t("LinearAttention", 27);
  t.input<float>("query", {1, 2, 1}, {1, 2})
      .input<float>("key", {1, 2, 1}, {1, 1})
      .input<float>("value", {1, 2, 1}, {2, 3})
      .attr("update_rule", rule)
      .attr("q_num_heads", 1)
      .attr("kv_num_heads", 1);
  return t;
}
}  // namespace

TEST(LinearAttention, LinearRule) {
  // S1 = 1*2 = 2, o1 = 1*2 = 2; S2 = 2 + 3 = 5, o2 = 2*5 = 10 (scale 1/sqrt(1)).
  linear_attention("linear").output<float>("output", {1, 2, 1}, {2, 10}).output<float>("present_state", {1, 1, 1, 1}, {5}).run();
}

TEST(LinearAttention, GatedRule) {
  // decay log(0.5): S1 = 0.5*0 + 2 = 2, o1 = 2; S2 = 0.5*2 + 3 = 4, o2 = 8.
  const float g = std::log(0.5f);
  linear_attention("gated")
      .omitted_input()
      .input<float>("decay", {1, 2, 1}, {g, g})
      .output<float>("output", {1, 2, 1}, {2, 8})
      .output<float>("present_state", {1, 1, 1, 1}, {4})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(LinearAttention, DeltaRule) {
  // beta 1: v1' = 2 - 0 = 2, S1 = 2, o1 = 2; v2' = 3 - 2 = 1, S2 = 3, o2 = 6.
  linear_attention("delta")
      .omitted_input()
      .omitted_input()
      .input<float>("beta", {1, 2, 1}, {1, 1})
      .output<float>("output", {1, 2, 1}, {2, 6})
      .output<float>("present_state", {1, 1, 1, 1}, {3})
      .run();
}

TEST(LinearAttention, GatedDeltaRuleWithPastState) {
  // past S0 = 2, decay 0.5, beta 0.5:
  //   t1: S = 1; v' = 0.5 * (2 - 1) = 0.5; S = 1.5; o1 = 1.5.
  //   t2: S = 0.75; v' = 0.5 * (3 - 0.75) = 1.125; S = 1.875; o2 = 3.75.
  const float g = std::log(0.5f);
  linear_attention("gated_delta")
      .input<float>("past_state", {1, 1, 1, 1}, {2})
      .input<float>("decay", {1, 2, 1}, {g, g})
      .input<float>("beta", {1, 2, 1}, {0.5f, 0.5f})
      .output<float>("output", {1, 2, 1}, {1.5f, 3.75f})
      .output<float>("present_state", {1, 1, 1, 1}, {1.875f})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(LinearAttention, EraseGateScalesTheRetrievedValue) {
  // past S0 = 2, k = 1, erase 0.5, beta 1 (per-batch [B, T, 1]), v = 3:
  //   v' = 3 - S0 * (0.5 * 1) = 2; S = 2 + 1 * 2 = 4; o = 1 * 4.
  OpTest("LinearAttention", 27)
      .input<float>("query", {1, 1, 1}, {1})
      .input<float>("key", {1, 1, 1}, {1})
      .input<float>("value", {1, 1, 1}, {3})
      .input<float>("past_state", {1, 1, 1, 1}, {2})
      .omitted_input()
      .input<float>("beta", {1, 1, 1}, {1})
      .input<float>("erase_gate", {1, 1, 1}, {0.5f})
      .attr("update_rule", "delta")
      .attr("q_num_heads", 1)
      .attr("kv_num_heads", 1)
      .output<float>("output", {1, 1, 1}, {4})
      .output<float>("present_state", {1, 1, 1, 1}, {4})
      .run();
}

TEST(LinearAttention, QueryHeadsShareTheKvState) {
  // Two query heads over one KV head, dk = 2, dv = 1, one step, explicit scale 0.5:
  // S = k v^T = (1, 2)^T * 3; head 0 q (1, 0) -> 0.5*3 = 1.5, head 1 q (0, 1) -> 0.5*6 = 3.
  OpTest("LinearAttention", 27)
      .input<float>("query", {1, 1, 4}, {1, 0, 0, 1})
      .input<float>("key", {1, 1, 2}, {1, 2})
      .input<float>("value", {1, 1, 1}, {3})
      .attr("update_rule", "linear")
      .attr("q_num_heads", 2)
      .attr("kv_num_heads", 1)
      .attr("scale", 0.5f)
      .output<float>("output", {1, 1, 2}, {1.5f, 3})
      .output<float>("present_state", {1, 1, 2, 1}, {3, 6})
      .run();
}

TEST(LinearAttention, EmptySequenceKeepsThePastState) {
  OpTest("LinearAttention", 27)
      .input<float>("query", {1, 0, 2}, {})
      .input<float>("key", {1, 0, 2}, {})
      .input<float>("value", {1, 0, 1}, {})
      .input<float>("past_state", {1, 1, 2, 1}, {4, 5})
      .attr("update_rule", "linear")
      .attr("q_num_heads", 1)
      .attr("kv_num_heads", 1)
      .output<float>("output", {1, 0, 1}, {})
      .output<float>("present_state", {1, 1, 2, 1}, {4, 5})
      .run();
}

TEST(LinearAttention, RejectsBadInputs) {
  expect_node_error(linear_attention("gated").output_unchecked("output"), "LinearAttention",
                    "update_rule 'gated' requires the decay input");
  expect_node_error(linear_attention("linear").omitted_input().input<float>("decay", {1, 2, 1}, {0, 0}).output_unchecked("output"),
                    "LinearAttention", "update_rule 'linear' does not take the decay input");
  expect_node_error(linear_attention("delta").output_unchecked("output"), "LinearAttention",
                    "update_rule 'delta' requires the beta input");
  expect_node_error(linear_attention("sideways").output_unchecked("output"), "LinearAttention",
                    "update_rule is 'sideways'");
  expect_node_error(linear_attention("gated").omitted_input().input<float>("decay", {1, 2, 3}, {0, 0, 0, 0, 0, 0})
                        .output_unchecked("output"),
                    "LinearAttention", "decay must be [1, 2, 1]");
  expect_node_error(linear_attention("linear").input<float>("past_state", {1, 1, 2, 1}, {0, 0}).output_unchecked("output"),
                    "LinearAttention", "past_state must be [1, 1, 1, 1], got [1,1,2,1]");
  expect_node_error(OpTest("LinearAttention", 27)
                        .input<float>("query", {1, 1, 3}, {1, 2, 3})
                        .input<float>("key", {1, 1, 2}, {1, 2})
                        .input<float>("value", {1, 1, 2}, {1, 2})
                        .attr("update_rule", "linear")
                        .attr("q_num_heads", 3)
                        .attr("kv_num_heads", 2)
                        .output_unchecked("output"),
                    "LinearAttention", "must be a positive multiple of kv_num_heads (2)");
}

// ---- FlexAttention (ai.onnx.preview) --------------------------------------------------------

TEST(FlexAttention, WithoutModsIsScaledDotProductAttention) {
  const int64_t B = 1, Hq = 2, Hkv = 1, L = 2, S = 3, D = 2;
  Tensor q = random_tensor(DataType::kFloat, {B, Hq, L, D}, 21);
  Tensor k = random_tensor(DataType::kFloat, {B, Hkv, S, D}, 22);
  Tensor v = random_tensor(DataType::kFloat, {B, Hkv, S, D}, 23);
  std::vector<float> y = naive_sdpa(values(q), values(k), values(v), B, Hq, Hkv, L, S, D, D, 1 / std::sqrt(2.0), 0, nullptr);
  OpTest("FlexAttention", 1, "ai.onnx.preview")
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .output<float>("Y", {B, Hq, L, D}, y)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(FlexAttention, ScoreModAndProbMod) {
  // score_mod negates the scores; prob_mod doubles the probabilities.
  const int64_t L = 2, S = 3, D = 2;
  Tensor q = random_tensor(DataType::kFloat, {1, 1, L, D}, 24);
  Tensor k = random_tensor(DataType::kFloat, {1, 1, S, D}, 25);
  Tensor v = random_tensor(DataType::kFloat, {1, 1, S, D}, 26);
  std::vector<float> kneg = values(k);
  for (float& x : kneg) x = -x;
  std::vector<float> y = naive_sdpa(values(q), kneg, values(v), 1, 1, 1, L, S, D, D, 0.5, 0, nullptr);
  for (float& x : y) x *= 2;
  Subgraph score("score_mod");
  score.output(score.op("Neg", {score.input("s", ir::Type::tensor(DataType::kFloat, {}))}));
  Subgraph prob("prob_mod");
  ir::Value* p = prob.input("p", ir::Type::tensor(DataType::kFloat, {}));
  prob.output(prob.op("Add", {p, p}));
  OpTest("FlexAttention", 1, "ai.onnx.preview")
      .input("Q", q)
      .input("K", k)
      .input("V", v)
      .attr("scale", 0.5f)
      .attr(score.attr("score_mod"))
      .attr(prob.attr("prob_mod"))
      .output<float>("Y", {1, 1, L, D}, y)
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(FlexAttention, RejectsBadInputs) {
  expect_node_error(OpTest("FlexAttention", 1, "ai.onnx.preview")
                        .input("Q", random_tensor(DataType::kFloat, {1, 3, 1, 2}, 1))
                        .input("K", random_tensor(DataType::kFloat, {1, 2, 2, 2}, 2))
                        .input("V", random_tensor(DataType::kFloat, {1, 2, 2, 2}, 3))
                        .output_unchecked("Y"),
                    "FlexAttention", "the 3 query heads are not a multiple of the 2 KV heads");
  expect_node_error(OpTest("FlexAttention", 1, "ai.onnx.preview")
                        .input("Q", random_tensor(DataType::kFloat, {1, 1, 2}, 1))
                        .input("K", random_tensor(DataType::kFloat, {1, 1, 2}, 2))
                        .input("V", random_tensor(DataType::kFloat, {1, 1, 2}, 3))
                        .output_unchecked("Y"),
                    "FlexAttention", "must be 4-D");
  Subgraph two("score_mod");
  ir::Value* s = two.input("s", ir::Type::tensor(DataType::kFloat, {}));
  two.output(s);
  two.output(s);
  expect_node_error(OpTest("FlexAttention", 1, "ai.onnx.preview")
                        .input("Q", random_tensor(DataType::kFloat, {1, 1, 1, 2}, 1))
                        .input("K", random_tensor(DataType::kFloat, {1, 1, 2, 2}, 2))
                        .input("V", random_tensor(DataType::kFloat, {1, 1, 2, 2}, 3))
                        .attr(two.attr("score_mod"))
                        .output_unchecked("Y"),
                    "FlexAttention", "must have one input and one output");
}

}  // namespace onyx::test
