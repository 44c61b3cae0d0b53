// Fast com.onyx MultiHeadAttention on the SGEMM microkernel.
//
// Work items are (batch, head, block of up to 128 query rows). Each packs
// its B operands itself, straight from the QKV rows, into the microkernel's
// panel layout (ukernels/sgemm.h: NR-column panels, k outermost): K^T times
// the scale, and V. It computes the score block one MR x NR tile at a time
// with Q's rows read in place as A (tile_rows); adds the mask and takes each
// row's exponentials (ukernels/rows.h); and multiplies them, their rows read
// in place too, by V into a scratch block, whose rows are divided by their
// exponentials' sums as they are copied to the output's head columns.
//
// Why not two calls of ukernel::sgemm per block (the first version): with
// D = 64 and S = 128 its general packing and edge-tile handling took a third
// of the op's time (perf on bert_base's attention alone: pack_panels 33%,
// the microkernel 46%). Here K and V are packed once per block with the
// panel geometry known in advance, Q and the probabilities are not packed at
// all (bert_base's attention: 6.0 to 5.4 ms per run at 1 thread, per-node
// profile), the score and output blocks are padded to whole columns of
// tiles, and a causal block only computes, per row
// panel, the key panels up to that panel's last query (and multiplies by
// only those keys), so a 128-query causal block costs about half a full one.
// The score block lives in the work item's own buffer: nothing
// [B, H, S, S]-sized is materialized.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/features.h"
#include "kernels/fused/attention_common.h"
#include "runtime/thread_pool.h"
#include "ukernels/pack.h"
#include "ukernels/rows.h"
#include "ukernels/sgemm.h"

namespace onyx {

namespace {

// Query rows per work item: the score block (128 x S floats) stays in L2 for
// moderate sequence lengths, and K and V are packed once per 128 queries.
constexpr int64_t kQueryBlock = 128;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A work item's buffers, kept per thread across calls (they only grow).
struct MhaScratch {
  std::vector<float> k, v, scores, out, qrot, krot, inv;
};
thread_local MhaScratch tls_mha;

float* sized(std::vector<float>& v, int64_t n) {
  if (v.size() < static_cast<size_t>(n)) v.resize(static_cast<size_t>(n));
  return v.data();
}

class MultiHeadAttentionFast final : public Kernel {
 public:
  explicit MultiHeadAttentionFast(const KernelInit& init)
      : attrs_(init.node), kern_(ukernel::sgemm_kernel(active_isa())), rows_(ukernel::row_ops(active_isa())),
        pack_rows_(ukernel::pack_rows_for(active_isa())) {}

  void run(KernelContext& ctx) const override {
    const Tensor& qkv = ctx.input(0);
    const fused::MhaShape s =
        fused::mha_shape(attrs_, qkv, ctx.optional_input(1), ctx.optional_input(2), ctx.optional_input(3));
    Tensor& y = ctx.output(0, {s.batch, s.seq, s.out_row}, DataType::kFloat);
    if (y.empty()) return;
    const int64_t H = attrs_.num_heads, S = s.seq, MR = kern_.mr;
    // Fewer (batch, head) pairs than the threads can share evenly: cut the
    // queries into more, smaller blocks (each still whole row panels).
    const int threads = ctx.pool() ? ctx.pool()->num_threads() : 1;
    int64_t blocks = ceil_div(S, kQueryBlock);
    while (s.batch * H * blocks < 4 * threads && ceil_div(S, 2 * blocks) >= 2 * MR) blocks *= 2;
    const int64_t qb = ceil_div(ceil_div(S, blocks), MR) * MR;
    blocks = ceil_div(S, qb);
    const float* x = qkv.data<float>();
    auto block_rows = [&](int64_t item) {
      const int64_t blk = item % blocks, h = (item / blocks) % H, b = item / blocks / H;
      return Rows{b, h, blk * qb, std::min(qb, S - blk * qb)};
    };
    parallel_for(ctx.pool(), s.batch * H * blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item)
        run_block(s, x, y.data<float>(), block_rows(item), item + 1 < end ? block_rows(item + 1) : Rows{});
    });
  }

 private:
  // A work item: queries [i0, i0 + rows) of batch b, head h (rows 0: none).
  struct Rows {
    int64_t b = 0, h = 0, i0 = 0, rows = 0;
  };

  // The token rows of QKV that work item w reads, each as D floats at a row
  // stride: its queries' Q, and K and V of every key it sees.
  struct Reads {
    const float *q = nullptr, *k = nullptr, *v = nullptr;
    int64_t queries = 0, keys = 0;
  };
  Reads reads(const fused::MhaShape& s, const float* x, const Rows& w) const {
    const int64_t H = attrs_.num_heads, D = s.head, g = w.h / (H / attrs_.kv_num_heads);
    const float* base = x + w.b * s.seq * s.row;
    return {base + w.i0 * s.row + w.h * D, base + H * D + g * D, base + (H + attrs_.kv_num_heads) * D + g * D,
            w.rows, attrs_.causal ? w.i0 + w.rows : s.seq};
  }

  void run_block(const fused::MhaShape& s, const float* x, float* out, const Rows& w, const Rows& next) const {
    const int64_t D = s.head, b = w.b, h = w.h, i0 = w.i0, rows = w.rows;
    const int64_t MR = kern_.mr, NR = kern_.nr;
    const bool causal = attrs_.causal;
    const Reads in = reads(s, x, w);
    const int64_t keys = in.keys;  // causal: later keys are masked for every query here
    const int64_t mpanels = ceil_div(rows, MR), kpanels = ceil_div(keys, NR), dpanels = ceil_div(D, NR);
    const int64_t ldsc = kpanels * NR, ldo = dpanels * NR;
    // Keys (and so k extent of the second product) row panel ip needs.
    auto panel_keys = [&](int64_t ip) { return causal ? std::min(keys, i0 + (ip + 1) * MR) : keys; };
    // The last panel's rows past the block are never read: S = 128 on 6-row
    // tiles ends in 2 rows, run by the 2-row kernel rather than a full tile.
    auto panel_rows = [&](int64_t ip) { return std::min(MR, rows - ip * MR); };
    // A's rows are read in place, lda apart (Q's rows in QKV, the
    // probabilities' rows in the score block): packing them was a transpose
    // of 24K floats per 128-query block, each read once by the tiles after it.
    auto tile = [&](int64_t mi, int64_t kc, const float* a, int64_t lda, const float* bp, float* c, int64_t ldc) {
      if (mi < MR) kern_.tile_edge(static_cast<int>(mi), true, kc, a, lda, bp, c, ldc, false, {});
      else kern_.tile_rows(kc, a, lda, bp, c, ldc, false, {});
    };

    MhaScratch& t = tls_mha;
    const float *q = in.q, *k = in.k, *v = in.v;
    int64_t ldq = s.row, ldk = s.row;
    if (s.cos) {
      // Rotate this block's queries and the keys it reads into [rows|keys, D] buffers.
      float* qr = sized(t.qrot, rows * D);
      float* kr = sized(t.krot, keys * D);
      const float *cb = s.cos + b * s.cs_b, *sb = s.sin + b * s.cs_b;
      for (int64_t r = 0; r < rows; ++r)
        fused::rotary_row(q + r * s.row, cb + (i0 + r) * D, sb + (i0 + r) * D, D, qr + r * D);
      for (int64_t j = 0; j < keys; ++j) fused::rotary_row(k + j * s.row, cb + j * D, sb + j * D, D, kr + j * D);
      q = qr;
      k = kr;
      ldq = ldk = D;
    }

    // Q as A (its rows in place), K^T times the scale as B; keys past the block are zero.
    float* kp = sized(t.k, kpanels * D * NR);
    for (int64_t jp = 0; jp < kpanels; ++jp)
      pack_rows_(kp + jp * D * NR, k + jp * NR * ldk, ldk, std::min(NR, keys - jp * NR), D, NR, s.scale);
    // The next item's Q, K and V rows are fetched into L2 a few at a time
    // while this one's scores are computed. They are strided pieces of QKV
    // rows (D floats every row): without this, the packing loops stalled on
    // them for about a third of the op's time (bert_base, D = 64).
    const Reads ahead = next.rows ? reads(s, x, next) : Reads{};
    const int64_t ahead_rows = ahead.queries + 2 * ahead.keys;
    const int64_t ahead_step = ceil_div(ahead_rows, mpanels);
    auto prefetch_rows = [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < std::min(r1, ahead_rows); ++r) {
        const float* p = r < ahead.queries ? ahead.q + r * s.row
                         : r < ahead.queries + ahead.keys ? ahead.k + (r - ahead.queries) * s.row
                                                         : ahead.v + (r - ahead.queries - ahead.keys) * s.row;
        const char* c = reinterpret_cast<const char*>(p);
        for (int64_t o = 0; o < D * 4; o += 64) __builtin_prefetch(c + o, 0, 2);
        __builtin_prefetch(c + D * 4 - 1, 0, 2);
      }
    };
    // Scores, whole tiles: row panel ip only needs the key panels its queries see.
    float* sc = sized(t.scores, mpanels * MR * ldsc);
    for (int64_t ip = 0; ip < mpanels; ++ip) {
      const int64_t kp_used = ceil_div(panel_keys(ip), NR);
      for (int64_t jp = 0; jp < kp_used; ++jp)
        tile(panel_rows(ip), D, q + ip * MR * ldq, ldq, kp + jp * D * NR, sc + ip * MR * ldsc + jp * NR, ldsc);
      prefetch_rows(ip * ahead_step, (ip + 1) * ahead_step);
    }
    // The probabilities' rows stay unnormalized: each output row is divided
    // by its row's sum instead (D values, not S).
    float* inv = sized(t.inv, rows);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = i0 + r;
      const float* m = s.mask ? s.mask + b * s.mb + h * s.mh + i * s.mq : nullptr;
      // Causal: only keys up to the query's own position may be unmasked.
      inv[r] = rows_.attention_softmax(sc + r * ldsc, m, s.mk, causal ? i + 1 : keys, ldsc);
    }
    // V as B: vp[panel][j][c], head columns past D zero.
    float* vp = sized(t.v, dpanels * keys * NR);
    for (int64_t j = 0; j < keys; ++j) {
      const float* src = v + j * s.row;
      for (int64_t dp = 0; dp < dpanels; ++dp) {
        const int64_t c0 = dp * NR, n = std::min(NR, D - c0);
        float* d = vp + (dp * keys + j) * NR;
        for (int64_t c = 0; c < n; ++c) d[c] = src[c0 + c];  // a loop: memcpy calls cost more at 64 bytes
        for (int64_t c = n; c < NR; ++c) d[c] = 0.f;
      }
    }
    // Context = P V into whole tiles, then the block's rows to the output.
    float* ot = sized(t.out, mpanels * MR * ldo);
    for (int64_t ip = 0; ip < mpanels; ++ip) {
      const int64_t kc = panel_keys(ip);
      for (int64_t dp = 0; dp < dpanels; ++dp)
        tile(panel_rows(ip), kc, sc + ip * MR * ldsc, ldsc, vp + dp * keys * NR, ot + ip * MR * ldo + dp * NR, ldo);
    }
    for (int64_t r = 0; r < rows; ++r) {
      float* o = out + (b * s.seq + i0 + r) * s.out_row + h * D;
      const float* src = ot + r * ldo;
      const float f = inv[r];
      for (int64_t c = 0; c < D; ++c) o[c] = src[c] * f;
    }
  }

  fused::MhaAttrs attrs_;
  const ukernel::SgemmKernel& kern_;
  const ukernel::RowOps& rows_;
  ukernel::PackRowsFn pack_rows_;  // Q, K^T and the probabilities into SGEMM panels
};

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "MultiHeadAttention", .since = 1, .types = {DataType::kFloat},
             .priority = 10, .impl = "sgemm", .create = create<MultiHeadAttentionFast>});

}  // namespace onyx
