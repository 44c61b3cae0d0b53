// One 8-float ymm register as the vector type of the templated kernels
// (ukernels/sgemm_tile.inl, kernels/conv/nchwc_rows.inl): each takes the
// operations it needs. Shared by sgemm_avx2.cc and the NCHWc rows built for
// AVX2 (nchwc_avx2.cc) and for AVX-512VL (nchwc_avx512.cc), and extended by
// ymm_math.h for the math and row kernels.
//
// In an unnamed namespace on purpose: the files including this are compiled
// with different -m flags, and an inline function with external linkage
// would be one definition for the linker to pick from any of them, possibly
// an AVX-512 build of it called on a CPU without AVX-512 (where the compiler
// did not inline it: sanitizer builds at -O1). Each translation unit gets its
// own copy instead. Include only from files built with -mavx2 -mfma.
#pragma once

#include <immintrin.h>

namespace onyx::ukernel::avx2 {
namespace {

struct YmmOps {
  using V = __m256;
  static constexpr int kWidth = 8;
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

}  // namespace
}  // namespace onyx::ukernel::avx2
