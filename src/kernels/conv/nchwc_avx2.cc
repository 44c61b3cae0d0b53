// AVX2 + FMA build of the NCHWc convolution rows (nchwc_rows.inl): one ymm
// register is one channel block.
#include <immintrin.h>

#include <algorithm>

#include "kernels/conv/nchwc.h"

namespace onyx::nchwc {

namespace {
struct Ops {
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
#include "kernels/conv/nchwc_rows.inl"
#include "kernels/conv/winograd.inl"
}  // namespace

void conv_row_avx2(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1) { conv_row_impl(a, oh, ow0, ow1); }
void dw_row_avx2(const DwRowArgs& a, int64_t oh) { dw_row_impl(a, oh); }
void max_pool_row_avx2(const PoolRowArgs& a, int64_t oh) { max_pool_row_impl(a, oh); }
void wino_input_avx2(const WinoArgs& a, int64_t b0, int64_t b1, int64_t ty) { wino_input_impl(a, b0, b1, ty); }
void wino_output_avx2(const WinoArgs& a, int64_t b0, int64_t b1, int64_t ty) { wino_output_impl(a, b0, b1, ty); }

}  // namespace onyx::nchwc
