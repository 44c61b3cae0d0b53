// Fast com.onyx MultiHeadAttention on the packed SGEMM.
//
// Work items are (batch, head, block of query rows); each computes its score
// block S_blk = scale * Q_blk K^T with one SGEMM reading Q and K in place from
// the packed QKV rows (leading dimension = the QKV row), adds the mask,
// normalizes each row with a max-subtracted softmax, and multiplies by V
// into the output's head columns with a second SGEMM. Causal attention only
// touches the keys up to the block's last query. The score block lives in
// the work item's own buffer, so nothing [B,H,S,S]-sized is materialized.
// exp is the vectorised one of ukernels/vmath.h.
#include <limits>
#include <vector>

#include "cpu/features.h"
#include "kernels/fused/attention_common.h"
#include "runtime/thread_pool.h"
#include "ukernels/sgemm.h"
#include "ukernels/vmath.h"

namespace onyx {

namespace {

// Query rows per work item: enough for SGEMM efficiency, small enough that
// the score block stays in L2 for moderate sequence lengths.
constexpr int64_t kQueryBlock = 64;

class MultiHeadAttentionFast final : public Kernel {
 public:
  explicit MultiHeadAttentionFast(const KernelInit& init) : attrs_(init.node), isa_(active_isa()) {}

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
    const int64_t blocks = (S + kQueryBlock - 1) / kQueryBlock;
    const bool causal = attrs_.causal;
    const ukernel::VecFn vexp = ukernel::vmath(isa_).exp;
    parallel_for(ctx.pool(), s.batch * H * blocks, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> scores, qrot, krot;
      for (int64_t item = begin; item < end; ++item) {
        const int64_t blk = item % blocks, h = (item / blocks) % H, b = item / blocks / H, g = h / G;
        const int64_t i0 = blk * kQueryBlock, rows = std::min(kQueryBlock, S - i0);
        const int64_t keys = causal ? i0 + rows : S;  // causal: later keys are all masked
        scores.resize(static_cast<size_t>(rows * keys));
        float* sc = scores.data();
        const float* q = x + (b * S + i0) * s.row + h * D;
        const float* k = x + b * S * s.row + k_off + g * D;
        int64_t ldq = s.row, ldk = s.row;
        if (s.cos) {
          // Rotate this block's queries and the keys it reads into contiguous [rows|keys, D] buffers.
          qrot.resize(static_cast<size_t>(rows * D));
          krot.resize(static_cast<size_t>(keys * D));
          const float *cb = s.cos + b * s.cs_b, *sb = s.sin + b * s.cs_b;
          for (int64_t r = 0; r < rows; ++r)
            fused::rotary_row(q + r * s.row, cb + (i0 + r) * D, sb + (i0 + r) * D, D, qrot.data() + r * D);
          for (int64_t j = 0; j < keys; ++j)
            fused::rotary_row(k + j * s.row, cb + j * D, sb + j * D, D, krot.data() + j * D);
          q = qrot.data();
          k = krot.data();
          ldq = ldk = D;
        }
        const float* v = x + b * S * s.row + v_off + g * D;
        ukernel::sgemm(isa_, false, true, rows, keys, D, s.scale, q, ldq, k, ldk, 0.f, sc, keys, {}, nullptr);
        for (int64_t r = 0; r < rows; ++r) {
          float* row = sc + r * keys;
          const int64_t i = i0 + r;
          if (s.mask) {
            const float* m = s.mask + b * s.mb + h * s.mh + i * s.mq;
            if (s.mk) {
              for (int64_t j = 0; j < keys; ++j) row[j] += m[j];
            } else {
              for (int64_t j = 0; j < keys; ++j) row[j] += m[0];
            }
          }
          const int64_t live = causal ? i + 1 : keys;  // columns that may be unmasked
          float mx = -std::numeric_limits<float>::infinity();
          for (int64_t j = 0; j < live; ++j) mx = std::max(mx, row[j]);
          if (mx == -std::numeric_limits<float>::infinity() || std::isnan(mx)) {
            // Fully masked row: zeros (the exporters' IsNaN -> 0). NaN scores
            // propagate as NaN, as softmax would.
            const float fill = std::isnan(mx) ? std::numeric_limits<float>::quiet_NaN() : 0.f;
            for (int64_t j = 0; j < keys; ++j) row[j] = fill;
            continue;
          }
          for (int64_t j = 0; j < live; ++j) row[j] -= mx;
          vexp(row, row, live);
          float sum = 0;
          for (int64_t j = 0; j < live; ++j) sum += row[j];
          const float inv = 1.f / sum;
          for (int64_t j = 0; j < live; ++j) row[j] *= inv;
          for (int64_t j = live; j < keys; ++j) row[j] = 0.f;
        }
        float* o = out + (b * S + i0) * s.out_row + h * D;
        ukernel::sgemm(isa_, false, false, rows, D, keys, 1.f, sc, keys, v, s.row, 0.f, o, s.out_row, {}, nullptr);
      }
    });
  }

 private:
  fused::MhaAttrs attrs_;
  Isa isa_;
};

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "MultiHeadAttention", .since = 1, .types = {DataType::kFloat},
             .priority = 10, .impl = "sgemm", .create = create<MultiHeadAttentionFast>});

}  // namespace onyx
