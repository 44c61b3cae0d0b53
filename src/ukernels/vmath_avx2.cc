// AVX2 + FMA vmath: vmath_simd.inl on 8-float ymm vectors (see vmath.h for
// the accuracy and special values).
#include <cmath>

#include "ukernels/vmath.h"
#include "ukernels/ymm_math.h"

namespace onyx::ukernel {

namespace {

#include "ukernels/vmath_simd.inl"

const VMath kAvx2 = vmath_table_of<YmmMath>();

}  // namespace

const VMath& vmath_avx2_table() { return kAvx2; }

}  // namespace onyx::ukernel
