// Body of the bias (+ ReLU) pass of the SGEMM epilogue over `rows` rows of C:
//   (float* c, int64_t ldc, int64_t rows, int64_t cols, const float* row_bias,
//    const float* col_bias, bool relu)
// row_bias[i] per row (convolutions: per output channel) or col_bias[j] per
// column, then v > 0 ? v : 0 when relu. Plain loops the compiler vectorises;
// included by sgemm.cc (portable), epilogue_avx2.cc (AVX2, 8 wide) and
// epilogue_avx512.cc (16 wide), each compiled with its own flags.
{
  for (int64_t i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    if (row_bias) {
      const float bv = row_bias[i];
      if (relu)
        for (int64_t j = 0; j < cols; ++j) {
          const float v = row[j] + bv;
          row[j] = v > 0.f ? v : 0.f;
        }
      else
        for (int64_t j = 0; j < cols; ++j) row[j] += bv;
    } else if (col_bias) {
      if (relu)
        for (int64_t j = 0; j < cols; ++j) {
          const float v = row[j] + col_bias[j];
          row[j] = v > 0.f ? v : 0.f;
        }
      else
        for (int64_t j = 0; j < cols; ++j) row[j] += col_bias[j];
    } else if (relu) {
      for (int64_t j = 0; j < cols; ++j) row[j] = row[j] > 0.f ? row[j] : 0.f;
    }
  }
}
