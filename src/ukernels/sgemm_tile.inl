// The register-tiled SGEMM microkernel, written once over a vector type and
// instantiated per ISA by sgemm_avx2.cc / sgemm_avx512.cc (each compiled with
// its own -m flags). An MR x NR block of C lives in MR * NV vector registers;
// each k step loads NV vectors of packed B, broadcasts MR values of packed A
// and issues MR * NV FMAs.
//
// Include after defining a struct `Ops` with: V, kWidth, zero(), load(p),
// store(p, v), bcast(p), fma(a, b, c) (a * b + c), add(a, b).
//
// A comes packed (kRowsA false: a[k * MR + i]) or as MR rows of a row-major
// matrix (kRowsA true: a[i * lda + k]). The second lets a product whose A is
// a plain activation matrix skip packing it: each row is a sequential
// stream, and the k-step reads the same MR values either way.

template <typename Ops, int MR, int NV, bool kRowsA = false>
static void sgemm_tile_impl(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                            bool accumulate) {
  constexpr int W = Ops::kWidth;
  constexpr int NR = NV * W;
  typename Ops::V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = Ops::zero();
  // The C tile is read or written only after the whole k loop: fetch its
  // lines now (rows ldc apart, often in L3 or further) so that the final
  // loads and stores do not stall on misses that the arithmetic could hide.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    __builtin_prefetch(c + i * ldc, 1, 3);
    __builtin_prefetch(c + i * ldc + NR - 1, 1, 3);
  }
  for (int64_t k = 0; k < kc; ++k) {
    typename Ops::V bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = Ops::load(b + j * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      typename Ops::V av = Ops::bcast(kRowsA ? a + i * lda : a + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = Ops::fma(av, bv[j], acc[i][j]);
    }
    a += kRowsA ? 1 : MR;
    b += NR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      float* p = c + i * ldc + j * W;
      Ops::store(p, accumulate ? Ops::add(acc[i][j], Ops::load(p)) : acc[i][j]);
    }
}
