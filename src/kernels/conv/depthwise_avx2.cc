// Depthwise plane (depthwise.h) with AVX2 + FMA, for stride 1 (any dilation)
// and stride 2 (no column dilation). The plane is copied once into a buffer
// zero-padded on all four sides, so every tap of every output is a plain
// load with no border tests. With stride 2 each padded row is stored
// de-interleaved (even columns, then odd columns): output column ox, tap kx
// reads column ox + kx/2 of the even or odd half, a contiguous load instead
// of a shuffle of two loads per tap.
//
// Outputs are computed in tiles of R rows x B vectors of 8 columns held in
// registers across all KH x KW taps (one store per output). Several
// independent accumulators hide the FMA latency: one accumulator per 8
// outputs made every tap wait on the previous one (a 9- or 25-deep chain).
// Wide rows take 1 x 4 tiles; narrow ones (14, 7 columns) stack 4 rows.
// Other strides run the shared row-buffer body compiled with these flags.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/conv/depthwise.h"

namespace onyx {

namespace {

void rows_generic(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                  bool accumulate, bool relu, float* row)
#include "kernels/conv/depthwise_plane.inl"

struct PaddedPlane {
  const float* data;
  int64_t ld;       // floats per padded row
  int64_t half;     // stride 2: offset of the odd columns within a row
  int64_t row_step; // padded rows per output row (SH)
  int64_t dh;       // padded rows per kernel row (DH)
};

// Stores 8 outputs at yr (only `n` of them when n < 8), adding what is there
// when `accumulate`.
inline void store_out(float* yr, __m256 v, int64_t n, bool accumulate, bool relu) {
  if (n >= 8) {
    if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(yr));
    // maxps returns its second operand when either is NaN: max(v, 0) is
    // v > 0 ? v : 0 (NaN -> 0), as the portable loops.
    if (relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
    _mm256_storeu_ps(yr, v);
    return;
  }
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  for (int64_t j = 0; j < n; ++j) {
    const float o = accumulate ? yr[j] + t[j] : t[j];
    yr[j] = relu ? (o > 0.f ? o : 0.f) : o;
  }
}

// One tile: rows oy .. oy+R-1, columns ox .. ox+8B-1 (the last vector may be
// partial: `last_n` valid columns). KWc > 0: the kernel width as a constant
// (3, 5: the taps unroll and the accumulators stay in registers).
template <int R, int B, int S, int KWc>
void tile(const PaddedPlane& p, const float* wc, int64_t KH, int64_t KWr, int64_t DW, __m256 bv, float* yc,
          int64_t OW, int64_t oy, int64_t ox, int64_t last_n, bool accumulate, bool relu) {
  const int64_t KW = KWc > 0 ? KWc : KWr;
  __m256 acc[R][B];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int b = 0; b < B; ++b) acc[r][b] = bv;
  const float* base = p.data + oy * p.row_step * p.ld + ox;
  const int64_t rstep = p.row_step * p.ld, kstep = p.dh * p.ld;
  for (int64_t ky = 0; ky < KH; ++ky, base += kstep) {
    const float* wr = wc + ky * KW;
#pragma GCC unroll 5
    for (int64_t kx = 0; kx < KW; ++kx) {
      const __m256 w = _mm256_broadcast_ss(wr + kx);
      // Column of output ox for tap kx within the padded row.
      const float* col = base + (S == 1 ? kx * DW : (kx & 1) * p.half + (kx >> 1));
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int b = 0; b < B; ++b)
          acc[r][b] = _mm256_fmadd_ps(w, _mm256_loadu_ps(col + r * rstep + 8 * b), acc[r][b]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    float* yr = yc + (oy + r) * OW + ox;
#pragma GCC unroll 4
    for (int b = 0; b < B; ++b) store_out(yr + 8 * b, acc[r][b], b == B - 1 ? last_n : 8, accumulate, relu);
  }
}

template <int S, int KWc>
void plane_tiles(const PaddedPlane& p, const float* wc, int64_t KH, int64_t KW, int64_t DW, float bias, float* yc,
                 int64_t OH, int64_t OW, bool accumulate, bool relu) {
  const __m256 bv = _mm256_set1_ps(bias);
  const int64_t blocks = (OW + 7) / 8;
  const int64_t tail = OW - (blocks - 1) * 8;  // valid columns of the last vector, 1..8
  if (blocks >= 4) {
    for (int64_t oy = 0; oy < OH; ++oy) {
      int64_t b = 0;
      for (; b + 4 < blocks; b += 4) tile<1, 4, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, b * 8, 8, accumulate, relu);
      switch (blocks - b) {  // 1..4 vectors left, the last one holding `tail` columns
        case 4: tile<1, 4, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, b * 8, tail, accumulate, relu); break;
        case 3: tile<1, 3, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, b * 8, tail, accumulate, relu); break;
        case 2: tile<1, 2, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, b * 8, tail, accumulate, relu); break;
        default: tile<1, 1, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, b * 8, tail, accumulate, relu); break;
      }
    }
    return;
  }
  // Narrow rows: 4 rows at a time, all their vectors (1..3) in one tile.
  auto run = [&]<int R>(int64_t oy) {
    switch (blocks) {
      case 3: tile<R, 3, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, 0, tail, accumulate, relu); break;
      case 2: tile<R, 2, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, 0, tail, accumulate, relu); break;
      default: tile<R, 1, S, KWc>(p, wc, KH, KW, DW, bv, yc, OW, oy, 0, tail, accumulate, relu); break;
    }
  };
  int64_t oy = 0;
  for (; oy + 4 <= OH; oy += 4) run.template operator()<4>(oy);
  for (; oy < OH; ++oy) run.template operator()<1>(oy);
}

template <int S>
void plane_tiles_kw(const PaddedPlane& p, const float* wc, int64_t KH, int64_t KW, int64_t DW, float bias, float* yc,
                    int64_t OH, int64_t OW, bool accumulate, bool relu) {
  if (KW == 3) plane_tiles<S, 3>(p, wc, KH, KW, DW, bias, yc, OH, OW, accumulate, relu);
  else if (KW == 5) plane_tiles<S, 5>(p, wc, KH, KW, DW, bias, yc, OH, OW, accumulate, relu);
  else plane_tiles<S, 0>(p, wc, KH, KW, DW, bias, yc, OH, OW, accumulate, relu);
}

}  // namespace

void depthwise_plane_avx2(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                          bool accumulate, bool relu, float* row) {
  const int64_t SW = g.SW, DW = g.DW;
  if (!(SW == 1 || (SW == 2 && DW == 1))) return rows_generic(g, xc, wc, bias, yc, accumulate, relu, row);
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, KH = g.KH, KW = g.KW;
  const int64_t SH = g.SH, DH = g.DH, PT = g.PT, PL = g.PL;
  const int64_t blocks = (OW + 7) / 8;
  // Padded columns read: up to (blocks*8 - 1)*SW + (KW-1)*DW (+1), and the
  // input (PL + W); rows: up to (OH-1)*SH + (KH-1)*DH (+1), and PT + H.
  const int64_t Wp = std::max<int64_t>(PL + W, blocks * 8 * SW + (KW - 1) * DW + 1);
  const int64_t Hp = std::max<int64_t>(PT + H, (OH - 1) * SH + (KH - 1) * DH + 1);
  // Stride 2: each row is [even columns | odd columns], each half `half` long.
  const int64_t half = (Wp + 1) / 2 + 8;
  const int64_t ld = SW == 1 ? Wp : 2 * half;
  // The zero border is the same for every plane of one geometry: it is
  // written when the geometry (or the buffer) changes, and each plane then
  // only overwrites the interior.
  struct PadBuffer {
    std::vector<float> data;
    int64_t key[7] = {-1, -1, -1, -1, -1, -1, -1};
  };
  thread_local PadBuffer pad;
  const int64_t key[7] = {H, W, PT, PL, SW, ld, Hp};
  if (pad.data.size() < static_cast<size_t>(Hp * ld)) {
    pad.data.assign(static_cast<size_t>(Hp * ld), 0.f);
    std::copy(key, key + 7, pad.key);
  } else if (!std::equal(key, key + 7, pad.key)) {
    std::fill(pad.data.begin(), pad.data.begin() + Hp * ld, 0.f);
    std::copy(key, key + 7, pad.key);
  }
  float* pd = pad.data.data();
  for (int64_t y = 0; y < H && PT + y < Hp; ++y) {
    float* d = pd + (PT + y) * ld;
    const float* s = xc + y * W;
    if (SW == 1) {
      float* dc = d + PL;
      int64_t x = 0;
      for (; x + 8 <= W; x += 8) _mm256_storeu_ps(dc + x, _mm256_loadu_ps(s + x));
      for (; x < W; ++x) dc[x] = s[x];
    } else {
      // Padded column c = PL + x goes to (c even) d[c/2] or (c odd) d[half + c/2].
      float* ev = d;
      float* od = d + half;
      int64_t x = 0;
      // Scalar until the padded column is even, then 16 inputs -> 8 + 8.
      for (; x < W && ((PL + x) & 1); ++x) od[(PL + x) >> 1] = s[x];
      for (; x + 16 <= W; x += 16) {
        const int64_t c = (PL + x) >> 1;
        const __m256 a = _mm256_loadu_ps(s + x), b = _mm256_loadu_ps(s + x + 8);
        // a = x0..x7, b = x8..x15 -> evens x0 x2 .. x14, odds x1 x3 .. x15.
        const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // x0 x2 x8 x10 | x4 x6 x12 x14
        const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        _mm256_storeu_ps(ev + c, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
        _mm256_storeu_ps(od + c, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
      }
      for (; x < W; ++x) {
        const int64_t c = PL + x;
        (c & 1 ? od : ev)[c >> 1] = s[x];
      }
    }
  }
  const PaddedPlane p{pd, ld, half, SH, DH};
  if (SW == 1) plane_tiles_kw<1>(p, wc, KH, KW, DW, bias, yc, OH, OW, accumulate, relu);
  else plane_tiles_kw<2>(p, wc, KH, KW, DW, bias, yc, OH, OW, accumulate, relu);
}

}  // namespace onyx
