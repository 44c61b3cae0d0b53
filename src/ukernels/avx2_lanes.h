// Lane helpers shared by the AVX2 kernel files (vmath_avx2.cc, rows_avx2.cc,
// pack_avx2.cc). Include only from translation units built with -mavx2.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace onyx::ukernel::avx2 {

// Lanes [0, n) set, for n in [0, 8]: the mask of maskload / maskstore.
inline __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The sum of the 8 lanes.
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace onyx::ukernel::avx2
