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

extern const SgemmKernel kSgemmAvx2 = sgemm_kernel_of<Avx2Ops, 6, 2>(Isa::kAvx2);

}  // namespace onyx::ukernel
