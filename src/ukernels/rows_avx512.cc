// AVX-512 row kernels: rows_simd.inl on 16-float zmm vectors (see rows.h).
#include <algorithm>
#include <cmath>

#include "ukernels/rows.h"
#include "ukernels/vmath.h"
#include "ukernels/zmm_math.h"

namespace onyx::ukernel {

const VMath& vmath_avx512_table();

namespace {

// The same ISA's softmax (vmath_simd.inl), instantiated once, in vmath_avx512.cc.
void softmax_row_avx512(const float* x, float* y, int64_t n, bool log) { vmath_avx512_table().softmax_row(x, y, n, log); }

#include "ukernels/rows_simd.inl"

const RowOps kAvx512{skip_layer_norm<ZmmMath>, attention_softmax<ZmmMath, softmax_row_avx512>};

}  // namespace

const RowOps& row_ops_avx512_table() { return kAvx512; }

}  // namespace onyx::ukernel
