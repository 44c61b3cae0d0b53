// Shared pieces of com.onyx MultiHeadAttention (see docs/FUSED_OPS.md):
// attribute parsing, shape checks and the additive mask's broadcast, used by
// the reference kernel (attention_ref.cc) and the fast one (attention_fast.cc).
//
//   MultiHeadAttention(QKV [B,S,(H+2*Hkv)*D], Mask?, Cos?, Sin?) -> [B,S,H*D]
//   per batch b and head h (kv head g = h / (H/Hkv)), Q and K rotated by
//   Cos/Sin (rotate-half rotary embedding) when given:
//     P = softmax(scale * Q_bh K_bg^T + Mask[b,h] (+ causal -inf above the diagonal))
//     Y_bh = P V_bg
//   A row whose scores are all -inf gives zeros (not NaN), as the exporters'
//   IsNaN -> Where(0) after Softmax does.
#pragma once

#include <cmath>
#include <cstdint>

#include "runtime/kernel.h"

namespace onyx::fused {

struct MhaAttrs {
  int64_t num_heads = 0;
  int64_t kv_num_heads = 0;  // == num_heads unless grouped-query attention
  float scale = 0;           // 0 = 1/sqrt(head size)
  bool causal = false;

  explicit MhaAttrs(const ir::Node& n)
      : num_heads(n.attr_int("num_heads", 0)),
        kv_num_heads(n.attr_int("kv_num_heads", 0)),
        scale(n.attr_float("scale", 0.f)),
        causal(n.attr_int("causal", 0) != 0) {
    if (kv_num_heads == 0) kv_num_heads = num_heads;
    if (num_heads <= 0 || kv_num_heads <= 0 || num_heads % kv_num_heads != 0)
      fail(ErrorCode::kInvalidArgument, "num_heads ", num_heads, " must be positive and a multiple of kv_num_heads ",
           kv_num_heads);
  }
};

// The problem sizes of one call, checked against the inputs.
struct MhaShape {
  int64_t batch = 0, seq = 0, head = 0;  // head = D
  int64_t row = 0;                       // elements per token row of QKV
  int64_t out_row = 0;                   // H * D
  float scale = 0;
  // Mask strides (0 where broadcast) in elements over [B, H, S(query), S(key)].
  const float* mask = nullptr;
  int64_t mb = 0, mh = 0, mq = 0, mk = 0;
  // Rotary embedding of Q and K (rotate-half form): cos/sin rows of D values
  // per (batch, position); cs_b = 0 when shared by the batch.
  const float* cos = nullptr;
  const float* sin = nullptr;
  int64_t cs_b = 0;
};

// r' = r * cos + rotate_half(r) * sin, rotate_half(r) = [-r[D/2:], r[:D/2]].
inline void rotary_row(const float* r, const float* c, const float* s, int64_t d, float* out) {
  const int64_t h = d / 2;
  for (int64_t i = 0; i < h; ++i) out[i] = r[i] * c[i] - r[i + h] * s[i];
  for (int64_t i = h; i < d; ++i) out[i] = r[i] * c[i] + r[i - h] * s[i];
}

inline MhaShape mha_shape(const MhaAttrs& a, const Tensor& qkv, const Tensor* mask, const Tensor* cos = nullptr,
                          const Tensor* sin = nullptr) {
  if (qkv.dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "QKV must be float32, got ", qkv.describe());
  if (qkv.rank() != 3) fail(ErrorCode::kInvalidArgument, "QKV ", qkv.describe(), " must be 3-D [batch, seq, hidden]");
  MhaShape s;
  s.batch = qkv.dim(0);
  s.seq = qkv.dim(1);
  s.row = qkv.dim(2);
  const int64_t parts = a.num_heads + 2 * a.kv_num_heads;
  if (s.row % parts != 0 || s.row == 0)
    fail(ErrorCode::kInvalidArgument, "QKV ", qkv.describe(), ": last dim ", s.row, " is not (num_heads ", a.num_heads,
         " + 2 * kv_num_heads ", a.kv_num_heads, ") * head size");
  s.head = s.row / parts;
  s.out_row = a.num_heads * s.head;
  s.scale = a.scale != 0.f ? a.scale : 1.f / std::sqrt(static_cast<float>(s.head));
  if (mask) {
    if (mask->dtype() != DataType::kFloat)
      fail(ErrorCode::kInvalidArgument, "Mask must be float32 (additive), got ", mask->describe());
    if (mask->rank() > 4) fail(ErrorCode::kInvalidArgument, "Mask ", mask->describe(), " has rank above 4");
    const int64_t want[4] = {s.batch, a.num_heads, s.seq, s.seq};
    int64_t strides[4] = {0, 0, 0, 0};
    int64_t stride = 1;
    for (int d = 3, md = mask->rank() - 1; md >= 0; --d, --md) {
      const int64_t n = mask->dim(md);
      if (n != 1 && n != want[d])
        fail(ErrorCode::kInvalidArgument, "Mask ", mask->describe(), " does not broadcast to [", s.batch, ",",
             a.num_heads, ",", s.seq, ",", s.seq, "]");
      strides[d] = n == 1 ? 0 : stride;
      stride *= n;
    }
    s.mask = mask->data<float>();
    s.mb = strides[0];
    s.mh = strides[1];
    s.mq = strides[2];
    s.mk = strides[3];
  }
  if (cos || sin) {
    if (!cos || !sin || cos->dtype() != DataType::kFloat || sin->dtype() != DataType::kFloat ||
        cos->shape() != sin->shape())
      fail(ErrorCode::kInvalidArgument, "Cos and Sin must both be given, float32, of one shape");
    const int64_t row = s.seq * s.head;
    if (s.head % 2 != 0 || row == 0 || (cos->numel() != row && cos->numel() != s.batch * row) || cos->rank() < 2 ||
        cos->dim(cos->rank() - 1) != s.head)
      fail(ErrorCode::kInvalidArgument, "Cos ", cos->describe(), " must hold [seq ", s.seq, ", head size ", s.head,
           "] values (per batch or shared), head size even");
    s.cos = cos->data<float>();
    s.sin = sin->data<float>();
    s.cs_b = cos->numel() == row ? 0 : row;
  }
  return s;
}

}  // namespace onyx::fused
