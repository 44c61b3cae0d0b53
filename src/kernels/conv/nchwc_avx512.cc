// AVX-512 build of the NCHWc convolution rows (nchwc_rows.inl): the AVX2
// operations on ymm registers (one register is one channel block, as the
// layout's blocks of 8 want), compiled with AVX-512VL so the compiler has 32
// of them: 16-position depthwise steps without spills. A dense step's two
// output blocks are one zmm register per position (Ops::Pair): one FMA on
// 16 lanes where the ymm build does two on 8, up to 16 positions per step,
// or two pairs (four blocks) of up to 14 positions (RowKernels::conv_quad).
// On the Zen 5 VM of 2026-11-29 a zmm FMA issues at the rate of a ymm one
// (an earlier VM ran it at half that, and this build then kept to ymm).
#include <algorithm>
#include <type_traits>
#include <utility>

#include "kernels/conv/nchwc.h"
#include "ukernels/ymm_ops.h"

namespace onyx::nchwc {

namespace {
struct Ops : ukernel::avx2::YmmOps {
  static constexpr int kDwP = 16;   // depthwise step at stride 1: 16 accumulators
  static constexpr int kMaxP = 16;  // dense step: 16 zmm accumulators + the weights + the broadcast
  static constexpr int kQuadP = 14;  // two-pair step: 28 zmm accumulators + 2 weights + the broadcast
  // Output blocks 2j and 2j + 1 of one position: the low and high halves.
  struct Pair {
    using V = __m512;
    static V zero() { return _mm512_setzero_ps(); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static V bcast(const float* p) { return _mm512_set1_ps(*p); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V max0(V a) { return _mm512_maskz_max_ps(0xFFFF, a, _mm512_setzero_ps()); }
    static V load_out(const float* lo, const float* hi) {
      return _mm512_insertf32x8(_mm512_maskz_loadu_ps(0x00FF, lo), _mm256_loadu_ps(hi), 1);
    }
    static void store_out(float* lo, float* hi, V v) {
      _mm256_storeu_ps(lo, _mm512_extractf32x8_ps(v, 0));
      _mm256_storeu_ps(hi, _mm512_extractf32x8_ps(v, 1));
    }
  };
};
#include "kernels/conv/nchwc_rows.inl"
#include "kernels/conv/winograd.inl"
}  // namespace

extern const RowKernels kRowsAvx512{conv_row_impl, dw_row_impl, max_pool_row_impl, wino_input_impl,
                                   wino_output_impl, conv_quad_row_impl};

}  // namespace onyx::nchwc
