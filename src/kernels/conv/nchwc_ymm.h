// The ymm operations of the NCHWc row kernels (nchwc_rows.inl), shared by
// the AVX2 build (nchwc_avx2.cc) and the AVX-512VL one (nchwc_avx512.cc),
// which differ only in how many registers the compiler may use and so in
// their step lengths. Include only from files compiled with AVX2 + FMA.
#pragma once

#include <immintrin.h>

namespace onyx::nchwc {

struct YmmOps {
  using V = __m256;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V max0(V a) { return _mm256_max_ps(a, _mm256_setzero_ps()); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }  // b when a is NaN
  static V lowest() { return _mm256_set1_ps(-3.40282347e+38f); }
};

}  // namespace onyx::nchwc
