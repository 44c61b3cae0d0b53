// The register-tiled SGEMM microkernel, written once over a vector type and
// instantiated per ISA by sgemm_avx2.cc / sgemm_avx512.cc (each compiled with
// its own -m flags). An MR x NR block of C lives in MR * NV vector registers;
// each k step loads NV vectors of packed B, broadcasts MR values of packed A
// and issues MR * NV FMAs. Every 8 k steps it also prefetches a slice of
// the caller's Prefetch range (sgemm.h), the B panel the next tiles use.
//
// Include after defining a struct `Ops` with: V, kWidth, zero(), load(p),
// store(p, v), bcast(p), fma(a, b, c) (a * b + c), add(a, b); then
// sgemm_kernel_of<Ops, MR, NV>(isa) is the ISA's SgemmKernel entry.
//
// A comes packed (kRowsA false: a[k * MR + i]) or as MR rows of a row-major
// matrix (kRowsA true: a[i * lda + k]). The second lets a product whose A is
// a plain activation matrix skip packing it: each row is a sequential
// stream, and the k-step reads the same MR values either way.
//
// AS is the packed A panel's width: an edge panel of MR < AS rows (the last
// rows of A) still lies in a panel AS wide, and is run by the MR-row
// instantiation instead of a full tile whose extra rows are zero.

// Not inlined: sgemm_tile_edge_impl below picks among its instantiations, and
// with all of them inlined into one function GCC kept the thin tiles' B
// vectors in memory and reloaded them per row (BM_SgemmTile/rows:2: 78
// GFLOP/s, against 139 for the same loop on its own).
template <typename Ops, int MR, int NV, bool kRowsA = false, int AS = MR>
[[gnu::noinline]] static void sgemm_tile_impl(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                            bool accumulate, const Prefetch& pf) {
  constexpr int W = Ops::kWidth;
  constexpr int NR = NV * W;
  // A tile of few rows (the last 2 rows of a packed A of 128 rows on 6-row
  // tiles, or of attention's 128-query blocks: 4 accumulators) is bound by
  // the FMA latency, not the throughput: each
  // accumulator waits 4 cycles on the last FMA into it, and two FMA pipes
  // need 8 chains in flight. Such tiles keep S sets of accumulators, k steps
  // taking turns, summed at the end.
  constexpr int kChains = 8;
  constexpr int S = MR * NV >= kChains ? 1 : (kChains + MR * NV - 1) / (MR * NV);
  typename Ops::V acc[S][MR][NV];
#pragma GCC unroll 4
  for (int s = 0; s < S; ++s)
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[s][i][j] = Ops::zero();
  // The C tile is read or written only after the whole k loop: fetch its
  // lines now (rows ldc apart, often in L3 or further) so that the final
  // loads and stores do not stall on misses that the arithmetic could hide.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    __builtin_prefetch(c + i * ldc, 1, 3);
    __builtin_prefetch(c + i * ldc + NR - 1, 1, 3);
  }
  auto step = [&](int s) {
    typename Ops::V bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      bv[j] = Ops::load(b + j * W);
      // One load per B vector, into a register: in a tile of few rows GCC
      // folded the load into every FMA that uses it, two or three loads of
      // each B vector per k step.
      asm("" : "+v"(bv[j]));
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      typename Ops::V av = Ops::bcast(kRowsA ? a + i * lda : a + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[s][i][j] = Ops::fma(av, bv[j], acc[s][i][j]);
    }
    a += kRowsA ? 1 : AS;
    b += NR;
  };
  // The lines the caller wants fetched (the next B panel) go out one group
  // of k steps at a time, spread over the whole loop: asked for in one burst
  // before the tile, two dozen L2 misses at once stalled the prefetch
  // instructions themselves (4% of a 128 x 3072 x 768 product, perf).
  constexpr int64_t kGroup = 8;  // a multiple of S
  static_assert(kGroup % S == 0);
  const int64_t groups = kc / kGroup;
  const int64_t stride = groups > 0 ? (pf.bytes + groups - 1) / groups : 0;
  const char* p = pf.at;
  int64_t k = 0;
  for (; k + kGroup <= kc; k += kGroup) {
    for (int64_t off = 0; off < stride; off += 64) __builtin_prefetch(p + off, 0, 2);
    p += stride;
#pragma GCC unroll 8
    for (int u = 0; u < kGroup; ++u) step(u % S);
  }
  for (; k < kc; ++k) step(0);
#pragma GCC unroll 4
  for (int s = 1; s < S; ++s)
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[0][i][j] = Ops::add(acc[0][i][j], acc[s][i][j]);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      float* q = c + i * ldc + j * W;
      Ops::store(q, accumulate ? Ops::add(acc[0][i][j], Ops::load(q)) : acc[0][i][j]);
    }
}

// The last mi (1 .. MR-1) rows of A, packed in an MR-wide panel (rows_a
// false) or in place, lda apart: C gets mi rows. M = 128 on a 6-row tile
// leaves 2 rows; as a full tile they cost a whole 6-row pass over B's panel
// (3% of the product), as a 2-row one about a third of that.
template <typename Ops, int MR, int NV>
static void sgemm_tile_edge_impl(int mi, bool rows_a, int64_t kc, const float* a, int64_t lda, const float* b,
                                 float* c, int64_t ldc, bool accumulate, const Prefetch& pf) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (void)((mi == I + 1 &&
            (rows_a ? sgemm_tile_impl<Ops, I + 1, NV, true, MR>(kc, a, lda, b, c, ldc, accumulate, pf)
                    : sgemm_tile_impl<Ops, I + 1, NV, false, MR>(kc, a, lda, b, c, ldc, accumulate, pf),
             true)) ||
           ...);
  }(std::make_integer_sequence<int, MR - 1>{});
}

// Packed A only: the SgemmKernel::tile signature has no row stride.
template <typename Ops, int MR, int NV>
static void sgemm_tile_packed_impl(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                   bool accumulate, const Prefetch& pf) {
  sgemm_tile_impl<Ops, MR, NV>(kc, a, 0, b, c, ldc, accumulate, pf);
}

// The kernel table entry of one instantiation: tile shape and entry points
// all follow from (Ops, MR, NV), so no ISA file repeats them by hand.
template <typename Ops, int MR, int NV>
constexpr SgemmKernel sgemm_kernel_of(Isa isa) {
  return {isa, MR, NV * Ops::kWidth, sgemm_tile_packed_impl<Ops, MR, NV>, sgemm_tile_impl<Ops, MR, NV, true>,
          sgemm_tile_edge_impl<Ops, MR, NV>};
}
