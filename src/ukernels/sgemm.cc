// SGEMM driver: cache blocking, packing, threading, epilogue. Portable C++;
// only the microkernels (sgemm_<isa>.cc) use intrinsics.
#include "ukernels/sgemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>


#include "base/error.h"
#include "base/resident.h"
#include "runtime/parallel_items.h"
#include "runtime/thread_pool.h"
#include "ukernels/pack.h"
#include "ukernels/vmath.h"

namespace onyx::ukernel {

// Each ISA's kernel entry, defined in its own file (compiled with its flags).
extern const SgemmKernel kSgemmAvx2, kSgemmAvx512;

void bias_relu_rows_avx2(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* row_bias,
                         const float* col_bias, bool relu);
void bias_relu_rows_avx512(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* row_bias,
                           const float* col_bias, bool relu);

namespace {

// Portable microkernel: 4 x 8, plain loops the compiler may vectorise.
// A packed (a[k * 4 + i]) or as MI rows of a row-major matrix (a[i * lda + k]);
// MI < 4 runs the last rows of A (still in a 4-wide packed panel). It leaves
// the prefetch hint to the hardware: the fallback is the oracle, not a rival.
template <bool kRowsA, int MI = 4>
void sgemm_tile_scalar_impl(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                            bool accumulate, const Prefetch&) {
  constexpr int MR = 4, NR = 8;
  float acc[MI][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MI; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += (kRowsA ? a[i * lda] : a[i]) * b[j];
    a += kRowsA ? 1 : MR;
    b += NR;
  }
  for (int i = 0; i < MI; ++i)
    for (int j = 0; j < NR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
void sgemm_tile_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                       const Prefetch& pf) {
  sgemm_tile_scalar_impl<false>(kc, a, 0, b, c, ldc, accumulate, pf);
}
void sgemm_tile_edge_scalar(int mi, bool rows_a, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                            int64_t ldc, bool accumulate, const Prefetch& pf) {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, bool, const Prefetch&);
  static constexpr Fn kFns[2][3] = {
      {sgemm_tile_scalar_impl<false, 1>, sgemm_tile_scalar_impl<false, 2>, sgemm_tile_scalar_impl<false, 3>},
      {sgemm_tile_scalar_impl<true, 1>, sgemm_tile_scalar_impl<true, 2>, sgemm_tile_scalar_impl<true, 3>}};
  kFns[rows_a][mi - 1](kc, a, lda, b, c, ldc, accumulate, pf);
}

constexpr SgemmKernel kSgemmScalar{Isa::kScalar, 4, 8, sgemm_tile_scalar, sgemm_tile_scalar_impl<true>,
                                   sgemm_tile_edge_scalar};
// Pointers, not copies: the other files' entries need no initialisation order.
const SgemmKernel* const kKernels[] = {&kSgemmScalar, &kSgemmAvx2, &kSgemmAvx512};

// Rows per work item: a multiple of every MR (4, 6, 12) so packed-A panels
// line up with work items. 120 rows x 256 k x 4 B = 120 KiB of packed A per
// block: it stays in L2 while the B micro-panel (256 x NR floats = 16-32 KiB) is
// reused from L1 across the row panels. Raw A operands larger than the packing
// budget are cut into slices of a multiple of kMc rows.
constexpr int64_t kMc = 120;
// The most rows one work item takes. An item revisits its whole C block
// (rows x kNc floats) once per K block, beside its A block, so both must stay
// in L2 (1 MiB per core on the machines measured): 144 rows is 288 KiB of C
// and 144 KiB of A. Up to 240 rows when B is not pre-packed: with a single
// row block each item packs its own B panels (see b_per_item), which saves
// a whole pass over B.
constexpr int64_t kMcMax = 144, kMcMaxRawB = 240;
// Columns per work item: a multiple of every NR (8, 16, 32).
constexpr int64_t kNc = 512;

float* aligned_floats(size_t n) {
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, bytes ? bytes : 64));
  if (!p) fail(ErrorCode::kFail, "out of memory allocating a ", bytes, "-byte GEMM packing buffer");
  return p;
}

// Per-thread packing buffers, grown on demand and kept for the next call.
// `a`/`b` hold whole packed operands shared with the pool's workers for one
// call (owned by the calling thread; workers only read them).
struct Scratch {
  float* a = nullptr;
  float* b = nullptr;
  size_t a_cap = 0, b_cap = 0;
  ~Scratch() {
    std::free(a);
    std::free(b);
  }
  static float* grow(float*& p, size_t& cap, size_t n) {
    if (n > cap) {
      // Round up so slowly growing sizes (a growing sequence length) do not reallocate every call.
      size_t want = std::max(n, cap + cap / 4);
      std::free(p);
      p = nullptr;
      cap = 0;
      p = aligned_floats(want);
      cap = want;
    }
    return p;
  }
  float* get_a(size_t n) { return grow(a, a_cap, n); }
  float* get_b(size_t n) { return grow(b, b_cap, n); }
};
thread_local Scratch tls_scratch;
// Per work item packing (gemm_block with one row block): separate from
// tls_scratch, which the calling thread may hold whole operands in.
thread_local Scratch tls_item_scratch;

// Packs rows [r0, r0+nr) x k [k0, k0+kc) of op(X) into `width`-row panels:
// dst[p][k][i] = scale * op(X)(r0 + p*width + i, k0 + k), zero past `rows`.
// Used for A (rows = M); B is packed as the transpose (rows = N).
void pack_panels(float* dst, const float* x, int64_t ldx, bool row_major_rk, int64_t rows, int64_t r0, int64_t nr,
                 int64_t k0, int64_t kc, int width, float scale) {
  for (int64_t p = 0; p * width < nr; ++p) {
    int64_t base = r0 + p * width;
    int64_t valid = std::min<int64_t>(width, rows - base);
    float* d = dst + p * kc * width;
    if (row_major_rk) {
      // Element (r, k) at x[r * ldx + k]: rows are contiguous in k, each
      // becomes a strided column of the panel (a transpose, ukernels/pack.h).
      static const PackRowsFn pack_rows = pack_rows_for(active_isa());
      pack_rows(d, x + base * ldx + k0, ldx, std::max<int64_t>(valid, 0), kc, width, scale);
    } else if (valid == width && scale == 1.f) {
      // Element (r, k) at x[k * ldx + r], a full panel: one contiguous copy per k.
      // Fixed-size copies (inlined moves): a variable-size memcpy is a library call per k.
      if (width == 16)
        for (int64_t k = 0; k < kc; ++k) std::memcpy(d + k * 16, x + (k0 + k) * ldx + base, 64);
      else if (width == 8)
        for (int64_t k = 0; k < kc; ++k) std::memcpy(d + k * 8, x + (k0 + k) * ldx + base, 32);
      else
        for (int64_t k = 0; k < kc; ++k)
          std::memcpy(d + k * width, x + (k0 + k) * ldx + base, sizeof(float) * static_cast<size_t>(width));
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = x + (k0 + k) * ldx + base;
        float* dk = d + k * width;
        for (int64_t i = 0; i < valid; ++i) dk[i] = scale * src[i];
        for (int64_t i = valid; i < width; ++i) dk[i] = 0.f;
      }
    }
  }
}

// One operand of the driver: raw, pre-packed, or produced panel by panel by a source.
struct Operand {
  const float* x = nullptr;
  int64_t ld = 0;
  bool row_major_rk = true;  // element (r, k) at x[r*ld + k] (else x[k*ld + r])
  float scale = 1.f;
  const PackedMatrix* packed = nullptr;
  const PanelSource* source = nullptr;  // B only
};

void bias_relu_rows_portable(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* row_bias,
                             const float* col_bias, bool relu)
#include "ukernels/bias_relu_rows.inl"

void apply_epilogue(float* c, int64_t ldc, int64_t m0, int64_t rows, int64_t n0, int64_t cols, const Epilogue& epi) {
  // Bias (+ ReLU) fused in one pass over each row, built for the active ISA;
  // any other activation after it.
  static const auto bias_relu_rows = active_isa() == Isa::kAvx512 ? bias_relu_rows_avx512
                                     : active_isa() == Isa::kAvx2  ? bias_relu_rows_avx2
                                                                   : bias_relu_rows_portable;
  const bool relu = epi.act == Act::kRelu;
  if (epi.bias || relu) {
    const float* row_bias = epi.bias && epi.bias_per_row ? epi.bias + m0 : nullptr;
    const float* col_bias = epi.bias && !epi.bias_per_row ? epi.bias + n0 : nullptr;
    bias_relu_rows(c, ldc, rows, cols, row_bias, col_bias, relu);
  }
  if (!relu && epi.act != Act::kNone)
    for (int64_t i = 0; i < rows; ++i) apply_activation(c + i * ldc, cols, epi);
}

// Packs panel p of an operand for k block [k0, k0 + kc) into d, from its
// source or from the raw matrix.
void pack_operand_panel(float* d, const Operand& op, int64_t rows, int64_t p, int64_t k0, int64_t kc, int width) {
  if (op.source) op.source->pack(d, p * width, k0, kc, width);
  else pack_panels(d, op.x, op.ld, op.row_major_rk, rows, p * width, width, k0, kc, width, op.scale);
}

// Packs a whole operand (all K blocks, all panels) into `dst` in the layout of
// PackedMatrix, in parallel: every panel is packed once per call, however many
// work items read it (packing per work item repeated B for every row block).
void pack_whole(float* dst, const Operand& op, int64_t rows, int64_t K, int width, ThreadPool* pool) {
  const int64_t panels = (rows + width - 1) / width, kblocks = (K + kKc - 1) / kKc;
  // ~16 K-floats per piece keeps scheduling overhead small against the copying.
  const int64_t grain = std::max<int64_t>(1, 16384 / (kKc * width));
  parallel_for(pool, kblocks * panels, grain, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; ++w) {
      const int64_t kb = w / panels, p = w % panels;
      const int64_t k0 = kb * kKc, kc = std::min(kKc, K - k0);
      pack_operand_panel(dst + kb * kKc * panels * width + p * kc * width, op, rows, p, k0, kc, width);
    }
  });
}

// Below this many flops a product runs on the calling thread alone (~2 MFLOP:
// tens of microseconds, less than handing work to another thread costs here).
constexpr int64_t kMinParallelFlops = int64_t{2} << 20;

// M = 1 with raw operands: a matrix-vector product straight from B, which is
// read once (packing it would cost as much as the product, and memory).
void gemv(int64_t N, int64_t K, const Operand& A, const Operand& B, float beta, float* C, const Epilogue& epi,
          ThreadPool* pool) {
  std::vector<float> a(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) a[static_cast<size_t>(k)] = A.scale * (A.row_major_rk ? A.x[k] : A.x[k * A.ld]);
  parallel_for(pool, N, std::max<int64_t>(256, kMinParallelFlops / 2 / std::max<int64_t>(K, 1)), [&](int64_t n0, int64_t n1) {
    float* c = C + n0;
    const int64_t cols = n1 - n0;
    if (B.row_major_rk) {
      // Element (n, k) at x[n * ld + k]: one dot product per output.
      for (int64_t j = 0; j < cols; ++j) {
        const float* b = B.x + (n0 + j) * B.ld;
        float lanes[8] = {};
        int64_t k = 0;
        for (; k + 8 <= K; k += 8)
          for (int l = 0; l < 8; ++l) lanes[l] += a[static_cast<size_t>(k + l)] * b[k + l];
        float acc = 0.f;
        for (; k < K; ++k) acc += a[static_cast<size_t>(k)] * b[k];
        for (float l : lanes) acc += l;
        c[j] = beta == 0.f ? acc : acc + beta * c[j];
      }
    } else {
      // Element (n, k) at x[k * ld + n]: accumulate scaled rows of B.
      if (beta == 0.f) std::fill(c, c + cols, 0.f);
      else if (beta != 1.f)
        for (int64_t j = 0; j < cols; ++j) c[j] *= beta;
      for (int64_t k = 0; k < K; ++k) {
        const float ak = a[static_cast<size_t>(k)];
        const float* b = B.x + k * B.ld + n0;
        for (int64_t j = 0; j < cols; ++j) c[j] += ak * b[j];
      }
    }
    apply_epilogue(c, 0, 0, 1, n0, cols, epi);
  });
}

// Operands are packed whole (see gemm_block) up to this many floats (16 MiB);
// larger raw operands are cut into column, then row, slices.
constexpr int64_t kPackBudget = int64_t{4} << 20;

void gemm_block(const SgemmKernel& kern, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B,
                float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool);

void gemm_driver(const SgemmKernel& kern, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B,
                 float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  if (M == 1 && K > 0 && !A.packed && !B.packed && !B.source) return gemv(N, K, A, B, beta, C, epi, pool);
  if (!B.packed && !B.source && N > kern.nr && K * N > kPackBudget) {
    const int64_t cols = std::max<int64_t>(kNc, kPackBudget / std::max<int64_t>(K, 1) / kNc * kNc);
    for (int64_t n0 = 0; n0 < N; n0 += cols) {
      Operand b = B;
      b.x = B.row_major_rk ? B.x + n0 * B.ld : B.x + n0;
      Epilogue e = epi;
      if (e.bias && !e.bias_per_row) e.bias += n0;
      gemm_driver(kern, M, std::min(cols, N - n0), K, A, b, beta, C + n0, ldc, e, pool);
    }
    return;
  }
  if (!A.packed && M > kMc && M * K > kPackBudget) {
    const int64_t rows = std::max<int64_t>(kMc, kPackBudget / std::max<int64_t>(K, 1) / kMc * kMc);
    for (int64_t m0 = 0; m0 < M; m0 += rows) {
      Operand a = A;
      a.x = A.row_major_rk ? A.x + m0 * A.ld : A.x + m0;
      Epilogue e = epi;
      if (e.bias && e.bias_per_row) e.bias += m0;
      gemm_driver(kern, std::min(rows, M - m0), N, K, a, B, beta, C + m0 * ldc, ldc, e, pool);
    }
    return;
  }
  if (2 * M * N * K < kMinParallelFlops) pool = nullptr;
  gemm_block(kern, M, N, K, A, B, beta, C, ldc, epi, pool);
}

void gemm_block(const SgemmKernel& kern, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B,
                float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  const int MR = kern.mr, NR = kern.nr;
  // beta other than 0/1: scale C once, then accumulate into it.
  if (beta != 0.f && beta != 1.f) {
    parallel_for(pool, M, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t j = 0; j < N; ++j) C[r * ldc + j] *= beta;
    });
  }
  const bool accumulate_first = beta != 0.f;
  if (K == 0) {
    parallel_for(pool, M, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        if (!accumulate_first) std::fill(C + r * ldc, C + r * ldc + N, 0.f);
        apply_epilogue(C + r * ldc, ldc, r, 1, 0, N, epi);
      }
    });
    return;
  }
  // Work items: (row block, column block) pairs. Shrink the blocks when there
  // are too few items to keep every thread busy (e.g. M = 128, N = 768):
  // the threads finish within about one item of each other, so a call of a
  // few large items left one thread idle for much of it.
  int threads = pool ? pool->num_threads() : 1;
  // Row blocks: as few as fit L2 (at most kMcMax rows), of equal size. Every
  // row block streams all of B once more, so M = 128 as 120 + 8 rows read B
  // twice for 6% of the work, and the 8-row item ran at a third of the rate
  // (a 2-row edge panel). With one row block and B not pre-packed, each work
  // item packs its own B panels (see b_per_item) and every panel is packed once.
  auto even_rows = [&](int64_t blocks) { return ((M + blocks - 1) / blocks + 11) / 12 * 12; };
  const int64_t mc_max = !B.packed && M <= kMcMaxRawB ? kMcMaxRawB : kMcMax;
  int64_t mblocks_want = (M + mc_max - 1) / mc_max;
  int64_t mc = mblocks_want == 1 ? M : even_rows(mblocks_want), nc = kNc;
  auto items = [&] { return ((M + mc - 1) / mc) * ((N + nc - 1) / nc); };
  // Too few items to keep every thread busy (M = 128, N = 768): narrower
  // column blocks first (each still reuses the L2-resident A block), down to
  // 64 columns whatever NR is (two 32-wide AVX-512 panels: stopping at 4 * NR
  // = 128 left 6 items for N = 768, so M was cut in two and each half read
  // all of B), then more row blocks, again of equal size.
  while (threads > 1 && items() < 12 * threads && nc > std::min<int64_t>(4 * NR, 64)) nc /= 2;
  while (threads > 1 && items() < 4 * threads && mc > 24) mc = even_rows(++mblocks_want);
  const int64_t mblocks = (M + mc - 1) / mc, nblocks = (N + nc - 1) / nc;
  const int64_t kblocks = (K + kKc - 1) / kKc;
  const int64_t mpanels_all = (M + MR - 1) / MR, npanels_all = (N + NR - 1) / NR;

  // Operands not packed at session creation are packed whole, once, into the
  // calling thread's scratch (workers only read it).
  Scratch& s = tls_scratch;
  const float* apack = nullptr;
  const float* bpack = nullptr;
  // A plain row-major A (an activation times a weight) with few columns of B
  // is not packed at all: the microkernel reads its rows where they are
  // (tile_rows). Packing is a pass over all of A plus one more wait for the
  // threads, paid once per N columns: ~5% of a 128 x 768 x 768 product. Read
  // in place, A's six row streams cost the tile loop 2-4% (measured with the
  // tile loop alone, A in L2), so past ~1024 columns packing is cheaper.
  // On several threads with one row block, A is read in place whatever N:
  // the packing pass split over the threads leaves each thread half of A
  // packed by another core, behind a barrier. bert_base at 2 threads (its
  // 128 x 2304 and 128 x 3072 products; one session each, alternated, 8
  // runs): 68.9-75.2 ms against 70.0-77.7.
  // The last rows (fewer than MR) run on the kernel for that many rows, so
  // nothing reads past A's last row.
  constexpr int64_t kDirectAMaxN = 1024;
  const bool direct_a = !A.packed && A.row_major_rk && A.scale == 1.f && (N <= kDirectAMaxN || (threads > 1 && mblocks == 1));
  if (!A.packed && !direct_a) {
    float* buf = s.get_a(static_cast<size_t>(mpanels_all * MR * K));
    pack_whole(buf, A, M, K, MR, pool);
    apack = buf;
  }
  // One row block: every B panel is read by one work item only, which packs
  // it itself right before use (still in L1/L2, on the core that reads it)
  // instead of a separate pass over all of B, a barrier, and panels packed
  // on the other core (the 1x1 and small-M convolutions of a CNN).
  const bool b_per_item = !B.packed && mblocks == 1;
  if (!B.packed && !b_per_item) {
    float* buf = s.get_b(static_cast<size_t>(npanels_all * NR * K));
    pack_whole(buf, B, N, K, NR, pool);
    bpack = buf;
  }
  auto a_panel = [&](int64_t kb, int64_t p) {
    if (A.packed) return A.packed->panel(kb, p);
    const int64_t kc = std::min(kKc, K - kb * kKc);
    return apack + kb * kKc * mpanels_all * MR + p * kc * MR;
  };
  auto b_panel = [&](int64_t kb, int64_t p) {
    if (B.packed) return B.packed->panel(kb, p);
    const int64_t kc = std::min(kKc, K - kb * kKc);
    return bpack + kb * kKc * npanels_all * NR + p * kc * NR;
  };
  const bool has_epi = epi.bias || epi.act != Act::kNone;

  parallel_for(pool, mblocks * nblocks, 1, [&](int64_t w0, int64_t w1) {
    alignas(64) float tmp[32 * 32];
    for (int64_t w = w0; w < w1; ++w) {
      // Column-major over items so consecutive items share a B block.
      const int64_t mb = w % mblocks, nb = w / mblocks;
      const int64_t m0 = mb * mc, rows = std::min(mc, M - m0);
      const int64_t n0 = nb * nc, cols = std::min(nc, N - n0);
      const int64_t mpanels = (rows + MR - 1) / MR, npanels = (cols + NR - 1) / NR;
      // With A read in place a row tile may start on any row, so the rows
      // past a multiple of MR are spread as tiles of MR - 1 rows at the end
      // instead of one short tile: M = 128 on 6-row tiles is 18 x 6 + 4 x 5
      // rather than 21 x 6 + 2. A 5-row tile runs at the 6-row rate (12 vs
      // 10 accumulators, both past the FMA latency); the 2-row one, B-load
      // bound, at about two thirds of it (2.6% of bert_base's samples at 2
      // threads for 1.6% of the rows).
      const int64_t short_tiles = direct_a ? mpanels * MR - rows : 0;
      const bool spread = short_tiles > 0 && short_tiles <= mpanels;
      const int64_t full_tiles = spread ? mpanels - short_tiles : mpanels;
      auto tile_row = [&](int64_t ip) {
        return ip <= full_tiles ? ip * MR : full_tiles * MR + (ip - full_tiles) * (MR - 1);
      };
      auto tile_height = [&](int64_t ip) {
        return spread ? (ip < full_tiles ? MR : MR - 1) : std::min<int64_t>(MR, rows - ip * MR);
      };
      for (int64_t kb = 0; kb < kblocks; ++kb) {
        const bool acc = accumulate_first || kb > 0;
        const bool last = kb == kblocks - 1;
        const int64_t kc = std::min(kKc, K - kb * kKc);
        // One panel of this K block at a time (kc x NR floats: L1), used by
        // all the item's row panels right after it is packed.
        float* item_b = b_per_item ? tls_item_scratch.get_b(static_cast<size_t>(NR * kc)) : nullptr;
        for (int64_t jp = 0; jp < npanels; ++jp) {
          if (b_per_item) pack_operand_panel(item_b, B, N, n0 / NR + jp, kb * kKc, kc, NR);
          const float* bp = b_per_item ? item_b : b_panel(kb, n0 / NR + jp);
          const int64_t nj = std::min<int64_t>(NR, cols - jp * NR);
          // The next B panel (of this K block, else the item's first of the
          // next one), fetched a slice per tile while this one is in use: a
          // packed weight panel comes from L3 or DRAM, and its first tile
          // would otherwise wait on 16-32 KiB of misses. Into L2, not L1:
          // the panel in use (up to 32 KiB) and the A panels already fill
          // L1, and pulling the next one in beside them evicted the current
          // panel's lines before its last tiles read them. To L1 (as before)
          // the prefetch did nothing measurable; to L2, in one session
          // alternated per run (16-30 runs each), bert_base took 0.96-0.99x
          // the time at 1 thread and 0.98-1.01x at 2, gpt2 0.99x at 1,
          // resnet50 (its Winograd products) 0.98x at 1 and 2; the packed-B
          // products of BM_SgemmPackedB 0.93-1.00x (128 x 3072 x 768 at 2
          // threads: 3.01-3.11 against 3.24-3.27 ms).
          // Not when one tile uses the panel (M <= MR, a matrix-vector
          // product): all of the next panel was then asked for at once, 512
          // lines in a burst ahead of a tile that reads its own panel as a
          // plain stream, which the hardware prefetcher follows better.
          // Without it BM_SgemmPackedB_1T/1/768/768 took 28 us against
          // 40-43, 1/1000/2048 101 against 143-149; mobilenet_v3_large's
          // classifier (960 -> 1280 -> 1000 on one row) 1.13x and 1.33x
          // faster, the model 2% (one session, alternated per run).
          const char* next_b = nullptr;
          int64_t next_lines = 0, lines_per_tile = 0;
          if (!b_per_item && mpanels > 1) {
            // The panel after this one: in this K block, else the next K
            // block's first, else (the item's last panel) the first panel of
            // the thread's next item, so no item starts on a cold panel.
            int64_t next_kb = -1, next_p = 0;
            if (jp + 1 < npanels) next_kb = kb, next_p = n0 / NR + jp + 1;
            else if (kb + 1 < kblocks) next_kb = kb + 1, next_p = n0 / NR;
            else if (w + 1 < w1) next_kb = 0, next_p = (w + 1) / mblocks * nc / NR;
            if (next_kb >= 0) {
              next_b = reinterpret_cast<const char*>(b_panel(next_kb, next_p));
              const int64_t next_kc = std::min(kKc, K - next_kb * kKc);
              next_lines = next_kc * NR * static_cast<int64_t>(sizeof(float)) / 64;
              lines_per_tile = (next_lines + mpanels - 1) / mpanels;
            }
          }
          for (int64_t ip = 0; ip < mpanels; ++ip) {
            Prefetch pf;
            if (next_b) {
              const int64_t l = ip * lines_per_tile, e = std::min(next_lines, l + lines_per_tile);
              if (e > l) pf = {next_b + l * 64, (e - l) * 64};
            }
            const int64_t mi = tile_height(ip), r0 = m0 + tile_row(ip);
            float* ct = C + r0 * ldc + n0 + jp * NR;
            // A packed panel, else A's rows in place; tiles of mi < MR rows
            // by the kernel for that many rows.
            const float* ap = direct_a ? A.x + r0 * A.ld + kb * kKc : a_panel(kb, m0 / MR + ip);
            auto tile_into = [&](float* dst, int64_t ld) {
              if (mi < MR) kern.tile_edge(static_cast<int>(mi), direct_a, kc, ap, A.ld, bp, dst, ld, acc, pf);
              else if (direct_a) kern.tile_rows(kc, ap, A.ld, bp, dst, ld, acc, pf);
              else kern.tile(kc, ap, bp, dst, ld, acc, pf);
            };
            if (nj == NR) {
              tile_into(ct, ldc);
            } else {
              // Column edge: compute into a full-width scratch tile, copy the valid part.
              if (acc)
                for (int64_t i = 0; i < mi; ++i) std::memcpy(tmp + i * NR, ct + i * ldc, sizeof(float) * nj);
              tile_into(tmp, NR);
              for (int64_t i = 0; i < mi; ++i) std::memcpy(ct + i * ldc, tmp + i * NR, sizeof(float) * nj);
            }
          }
        }
        // Bias and activation once per work item, over rows of up to kNc
        // columns still in L2: per MR x NR tile, the calls on 16-float rows
        // cost more than the arithmetic (11% of mobilenet_v3 with HardSwish).
        if (last && has_epi) apply_epilogue(C + m0 * ldc + n0, ldc, m0, rows, n0, cols, epi);
      }
    }
  });
}

void check_isa(Isa isa) {
  if (!isa_supported(isa)) fail(ErrorCode::kFail, "SGEMM kernel for ", isa_name(isa), " requested but the CPU lacks it");
}

}  // namespace

const SgemmKernel& sgemm_kernel(Isa isa) {
  check_isa(isa);
  return *kKernels[static_cast<int>(isa)];
}

void apply_activation(float* x, int64_t n, const Epilogue& epi) {
  switch (epi.act) {
    case Act::kNone: return;
    case Act::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.f ? x[i] : 0.f;
      return;
    case Act::kClip:
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], epi.p0), epi.p1);
      return;
    case Act::kLeakyRelu: vmath().leaky_relu(x, x, n, epi.p0, 0.f); return;
    // The transcendental ones run on the vectorised math of the active ISA.
    case Act::kSigmoid: vmath().sigmoid(x, x, n); return;
    case Act::kTanh: vmath().tanh(x, x, n); return;
    case Act::kHardSigmoid: vmath().hard_sigmoid(x, x, n, epi.p0, epi.p1); return;
    case Act::kHardSwish: vmath().hard_swish(x, x, n, 0.f, 0.f); return;
    case Act::kSilu: vmath().silu(x, x, n); return;
    case Act::kGelu: vmath().gelu(x, x, n); return;
    case Act::kGeluTanh: vmath().gelu_tanh(x, x, n); return;
  }
}

std::shared_ptr<PackedMatrix> PackedMatrix::shell(Isa isa, bool as_a, int64_t rows, int64_t cols) {
  const SgemmKernel& kern = sgemm_kernel(isa);
  auto pm = std::make_shared<PackedMatrix>();
  pm->isa_ = isa;
  pm->as_a_ = as_a;
  pm->rows_ = rows;
  pm->cols_ = cols;
  // As A: panels over rows, k = cols. As B (rows = K, cols = N): panels over cols, k = rows.
  pm->k_ = as_a ? cols : rows;
  pm->width_ = as_a ? kern.mr : kern.nr;
  pm->panels_ = ((as_a ? rows : cols) + pm->width_ - 1) / pm->width_;
  pm->size_ = static_cast<size_t>(pm->panels_ * pm->width_ * std::max<int64_t>(pm->k_, 1));
  return pm;
}

std::shared_ptr<const PackedMatrix> PackedMatrix::pack(Isa isa, bool as_a, bool trans, int64_t rows, int64_t cols,
                                                       const float* x, int64_t ldx) {
  std::shared_ptr<PackedMatrix> pm = shell(isa, as_a, rows, cols);
  const int64_t k = pm->k_;
  const int64_t r = as_a ? rows : cols;
  // In place: op(B) = X (K x N, row stride N, N % NR == 0) packs to exactly
  // X's size, k-block kb landing on the very bytes of X's rows k0..k0+kc, so
  // each block is copied out to a scratch and packed back over itself.
  if (!as_a && !trans && ldx == cols && cols % pm->width_ == 0 && k > 0 &&
      reinterpret_cast<uintptr_t>(x) % 64 == 0) {
    if (auto owner = resident::borrow(x, static_cast<size_t>(rows * cols) * sizeof(float))) {
      auto* dst = const_cast<float*>(x);
      pm->lent_ = std::move(owner);
      pm->data_ = std::unique_ptr<float[], void (*)(float*)>(dst, [](float*) {});
      // Kept per thread: one block is at most kKc rows of X (3 MiB for N = 3072).
      thread_local std::vector<float> scratch;
      // On one thread: a block is 0.2-3 MiB of copying, and bert_base has ~500
      // of them; two parallel regions per block (copy out, pack back) were
      // more waits on a busy machine than they saved on a quiet one.
      for (int64_t kb = 0; kb * kKc < k; ++kb) {
        int64_t k0 = kb * kKc, kc = std::min(kKc, k - k0);
        float* block = dst + k0 * cols;
        scratch.assign(block, block + kc * cols);
        pack_panels(block, scratch.data(), cols, false, r, 0, r, 0, kc, static_cast<int>(pm->width_), 1.f);
      }
      return pm;
    }
  }
  PackedBuffer buf = packed_alloc(pm->size_);
  pm->data_ = std::unique_ptr<float[], void (*)(float*)>(buf.p, [](float*) {});
  pm->lent_ = std::move(buf.owner);
  // Element (r, k) of the operand in its own orientation:
  //   A, not trans: x[r*ldx + k];  A, trans: x[k*ldx + r]
  //   B, not trans: op(B)(k, n) = x[k*ldx + n] -> (r=n, k): x[k*ldx + r]; B trans: x[r*ldx + k]
  const bool row_major_rk = as_a ? !trans : trans;
  // Panels are packed on the pool session creation lends (pack.h), if any,
  // in items of ~2 MiB of output (panels of one k-block) claimed one at a
  // time. Smaller items made two threads fault in the same fresh huge page
  // at once: each clears a 2 MiB page and the kernel keeps one of them.
  ThreadPool* pool = pack_pool();
  const int width = static_cast<int>(pm->width_);
  const int64_t panels = pm->panels_;
  constexpr int64_t kItemFloats = int64_t{512} << 10;
  const int64_t kblocks = (k + kKc - 1) / kKc, per_item = std::max<int64_t>(1, kItemFloats / (kKc * width));
  const int64_t items_per_block = (panels + per_item - 1) / per_item;
  float* data = pm->data_.get();
  parallel_items(pool, kblocks * items_per_block, [&](int64_t i) {
    const int64_t kb = i / items_per_block, p0 = i % items_per_block * per_item;
    const int64_t k0 = kb * kKc, kc = std::min(kKc, k - k0), np = std::min(per_item, panels - p0);
    pack_panels(data + kb * kKc * panels * width + p0 * kc * width, x, ldx, row_major_rk, r, p0 * width, np * width,
                k0, kc, width, 1.f);
  });
  return pm;
}

void release_source_pages(const void* p, size_t bytes) {
  resident::release_file_pages(p, bytes);
  resident::note_absorbed(p, bytes);
}

std::shared_ptr<PackedMatrix> PackedMatrix::uninitialized_b(Isa isa, int64_t rows, int64_t cols) {
  std::shared_ptr<PackedMatrix> pm = shell(isa, false, rows, cols);
  PackedBuffer buf = packed_alloc(pm->size_);
  pm->data_ = std::unique_ptr<float[], void (*)(float*)>(buf.p, [](float*) {});
  pm->lent_ = std::move(buf.owner);
  return pm;
}

const float* PackedMatrix::panel(int64_t kb, int64_t p) const {
  int64_t kc = std::min(kKc, k_ - kb * kKc);
  return data_.get() + kb * kKc * panels_ * width_ + p * kc * width_;
}

void sgemm(Isa isa, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epi,
           ThreadPool* pool) {
  Operand a{A, lda, !trans_a, alpha, nullptr};
  Operand b{B, ldb, trans_b, 1.f, nullptr};
  gemm_driver(sgemm_kernel(isa), M, N, K, a, b, beta, C, ldc, epi, pool);
}

void sgemm_packed_a(const PackedMatrix& A, bool trans_b, int64_t N, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  Operand a;
  a.packed = &A;
  Operand b{B, ldb, trans_b, 1.f, nullptr};
  gemm_driver(sgemm_kernel(A.isa()), A.rows(), N, A.cols(), a, b, beta, C, ldc, epi, pool);
}

void sgemm_packed_a_source(const PackedMatrix& A, int64_t N, const PanelSource& B, float beta, float* C, int64_t ldc,
                           const Epilogue& epi, ThreadPool* pool) {
  Operand a;
  a.packed = &A;
  Operand b;
  b.source = &B;
  gemm_driver(sgemm_kernel(A.isa()), A.rows(), N, A.cols(), a, b, beta, C, ldc, epi, pool);
}

void sgemm_packed_b(bool trans_a, int64_t M, float alpha, const float* A, int64_t lda, const PackedMatrix& B,
                    float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  Operand a{A, lda, !trans_a, alpha, nullptr};
  Operand b;
  b.packed = &B;
  gemm_driver(sgemm_kernel(B.isa()), M, B.cols(), B.rows(), a, b, beta, C, ldc, epi, pool);
}

}  // namespace onyx::ukernel
