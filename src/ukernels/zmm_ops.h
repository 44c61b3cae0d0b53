// One 16-float zmm register as the vector type of the templated kernels: the
// SGEMM microkernel (sgemm_tile.inl, by sgemm_avx512.cc) and, extended by
// zmm_math.h, the math and row kernels. The AVX-512 counterpart of
// ymm_ops.h, in an unnamed namespace for the reason given there. Include
// only from files built with the AVX-512 flags.
#pragma once

#include <immintrin.h>

namespace onyx::ukernel::avx512 {
namespace {

struct ZmmOps {
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
};

}  // namespace
}  // namespace onyx::ukernel::avx512
