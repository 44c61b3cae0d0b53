// Portable row kernels (see rows.h): plain loops, the reference for the AVX2
// and AVX-512 ones; and the per-ISA dispatch.
#include "ukernels/rows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/error.h"

namespace onyx::ukernel {

const RowOps& row_ops_avx2_table();
const RowOps& row_ops_avx512_table();

namespace {

void skip_layer_norm_scalar(const float* x, const float* skip, const float* bias, const float* gamma,
                            const float* beta, float eps, int64_t n, float* y, float* sum) {
  float* s = y;
  float mean = 0;
  for (int64_t c = 0; c < n; ++c) {
    float v = x[c] + skip[c];
    if (bias) v += bias[c];
    if (sum) sum[c] = v;
    s[c] = v;
    mean += v;
  }
  mean /= static_cast<float>(n);
  float var = 0;
  for (int64_t c = 0; c < n; ++c) var += (s[c] - mean) * (s[c] - mean);
  const float inv = 1.f / std::sqrt(var / static_cast<float>(n) + eps);
  for (int64_t c = 0; c < n; ++c) y[c] = (s[c] - mean) * inv * gamma[c] + (beta ? beta[c] : 0.f);
}

float attention_softmax_scalar(float* row, const float* mask, int64_t mask_step, int64_t live, int64_t keys) {
  if (mask)
    for (int64_t j = 0; j < live; ++j) row[j] += mask[j * mask_step];
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < live; ++j) mx = std::max(mx, row[j]);
  if (mx == -std::numeric_limits<float>::infinity()) {
    std::fill(row, row + keys, 0.f);
    return 0.f;
  }
  float sum = 0;
  for (int64_t j = 0; j < live; ++j) sum += row[j] = std::exp(row[j] - mx);
  std::fill(row + live, row + keys, 0.f);
  return 1.f / sum;
}

const RowOps kScalar{skip_layer_norm_scalar, attention_softmax_scalar};

}  // namespace

const RowOps& row_ops(Isa isa) {
  if (!isa_supported(isa)) fail(ErrorCode::kFail, "row kernels for ", isa_name(isa), " requested but the CPU lacks it");
  switch (isa) {
    case Isa::kScalar: return kScalar;
    case Isa::kAvx2: return row_ops_avx2_table();
    case Isa::kAvx512: return row_ops_avx512_table();
  }
  return kScalar;
}

const RowOps& row_ops() {
  static const RowOps& r = row_ops(active_isa());
  return r;
}

}  // namespace onyx::ukernel
