// Reference com.onyx MultiHeadAttention: plain loops in float, softmax with
// the row maximum subtracted — the oracle for attention_fast.cc.
#include <limits>
#include <vector>

#include "kernels/fused/attention_common.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class MultiHeadAttentionRef final : public Kernel {
 public:
  explicit MultiHeadAttentionRef(const KernelInit& init) : attrs_(init.node) {}

  void run(KernelContext& ctx) const override {
    const Tensor& qkv = ctx.input(0);
    const fused::MhaShape s =
        fused::mha_shape(attrs_, qkv, ctx.optional_input(1), ctx.optional_input(2), ctx.optional_input(3));
    Tensor& y = ctx.output(0, {s.batch, s.seq, s.out_row}, DataType::kFloat);
    if (y.empty()) return;
    const float* x = qkv.data<float>();
    float* out = y.data<float>();
    const int64_t H = attrs_.num_heads, G = H / attrs_.kv_num_heads, D = s.head, S = s.seq;
    const int64_t k_off = H * D, v_off = k_off + attrs_.kv_num_heads * D;
    std::vector<float> p(static_cast<size_t>(S)), qr(static_cast<size_t>(D)), kr(static_cast<size_t>(D));
    // Q or K row `r` of token t in batch b, rotated when Cos/Sin are given.
    auto rotated = [&](const float* r, int64_t b, int64_t t, std::vector<float>& buf) {
      if (!s.cos) return r;
      const int64_t o = b * s.cs_b + t * D;
      fused::rotary_row(r, s.cos + o, s.sin + o, D, buf.data());
      return static_cast<const float*>(buf.data());
    };
    for (int64_t b = 0; b < s.batch; ++b)
      for (int64_t h = 0; h < H; ++h) {
        const int64_t g = h / G;
        for (int64_t i = 0; i < S; ++i) {
          const float* q = rotated(x + (b * S + i) * s.row + h * D, b, i, qr);
          float mx = -std::numeric_limits<float>::infinity();
          for (int64_t j = 0; j < S; ++j) {
            const float* k = rotated(x + (b * S + j) * s.row + k_off + g * D, b, j, kr);
            float dot = 0;
            for (int64_t d = 0; d < D; ++d) dot += q[d] * k[d];
            float v = dot * s.scale;
            if (s.mask) v += s.mask[b * s.mb + h * s.mh + i * s.mq + j * s.mk];
            if (attrs_.causal && j > i) v = -std::numeric_limits<float>::infinity();
            p[static_cast<size_t>(j)] = v;
            mx = std::max(mx, v);
          }
          float* o = out + (b * S + i) * s.out_row + h * D;
          for (int64_t d = 0; d < D; ++d) o[d] = 0;
          if (mx == -std::numeric_limits<float>::infinity()) continue;  // fully masked row: zeros
          float sum = 0;
          for (int64_t j = 0; j < S; ++j) sum += p[static_cast<size_t>(j)] = std::exp(p[static_cast<size_t>(j)] - mx);
          for (int64_t j = 0; j < S; ++j) {
            const float w = p[static_cast<size_t>(j)] / sum;
            const float* v = x + (b * S + j) * s.row + v_off + g * D;
            for (int64_t d = 0; d < D; ++d) o[d] += w * v[d];
          }
        }
      }
  }

 private:
  fused::MhaAttrs attrs_;
};

void infer_mha(InferContext& ctx) {
  const ir::Node& n = ctx.node();
  const int64_t h = n.attr_int("num_heads", 0);
  int64_t kv = n.attr_int("kv_num_heads", 0);
  if (kv == 0) kv = h;
  if (h <= 0 || kv <= 0 || h % kv != 0)
    ctx.fail("num_heads ", h, " must be positive and a multiple of kv_num_heads ", kv);
  const ir::Dims* d = ctx.input_dims(0);
  if (!d) return ctx.set_output_unranked(0, DataType::kFloat);
  if (d->size() != 3) ctx.fail("QKV must be 3-D [batch, seq, hidden], got rank ", d->size());
  ir::Dim last;
  if ((*d)[2].known()) {
    const int64_t parts = h + 2 * kv;
    if ((*d)[2].value % parts != 0) ctx.fail("QKV last dim ", (*d)[2].value, " is not a multiple of ", parts);
    last = ir::Dim((*d)[2].value / parts * h);
  }
  ctx.set_output(0, DataType::kFloat, {(*d)[0], (*d)[1], last});
}

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "MultiHeadAttention", .since = 1, .types = {DataType::kFloat},
             .infer = infer_mha, .create = create<MultiHeadAttentionRef>});

}  // namespace onyx
