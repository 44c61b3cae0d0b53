// Depthwise plane (depthwise.h) with AVX2 + FMA, for stride 1 (any dilation)
// and stride 2 (no column dilation): the plane is copied once into a buffer
// with zero-padded columns, then each group of 8 outputs stays in a register
// across all KH x KW taps (one store per output instead of a row-buffer
// load/store per tap); stride 2 takes the even elements of 16 loaded inputs.
// Other strides run the shared row-buffer body compiled with these flags.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/conv/depthwise.h"

namespace onyx {

namespace {

void rows_generic(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                  bool accumulate, float* row)
#include "kernels/conv/depthwise_plane.inl"

}  // namespace

void depthwise_plane_avx2(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                          bool accumulate, float* row) {
  const int64_t SW = g.SW, DW = g.DW;
  if (!(SW == 1 || (SW == 2 && DW == 1))) return rows_generic(g, xc, wc, bias, yc, accumulate, row);
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, KH = g.KH, KW = g.KW;
  const int64_t SH = g.SH, DH = g.DH, PT = g.PT, PL = g.PL;
  // The plane with its columns zero-padded (left PL, right up to the last
  // vector read): every tap of every output column is then a plain load, also
  // on small planes (7x7) where border columns are most of the row.
  const int64_t blocks = (OW + 7) / 8;
  const int64_t Wp = std::max<int64_t>(PL + W, blocks * 8 * SW + (KW - 1) * DW + 8);
  thread_local std::vector<float> pad;
  if (pad.size() < static_cast<size_t>(H * Wp)) pad.resize(static_cast<size_t>(H * Wp));
  for (int64_t y = 0; y < H; ++y) {
    float* d = pad.data() + y * Wp;
    std::fill(d, d + PL, 0.f);
    std::copy(xc + y * W, xc + y * W + W, d + PL);
    std::fill(d + PL + W, d + Wp, 0.f);
  }
  const __m256 bv = _mm256_set1_ps(bias);
  for (int64_t oy = 0; oy < OH; ++oy) {
    float* yr = yc + oy * OW;
    // Taps whose input row is inside: iy = oy*SH - PT + ky*DH in [0, H).
    const int64_t start = oy * SH - PT;
    const int64_t ky0 = start >= 0 ? 0 : (-start + DH - 1) / DH;
    const int64_t ky1 = std::max(ky0, start >= H ? 0 : std::min<int64_t>(KH, (H - 1 - start) / DH + 1));
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t ox = b * 8;
      __m256 acc = bv;
      for (int64_t ky = ky0; ky < ky1; ++ky) {
        const float* xr = pad.data() + (start + ky * DH) * Wp + ox * SW;
        const float* wr = wc + ky * KW;
        if (SW == 1) {
          for (int64_t kx = 0; kx < KW; ++kx)
            acc = _mm256_fmadd_ps(_mm256_broadcast_ss(wr + kx), _mm256_loadu_ps(xr + kx * DW), acc);
        } else {
          for (int64_t kx = 0; kx < KW; ++kx) {
            // Even elements of 16 consecutive inputs: columns ox*2 + kx.
            const __m256 lo = _mm256_loadu_ps(xr + kx), hi = _mm256_loadu_ps(xr + kx + 8);
            const __m256 ev = _mm256_castpd_ps(
                _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))), 0xD8));
            acc = _mm256_fmadd_ps(_mm256_broadcast_ss(wr + kx), ev, acc);
          }
        }
      }
      if (ox + 8 <= OW) {
        if (accumulate) acc = _mm256_add_ps(acc, _mm256_loadu_ps(yr + ox));
        _mm256_storeu_ps(yr + ox, acc);
      } else {
        alignas(32) float t[8];
        _mm256_store_ps(t, acc);
        for (int64_t j = 0; ox + j < OW; ++j) yr[ox + j] = accumulate ? yr[ox + j] + t[j] : t[j];
      }
    }
  }
}

}  // namespace onyx
