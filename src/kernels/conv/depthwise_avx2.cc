// Depthwise plane (depthwise.h) with AVX2 + FMA. Stride-1 rows keep 8 (or
// 16) outputs in registers across all KH x KW taps of their interior columns
// (those whose every tap is inside the image) — one store per output instead
// of one load/store of a row buffer per tap; border columns are summed one by
// one. Other strides run the shared row-buffer body compiled with these flags.
#include <immintrin.h>

#include <algorithm>

#include "kernels/conv/depthwise.h"

namespace onyx {

namespace {

void rows_generic(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                  bool accumulate, float* row)
#include "kernels/conv/depthwise_plane.inl"

}  // namespace

void depthwise_plane_avx2(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                          bool accumulate, float* row) {
  if (g.SW != 1) return rows_generic(g, xc, wc, bias, yc, accumulate, row);
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, KH = g.KH, KW = g.KW;
  const int64_t SH = g.SH, DH = g.DH, DW = g.DW, PT = g.PT, PL = g.PL;
  // Interior columns: every kx in range.
  int64_t xlo = 0, xhi = OW;
  for (int64_t kx = 0; kx < KW; ++kx) {
    xlo = std::max(xlo, g.lo[kx]);
    xhi = std::min(xhi, g.hi[kx]);
  }
  if (xhi < xlo) xhi = xlo;
  const __m256 bv = _mm256_set1_ps(bias);
  for (int64_t oy = 0; oy < OH; ++oy) {
    float* yr = yc + oy * OW;
    int64_t ky0 = 0, ky1 = 0;
    {
      // Taps whose input row is inside: iy = oy*SH - PT + ky*DH in [0, H).
      const int64_t start = oy * SH - PT;
      ky0 = start >= 0 ? 0 : (-start + DH - 1) / DH;
      ky1 = start >= H ? 0 : std::min<int64_t>(KH, (H - 1 - start) / DH + 1);
      if (ky1 < ky0) ky1 = ky0;
    }
    const float* x0 = xc + (oy * SH - PT) * W - PL;  // + ky*DH*W + ox + kx*DW
    auto scalar_at = [&](int64_t ox) {
      float s = bias;
      for (int64_t ky = ky0; ky < ky1; ++ky)
        for (int64_t kx = 0; kx < KW; ++kx) {
          const int64_t ix = ox - PL + kx * DW;
          if (ix < 0 || ix >= W) continue;
          s += wc[ky * KW + kx] * x0[ky * DH * W + ox + kx * DW];
        }
      yr[ox] = accumulate ? yr[ox] + s : s;
    };
    for (int64_t ox = 0; ox < xlo; ++ox) scalar_at(ox);
    int64_t ox = xlo;
    for (; ox + 16 <= xhi; ox += 16) {
      __m256 a0 = bv, a1 = bv;
      for (int64_t ky = ky0; ky < ky1; ++ky) {
        const float* xr = x0 + ky * DH * W + ox;
        const float* wr = wc + ky * KW;
        for (int64_t kx = 0; kx < KW; ++kx) {
          const __m256 w = _mm256_broadcast_ss(wr + kx);
          a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr + kx * DW), a0);
          a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr + kx * DW + 8), a1);
        }
      }
      if (accumulate) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(yr + ox));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(yr + ox + 8));
      }
      _mm256_storeu_ps(yr + ox, a0);
      _mm256_storeu_ps(yr + ox + 8, a1);
    }
    for (; ox + 8 <= xhi; ox += 8) {
      __m256 a0 = bv;
      for (int64_t ky = ky0; ky < ky1; ++ky) {
        const float* xr = x0 + ky * DH * W + ox;
        const float* wr = wc + ky * KW;
        for (int64_t kx = 0; kx < KW; ++kx)
          a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(wr + kx), _mm256_loadu_ps(xr + kx * DW), a0);
      }
      if (accumulate) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(yr + ox));
      _mm256_storeu_ps(yr + ox, a0);
    }
    for (; ox < OW; ++ox) scalar_at(ox);
  }
  (void)row;
}

}  // namespace onyx
