// The NCHWc convolution row kernels, written once over an 8-float vector type
// and compiled per ISA: nchwc_conv.cc includes this with portable operations
// (the reference for the SIMD builds), nchwc_avx2.cc with AVX2 + FMA, and
// nchwc_avx512.cc with the same ymm operations built for AVX-512VL, whose 32
// vector registers allow longer steps.
//
// Include inside namespace onyx::nchwc after defining a struct `Ops` with:
// V, zero(), load(p), store(p, v), bcast(p), fma(a, b, c) (a * b + c),
// add(a, b), max0(a), and the step lengths kMaxP (dense) and kDwP
// (depthwise, stride 1). Optionally `Ops::Pair`: a 16-float vector for the
// two output blocks of a dense step (see BlockPair below); kQuadP, the most
// positions of a two-pair step (0: none; conv_quad_row_impl does nothing
// and the build's RowKernels::conv_quad is null).
//
// Dense kernel: P output positions x 2 output blocks = 2P accumulators. With
// 16 ymm registers P <= 6 (12 accumulators, 2 weight vectors and the
// broadcast: 15 of 16); each step over an input channel broadcasts P input
// values and loads 16 weights, the same 12 FMAs per 8 loads as the 6x16 SGEMM
// tile. With 32 registers (the AVX-512 build) a pair is one zmm register
// (BlockPair below) and P <= 16; a step over two pairs (conv_quad) takes
// P <= 14, 28 FMAs per 16 loads. The reduction over C_in x KH x KW stays in
// registers and nothing is packed at run time.

// The vector a dense step keeps per output position: one block (V), or the
// two blocks of a pair. The pair is two V's by default, each input value
// broadcast once and multiplied into both; an Ops with 16-float registers
// gives its own `Pair`, one register per position and one FMA where two V's
// take two (the AVX-512 build: half the instructions for the same FLOPs).
// Both have: V, zero(), load(w) (the step's 8 or 16 weights / bias values,
// adjacent), bcast(x), fma, add, max0, and load_out(z0, z1) /
// store_out(y0, y1, v) for the output rows of the two blocks.
struct OneBlock {
  using V = typename Ops::V;
  static V zero() { return Ops::zero(); }
  static V load(const float* p) { return Ops::load(p); }
  static V bcast(const float* p) { return Ops::bcast(p); }
  static V fma(const V& a, const V& b, const V& c) { return Ops::fma(a, b, c); }
  static V add(const V& a, const V& b) { return Ops::add(a, b); }
  static V max0(const V& a) { return Ops::max0(a); }
  static V load_out(const float* z0, const float*) { return Ops::load(z0); }
  static void store_out(float* y0, float*, const V& v) { Ops::store(y0, v); }
};

struct TwoVectors {
  struct V {
    typename Ops::V lo, hi;
  };
  static V zero() { return {Ops::zero(), Ops::zero()}; }
  static V load(const float* p) { return {Ops::load(p), Ops::load(p + kBlock)}; }
  static V bcast(const float* p) {
    const typename Ops::V x = Ops::bcast(p);
    return {x, x};
  }
  static V fma(const V& a, const V& b, const V& c) { return {Ops::fma(a.lo, b.lo, c.lo), Ops::fma(a.hi, b.hi, c.hi)}; }
  static V add(const V& a, const V& b) { return {Ops::add(a.lo, b.lo), Ops::add(a.hi, b.hi)}; }
  static V max0(const V& a) { return {Ops::max0(a.lo), Ops::max0(a.hi)}; }
  static V load_out(const float* z0, const float* z1) { return {Ops::load(z0), Ops::load(z1)}; }
  static void store_out(float* y0, float* y1, const V& v) {
    Ops::store(y0, v.lo);
    Ops::store(y1, v.hi);
  }
};

template <typename O, typename = void>
struct PairOf {
  using type = TwoVectors;
};
template <typename O>
struct PairOf<O, std::void_t<typename O::Pair>> {
  using type = typename O::Pair;
};
using BlockPair = typename PairOf<Ops>::type;

template <bool kTwo>
using StepOps = std::conditional_t<kTwo, BlockPair, OneBlock>;

// Calls f.template operator()<P>() with P = p, for p in [1, kMax]: the step
// kernels are templates over their number of positions, which the rows pick
// at run time.
template <int kMax, typename F>
[[gnu::always_inline]] inline void with_positions(int p, F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (void)((p == I + 1 && (f.template operator()<I + 1>(), true)) || ...);
  }(std::make_integer_sequence<int, kMax>{});
}

// Splits [ow0, ow1) into steps of at most kMax positions, as even as
// possible, and calls step(ow, p) for each: 7 positions as 4 + 3 rather than
// 6 + 1 at kMax = 6 (one position is 2 dependent FMA chains, latency-bound at
// a quarter of the FMA rate).
template <int kMax, typename F>
inline void for_each_step(int64_t ow0, int64_t ow1, F&& step) {
  const int64_t len = ow1 - ow0;
  if (len <= 0) return;
  const int64_t chunks = (len + kMax - 1) / kMax, base = len / chunks, extra = len % chunks;
  int64_t ow = ow0;
  for (int64_t i = 0; i < chunks; ++i) {
    const int p = static_cast<int>(base + (i < extra ? 1 : 0));
    step(ow, p);
    ow += p;
  }
}

// The NCHW-input geometries whose reduction is unrolled (nchw_fixed_taps):
// the RGB stems, 3 or 7 wide, undilated, at stride 1 or 2.
inline bool is_unrolled_stem(const ConvGeo& g) {
  return g.DW == 1 && (g.KW == 3 || g.KW == 7) && (g.SW == 1 || g.SW == 2);
}

// A 1x1 convolution at stride 1 without padding on a blocked input: every
// position reads one input pixel, the one it writes.
inline bool is_pointwise(const RowArgs& a) {
  const ConvGeo& g = *a.g;
  return !a.nchw_input && g.KH == 1 && g.KW == 1 && g.SW == 1 && g.PL == 0 && g.SH == 1 && g.PT == 0;
}

// The residual a step of P positions adds at its end (blocks [0, blocks)
// of a.z), asked for now, while the reduction runs. A residual block's
// input was last read several nodes back and has left L2, and consecutive
// work items read it from different channel blocks (one plane apart), more
// streams than the hardware prefetchers follow: resnet50's layer1 1x1
// expansions (64 -> 256 on 56x56, Z 3.2 MB) waited on it at every step.
// With this they ran 1.06-1.13x faster, the whole model ~1% (one session,
// alternated per run, 30 runs each at 1 and 40 at 2 threads).
template <int P>
[[gnu::always_inline]] inline void prefetch_residual(const RowArgs& a, int64_t ow0, int blocks) {
  for (int j = 0; j < blocks; ++j) {
    if (!a.z[j]) continue;
    const char* zc = reinterpret_cast<const char*>(a.z[j] + ow0 * kBlock);
    constexpr int kLines = (P * kBlock * static_cast<int>(sizeof(float)) + 63) / 64 + 1;  // + 1: Z may straddle lines
#pragma GCC unroll 8
    for (int l = 0; l < kLines; ++l) __builtin_prefetch(zc + l * 64, 0, 3);
  }
}

// The end of a dense step: the residual of output blocks (b, b + 1) (Z is
// given for all blocks of a call or for none, NchwcConv::run), ReLU, and the
// store. S: OneBlock (block b only) or BlockPair.
template <typename S, int P>
[[gnu::always_inline]] inline void finish_step(const RowArgs& a, int64_t ow0, int b, typename S::V (&acc)[P]) {
  constexpr bool kTwo = std::is_same_v<S, BlockPair>;
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    const int64_t o = (ow0 + p) * kBlock;
    if (a.z[b]) acc[p] = S::add(acc[p], S::load_out(a.z[b] + o, kTwo ? a.z[b + 1] + o : nullptr));
    if (a.relu) acc[p] = S::max0(acc[p]);
    S::store_out(a.y[b] + o, kTwo ? a.y[b + 1] + o : nullptr, acc[p]);
  }
}

// The reduction of conv_positions for an NCHW input read undilated with a
// kernel width kKW and a stride kSW known at compile time (the RGB stems:
// 3x3 and 7x7 at stride 2). The general loop below runs the kw loop with a
// runtime bound, 3 or 7 iterations between the exits of two outer loops, and
// tests every tap of a border step against the row (perf: a border step cost
// 1.8x an inside one). Here each (kh, c) is one straight run of kKW x P
// broadcasts and 2 x kKW x P FMAs, and a step at a border reads a copy of the
// row span it covers, zero outside the row, through the same code. The empty
// asm hides from the compiler that tap kw + 1 of position p reads the value
// tap kw of position p + 1 did (at stride 1): left to itself it kept those
// broadcasts in registers across taps and spilled the accumulators, and the
// 7x7 stem was 5% slower than before. Alone in a model, one session,
// alternated per run (200-300 runs each, 1 thread): mobilenet_v3_large's
// stem (3 -> 16, 3x3 stride 2, 224x224) 1.14-1.16x faster, resnet50's
// (3 -> 64, 7x7 stride 2) 1.15-1.18x.
template <int P, bool kTwo, int kSW, int kKW>
[[gnu::always_inline]] inline void nchw_fixed_taps(const RowArgs& a, int64_t oh, int64_t iw0, bool inside,
                                                   typename StepOps<kTwo>::V (&acc)[P]) {
  using S = StepOps<kTwo>;
  const ConvGeo& g = *a.g;
  constexpr int kSpan = (P - 1) * kSW + kKW;  // input values the step reads per row
  float seg[kSpan];
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
    if (ih < 0 || ih >= g.H) continue;
    for (int64_t c = 0; c < g.in_blocks; ++c) {
      const float* row = a.x + (c * g.H + ih) * g.W;
      if (!inside)
        for (int i = 0; i < kSpan; ++i) {
          const int64_t iw = iw0 + i;
          seg[i] = iw >= 0 && iw < g.W ? row[iw] : 0.f;
        }
      const float* xr = inside ? row + iw0 : seg;
      const float* wp = a.w + (kh * g.in_blocks + c) * kKW * 2 * kBlock;
#pragma GCC unroll 8
      for (int kw = 0; kw < kKW; ++kw) {
        const typename S::V w = S::load(wp + kw * 2 * kBlock);
        const float* xk = xr + kw;
        asm("" : "+r"(xk));
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) acc[p] = S::fma(S::bcast(xk + p * kSW), w, acc[p]);
      }
    }
  }
}

// nchw_fixed_taps where it is built for the geometry (stride kSW of 1 or 2,
// undilated, 3 or 7 wide); false, having done nothing, elsewhere.
template <int P, bool kTwo, int kSW>
[[gnu::always_inline]] inline bool nchw_fixed_width(const RowArgs& a, int64_t oh, int64_t iw0, bool inside,
                                                    typename StepOps<kTwo>::V (&acc)[P]) {
  const ConvGeo& g = *a.g;
  if constexpr (kSW != 0) {  // stride 1 or 2, as g.SW
    if (!is_unrolled_stem(g)) return false;
    if (g.KW == 3) nchw_fixed_taps<P, kTwo, kSW, 3>(a, oh, iw0, inside, acc);
    else nchw_fixed_taps<P, kTwo, kSW, 7>(a, oh, iw0, inside, acc);
    return true;
  }
  return false;
}

// Positions [ow0, ow0 + P) of row oh. When every position's taps are inside
// the image for all kw, all inputs advance by the same stride; otherwise taps
// outside read the zero vector and do not advance. kCin: input channels per
// input block, 8 (blocked input) or 1 (an NCHW input, e.g. an RGB image).
// kSW: the horizontal stride when it is 1 or 2 (0: read from g), so that the
// positions' inputs are one pointer plus constant offsets, not P pointers.
template <int P, bool kTwo, int kCin, int kSW>
static void conv_positions(const RowArgs& a, int64_t oh, int64_t ow0) {
  using S = StepOps<kTwo>;
  using SV = typename S::V;
  const ConvGeo& g = *a.g;
  const int64_t sw = kSW ? kSW : g.SW;
  const int64_t plane = g.H * g.W * kCin;  // floats per input channel block
  SV acc[P];
  const SV b = S::load(a.bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = b;
  prefetch_residual<P>(a, ow0, kTwo ? 2 : 1);
  const int64_t iw0 = ow0 * g.SW - g.PL;
  // Horizontally inside for every kernel column: the common case.
  const bool inside = iw0 >= 0 && iw0 + (P - 1) * sw + (g.KW - 1) * g.DW < g.W;
  if constexpr (kCin == 1) {
    if (!nchw_fixed_width<P, kTwo, kSW>(a, oh, iw0, inside, acc)) {
      // NCHW input, any other geometry: a channel has one value per pixel, so
      // the reduction runs over (kh, c, kw) with the kernel row innermost: its
      // taps are adjacent in the input row and in the weights ([KH][C][KW][16]).
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
        if (ih < 0 || ih >= g.H) continue;
        for (int64_t c = 0; c < g.in_blocks; ++c) {
          const float* xr = a.x + (c * g.H + ih) * g.W + iw0;
          const float* wp = a.w + (kh * g.in_blocks + c) * g.KW * 2 * kBlock;
          for (int64_t kw = 0; kw < g.KW; ++kw, wp += 2 * kBlock) {
            const SV w = S::load(wp);
            const int64_t koff = kw * g.DW;
            if (inside) {
#pragma GCC unroll 16
              for (int p = 0; p < P; ++p) acc[p] = S::fma(S::bcast(xr + koff + p * sw), w, acc[p]);
            } else {
#pragma GCC unroll 16
              for (int p = 0; p < P; ++p) {
                const int64_t iw = iw0 + p * sw + koff;
                acc[p] = S::fma(S::bcast(iw >= 0 && iw < g.W ? xr + koff + p * sw : a.zeros), w, acc[p]);
              }
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
          // One position (a 1x1 map, as in squeeze-excite blocks): one FMA
          // chain would run at a quarter of the FMA rate, so the channels of
          // a block rotate over 4 partial sums.
          const float* xb = xrow + (iw0 + kw * g.DW) * kCin;
          SV part[4];
#pragma GCC unroll 4
          for (int j = 0; j < 4; ++j) part[j] = S::zero();
          for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp += 2 * kBlock * kCin, xb += plane) {
#pragma GCC unroll 16
            for (int c = 0; c < kCin; ++c) part[c & 3] = S::fma(S::bcast(xb + c), S::load(wp + c * 2 * kBlock), part[c & 3]);
          }
          acc[0] = S::add(acc[0], S::add(S::add(part[0], part[1]), S::add(part[2], part[3])));
          continue;
        }
        if (inside) {
          // One input pointer; position p at a constant offset from it.
          const float* xb = xrow + (iw0 + kw * g.DW) * kCin;
          for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp += 2 * kBlock * kCin, xb += plane) {
#pragma GCC unroll 16
            for (int c = 0; c < kCin; ++c) {
              const SV w = S::load(wp + c * 2 * kBlock);
#pragma GCC unroll 16
              for (int p = 0; p < P; ++p) acc[p] = S::fma(S::bcast(xb + p * sw * kCin + c), w, acc[p]);
            }
          }
          continue;
        }
        const float* xp[P];
        int64_t step[P];
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) {
          const int64_t iw = iw0 + p * sw + kw * g.DW;
          const bool in = iw >= 0 && iw < g.W;
          xp[p] = in ? xrow + iw * kCin : a.zeros;
          step[p] = in ? plane : 0;
        }
        for (int64_t cb = 0; cb < g.in_blocks; ++cb) {
#pragma GCC unroll 16
          for (int c = 0; c < kCin; ++c) {
            const SV w = S::load(wp + c * 2 * kBlock);
#pragma GCC unroll 16
            for (int p = 0; p < P; ++p) acc[p] = S::fma(S::bcast(xp[p] + c), w, acc[p]);
          }
          wp += 2 * kBlock * kCin;
#pragma GCC unroll 16
          for (int p = 0; p < P; ++p) xp[p] += step[p];
        }
      }
    }
  }
  finish_step<S, P>(a, ow0, 0, acc);
}

// A 1x1 convolution at stride 1 without padding on a blocked input (the
// pointwise convolutions of a CNN): conv_positions with nothing to decide,
// every position inside and one tap. With few input channels the reduction
// is short (16 channels: 16 FMAs per position and block pair) and the
// general step's setup, its kh / kw loops, border test and pointers, took
// about as long as the FMAs: mobilenet_v3_large's 16 -> 64 expansion on
// 112x112 ran at half the FMA peak in BM_NchwcConv.
template <int P, bool kTwo>
static void pointwise_positions(const RowArgs& a, int64_t oh, int64_t ow0) {
  using S = StepOps<kTwo>;
  using SV = typename S::V;
  const ConvGeo& g = *a.g;
  const int64_t plane = g.H * g.W * kBlock;
  SV acc[P];
  const SV b = S::load(a.bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = b;
  prefetch_residual<P>(a, ow0, kTwo ? 2 : 1);
  const float* xb = a.x + (oh * g.W + ow0) * kBlock;
  const float* wp = a.w;
  for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp += 2 * kBlock * kBlock, xb += plane) {
#pragma GCC unroll 8
    for (int c = 0; c < kBlock; ++c) {
      const SV w = S::load(wp + c * 2 * kBlock);
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) acc[p] = S::fma(S::bcast(xb + p * kBlock + c), w, acc[p]);
    }
  }
  finish_step<S, P>(a, ow0, 0, acc);
}

template <bool kTwo>
static void pointwise_chunk(const RowArgs& a, int64_t oh, int64_t ow0, int p) {
  with_positions<Ops::kMaxP>(p, [&]<int P>() {
    // One position keeps conv_positions' four partial sums (one FMA chain
    // would be latency-bound).
    if constexpr (P == 1) conv_positions<1, kTwo, kBlock, 1>(a, oh, ow0);
    else pointwise_positions<P, kTwo>(a, oh, ow0);
  });
}

// Pointwise, two block pairs per step: each broadcast input value feeds two
// pair vectors, so a step loads 2 weight vectors and P inputs for 2P FMAs
// (one pair: 1 and P for P). On AVX-512 (32 zmm registers: 2 x 14
// accumulators) that is the load-to-FMA ratio of the 6 x 32 SGEMM tile; the
// one-pair step issued about one load per FMA and ran resnet50's pointwise
// convolutions at 71-84% of the FMA peak, where ORT's took 7-18% less time.
// Built where Ops::kQuadP > 0.
template <int P>
static void pointwise_quad_positions(const RowArgs& a, int64_t oh, int64_t ow0) {
  using S = BlockPair;
  using SV = typename S::V;
  const ConvGeo& g = *a.g;
  const int64_t plane = g.H * g.W * kBlock;
  SV acc0[P], acc1[P];
  const SV b0 = S::load(a.bias), b1 = S::load(a.bias + 2 * kBlock);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    acc0[p] = b0;
    acc1[p] = b1;
  }
  prefetch_residual<P>(a, ow0, 4);
  const float* xb = a.x + (oh * g.W + ow0) * kBlock;
  const float* wp0 = a.w;
  const float* wp1 = a.w2;
  for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp0 += 2 * kBlock * kBlock, wp1 += 2 * kBlock * kBlock, xb += plane) {
#pragma GCC unroll 8
    for (int c = 0; c < kBlock; ++c) {
      const SV w0 = S::load(wp0 + c * 2 * kBlock), w1 = S::load(wp1 + c * 2 * kBlock);
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const SV xv = S::bcast(xb + p * kBlock + c);
        acc0[p] = S::fma(xv, w0, acc0[p]);
        acc1[p] = S::fma(xv, w1, acc1[p]);
      }
    }
  }
  finish_step<S, P>(a, ow0, 0, acc0);
  finish_step<S, P>(a, ow0, 2, acc1);
}

// nchw_fixed_taps for two block pairs (the RGB stems with 64 output
// channels or more): each broadcast input value feeds both pairs' vectors.
// The pairs' weights are pair_step floats apart, at the same offsets.
template <int P, int kSW, int kKW>
[[gnu::always_inline]] inline void nchw_fixed_taps_quad(const RowArgs& a, int64_t oh, int64_t iw0, bool inside,
                                                        typename BlockPair::V (&acc0)[P],
                                                        typename BlockPair::V (&acc1)[P]) {
  using S = BlockPair;
  const ConvGeo& g = *a.g;
  const int64_t pair_step = a.w2 - a.w;
  constexpr int kSpan = (P - 1) * kSW + kKW;
  float seg[kSpan];
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
    if (ih < 0 || ih >= g.H) continue;
    for (int64_t c = 0; c < g.in_blocks; ++c) {
      const float* row = a.x + (c * g.H + ih) * g.W;
      if (!inside)
        for (int i = 0; i < kSpan; ++i) {
          const int64_t iw = iw0 + i;
          seg[i] = iw >= 0 && iw < g.W ? row[iw] : 0.f;
        }
      const float* xr = inside ? row + iw0 : seg;
      const float* wp = a.w + (kh * g.in_blocks + c) * kKW * 2 * kBlock;
#pragma GCC unroll 8
      for (int kw = 0; kw < kKW; ++kw) {
        const typename S::V w0 = S::load(wp + kw * 2 * kBlock), w1 = S::load(wp + pair_step + kw * 2 * kBlock);
        const float* xk = xr + kw;
        asm("" : "+r"(xk));  // as in nchw_fixed_taps
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) {
          const typename S::V xv = S::bcast(xk + p * kSW);
          acc0[p] = S::fma(xv, w0, acc0[p]);
          acc1[p] = S::fma(xv, w1, acc1[p]);
        }
      }
    }
  }
}

// Any dense geometry on a blocked input, or an unrolled stem on an NCHW
// one, two block pairs per step: the reduction of conv_positions with two
// pair vectors per position. Besides the loads it halves, it doubles the
// FMA chains of a short step: a 7-wide map (resnet50's layer4) is one step
// of 7 positions, 7 chains for one pair (latency-bound below 8) and 14 for
// two.
template <int P, int kSW>
static void conv_quad_positions(const RowArgs& a, int64_t oh, int64_t ow0) {
  using S = BlockPair;
  using SV = typename S::V;
  const ConvGeo& g = *a.g;
  const int64_t sw = kSW ? kSW : g.SW;
  const int64_t plane = g.H * g.W * kBlock;
  SV acc0[P], acc1[P];
  const SV b0 = S::load(a.bias), b1 = S::load(a.bias + 2 * kBlock);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    acc0[p] = b0;
    acc1[p] = b1;
  }
  prefetch_residual<P>(a, ow0, 4);
  const int64_t iw0 = ow0 * g.SW - g.PL;
  const bool inside = iw0 >= 0 && iw0 + (P - 1) * sw + (g.KW - 1) * g.DW < g.W;
  const int64_t pair_step = a.w2 - a.w;
  if (a.nchw_input) {
    // Only the geometries nchw_fixed_taps unrolls come here (conv_quad_row_impl).
    if constexpr (kSW == 1 || kSW == 2) {
      if (g.KW == 3) nchw_fixed_taps_quad<P, kSW, 3>(a, oh, iw0, inside, acc0, acc1);
      else nchw_fixed_taps_quad<P, kSW, 7>(a, oh, iw0, inside, acc0, acc1);
    }
  } else {
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
      if (ih < 0 || ih >= g.H) continue;
      const float* xrow = a.x + ih * g.W * kBlock;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const float* wp = a.w + (kh * g.KW + kw) * g.in_blocks * (kBlock * 2 * kBlock);
        const float* xp[P];
        int64_t step[P];
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) {
          const int64_t iw = iw0 + p * sw + kw * g.DW;
          const bool in = inside || (iw >= 0 && iw < g.W);
          xp[p] = in ? xrow + iw * kBlock : a.zeros;
          step[p] = in ? plane : 0;
        }
        for (int64_t cb = 0; cb < g.in_blocks; ++cb, wp += 2 * kBlock * kBlock) {
#pragma GCC unroll 8
          for (int c = 0; c < kBlock; ++c) {
            const SV w0 = S::load(wp + c * 2 * kBlock), w1 = S::load(wp + pair_step + c * 2 * kBlock);
#pragma GCC unroll 16
            for (int p = 0; p < P; ++p) {
              const SV xv = S::bcast(xp[p] + c);
              acc0[p] = S::fma(xv, w0, acc0[p]);
              acc1[p] = S::fma(xv, w1, acc1[p]);
            }
          }
#pragma GCC unroll 16
          for (int p = 0; p < P; ++p) xp[p] += step[p];
        }
      }
    }
  }
  finish_step<S, P>(a, ow0, 0, acc0);
  finish_step<S, P>(a, ow0, 2, acc1);
}

// [ow0, ow1) of a row of a dense convolution for two block pairs, in steps
// of at most kQuadP positions of even size (as conv_row_impl). A lone
// position (a 1x1 map, or a row of one) runs conv_row_impl once per pair:
// one position has no second chain to gain; so does an NCHW input other
// than the unrolled stems.
static void conv_row_impl(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1);

[[maybe_unused]] static void conv_quad_row_impl(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1) {
  if constexpr (Ops::kQuadP > 1) {
    const int64_t len = ow1 - ow0;
    if (len <= 0) return;
    const ConvGeo& g = *a.g;
    // An NCHW input of a geometry nchw_fixed_taps does not unroll takes the
    // general loop.
    const bool nchw_general = a.nchw_input && !is_unrolled_stem(g);
    if (len == 1 || nchw_general) {
      RowArgs b = a;
      b.nb = 2;
      conv_row_impl(b, oh, ow0, ow1);
      b.w = a.w2;
      b.bias = a.bias + 2 * kBlock;
      b.y[0] = a.y[2];
      b.y[1] = a.y[3];
      b.z[0] = a.z[2];
      b.z[1] = a.z[3];
      conv_row_impl(b, oh, ow0, ow1);
      return;
    }
    const bool pointwise = is_pointwise(a);
    // Steps of 2 or more positions: len >= 2 is split evenly.
    for_each_step<Ops::kQuadP>(ow0, ow1, [&](int64_t ow, int p) {
      with_positions<Ops::kQuadP>(p, [&]<int P>() {
        if constexpr (P > 1) {
          if (pointwise) pointwise_quad_positions<P>(a, oh, ow);
          else if (g.SW == 1) conv_quad_positions<P, 1>(a, oh, ow);
          else if (g.SW == 2) conv_quad_positions<P, 2>(a, oh, ow);
          else conv_quad_positions<P, 0>(a, oh, ow);
        }
      });
    });
  } else {
    (void)a, (void)oh, (void)ow0, (void)ow1;
  }
}

template <bool kTwo, int kCin, int kSW>
static void conv_chunk(const RowArgs& a, int64_t oh, int64_t ow0, int p) {
  with_positions<Ops::kMaxP>(p, [&]<int P>() { conv_positions<P, kTwo, kCin, kSW>(a, oh, ow0); });
}

template <bool kTwo, int kCin>
static void conv_chunk_sw(const RowArgs& a, int64_t oh, int64_t ow0, int p) {
  switch (a.g->SW) {
    case 1: return conv_chunk<kTwo, kCin, 1>(a, oh, ow0, p);
    case 2: return conv_chunk<kTwo, kCin, 2>(a, oh, ow0, p);
    default: return conv_chunk<kTwo, kCin, 0>(a, oh, ow0, p);
  }
}

// A dense row: steps of at most kMaxP positions (for_each_step), each by the
// kernel for its input and geometry.
static void conv_row_impl(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1) {
  const bool pointwise = is_pointwise(a);
  for_each_step<Ops::kMaxP>(ow0, ow1, [&](int64_t ow, int p) {
    if (pointwise) {
      if (a.nb == 2) pointwise_chunk<true>(a, oh, ow, p);
      else pointwise_chunk<false>(a, oh, ow, p);
    } else if (a.nchw_input) {
      if (a.nb == 2) conv_chunk_sw<true, 1>(a, oh, ow, p);
      else conv_chunk_sw<false, 1>(a, oh, ow, p);
    } else {
      if (a.nb == 2) conv_chunk_sw<true, kBlock>(a, oh, ow, p);
      else conv_chunk_sw<false, kBlock>(a, oh, ow, p);
    }
  });
}

// The end of a depthwise step of P positions (output position ow_of(p)):
// the residual, ReLU, and the store.
template <int P, typename PositionFn>
static void dw_finish(const DwRowArgs& a, typename Ops::V* acc, PositionFn ow_of) {
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
    const int64_t o = ow_of(p) * kBlock;
    if (a.z) acc[p] = Ops::add(acc[p], Ops::load(a.z + o));
    if (a.relu) acc[p] = Ops::max0(acc[p]);
    Ops::store(a.y + o, acc[p]);
  }
}

// The taps of P positions at stride kS over one row of undilated windows kKW
// wide, input vector by input vector: for each input vector v of the row
// (i = 0 .. (P - 1) x kS + kKW - 1) it calls f(p, kw, v) for every position p
// and tap kw with p x kS + kw = i. Each input is loaded once, and a
// position's taps still come in kw order. Used by dw_slide and
// max_pool_slide; everything is unrolled, so p and kw are constants.
template <int P, int kKW, int kS, typename F>
static void for_each_slide_tap(const float* xrow, F&& f) {
#pragma GCC unroll 24
  for (int i = 0; i < (P - 1) * kS + kKW; ++i) {
    const typename Ops::V v = Ops::load(xrow + i * kBlock);
#pragma GCC unroll 8
    for (int kw = 0; kw < kKW; ++kw) {
      const int p = (i - kw) / kS;
      if (i >= kw && (i - kw) % kS == 0 && p < P) f(p, kw, v);
    }
  }
}

// Depthwise at stride kS (1 or 2), undilated, kernel width kKW, every tap
// inside the row: each input vector of a kernel row is loaded once and
// multiplied into the positions it feeds, (P - 1) x kS + kKW loads per kernel
// row instead of P x kKW (18 instead of 48 for a 3x3 step of 16 at stride
// 1). The FMAs are the same; the loads were the limit: mobilenet_v3's
// stride-1 depthwise nodes ran 1.11-1.26x faster, its 5x5 stride-2 ones
// 1.13-1.15x, its 3x3 stride-2 ones 1.02x (one session, this and
// dw_positions' own loop alternated per run, 100 runs each).
template <int P, int kKW, int kS>
static void dw_slide(const DwRowArgs& a, int64_t oh, int64_t ow0) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  V acc[P];
  const V b = Ops::load(a.bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = b;
  const int64_t iw0 = ow0 * kS - g.PL;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
    if (ih < 0 || ih >= g.H) continue;
    const float* xrow = a.x + (ih * g.W + iw0) * kBlock;
    V w[kKW];
#pragma GCC unroll 8
    for (int kw = 0; kw < kKW; ++kw) w[kw] = Ops::load(a.w + (kh * kKW + kw) * kBlock);
    for_each_slide_tap<P, kKW, kS>(xrow, [&](int p, int kw, V xv) { acc[p] = Ops::fma(xv, w[kw], acc[p]); });
  }
  dw_finish<P>(a, acc, [ow0](int p) { return ow0 + p; });
}

// Depthwise: P positions per step (8, or kDwP = 16 at stride 1 with 32
// registers), one weight vector per tap shared by them.
template <int P, int kSW>
static void dw_positions(const DwRowArgs& a, int64_t oh, int64_t ow0) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  const int64_t sw = kSW ? kSW : g.SW;
  V acc[P];
  const V b = Ops::load(a.bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = b;
  const int64_t iw0 = ow0 * g.SW - g.PL;
  const bool inside = iw0 >= 0 && iw0 + (P - 1) * sw + (g.KW - 1) * g.DW < g.W;
  if constexpr (kSW == 1 || kSW == 2) {
    if (inside && g.DW == 1) {
      if (g.KW == 3) return dw_slide<P, 3, kSW>(a, oh, ow0);
      if (g.KW == 5) return dw_slide<P, 5, kSW>(a, oh, ow0);
    }
  }
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
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) acc[p] = Ops::fma(Ops::load(xk + p * step), wv, acc[p]);
      } else {
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) {
          const int64_t iw = iw0 + p * sw + kw * g.DW;
          acc[p] = Ops::fma(Ops::load(iw >= 0 && iw < g.W ? xk + p * step : a.zeros), wv, acc[p]);
        }
      }
    }
  }
  dw_finish<P>(a, acc, [ow0](int p) { return ow0 + p; });
}

// Positions of a row whose window lies horizontally inside the image for
// every kernel column: [*lo, *hi). The others (the borders) read padding.
static void inside_span(const ConvGeo& g, int64_t sw, int64_t* lo, int64_t* hi) {
  // ow * sw - PL >= 0, and ow * sw - PL + (KW - 1) * DW <= W - 1.
  const int64_t first = std::min(g.OW, (g.PL + sw - 1) / sw);
  const int64_t last = g.W - 1 + g.PL - (g.KW - 1) * g.DW;  // bound on ow * sw
  *lo = first;
  *hi = last < 0 ? first : std::clamp(last / sw + 1, first, g.OW);
}

// Depthwise at the borders: P positions of the row, anywhere in it (the
// left and the right border together), each tap checked. Several positions
// per call keep several FMA chains in flight: a lone border position would
// be one dependent chain, latency-bound.
template <int P>
static void dw_gather(const DwRowArgs& a, int64_t oh, const int64_t* ows) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  V acc[P];
  const V b = Ops::load(a.bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = b;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
    if (ih < 0 || ih >= g.H) continue;
    const float* xrow = a.x + ih * g.W * kBlock;
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      const V wv = Ops::load(a.w + (kh * g.KW + kw) * kBlock);
#pragma GCC unroll 16
      for (int p = 0; p < P; ++p) {
        const int64_t iw = ows[p] * g.SW - g.PL + kw * g.DW;
        acc[p] = Ops::fma(Ops::load(iw >= 0 && iw < g.W ? xrow + iw * kBlock : a.zeros), wv, acc[p]);
      }
    }
  }
  dw_finish<P>(a, acc, [ows](int p) { return ows[p]; });
}

static void dw_gather_n(const DwRowArgs& a, int64_t oh, const int64_t* ows, int64_t n) {
  switch (n) {
    case 8: return dw_gather<8>(a, oh, ows);
    case 7: return dw_gather<7>(a, oh, ows);
    case 6: return dw_gather<6>(a, oh, ows);
    case 5: return dw_gather<5>(a, oh, ows);
    case 4: return dw_gather<4>(a, oh, ows);
    case 3: return dw_gather<3>(a, oh, ows);
    case 2: return dw_gather<2>(a, oh, ows);
    case 1: return dw_gather<1>(a, oh, ows);
    default: return;
  }
}

// Positions [ow, OW) in steps of 8 and a rest of 1-7 (a 7-wide rest is one
// step of 7, not 4 + 2 + 1: a lone position is one FMA chain,
// latency-bound). dw_positions checks the taps of a step that reaches a
// border. With kDwP = 16 a stride-1 row first takes whole steps of 16 (twice
// the loads in flight: mobilenet's 56- and 112-wide rows ran 1.08-1.11x
// faster); the rest goes in steps of 8 as before. Splitting a rest of 9-15
// in two halves instead (14 as 7 + 7) made mobilenet's 14-wide rows 1.35x
// slower than 8 + 6.
template <int kSW>
static void dw_steps(const DwRowArgs& a, int64_t oh, int64_t ow, int64_t end) {
  if constexpr (Ops::kDwP > 8 && kSW == 1)
    for (; ow + Ops::kDwP <= end; ow += Ops::kDwP) dw_positions<Ops::kDwP, kSW>(a, oh, ow);
  for (; ow + 8 <= end; ow += 8) dw_positions<8, kSW>(a, oh, ow);
  switch (end - ow) {
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

// A row with borders at both ends (stride 1 with pads): the positions
// whose window is inside the image horizontally run unchecked (dw_steps over
// [lo, hi)) and the border positions of both ends together through
// dw_gather, in steps of up to 8 of even sizes, so that neither end's step
// mixes checked and inside positions. Measured on mobilenet's 56-wide rows:
// 1.1x. With a border at one end only (stride 2, pads 1: position 0) the
// steps start at 0 as they are; a gather of one position would be a lone
// chain, and one of the rest with it is slower than dw_positions' checks.
// Small maps run on a zero-bordered copy (see NchwcConvFast) and have no
// border here at all.
template <int kSW>
static void dw_row_sw(const DwRowArgs& a, int64_t oh) {
  const ConvGeo& g = *a.g;
  const int64_t OW = g.OW;
  int64_t lo, hi;
  inside_span(g, kSW ? kSW : g.SW, &lo, &hi);
  if (lo == 0 || hi == OW) return dw_steps<kSW>(a, oh, 0, OW);
  dw_steps<kSW>(a, oh, lo, hi);
  // The borders, in order: [0, lo), [hi, OW).
  const int64_t rest = lo + (OW - hi);
  const int64_t steps = (rest + 7) / 8, base = rest / steps, extra = rest % steps;
  int64_t pos[8];
  int64_t k = 0;  // index into the borders
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t n = base + (s < extra ? 1 : 0);
    for (int64_t i = 0; i < n; ++i, ++k) pos[i] = k < lo ? k : hi + (k - lo);
    dw_gather_n(a, oh, pos, n);
  }
}

static void dw_row_impl(const DwRowArgs& a, int64_t oh) {
  switch (a.g->SW) {
    case 1: return dw_row_sw<1>(a, oh);
    case 2: return dw_row_sw<2>(a, oh);
    default: return dw_row_sw<0>(a, oh);
  }
}

// Max pooling of positions [ow0, ow0 + P) of row oh over the window rows
// [kh0, kh1) (those inside the image). kChecked: some taps may fall outside
// the row (the borders), and are skipped. max(v, m) keeps m when v is NaN
// (MaxPool ignores NaN).
template <int P, bool kChecked>
static void max_pool_positions(const PoolRowArgs& a, int64_t oh, int64_t ow0, int64_t kh0, int64_t kh1) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  V m[P];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) m[p] = Ops::lowest();
  for (int64_t kh = kh0; kh < kh1; ++kh) {
    const float* xrow = a.x + (oh * g.SH - g.PT + kh * g.DH) * g.W * kBlock;
    for (int64_t kw = 0; kw < g.KW; ++kw) {
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) {
        const int64_t iw = (ow0 + p) * g.SW - g.PL + kw * g.DW;
        if (!kChecked || (iw >= 0 && iw < g.W)) m[p] = Ops::max(Ops::load(xrow + iw * kBlock), m[p]);
      }
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) Ops::store(a.y + (ow0 + p) * kBlock, m[p]);
}

// Max pooling of positions [ow0, ow0 + P) inside the row, undilated, window
// width kKW, stride kS: as dw_slide, each input vector of a window row is
// loaded once for all the positions it belongs to. The taps of a position
// still come in kw order, so NaN handling is that of max_pool_positions.
template <int P, int kKW, int kS>
static void max_pool_slide(const PoolRowArgs& a, int64_t oh, int64_t ow0, int64_t kh0, int64_t kh1) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  V m[P];
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) m[p] = Ops::lowest();
  for (int64_t kh = kh0; kh < kh1; ++kh) {
    const float* xrow = a.x + ((oh * g.SH - g.PT + kh * g.DH) * g.W + ow0 * kS - g.PL) * kBlock;
    for_each_slide_tap<P, kKW, kS>(xrow, [&](int p, int, V v) { m[p] = Ops::max(v, m[p]); });
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) Ops::store(a.y + (ow0 + p) * kBlock, m[p]);
}

// The inside positions [ow, hi) of a row with the sliding loads, 8 at a time;
// returns where it stopped (ow when the geometry has no sliding version).
template <int kKW, int kS>
static int64_t max_pool_slide_steps(const PoolRowArgs& a, int64_t oh, int64_t ow, int64_t hi, int64_t kh0, int64_t kh1) {
  for (; ow + 8 <= hi; ow += 8) max_pool_slide<8, kKW, kS>(a, oh, ow, kh0, kh1);
  return ow;
}

// Max pooling, one output row of one channel block: the window rows inside
// the image are found once; the positions inside horizontally run without
// checks, eight at a time with sliding loads where the window has a sliding
// version (3x3 stride 2 or 1, 2x2 stride 2: squeezenet's three pools
// 1.12-1.35x faster, resnet50's 1.24x, one session alternated per run), else
// and for the rest four at a time (four independent max chains: one
// position's chain of KH x KW dependent maxes is latency-bound); the borders
// one at a time with checks.
static void max_pool_row_impl(const PoolRowArgs& a, int64_t oh) {
  const ConvGeo& g = *a.g;
  const int64_t ih0 = oh * g.SH - g.PT;
  int64_t kh0 = 0, kh1 = g.KH;
  while (kh0 < kh1 && ih0 + kh0 * g.DH < 0) ++kh0;
  while (kh1 > kh0 && ih0 + (kh1 - 1) * g.DH >= g.H) --kh1;
  int64_t lo, hi;
  inside_span(g, g.SW, &lo, &hi);
  int64_t ow = 0;
  for (; ow < lo; ++ow) max_pool_positions<1, true>(a, oh, ow, kh0, kh1);
  if (g.DW == 1) {
    if (g.KW == 3 && g.SW == 2) ow = max_pool_slide_steps<3, 2>(a, oh, ow, hi, kh0, kh1);
    else if (g.KW == 3 && g.SW == 1) ow = max_pool_slide_steps<3, 1>(a, oh, ow, hi, kh0, kh1);
    else if (g.KW == 2 && g.SW == 2) ow = max_pool_slide_steps<2, 2>(a, oh, ow, hi, kh0, kh1);
  }
  for (; ow + 4 <= hi; ow += 4) max_pool_positions<4, false>(a, oh, ow, kh0, kh1);
  switch (hi - ow) {
    case 3: max_pool_positions<3, false>(a, oh, ow, kh0, kh1); break;
    case 2: max_pool_positions<2, false>(a, oh, ow, kh0, kh1); break;
    case 1: max_pool_positions<1, false>(a, oh, ow, kh0, kh1); break;
    default: break;
  }
  ow = std::max(ow, hi);
  for (; ow < g.OW; ++ow) max_pool_positions<1, true>(a, oh, ow, kh0, kh1);
}
