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

extern const SgemmKernel kSgemmAvx512 = sgemm_kernel_of<Avx512Ops, 12, 2>(Isa::kAvx512);

}  // namespace onyx::ukernel
