// The blocked channel layout NCHWc used by the layout pass at level "all"
// (passes/nchwc_layout.cc): a 4-D activation [N, C, H, W] is held as
// [N, ceil(C / 8), H, W, 8], the 8 channels of a block adjacent in memory.
//
// Why: in NCHW a convolution must gather its input into GEMM panels on every
// run (im2col, panel packing: ~15% of resnet50). In NCHWc the input already
// is the panel: one 8-float vector holds 8 channels of one pixel, so a direct
// convolution broadcasts input values and multiplies them by vectors of 8
// output channels' weights, with the whole reduction (C_in x KH x KW) kept in
// registers and no copy of the input at all.
//
// Channels past C in the last block are padding. Kernels write them (they
// compute whole blocks) but no result depends on them: the packed weights of
// a consumer convolution are zero for padded input channels, and the layout
// pass only routes tensors through ops that work per channel (elementwise,
// pooling) or whose channel count is a multiple of 8 (Concat).
//
// com.onyx ops (documented in docs/FUSED_OPS.md):
//   NchwcReorderInput(X [N,C,H,W]) -> [N, ceil(C/8), H, W, 8]
//   NchwcReorderOutput(X [N,Cb,H,W,8], channels = C) -> [N, C, H, W]
//   NchwcConv(X, W, B?, Z?)  Conv attributes + activation; Z, Y blocked, X
//                            blocked or (group 1) NCHW, W [M, C/group, KH, KW]
//                            and B [M] as in Conv (group 1, or depthwise:
//                            group = C = M)
//   NchwcMaxPool(X)          MaxPool attributes (2-D, one output)
//   NchwcGlobalAveragePool(X)
#pragma once

#include <cstdint>

#include "cpu/features.h"
#include "ukernels/sgemm.h"

namespace onyx::nchwc {

inline constexpr int kBlock = 8;

inline int64_t blocks(int64_t channels) { return (channels + kBlock - 1) / kBlock; }

// Geometry of one 2-D convolution on blocked tensors.
struct ConvGeo {
  int64_t H, W, OH, OW;           // input and output spatial dims
  int64_t KH, KW, SH, SW, DH, DW; // kernel, strides, dilations
  int64_t PT, PL;                 // top and left padding
  int64_t in_blocks;              // input channel blocks (of 8, or of 1 for an NCHW input)
};

// One output row segment [ow0, ow1) of row `oh` for `nb` (1 or 2) output
// channel blocks of a dense convolution:
//   y[b][ow][0..8) = act(bias + z + sum over (cb, kh, kw, c) x[cb][ih][iw][c] * w[...])
// x: the image's input, [in_blocks][H][W][8], or [C][H][W] when nchw_input
// (a convolution reading an NCHW tensor with few channels, like an RGB stem,
// and writing blocks). w: packed weights of the block pair,
// [KH][KW][in_blocks][8 c][16] ([KH][C][KW][16] for an NCHW input); output
// channel 8*b + j at j + 8*b.
// y[b], z[b] (z may be null): rows of the output / residual block b, [OW][8].
// bias: 16 floats (zero where absent). Out-of-image taps read `zeros` (8
// floats). Only ReLU is applied here; other activations run on the row after.
//
// Two pairs at once (RowKernels::conv_quad): w2 is the second pair's packed
// weights, bias 32 floats, y[0..3] / z[0..3] the four blocks' rows, nb 4.
struct RowArgs {
  const ConvGeo* g;
  const float* x;
  const float* w;
  const float* w2;
  const float* bias;
  const float* zeros;
  float* y[4];
  const float* z[4];
  int nb;
  bool relu;
  bool nchw_input;
};
using ConvRowFn = void (*)(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1);

// Depthwise: one block of 8 channels, each convolved with its own filter.
// w: [KH][KW][8]; x: the block's input [H][W][8]; y, z: the block's output
// row [OW][8]; bias: 8 floats.
struct DwRowArgs {
  const ConvGeo* g;
  const float* x;
  const float* w;
  const float* bias;
  const float* zeros;
  float* y;
  const float* z;
  bool relu;
};
using DwRowFn = void (*)(const DwRowArgs& a, int64_t oh);

// Max pooling of one channel block's row `oh`: x [H][W][8], y the output
// row [OW][8]; g's kernel, strides, dilations and pads are the pool's.
struct PoolRowArgs {
  const ConvGeo* g;
  const float* x;
  float* y;
};
using PoolRowFn = void (*)(const PoolRowArgs& a, int64_t oh);

// Winograd F(2x2, 3x3) for a dense 3x3, stride-1, undilated convolution
// (winograd.inl; NchwcConvFast picks it): tiles of 2x2 outputs, TH x TW of
// them. For one image:
//   input:  v[16][T][Cp] = B^T d B of each tile's 4x4 input patch, per block
//   (GEMMs: m[xi] [T x Mp] = v[xi] [T x Cp] x U[xi] [Cp x Mp], by the caller)
//   output: y = A^T m A + bias (+ z) (ReLU), [Mb][OH][OW][8]
// Cp / Mp: input / output channels rounded up to whole blocks.
struct WinoArgs {
  const ConvGeo* g;
  int64_t TH, TW, Cp, Mp;
  // v and m hold tile rows [ty0, ty0 + T / TW): T tiles per xi plane.
  int64_t ty0, T;
  const float* x;  // [Cb][H][W][8]
  float* v;
  const float* m;
  const float* bias;  // Mp floats
  float* y;
  const float* z;  // may be null
  bool relu;
};
// One tile row `ty`, channel blocks [b0, b1) (input blocks for the input
// transform, output blocks for the output one).
using WinoTileRowFn = void (*)(const WinoArgs& a, int64_t b0, int64_t b1, int64_t ty);

// The row kernels of one build of nchwc_rows.inl and winograd.inl: portable
// (nchwc_conv.cc, the reference), AVX2 (nchwc_avx2.cc) or AVX-512VL
// (nchwc_avx512.cc). A kernel picks its build once, as SGEMM does.
struct RowKernels {
  ConvRowFn conv;
  DwRowFn dw;
  PoolRowFn max_pool;
  WinoTileRowFn wino_input, wino_output;
  // Rows of a dense convolution, two block pairs at a time; null in a
  // build without it (AVX2: 16 registers hold too few positions of four
  // blocks).
  ConvRowFn conv_quad;
};
// The build for `isa`, which must be supported here (cpu/features.h).
const RowKernels& row_kernels(Isa isa);

}  // namespace onyx::nchwc
