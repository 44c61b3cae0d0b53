// AVX2 + FMA row kernels (see rows.h). Sums are kept in vector lanes (two
// accumulators, so the add latency is hidden); the last n % 8 elements go
// through masked loads and stores rather than a scalar loop.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "ukernels/rows.h"
#include "ukernels/vmath.h"
#include "ukernels/avx2_lanes.h"

namespace onyx::ukernel {

const VMath& vmath_avx2_table();

namespace {

using avx2::hsum;

// _mm_max_ps returns its second operand when either is NaN: the running
// maximum is always the second one, so NaN lanes are skipped.
inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  m = _mm_max_ps(_mm_movehl_ps(m, m), m);
  m = _mm_max_ss(_mm_movehdup_ps(m), m);
  return _mm_cvtss_f32(m);
}

void skip_layer_norm_avx2(const float* x, const float* skip, const float* bias, const float* gamma,
                          const float* beta, float eps, int64_t n, float* y, float* sum) {
  const int64_t n8 = n & ~int64_t{7};
  const __m256i tm = avx2::first_lanes(n - n8);
  // Pass 1: s = x + skip (+ bias) into y (and sum); the sum of s.
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t c = 0;
  auto s_at = [&](int64_t i) {
    __m256 v = _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(skip + i));
    return bias ? _mm256_add_ps(v, _mm256_loadu_ps(bias + i)) : v;
  };
  for (; c + 16 <= n8; c += 16) {
    const __m256 v0 = s_at(c), v1 = s_at(c + 8);
    _mm256_storeu_ps(y + c, v0);
    _mm256_storeu_ps(y + c + 8, v1);
    if (sum) {
      _mm256_storeu_ps(sum + c, v0);
      _mm256_storeu_ps(sum + c + 8, v1);
    }
    a0 = _mm256_add_ps(a0, v0);
    a1 = _mm256_add_ps(a1, v1);
  }
  for (; c < n8; c += 8) {
    const __m256 v = s_at(c);
    _mm256_storeu_ps(y + c, v);
    if (sum) _mm256_storeu_ps(sum + c, v);
    a0 = _mm256_add_ps(a0, v);
  }
  if (c < n) {
    __m256 v = _mm256_add_ps(_mm256_maskload_ps(x + c, tm), _mm256_maskload_ps(skip + c, tm));
    if (bias) v = _mm256_add_ps(v, _mm256_maskload_ps(bias + c, tm));
    _mm256_maskstore_ps(y + c, tm, v);
    if (sum) _mm256_maskstore_ps(sum + c, tm, v);
    a1 = _mm256_add_ps(a1, v);  // masked-off lanes loaded as 0
  }
  const float mean = hsum(_mm256_add_ps(a0, a1)) / static_cast<float>(n);
  const __m256 vm = _mm256_set1_ps(mean);
  // Pass 2: the centred variance (no cancellation, unlike E[s^2] - mean^2).
  a0 = _mm256_setzero_ps();
  a1 = _mm256_setzero_ps();
  c = 0;
  for (; c + 16 <= n8; c += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(y + c), vm), d1 = _mm256_sub_ps(_mm256_loadu_ps(y + c + 8), vm);
    a0 = _mm256_fmadd_ps(d0, d0, a0);
    a1 = _mm256_fmadd_ps(d1, d1, a1);
  }
  for (; c < n8; c += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y + c), vm);
    a0 = _mm256_fmadd_ps(d, d, a0);
  }
  if (c < n) {
    const __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(y + c, tm), vm), _mm256_castsi256_ps(tm));
    a1 = _mm256_fmadd_ps(d, d, a1);
  }
  const float var = hsum(_mm256_add_ps(a0, a1)) / static_cast<float>(n);
  const __m256 vi = _mm256_set1_ps(1.f / std::sqrt(var + eps));
  // Pass 3: y = (s - mean) * inv * gamma (+ beta).
  c = 0;
  for (; c < n8; c += 8) {
    const __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y + c), vm), vi);
    const __m256 g = _mm256_loadu_ps(gamma + c);
    _mm256_storeu_ps(y + c, beta ? _mm256_fmadd_ps(t, g, _mm256_loadu_ps(beta + c)) : _mm256_mul_ps(t, g));
  }
  if (c < n) {
    const __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(y + c, tm), vm), vi);
    const __m256 g = _mm256_maskload_ps(gamma + c, tm);
    _mm256_maskstore_ps(y + c, tm,
                        beta ? _mm256_fmadd_ps(t, g, _mm256_maskload_ps(beta + c, tm)) : _mm256_mul_ps(t, g));
  }
}

void attention_softmax_avx2(float* row, const float* mask, int64_t mask_step, int64_t live, int64_t keys) {
  const int64_t n8 = live & ~int64_t{7};
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  __m256 vm = ninf;
  int64_t j = 0;
  // Pass 1: add the mask, take the maximum (the softmax below takes it again:
  // one more pass over a row in L1, to spot fully masked rows first).
  if (mask && mask_step != 0) {
    for (; j < n8; j += 8) {
      const __m256 v = _mm256_add_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(mask + j));
      _mm256_storeu_ps(row + j, v);
      vm = _mm256_max_ps(v, vm);
    }
  } else {
    const __m256 m = _mm256_set1_ps(mask ? mask[0] : 0.f);
    for (; j < n8; j += 8) {
      const __m256 v = _mm256_add_ps(_mm256_loadu_ps(row + j), m);
      _mm256_storeu_ps(row + j, v);
      vm = _mm256_max_ps(v, vm);
    }
  }
  if (j < live) {
    const __m256i tm = avx2::first_lanes(live - j);
    __m256 v = _mm256_maskload_ps(row + j, tm);
    if (mask) v = _mm256_add_ps(v, mask_step ? _mm256_maskload_ps(mask + j, tm) : _mm256_set1_ps(mask[0]));
    _mm256_maskstore_ps(row + j, tm, v);
    vm = _mm256_max_ps(_mm256_blendv_ps(ninf, v, _mm256_castsi256_ps(tm)), vm);
  }
  if (hmax(vm) == -INFINITY) {
    std::fill(row, row + keys, 0.f);
    return;
  }
  vmath_avx2_table().softmax_row(row, row, live, false);
  std::fill(row + live, row + keys, 0.f);
}

const RowOps kAvx2{skip_layer_norm_avx2, attention_softmax_avx2};

}  // namespace

const RowOps& row_ops_avx2_table() { return kAvx2; }

}  // namespace onyx::ukernel
