// AVX-512 vmath: vmath_simd.inl on 16-float zmm vectors (see vmath.h for the
// accuracy and special values). On a core with full-width zmm units it does
// twice the AVX2 table's work per instruction: bert_base's GELU and
// attention softmax run here.
#include <cmath>

#include "ukernels/vmath.h"
#include "ukernels/zmm_math.h"

namespace onyx::ukernel {

namespace {

#include "ukernels/vmath_simd.inl"

const VMath kAvx512 = vmath_table_of<ZmmMath>();

}  // namespace

const VMath& vmath_avx512_table() { return kAvx512; }

}  // namespace onyx::ukernel
