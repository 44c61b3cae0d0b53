// AVX-512 SGEMM microkernel: 12 x 32 tile (24 accumulators + 2 B vectors +
// 1 broadcast = 27 of 32 zmm registers).
#include <immintrin.h>

#include <utility>

#include "ukernels/sgemm.h"

namespace onyx::ukernel {

namespace {
struct Avx512Ops {
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
};
using Ops = Avx512Ops;
#include "ukernels/sgemm_tile.inl"
}  // namespace

void sgemm_tile_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  sgemm_tile_impl<Avx512Ops, 12, 2>(kc, a, 0, b, c, ldc, accumulate);
}

void sgemm_tile_rows_avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                          bool accumulate) {
  sgemm_tile_impl<Avx512Ops, 12, 2, true>(kc, a, lda, b, c, ldc, accumulate);
}

void sgemm_tile_edge_avx512(int mi, bool rows_a, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                            int64_t ldc, bool accumulate) {
  sgemm_tile_edge_impl<Avx512Ops, 12, 2>(mi, rows_a, kc, a, lda, b, c, ldc, accumulate);
}

}  // namespace onyx::ukernel
