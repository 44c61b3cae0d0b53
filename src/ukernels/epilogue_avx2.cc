// The bias + ReLU part of the SGEMM epilogue (sgemm.cc, apply_epilogue)
// compiled with AVX2: the loops of bias_relu_rows.inl vectorise 8 wide (the
// portable build does 4). It is a full pass over C after the microkernel,
// a sixth of the time of a 1x1 convolution with few input channels.
#include <cstdint>

namespace onyx::ukernel {

void bias_relu_rows_avx2(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* row_bias,
                         const float* col_bias, bool relu)
#include "ukernels/bias_relu_rows.inl"

}  // namespace onyx::ukernel
