// AVX2 + FMA row kernels: rows_simd.inl on 8-float ymm vectors (see rows.h).
#include <algorithm>
#include <cmath>

#include "ukernels/rows.h"
#include "ukernels/vmath.h"
#include "ukernels/ymm_math.h"

namespace onyx::ukernel {

const VMath& vmath_avx2_table();

namespace {

// The same ISA's softmax (vmath_simd.inl), instantiated once, in vmath_avx2.cc.
void softmax_row_avx2(const float* x, float* y, int64_t n, bool log) { vmath_avx2_table().softmax_row(x, y, n, log); }

#include "ukernels/rows_simd.inl"

const RowOps kAvx2{skip_layer_norm<YmmMath>, attention_softmax<YmmMath, softmax_row_avx2>};

}  // namespace

const RowOps& row_ops_avx2_table() { return kAvx2; }

}  // namespace onyx::ukernel
