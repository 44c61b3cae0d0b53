// Row kernels of the fused transformer ops: SkipLayerNormalization's
// normalization and MultiHeadAttention's masked softmax, one row at a time
// (the transpose that packs attention's GEMM operands is in ukernels/pack.h).
//
// A portable implementation (rows.cc, plain loops: the oracle the tests
// compare against) and vector ones (rows_simd.inl, built for AVX2 by
// rows_avx2.cc and for AVX-512 by rows_avx512.cc), picked once from
// active_isa() like vmath.h. The portable loops accumulate serially (the
// compiler may not reorder float sums), so a 768-wide row costs ~3 dependent
// adds per element: the vector ones keep the sums in vector lanes.
#pragma once

#include <cstdint>

#include "cpu/features.h"

namespace onyx::ukernel {

struct RowOps {
  // One row of n: s = x + skip (+ bias), stored to sum when sum != nullptr;
  // y = (s - mean(s)) / sqrt(var(s) + eps) * gamma (+ beta). bias and beta
  // may be null. y may be x or skip (each element is read before it is
  // written); y is used as scratch for s.
  void (*skip_layer_norm)(const float* x, const float* skip, const float* bias, const float* gamma,
                          const float* beta, float eps, int64_t n, float* y, float* sum);
  // One row of attention scores in place: row[j] += mask[j * mask_step]
  // (mask may be null; mask_step is 1, or 0 to broadcast mask[0]) for j < live, then
  // the softmax's exponentials exp(row[j] - max) over [0, live) and zeros in
  // [live, keys), not yet divided by their sum: the function returns 1 / sum,
  // and the caller scales what it computes from the row (attention: the
  // row's D outputs rather than its S probabilities, one pass fewer over the
  // row). A row whose maximum is -inf (every key masked) becomes all zeros
  // and returns 0; NaN scores are skipped by the maximum and make the row and
  // the factor NaN, as in the reference kernel.
  float (*attention_softmax)(float* row, const float* mask, int64_t mask_step, int64_t live, int64_t keys);
};

// The table for `isa` (must be supported), and for active_isa().
const RowOps& row_ops(Isa isa);
const RowOps& row_ops();

}  // namespace onyx::ukernel
