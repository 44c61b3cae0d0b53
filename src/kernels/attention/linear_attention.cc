// LinearAttention (opset 27): recurrent linear attention over a state matrix
// per KV head, for prefill (T > 1) and decoding (T = 1) alike.
//
//   query [B, T, Hq*dk], key [B, T, Hkv*dk], value [B, T, Hkv*dv]
//   past_state / present_state [B, Hkv, dk, dv] (zeros when omitted)
//   decay [B, T, Hkv*dk] or [B, T, Hkv] (log-space gate), beta [B, T, Hkv] or [B, T, 1]
//   erase_gate [B, T, Hkv*dk] (optional, delta rules only)
//
// For each step t, per batch and KV head, with S the dk x dv state:
//   gated rules:  S = exp(g_t) * S                      (g per key row or per head)
//   delta rules:  v_t = beta_t * (v_t - S^T (e_t * k_t)) (e_t = erase_gate or 1)
//   always:       S = S + k_t v_t^T
//   output:       o_t = scale * q_t^T S   for each query head sharing the KV head
// update_rule picks the combination: linear, gated, delta, gated_delta
// (default). scale 0 or absent means 1/sqrt(dk). chunk_size is a tuning hint
// with no effect on the result. The recurrence runs in float32 (double for
// double inputs); present_state has past_state's type, else query's.
#include <cmath>

#include "kernels/common/attention_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class LinearAttention final : public Kernel {
 public:
  explicit LinearAttention(const KernelInit& init) {
    const ir::Node& n = init.node;
    rule_ = n.attr_string("update_rule", "gated_delta");
    if (rule_ != "linear" && rule_ != "gated" && rule_ != "delta" && rule_ != "gated_delta")
      fail(ErrorCode::kInvalidGraph, n.describe(), ": update_rule is '", rule_,
           "', expected 'linear', 'gated', 'delta' or 'gated_delta'");
    if (!n.has_attr("q_num_heads") || !n.has_attr("kv_num_heads"))
      fail(ErrorCode::kInvalidGraph, n.describe(), ": attributes q_num_heads and kv_num_heads are required");
    q_heads_ = n.attr_int("q_num_heads", 0);
    kv_heads_ = n.attr_int("kv_num_heads", 0);
    if (q_heads_ <= 0 || kv_heads_ <= 0 || q_heads_ % kv_heads_ != 0)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": q_num_heads (", q_heads_,
           ") must be a positive multiple of kv_num_heads (", kv_heads_, ")");
    scale_ = n.attr_float("scale", 0.0f);
    gating_ = rule_ == "gated" || rule_ == "gated_delta";
    delta_ = rule_ == "delta" || rule_ == "gated_delta";
  }

  void run(KernelContext& ctx) const override {
    if (ctx.input(0).dtype() == DataType::kDouble) compute<double>(ctx);
    else compute<float>(ctx);
  }

 private:
  template <typename C>
  void compute(KernelContext& ctx) const {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const Tensor* past = ctx.optional_input(3);
    const Tensor* decay = ctx.optional_input(4);
    const Tensor* beta = ctx.optional_input(5);
    const Tensor* erase = ctx.optional_input(6);
    if (gating_ != (decay != nullptr))
      fail(ErrorCode::kInvalidArgument, "update_rule '", rule_, "' ", gating_ ? "requires" : "does not take",
           " the decay input");
    if (delta_ != (beta != nullptr))
      fail(ErrorCode::kInvalidArgument, "update_rule '", rule_, "' ", delta_ ? "requires" : "does not take",
           " the beta input");
    if (erase && !delta_)
      fail(ErrorCode::kInvalidArgument, "update_rule '", rule_, "' does not take the erase_gate input");
    for (const Tensor* t : {&q, &k, &v})
      if (t->rank() != 3)
        fail(ErrorCode::kInvalidArgument, "query, key and value must be 3-D [B, T, H*D], got ", shape_str(t->shape()));
    const HeadLayout lq = head_layout(q, q_heads_, "query");
    const HeadLayout lk = head_layout(k, kv_heads_, "key");
    const HeadLayout lv = head_layout(v, kv_heads_, "value");
    const int64_t B = lq.batch, T = lq.seq, dk = lq.dim, dv = lv.dim, Hq = q_heads_, Hkv = kv_heads_;
    if (lk.batch != B || lv.batch != B || lk.seq != T || lv.seq != T)
      fail(ErrorCode::kInvalidArgument, "query ", shape_str(q.shape()), ", key ", shape_str(k.shape()), " and value ",
           shape_str(v.shape()), " must share batch and sequence sizes");
    if (lk.dim != dk)
      fail(ErrorCode::kInvalidArgument, "key head size ", lk.dim, " differs from query head size ", dk);
    auto check3 = [&](const Tensor* t, const char* what, std::initializer_list<int64_t> lasts) {
      if (!t) return;
      bool ok = t->rank() == 3 && t->dim(0) == B && t->dim(1) == T;
      bool last_ok = false;
      for (int64_t l : lasts) last_ok |= ok && t->dim(2) == l;
      if (!last_ok) {
        std::string want;
        for (int64_t l : lasts) want += (want.empty() ? "" : " or ") + str_cat("[", B, ", ", T, ", ", l, "]");
        fail(ErrorCode::kInvalidArgument, what, " must be ", want, ", got ", shape_str(t->shape()));
      }
    };
    check3(decay, "decay", {Hkv * dk, Hkv});
    check3(beta, "beta", {Hkv, 1});
    check3(erase, "erase_gate", {Hkv * dk});
    if (past && (past->rank() != 4 || past->shape() != Shape{B, Hkv, dk, dv}))
      fail(ErrorCode::kInvalidArgument, "past_state must be [", B, ", ", Hkv, ", ", dk, ", ", dv, "], got ",
           shape_str(past->shape()));
    const bool decay_per_dim = decay && decay->dim(2) == Hkv * dk;
    const bool beta_per_head = beta && beta->dim(2) == Hkv;
    const C scale = scale_ != 0.0f ? static_cast<C>(scale_) : C(1) / std::sqrt(static_cast<C>(dk));
    const int64_t group = Hq / Hkv;

    std::vector<C> state(static_cast<size_t>(B * Hkv * dk * dv), C(0));
    if (past)
      for (int64_t i = 0; i < past->numel(); ++i) state[static_cast<size_t>(i)] = float_at<C>(*past, i);
    Tensor& out = ctx.output(0, {B, T, Hq * dv}, q.dtype());
    // Batches and KV heads are independent recurrences.
    parallel_for(ctx.pool(), B * Hkv, 1, [&](int64_t r0, int64_t r1) {
      std::vector<C> kt(static_cast<size_t>(dk)), vt(static_cast<size_t>(dv)), ke(static_cast<size_t>(dk));
      for (int64_t bh = r0; bh < r1; ++bh) {
        const int64_t b = bh / Hkv, h = bh % Hkv;
        C* S = &state[static_cast<size_t>(bh * dk * dv)];
        for (int64_t t = 0; t < T; ++t) {
          for (int64_t d = 0; d < dk; ++d) kt[static_cast<size_t>(d)] = float_at<C>(k, lk.offset(b, h, t) + d);
          for (int64_t d = 0; d < dv; ++d) vt[static_cast<size_t>(d)] = float_at<C>(v, lv.offset(b, h, t) + d);
          if (gating_) {
            const int64_t row = (b * T + t) * decay->dim(2);
            for (int64_t d = 0; d < dk; ++d) {
              const C g = std::exp(float_at<C>(*decay, row + (decay_per_dim ? h * dk + d : h)));
              for (int64_t m = 0; m < dv; ++m) S[d * dv + m] *= g;
            }
          }
          if (delta_) {
            for (int64_t d = 0; d < dk; ++d)
              ke[static_cast<size_t>(d)] =
                  erase ? float_at<C>(*erase, (b * T + t) * Hkv * dk + h * dk + d) * kt[static_cast<size_t>(d)]
                        : kt[static_cast<size_t>(d)];
            const C bt = float_at<C>(*beta, (b * T + t) * beta->dim(2) + (beta_per_head ? h : 0));
            for (int64_t m = 0; m < dv; ++m) {
              C r = 0;
              for (int64_t d = 0; d < dk; ++d) r += S[d * dv + m] * ke[static_cast<size_t>(d)];
              vt[static_cast<size_t>(m)] = bt * (vt[static_cast<size_t>(m)] - r);
            }
          }
          for (int64_t d = 0; d < dk; ++d)
            for (int64_t m = 0; m < dv; ++m) S[d * dv + m] += kt[static_cast<size_t>(d)] * vt[static_cast<size_t>(m)];
          // Every query head of this KV head's group reads the updated state.
          for (int64_t hq = h * group; hq < (h + 1) * group; ++hq) {
            const int64_t qbase = lq.offset(b, hq, t);
            const int64_t obase = (b * T + t) * Hq * dv + hq * dv;
            for (int64_t m = 0; m < dv; ++m) {
              C acc = 0;
              for (int64_t d = 0; d < dk; ++d) acc += float_at<C>(q, qbase + d) * S[d * dv + m];
              float_store<C>(out, obase + m, scale * acc);
            }
          }
        }
      }
    });
    if (ctx.output_wanted(1)) {
      Tensor& ps = ctx.output(1, {B, Hkv, dk, dv}, past ? past->dtype() : q.dtype());
      for (int64_t i = 0; i < ps.numel(); ++i) float_store<C>(ps, i, state[static_cast<size_t>(i)]);
    }
  }

  std::string rule_;
  int64_t q_heads_ = 0, kv_heads_ = 0;
  float scale_ = 0.0f;
  bool gating_ = false, delta_ = false;
};

void infer_linear_attention(InferContext& ctx) {
  const ir::Node& n = ctx.node();
  const int64_t hq = n.attr_int("q_num_heads", 0), hkv = n.attr_int("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    ctx.fail("q_num_heads (", hq, ") must be a positive multiple of kv_num_heads (", hkv, ")");
  const ir::Dims* q = ctx.input_dims(0);
  const ir::Dims* v = ctx.input_dims(2);
  for (int i = 0; i < 3; ++i)
    if (ctx.input_rank(i) >= 0 && ctx.input_rank(i) != 3)
      ctx.fail("query, key and value must be 3-D, input ", i, " has rank ", ctx.input_rank(i));
  ir::Dim dk, dv;
  if (q && (*q)[2].known()) dk = ir::Dim((*q)[2].value / hq);
  if (v && (*v)[2].known()) dv = ir::Dim((*v)[2].value / hkv);
  if (q) ctx.set_output(0, ctx.input_dtype(0), {(*q)[0], (*q)[1], dv.known() ? ir::Dim(dv.value * hq) : ir::Dim()});
  else ctx.set_output_unranked(0, ctx.input_dtype(0));
  if (ctx.has_output(1)) {
    const DataType st = ctx.has_input(3) ? ctx.input_dtype(3) : ctx.input_dtype(0);
    ctx.set_output(1, st, {q ? (*q)[0] : ir::Dim(), ir::Dim(hkv), dk, dv});
  }
}

}  // namespace

ONYX_KERNEL({.op = "LinearAttention", .since = 27, .types = kFloatTypes, .infer = infer_linear_attention,
             .create = create<LinearAttention>});

}  // namespace onyx
