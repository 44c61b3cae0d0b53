// One 16-float zmm register with the operations of the templated math and
// row kernels (ukernels/vmath_simd.inl, ukernels/rows_simd.inl): zmm_ops.h's,
// and the ones only they use. In an unnamed namespace for the reason
// ymm_ops.h gives. Include only from files built with the AVX-512 flags (F,
// DQ: extractf32x8).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "ukernels/zmm_ops.h"

namespace onyx::ukernel {
namespace {

struct ZmmMath : avx512::ZmmOps {
  using M = __mmask16;
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  // min, max, round and ldexp use the all-lanes masked forms: GCC 12's plain
  // _mm512_min_ps, _max_ps, _roundscale_ps and _scalef_ps pass an undefined
  // vector as the merge source and warn about it (a false
  // -Wmaybe-uninitialized); these compile to the same unmasked instructions.
  static V min(V a, V b) { return _mm512_mask_min_ps(a, 0xFFFF, a, b); }
  static V max(V a, V b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
  static V round(V a) { return _mm512_mask_roundscale_ps(a, 0xFFFF, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V abs(V a) { return _mm512_andnot_ps(_mm512_set1_ps(-0.f), a); }
  static V sign(V a) { return _mm512_and_ps(a, _mm512_set1_ps(-0.f)); }
  static V or_(V a, V b) { return _mm512_or_ps(a, b); }
  static M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M ge(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M unord(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static V select(M m, V t, V f) { return _mm512_mask_blend_ps(m, f, t); }
  static bool all(M m) { return m == 0xFFFF; }
  // p 2^n in one instruction, exact down to the denormals and up to overflow.
  static V ldexp(V p, V n) { return _mm512_mask_scalef_ps(p, 0xFFFF, p, n); }
  static float hmax(V v) {
    return fold(v, [](__m256 a, __m256 b) { return _mm256_max_ps(a, b); },
                [](__m128 a, __m128 b) { return _mm_max_ps(a, b); });
  }
  static float hsum(V v) {
    return fold(v, [](__m256 a, __m256 b) { return _mm256_add_ps(a, b); },
                [](__m128 a, __m128 b) { return _mm_add_ps(a, b); });
  }
  // The 16 lanes reduced to one by f (its 8- and 4-float forms), halving
  // each time. Halves by extractf32x8, not the casts, whose GCC 12 forms warn
  // as above.
  template <typename F8, typename F4>
  static float fold(V v, F8 f8, F4 f4) {
    const __m256 m = f8(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
    __m128 h = f4(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = f4(h, _mm_movehl_ps(h, h));
    h = f4(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  // Lanes [0, n) of a row's last partial vector (n < kWidth): the mask, and
  // loads (other lanes 0) and stores under it.
  static M first(int64_t n) { return static_cast<M>((1u << n) - 1); }
  static V load_first(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_first(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
};


}  // namespace
}  // namespace onyx::ukernel
