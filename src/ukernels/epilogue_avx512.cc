// The bias + ReLU part of the SGEMM epilogue (sgemm.cc, apply_epilogue)
// compiled with AVX-512: the loops of bias_relu_rows.inl vectorise 16 wide.
// bert_base's products all end in a bias pass over C.
#include <cstdint>

namespace onyx::ukernel {

void bias_relu_rows_avx512(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* row_bias,
                           const float* col_bias, bool relu)
#include "ukernels/bias_relu_rows.inl"

}  // namespace onyx::ukernel
