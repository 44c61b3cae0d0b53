// Attention (opsets 23, 24): scaled dot-product attention with optional KV
// cache, masks, grouped-query heads and softcapping.
//
//   Q: [B, Hq, Sq, D] or [B, Sq, Hq*D] (3-D needs q_num_heads / kv_num_heads)
//   K: [B, Hkv, Skv, D],  V: [B, Hkv, Skv, Dv]   (or 3-D like Q)
//   past_key / past_value: [B, Hkv, P, D/Dv]; present = concat(past, new) on
//   the sequence axis, so the keys attended to number T = P + Skv.
//
// For every query row: s_j = scale * q . k_j (scale defaults to 1/sqrt(D));
// s_j = softcap * tanh(s_j / softcap) when softcap > 0; then the bias is
// added: the float attn_mask (or -inf where a bool attn_mask is false), a
// mask shorter than T counting as masked beyond its end; with is_causal, -inf
// where j > i + offset, offset being P with a cache, nonpad_kv_seqlen[b] - Sq
// with only nonpad_kv_seqlen (a static cache), else 0; with
// nonpad_kv_seqlen (opset 24), -inf where j >= nonpad_kv_seqlen[b]. Softcap
// comes before the bias so masked positions stay -inf. The softmax row is
// then multiplied into V. A row with every key masked gives zeros, not NaN.
// Query head h reads KV head h / (Hq / Hkv).
//
// qk_matmul_output (output 3) holds, by qk_matmul_output_mode: 0 the scaled
// scores, 1 after softcap, 2 after the bias, 3 the softmax.
//
// Compute type: float for float/float16/bfloat16 inputs, double for double
// inputs or softmax_precision = double; results are rounded once, on output.
#include <algorithm>
#include <array>

#include "kernels/common/attention_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Attention final : public Kernel {
 public:
  explicit Attention(const KernelInit& init) {
    const ir::Node& n = init.node;
    is_causal_ = n.attr_int("is_causal", 0) != 0;
    q_heads_ = n.attr_int("q_num_heads", 0);
    kv_heads_ = n.attr_int("kv_num_heads", 0);
    mode_ = n.attr_int("qk_matmul_output_mode", 0);
    if (mode_ < 0 || mode_ > 3)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": qk_matmul_output_mode must be 0, 1, 2 or 3, got ", mode_);
    has_scale_ = n.has_attr("scale");
    scale_ = n.attr_float("scale", 1.0f);
    softcap_ = n.attr_float("softcap", 0.0f);
    softmax_precision_ = static_cast<DataType>(n.attr_int("softmax_precision", 0));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& q = ctx.input(0);
    const bool wide = q.dtype() == DataType::kDouble || softmax_precision_ == DataType::kDouble;
    if (wide) compute<double>(ctx);
    else compute<float>(ctx);
  }

 private:
  template <typename C>
  void compute(KernelContext& ctx) const {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const Tensor* mask = ctx.optional_input(3);
    const Tensor* past_k = ctx.optional_input(4);
    const Tensor* past_v = ctx.optional_input(5);
    const Tensor* nonpad = ctx.optional_input(6);
    for (const Tensor* t : {&q, &k, &v})
      if (!dtype_is_float(t->dtype()) || dtype_bits(t->dtype()) < 16)
        fail(ErrorCode::kInvalidArgument, "Q, K and V must be float tensors, got ", dtype_name(t->dtype()));
    if (q.rank() != k.rank() || q.rank() != v.rank())
      fail(ErrorCode::kInvalidArgument, "Q, K and V must have the same rank, got ", shape_str(q.shape()), ", ",
           shape_str(k.shape()), " and ", shape_str(v.shape()));
    const HeadLayout lq = head_layout(q, q_heads_, "Q");
    const HeadLayout lk = head_layout(k, kv_heads_, "K");
    const HeadLayout lv = head_layout(v, kv_heads_, "V");
    const int64_t B = lq.batch, Hq = lq.heads, Sq = lq.seq, D = lq.dim;
    const int64_t Hkv = lk.heads, Skv = lk.seq, Dv = lv.dim;
    if (lk.batch != B || lv.batch != B)
      fail(ErrorCode::kInvalidArgument, "Q, K and V have different batch sizes: ", B, ", ", lk.batch, ", ", lv.batch);
    if (lk.dim != D)
      fail(ErrorCode::kInvalidArgument, "K head size ", lk.dim, " differs from Q head size ", D);
    if (lv.heads != Hkv || lv.seq != Skv)
      fail(ErrorCode::kInvalidArgument, "K (", Hkv, " heads, ", Skv, " positions) and V (", lv.heads, " heads, ", lv.seq,
           " positions) do not match");
    if (Hkv == 0 || Hq % Hkv != 0)
      fail(ErrorCode::kInvalidArgument, "q_num_heads (", Hq, ") must be a multiple of kv_num_heads (", Hkv, ")");
    if ((past_k == nullptr) != (past_v == nullptr))
      fail(ErrorCode::kInvalidArgument, "past_key and past_value must be given together");
    int64_t P = 0;
    if (past_k) {
      if (past_k->rank() != 4 || past_v->rank() != 4 || past_k->dim(0) != B || past_k->dim(1) != Hkv ||
          past_k->dim(3) != D || past_v->dim(0) != B || past_v->dim(1) != Hkv || past_v->dim(3) != Dv ||
          past_v->dim(2) != past_k->dim(2))
        fail(ErrorCode::kInvalidArgument, "past_key ", shape_str(past_k->shape()), " and past_value ",
             shape_str(past_v->shape()), " must be [", B, ", ", Hkv, ", past, ", D, "] and [", B, ", ", Hkv, ", past, ",
             Dv, "]");
      P = past_k->dim(2);
    }
    const int64_t T = P + Skv;
    std::vector<int64_t> valid;  // nonpad_kv_seqlen per batch
    if (nonpad) {
      if (nonpad->rank() != 1 || nonpad->dim(0) != B || !dtype_is_integer(nonpad->dtype()))
        fail(ErrorCode::kInvalidArgument, "nonpad_kv_seqlen must be an integer tensor of shape [", B, "], got ",
             nonpad->describe());
      valid = nonpad->to_int64_vector();
    }

    // Keys and values attended to, [B, Hkv, T, D/Dv], past first.
    const std::vector<C> qb = gather_heads<C>(q, lq);
    std::vector<C> kb(static_cast<size_t>(B * Hkv * T * D)), vb(static_cast<size_t>(B * Hkv * T * Dv));
    {
      const std::vector<C> kn = gather_heads<C>(k, lk), vn = gather_heads<C>(v, lv);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < Hkv; ++h) {
          const int64_t bh = b * Hkv + h;
          for (int64_t t = 0; t < T; ++t) {
            C* kd = &kb[static_cast<size_t>((bh * T + t) * D)];
            C* vd = &vb[static_cast<size_t>((bh * T + t) * Dv)];
            if (t < P) {
              for (int64_t d = 0; d < D; ++d) kd[d] = float_at<C>(*past_k, (bh * P + t) * D + d);
              for (int64_t d = 0; d < Dv; ++d) vd[d] = float_at<C>(*past_v, (bh * P + t) * Dv + d);
            } else {
              for (int64_t d = 0; d < D; ++d) kd[d] = kn[static_cast<size_t>((bh * Skv + t - P) * D + d)];
              for (int64_t d = 0; d < Dv; ++d) vd[d] = vn[static_cast<size_t>((bh * Skv + t - P) * Dv + d)];
            }
          }
        }
    }

    // Mask broadcast to [B, Hq, Sq, T]: per-dim strides (0 where broadcast);
    // its last dim may be shorter than T, positions past it are masked.
    std::array<int64_t, 4> mstride{0, 0, 0, 0};
    int64_t mlast = 0;
    bool mask_bool = false;
    if (mask) {
      const int r = mask->rank();
      if (r < 1 || r > 4) fail(ErrorCode::kInvalidArgument, "attn_mask must have rank 1 to 4, got ", shape_str(mask->shape()));
      mask_bool = mask->dtype() == DataType::kBool;
      if (!mask_bool && (!dtype_is_float(mask->dtype()) || dtype_bits(mask->dtype()) < 16))
        fail(ErrorCode::kInvalidArgument, "attn_mask must be bool or a float tensor, got ", dtype_name(mask->dtype()));
      const std::array<int64_t, 4> target{B, Hq, Sq, T};
      mlast = mask->dim(r - 1);
      if (mlast > T)
        fail(ErrorCode::kInvalidArgument, "attn_mask covers ", mlast, " key positions but there are only ", T);
      int64_t acc = 1;
      for (int d = r - 1; d >= 0; --d) {
        const int td = 4 - r + d;
        const int64_t md = mask->dim(d);
        if (td < 3 && md != 1 && md != target[static_cast<size_t>(td)])
          fail(ErrorCode::kInvalidArgument, "attn_mask shape ", shape_str(mask->shape()),
               " does not broadcast to [batch, q_heads, q_seq, total_seq] = ", shape_str(target));
        mstride[static_cast<size_t>(td)] = (td < 3 && md == 1) ? 0 : acc;
        acc *= md;
      }
    }

    const C scale = has_scale_ ? static_cast<C>(scale_) : C(1) / std::sqrt(static_cast<C>(D));
    const C cap = static_cast<C>(softcap_);
    const C ninf = -std::numeric_limits<C>::infinity();
    const int64_t group = Hq / Hkv;

    HeadLayout ly = lq;
    ly.dim = Dv;
    Tensor& y = ctx.output(0, ly.shape(), q.dtype());
    std::vector<C> yb(static_cast<size_t>(B * Hq * Sq * Dv));
    Tensor* qk_out = ctx.output_wanted(3) ? &ctx.output(3, {B, Hq, Sq, T}, q.dtype()) : nullptr;

    const int64_t rows = B * Hq * Sq;
    const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(1, T * (D + Dv)));
    parallel_for(ctx.pool(), rows, grain, [&](int64_t r0, int64_t r1) {
      std::vector<C> s(static_cast<size_t>(T));
      for (int64_t row = r0; row < r1; ++row) {
        const int64_t i = row % Sq, h = (row / Sq) % Hq, b = row / (Sq * Hq);
        const int64_t hk = h / group;
        // data() + offset, not &v[offset]: with an empty key/value sequence
        // (T = 0) the vectors are empty and v[0] binds a reference to null.
        const C* qi = qb.data() + static_cast<size_t>(row * D);
        const C* kbase = kb.data() + static_cast<size_t>((b * Hkv + hk) * T * D);
        const C* vbase = vb.data() + static_cast<size_t>((b * Hkv + hk) * T * Dv);
        std::vector<C> keep;
        auto snapshot = [&](int stage) {
          if (qk_out && mode_ == stage) keep.assign(s.begin(), s.end());
        };
        for (int64_t j = 0; j < T; ++j) {
          const C* kj = kbase + j * D;
          C acc = 0;
          for (int64_t d = 0; d < D; ++d) acc += qi[d] * kj[d];
          s[static_cast<size_t>(j)] = acc * scale;
        }
        snapshot(0);
        if (cap > 0)
          for (C& x : s) x = cap * std::tanh(x / cap);
        snapshot(1);
        // Bias: mask, causal frontier, padding.
        int64_t causal_limit = T;  // keys j < causal_limit are allowed
        if (is_causal_) {
          int64_t offset = P;
          if (!past_k) offset = nonpad ? valid[static_cast<size_t>(b)] - Sq : 0;
          causal_limit = std::clamp<int64_t>(i + offset + 1, 0, T);
        }
        const int64_t pad_limit = nonpad ? std::clamp<int64_t>(valid[static_cast<size_t>(b)], 0, T) : T;
        const int64_t mbase = b * mstride[0] + h * mstride[1] + i * mstride[2];
        for (int64_t j = 0; j < T; ++j) {
          C& x = s[static_cast<size_t>(j)];
          if (mask) {
            if (j >= mlast) {
              x = ninf;
            } else {
              const int64_t mi = mbase + j * mstride[3];
              if (mask_bool) {
                if (!mask->data<bool>()[mi]) x = ninf;
              } else {
                x += float_at<C>(*mask, mi);
              }
            }
          }
          if (j >= causal_limit || j >= pad_limit) x = ninf;
        }
        snapshot(2);
        softmax_row(s.data(), T);
        snapshot(3);
        if (qk_out) {
          for (int64_t j = 0; j < T; ++j) float_store<C>(*qk_out, row * T + j, keep[static_cast<size_t>(j)]);
        }
        C* yo = &yb[static_cast<size_t>(row * Dv)];
        for (int64_t d = 0; d < Dv; ++d) yo[d] = 0;
        for (int64_t j = 0; j < T; ++j) {
          const C p = s[static_cast<size_t>(j)];
          if (p == 0) continue;
          const C* vj = vbase + j * Dv;
          for (int64_t d = 0; d < Dv; ++d) yo[d] += p * vj[d];
        }
      }
    });
    scatter_heads<C>(yb, ly, y);

    // present_key / present_value: [B, Hkv, T, D/Dv] in the inputs' types.
    if (ctx.output_wanted(1)) {
      Tensor& pk = ctx.output(1, {B, Hkv, T, D}, k.dtype());
      for (int64_t i = 0; i < pk.numel(); ++i) float_store<C>(pk, i, kb[static_cast<size_t>(i)]);
    }
    if (ctx.output_wanted(2)) {
      Tensor& pv = ctx.output(2, {B, Hkv, T, Dv}, v.dtype());
      for (int64_t i = 0; i < pv.numel(); ++i) float_store<C>(pv, i, vb[static_cast<size_t>(i)]);
    }
  }

  bool is_causal_ = false;
  int64_t q_heads_ = 0, kv_heads_ = 0, mode_ = 0;
  bool has_scale_ = false;
  float scale_ = 1.0f, softcap_ = 0.0f;
  DataType softmax_precision_ = DataType::kUndefined;
};

// Sum of two dims when both are known.
ir::Dim dim_sum(const ir::Dim& a, const ir::Dim& b) {
  return a.known() && b.known() ? ir::Dim(a.value + b.value) : ir::Dim();
}

void infer_attention(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const ir::Dims* q = ctx.input_dims(0);
  const ir::Dims* k = ctx.input_dims(1);
  const ir::Dims* v = ctx.input_dims(2);
  const int64_t q_heads = ctx.node().attr_int("q_num_heads", 0);
  const int64_t kv_heads = ctx.node().attr_int("kv_num_heads", 0);
  if (q && q->size() != 3 && q->size() != 4) ctx.fail("Q must be 3-D or 4-D, got rank ", q->size());
  if (q && q->size() == 3 && (q_heads <= 0 || kv_heads <= 0))
    ctx.fail("3-D inputs need the q_num_heads and kv_num_heads attributes");
  if (!q || !v) {
    ctx.set_output_unranked(0, t);
  } else if (q->size() == 4) {
    ctx.set_output(0, t, {(*q)[0], (*q)[1], (*q)[2], v->size() == 4 ? (*v)[3] : ir::Dim()});
  } else {
    ir::Dim hidden;
    if (v->size() == 3 && (*v)[2].known() && kv_heads > 0) hidden = ir::Dim((*v)[2].value / kv_heads * q_heads);
    ctx.set_output(0, t, {(*q)[0], (*q)[1], hidden});
  }
  // present_key / present_value: [B, Hkv, past + kv_seq, head size].
  for (int out = 1; out <= 2; ++out) {
    if (!ctx.has_output(out)) continue;
    const ir::Dims* src = out == 1 ? k : v;
    const ir::Dims* past = ctx.input_dims(out == 1 ? 4 : 5);
    const DataType dt = ctx.input_dtype(out == 1 ? 1 : 2);
    if (!src) {
      ctx.set_output_unranked(out, dt);
      continue;
    }
    ir::Dims d(4);
    d[0] = (*src)[0];
    if (src->size() == 4) {
      d[1] = (*src)[1];
      d[2] = (*src)[2];
      d[3] = (*src)[3];
    } else {
      d[1] = kv_heads > 0 ? ir::Dim(kv_heads) : ir::Dim();
      d[2] = (*src)[1];
      if ((*src)[2].known() && kv_heads > 0) d[3] = ir::Dim((*src)[2].value / kv_heads);
    }
    if (ctx.has_input(out == 1 ? 4 : 5)) d[2] = past && past->size() == 4 ? dim_sum((*past)[2], d[2]) : ir::Dim();
    ctx.set_output(out, dt, std::move(d));
  }
  if (ctx.has_output(3)) {
    ir::Dims d(4);
    if (q) {
      d[0] = (*q)[0];
      d[1] = q->size() == 4 ? (*q)[1] : (q_heads > 0 ? ir::Dim(q_heads) : ir::Dim());
      d[2] = q->size() == 4 ? (*q)[2] : (*q)[1];
    }
    if (k) {
      ir::Dim kv_seq = k->size() == 4 ? (*k)[2] : (*k)[1];
      const ir::Dims* past = ctx.input_dims(4);
      d[3] = ctx.has_input(4) ? (past && past->size() == 4 ? dim_sum((*past)[2], kv_seq) : ir::Dim()) : kv_seq;
    }
    ctx.set_output(3, t, std::move(d));
  }
}

}  // namespace

ONYX_KERNEL({.op = "Attention", .since = 23, .types = kFloatTypes, .infer = infer_attention,
             .create = create<Attention>});

}  // namespace onyx
