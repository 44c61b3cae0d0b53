// AVX2 + FMA row kernels: rows_simd.inl on 8-float ymm vectors (see rows.h).
#include <algorithm>
#include <cmath>

#include "ukernels/rows.h"
#include "ukernels/vmath.h"
#include "ukernels/ymm_math.h"

namespace onyx::ukernel {

namespace {

#include "ukernels/vmath_simd.inl"
#include "ukernels/rows_simd.inl"

const RowOps kAvx2{skip_layer_norm<YmmMath>, attention_softmax<YmmMath>};

}  // namespace

const RowOps& row_ops_avx2_table() { return kAvx2; }

}  // namespace onyx::ukernel
