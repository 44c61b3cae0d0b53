// AVX-512 row kernels: rows_simd.inl on 16-float zmm vectors (see rows.h).
#include <algorithm>
#include <cmath>

#include "ukernels/rows.h"
#include "ukernels/vmath.h"
#include "ukernels/zmm_math.h"

namespace onyx::ukernel {

namespace {

#include "ukernels/vmath_simd.inl"
#include "ukernels/rows_simd.inl"

const RowOps kAvx512{skip_layer_norm<ZmmMath>, attention_softmax<ZmmMath>};

}  // namespace

const RowOps& row_ops_avx512_table() { return kAvx512; }

}  // namespace onyx::ukernel
