// AVX2 + FMA SGEMM microkernel: 6 x 16 tile (12 accumulators + 2 B vectors +
// 1 broadcast = 15 of 16 ymm registers).
#include <immintrin.h>

#include <utility>

#include "ukernels/sgemm.h"

namespace onyx::ukernel {

namespace {
struct Avx2Ops {
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
};
using Ops = Avx2Ops;
#include "ukernels/sgemm_tile.inl"
}  // namespace

void sgemm_tile_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  sgemm_tile_impl<Avx2Ops, 6, 2>(kc, a, 0, b, c, ldc, accumulate);
}

void sgemm_tile_rows_avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                          bool accumulate) {
  sgemm_tile_impl<Avx2Ops, 6, 2, true>(kc, a, lda, b, c, ldc, accumulate);
}

void sgemm_tile_edge_avx2(int mi, bool rows_a, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                          int64_t ldc, bool accumulate) {
  sgemm_tile_edge_impl<Avx2Ops, 6, 2>(mi, rows_a, kc, a, lda, b, c, ldc, accumulate);
}

}  // namespace onyx::ukernel
