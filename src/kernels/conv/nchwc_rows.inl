// The NCHWc convolution row kernels, written once over an 8-float vector type
// and compiled per ISA: nchwc_conv.cc includes this with portable operations
// (the reference for the SIMD build), nchwc_avx2.cc with AVX2 + FMA.
//
// Include inside namespace onyx::nchwc after defining a struct `Ops` with:
// V, zero(), load(p), store(p, v), bcast(p), fma(a, b, c) (a * b + c),
// add(a, b), max0(a).
//
// Dense kernel: P output positions x 2 output blocks = 2P accumulators (12 at
// P = 6: with 2 weight vectors and the broadcast, 15 of 16 ymm registers).
// Each step over an input channel broadcasts P input values and loads 16
// weights: the same 12 FMAs per 8 loads as the 6x16 SGEMM tile, but the
// reduction over C_in x KH x KW stays in registers and nothing is packed at
// run time.

// Positions [ow0, ow0 + P) of row oh. When every position's taps are inside
// the image for all kw, all inputs advance by the same stride; otherwise taps
// outside read the zero vector and do not advance. kCin: input channels per
// input block, 8 (blocked input) or 1 (an NCHW input, e.g. an RGB image).
// kSW: the horizontal stride when it is 1 or 2 (0: read from g), so that the
// positions' inputs are one pointer plus constant offsets, not P pointers.
template <int P, bool kTwo, int kCin, int kSW>
static void conv_positions(const RowArgs& a, int64_t oh, int64_t ow0) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  const int64_t sw = kSW ? kSW : g.SW;
  const int64_t plane = g.H * g.W * kCin;  // floats per input channel block
  V acc0[P], acc1[P];
  const V b0 = Ops::load(a.bias), b1 = Ops::load(a.bias + kBlock);
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    acc0[p] = b0;
    if constexpr (kTwo) acc1[p] = b1;
  }
  const int64_t iw0 = ow0 * g.SW - g.PL;
  // Horizontally inside for every kernel column: the common case.
  const bool inside = iw0 >= 0 && iw0 + (P - 1) * sw + (g.KW - 1) * g.DW < g.W;
  if constexpr (kCin == 1) {
    // NCHW input: a channel has one value per pixel, so the reduction runs
    // over (kh, c, kw) with the kernel row innermost: its taps are adjacent
    // in the input row and in the weights ([KH][C][KW][16]).
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
      if (ih < 0 || ih >= g.H) continue;
      for (int64_t c = 0; c < g.in_blocks; ++c) {
        const float* xr = a.x + (c * g.H + ih) * g.W + iw0;
        const float* wp = a.w + (kh * g.in_blocks + c) * g.KW * 2 * kBlock;
        for (int64_t kw = 0; kw < g.KW; ++kw, wp += 2 * kBlock) {
          const V w0 = Ops::load(wp);
          V w1;
          if constexpr (kTwo) w1 = Ops::load(wp + kBlock);
          const int64_t koff = kw * g.DW;
          if (inside) {
#pragma GCC unroll 6
            for (int p = 0; p < P; ++p) {
              const V xv = Ops::bcast(xr + koff + p * sw);
              acc0[p] = Ops::fma(xv, w0, acc0[p]);
              if constexpr (kTwo) acc1[p] = Ops::fma(xv, w1, acc1[p]);
            }
          } else {
#pragma GCC unroll 6
            for (int p = 0; p < P; ++p) {
              const int64_t iw = iw0 + p * sw + koff;
              const V xv = Ops::bcast(iw >= 0 && iw < g.W ? xr + koff + p * sw : a.zeros);
              acc0[p] = Ops::fma(xv, w0, acc0[p]);
              if constexpr (kTwo) acc1[p] = Ops::fma(xv, w1, acc1[p]);
            }
          }
        }
      }
    }
  } else {
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
      if (ih < 0 || ih >= g.H) continue;
      const float* xrow = a.x + ih * g.W * kCin;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const float* wp = a.w + (kh * g.KW + kw) * g.in_blocks * (kCin * 2 * kBlock);
        if (P == 1 && inside) {
          // One position (a 1x1 map, as in squeeze-excite blocks): 2 FMA
          // chains would run at a quarter of the FMA rate, so the channels of
          // a block rotate over 4 pairs of partial sums.
          const float* xb = xrow + (iw0 + kw * g.DW) * kCin;
          V s0[4], s1[4];
#pragma GCC unroll 4
          for (int j = 0; j < 4; ++j) s0[j] = s1[j] = Ops::zero();
          for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp += 2 * kBlock * kCin, xb += plane) {
#pragma GCC unroll 8
            for (int c = 0; c < kCin; ++c) {
              const V xv = Ops::bcast(xb + c);
              s0[c & 3] = Ops::fma(xv, Ops::load(wp + c * 2 * kBlock), s0[c & 3]);
              if constexpr (kTwo) s1[c & 3] = Ops::fma(xv, Ops::load(wp + c * 2 * kBlock + kBlock), s1[c & 3]);
            }
          }
          acc0[0] = Ops::add(acc0[0], Ops::add(Ops::add(s0[0], s0[1]), Ops::add(s0[2], s0[3])));
          if constexpr (kTwo) acc1[0] = Ops::add(acc1[0], Ops::add(Ops::add(s1[0], s1[1]), Ops::add(s1[2], s1[3])));
          continue;
        }
        if (inside) {
          // One input pointer; position p at a constant offset from it.
          const float* xb = xrow + (iw0 + kw * g.DW) * kCin;
          for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp += 2 * kBlock * kCin, xb += plane) {
#pragma GCC unroll 8
            for (int c = 0; c < kCin; ++c) {
              const V w0 = Ops::load(wp + c * 2 * kBlock);
              V w1;
              if constexpr (kTwo) w1 = Ops::load(wp + c * 2 * kBlock + kBlock);
#pragma GCC unroll 6
              for (int p = 0; p < P; ++p) {
                const V xv = Ops::bcast(xb + p * sw * kCin + c);
                acc0[p] = Ops::fma(xv, w0, acc0[p]);
                if constexpr (kTwo) acc1[p] = Ops::fma(xv, w1, acc1[p]);
              }
            }
          }
          continue;
        }
        const float* xp[P];
        int64_t step[P];
#pragma GCC unroll 6
        for (int p = 0; p < P; ++p) {
          const int64_t iw = iw0 + p * sw + kw * g.DW;
          const bool in = iw >= 0 && iw < g.W;
          xp[p] = in ? xrow + iw * kCin : a.zeros;
          step[p] = in ? plane : 0;
        }
        for (int64_t cb = 0; cb < g.in_blocks; ++cb) {
#pragma GCC unroll 8
          for (int c = 0; c < kCin; ++c) {
            const V w0 = Ops::load(wp + c * 2 * kBlock);
            V w1;
            if constexpr (kTwo) w1 = Ops::load(wp + c * 2 * kBlock + kBlock);
#pragma GCC unroll 6
            for (int p = 0; p < P; ++p) {
              const V xv = Ops::bcast(xp[p] + c);
              acc0[p] = Ops::fma(xv, w0, acc0[p]);
              if constexpr (kTwo) acc1[p] = Ops::fma(xv, w1, acc1[p]);
            }
          }
          wp += 2 * kBlock * kCin;
#pragma GCC unroll 6
          for (int p = 0; p < P; ++p) xp[p] += step[p];
        }
      }
    }
  }
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    const int64_t o = (ow0 + p) * kBlock;
    if (a.z[0]) acc0[p] = Ops::add(acc0[p], Ops::load(a.z[0] + o));
    if (a.relu) acc0[p] = Ops::max0(acc0[p]);
    Ops::store(a.y[0] + o, acc0[p]);
    if constexpr (kTwo) {
      if (a.z[1]) acc1[p] = Ops::add(acc1[p], Ops::load(a.z[1] + o));
      if (a.relu) acc1[p] = Ops::max0(acc1[p]);
      Ops::store(a.y[1] + o, acc1[p]);
    }
  }
}

template <bool kTwo, int kCin, int kSW>
static void conv_chunk(const RowArgs& a, int64_t oh, int64_t ow0, int p) {
  switch (p) {
    case 1: return conv_positions<1, kTwo, kCin, kSW>(a, oh, ow0);
    case 2: return conv_positions<2, kTwo, kCin, kSW>(a, oh, ow0);
    case 3: return conv_positions<3, kTwo, kCin, kSW>(a, oh, ow0);
    case 4: return conv_positions<4, kTwo, kCin, kSW>(a, oh, ow0);
    case 5: return conv_positions<5, kTwo, kCin, kSW>(a, oh, ow0);
    default: return conv_positions<6, kTwo, kCin, kSW>(a, oh, ow0);
  }
}

template <bool kTwo, int kCin>
static void conv_chunk_sw(const RowArgs& a, int64_t oh, int64_t ow0, int p) {
  switch (a.g->SW) {
    case 1: return conv_chunk<kTwo, kCin, 1>(a, oh, ow0, p);
    case 2: return conv_chunk<kTwo, kCin, 2>(a, oh, ow0, p);
    default: return conv_chunk<kTwo, kCin, 0>(a, oh, ow0, p);
  }
}

// Splits [ow0, ow1) into chunks of at most 6 positions, as even as possible:
// 7 positions as 4 + 3 rather than 6 + 1 (one position is 2 dependent FMA
// chains, latency-bound at a quarter of the FMA rate).
static void conv_row_impl(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1) {
  const int64_t len = ow1 - ow0;
  if (len <= 0) return;
  const int64_t chunks = (len + 5) / 6, base = len / chunks, extra = len % chunks;
  int64_t ow = ow0;
  for (int64_t i = 0; i < chunks; ++i) {
    const int p = static_cast<int>(base + (i < extra ? 1 : 0));
    if (a.nchw_input) {
      if (a.nb == 2) conv_chunk_sw<true, 1>(a, oh, ow, p);
      else conv_chunk_sw<false, 1>(a, oh, ow, p);
    } else {
      if (a.nb == 2) conv_chunk_sw<true, kBlock>(a, oh, ow, p);
      else conv_chunk_sw<false, kBlock>(a, oh, ow, p);
    }
    ow += p;
  }
}

// Depthwise: 8 positions per step, one weight vector per tap shared by them.
template <int P, int kSW>
static void dw_positions(const DwRowArgs& a, int64_t oh, int64_t ow0) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  const int64_t sw = kSW ? kSW : g.SW;
  V acc[P];
  const V b = Ops::load(a.bias);
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) acc[p] = b;
  const int64_t iw0 = ow0 * g.SW - g.PL;
  const bool inside = iw0 >= 0 && iw0 + (P - 1) * sw + (g.KW - 1) * g.DW < g.W;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
    if (ih < 0 || ih >= g.H) continue;
    const float* xrow = a.x + (ih * g.W + iw0) * kBlock;
    const int64_t step = sw * kBlock;
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      const V wv = Ops::load(a.w + (kh * g.KW + kw) * kBlock);
      const float* xk = xrow + kw * g.DW * kBlock;
      if (inside) {
        // The common case, kept free of per-tap checks.
#pragma GCC unroll 8
        for (int p = 0; p < P; ++p) acc[p] = Ops::fma(Ops::load(xk + p * step), wv, acc[p]);
      } else {
#pragma GCC unroll 8
        for (int p = 0; p < P; ++p) {
          const int64_t iw = iw0 + p * sw + kw * g.DW;
          acc[p] = Ops::fma(Ops::load(iw >= 0 && iw < g.W ? xk + p * step : a.zeros), wv, acc[p]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
    const int64_t o = (ow0 + p) * kBlock;
    if (a.z) acc[p] = Ops::add(acc[p], Ops::load(a.z + o));
    if (a.relu) acc[p] = Ops::max0(acc[p]);
    Ops::store(a.y + o, acc[p]);
  }
}

// Eight positions at a time, the rest in one step of 1-7 (a 7-wide row is
// one step of 7, not 4 + 1 + 1 + 1: a lone position is one FMA chain,
// latency-bound).
template <int kSW>
static void dw_row_sw(const DwRowArgs& a, int64_t oh) {
  const int64_t OW = a.g->OW;
  int64_t ow = 0;
  for (; ow + 8 <= OW; ow += 8) dw_positions<8, kSW>(a, oh, ow);
  switch (OW - ow) {
    case 7: return dw_positions<7, kSW>(a, oh, ow);
    case 6: return dw_positions<6, kSW>(a, oh, ow);
    case 5: return dw_positions<5, kSW>(a, oh, ow);
    case 4: return dw_positions<4, kSW>(a, oh, ow);
    case 3: return dw_positions<3, kSW>(a, oh, ow);
    case 2: return dw_positions<2, kSW>(a, oh, ow);
    case 1: return dw_positions<1, kSW>(a, oh, ow);
    default: return;
  }
}

static void dw_row_impl(const DwRowArgs& a, int64_t oh) {
  switch (a.g->SW) {
    case 1: return dw_row_sw<1>(a, oh);
    case 2: return dw_row_sw<2>(a, oh);
    default: return dw_row_sw<0>(a, oh);
  }
}

// Max pooling, one output row of one channel block: a vector max over the
// taps inside the image. max(v, m) keeps m when v is NaN (MaxPool ignores NaN).
static void max_pool_row_impl(const PoolRowArgs& a, int64_t oh) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  for (int64_t ow = 0; ow < g.OW; ++ow) {
    V m = Ops::lowest();
    const int64_t iw0 = ow * g.SW - g.PL;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
      if (ih < 0 || ih >= g.H) continue;
      const float* xrow = a.x + ih * g.W * kBlock;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = iw0 + kw * g.DW;
        if (iw >= 0 && iw < g.W) m = Ops::max(Ops::load(xrow + iw * kBlock), m);
      }
    }
    Ops::store(a.y + ow * kBlock, m);
  }
}
