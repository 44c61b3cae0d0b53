// One 8-float ymm register with the operations of the templated math and row
// kernels (ukernels/vmath_simd.inl, ukernels/rows_simd.inl): ymm_ops.h's, and
// the ones only they use. In an unnamed namespace for the reason ymm_ops.h
// gives. Include only from files built with -mavx2 -mfma.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "ukernels/avx2_lanes.h"
#include "ukernels/ymm_ops.h"

namespace onyx::ukernel {
namespace {

struct YmmMath : avx2::YmmOps {
  using M = __m256;  // a lane is all ones or all zeros
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), a); }
  static V sign(V a) { return _mm256_and_ps(a, _mm256_set1_ps(-0.f)); }
  static V or_(V a, V b) { return _mm256_or_ps(a, b); }
  static M lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M ge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M unord(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static V select(M m, V t, V f) { return _mm256_blendv_ps(f, t, m); }
  static bool all(M m) { return _mm256_movemask_ps(m) == 0xFF; }
  // p 2^n as two factors 2^(n/2) and 2^(n - n/2): each a normal float over
  // exp's whole clamped range (n in [-150, 128]), so results down to the
  // denormals and up to overflow round once, in the last multiplication.
  static V ldexp(V p, V n) {
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    const V s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
    const V s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  }
  static float hmax(V v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  static float hsum(V v) { return avx2::hsum(v); }
  // Lanes [0, n) of a row's last partial vector (n < kWidth): the mask, and
  // loads (other lanes 0) and stores under it.
  static M first(int64_t n) { return _mm256_castsi256_ps(avx2::first_lanes(n)); }
  static V load_first(const float* p, M m) { return _mm256_maskload_ps(p, _mm256_castps_si256(m)); }
  static void store_first(float* p, M m, V v) { _mm256_maskstore_ps(p, _mm256_castps_si256(m), v); }
};


}  // namespace
}  // namespace onyx::ukernel
