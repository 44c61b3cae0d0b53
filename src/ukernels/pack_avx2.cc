// The transposing panel copy of pack.h with AVX2: 8 rows x 8 k are loaded
// (one row of 8 k per register), transposed in registers, and stored as 8
// runs of up to 8 consecutive floats, one per k. The portable loops move one
// float per load and store, with a stride of `width` floats between stores;
// packing a row-major weight as A (every convolution's weights) or a
// transposed B (GPT-2's lm_head) spent ~20% of session creation there.
#include <immintrin.h>

#include <cstdint>

#include "ukernels/pack.h"
#include "ukernels/avx2_lanes.h"

namespace onyx::ukernel {

namespace {

// r[j] holds row j (8 values along k) on entry, column j (one k, 8 rows) on exit.
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

using avx2::first_lanes;

// Stores the first `lanes` floats of v at d. 8, 6 and 4 are the panel
// widths of the AVX2 kernel (16 = 2 x 8, MR = 6) and the scalar one (MR = 4):
// plain stores there (a masked store is microcoded on some cores).
inline void store_lanes(float* d, __m256 v, int lanes, __m256i mask) {
  switch (lanes) {
    case 8: _mm256_storeu_ps(d, v); return;
    case 6:
      _mm_storeu_ps(d, _mm256_castps256_ps128(v));
      _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), _mm256_extractf128_ps(v, 1));
      return;
    case 4: _mm_storeu_ps(d, _mm256_castps256_ps128(v)); return;
    default: _mm256_maskstore_ps(d, mask, v);
  }
}

}  // namespace

void pack_rows_avx2(float* d, const float* src, int64_t ld, int64_t rows, int64_t kc, int width, float scale) {
  const int groups = (width + 7) / 8;
  const __m256 vscale = _mm256_set1_ps(scale);
  // Lanes stored per row group: 8 but in the last group of a width that is not a multiple of 8.
  const int last_lanes = width - (groups - 1) * 8;
  const __m256i last_mask = first_lanes(last_lanes);
  for (int64_t k = 0; k < kc; k += 8) {
    const int kn = kc - k < 8 ? static_cast<int>(kc - k) : 8;
    // A k tail is loaded masked: no read past the end of a row (nor of the matrix).
    const __m256i kmask = first_lanes(kn);
    float* dk = d + k * width;
    for (int g = 0; g < groups; ++g) {
      __m256 r[8];
      for (int j = 0; j < 8; ++j) {
        const int64_t i = g * 8 + j;
        if (i >= rows) {
          r[j] = _mm256_setzero_ps();  // padding rows are 0 whatever the scale (0 * inf would not be)
          continue;
        }
        r[j] = kn == 8 ? _mm256_loadu_ps(src + i * ld + k) : _mm256_maskload_ps(src + i * ld + k, kmask);
        if (scale != 1.f) r[j] = _mm256_mul_ps(r[j], vscale);
      }
      transpose8(r);
      const int lanes = g + 1 < groups ? 8 : last_lanes;
      for (int kk = 0; kk < kn; ++kk) store_lanes(dk + kk * width + g * 8, r[kk], lanes, last_mask);
    }
  }
}

}  // namespace onyx::ukernel
