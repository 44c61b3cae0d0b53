// Depthwise 2-D convolution of one (image, channel) plane: one filter per
// channel, so a GEMM would have a single row. The loops run along output
// rows so the inner loop is a contiguous multiply-add over the columns
// [lo[kx], hi[kx]) whose input column is inside the image. The same body
// (depthwise_plane.inl) is compiled portably (conv_fast.cc) and with AVX2+FMA
// (depthwise_avx2.cc, 8-wide fused multiply-adds); ConvFast picks once.
#pragma once

#include <cstdint>

namespace onyx {

struct DepthwiseGeometry {
  int64_t H, W, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL;
  const int64_t* lo;  // per kx: first output column whose input column is inside
  const int64_t* hi;  // per kx: one past the last
};

// yc[OH*OW] = bias + conv(xc, wc) (+ yc when `accumulate`), then max(0, .)
// when `relu` (the activation fused into the store); `row` holds OW floats.
using DepthwisePlaneFn = void (*)(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                                  bool accumulate, bool relu, float* row);
void depthwise_plane_portable(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                              bool accumulate, bool relu, float* row);
void depthwise_plane_avx2(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                          bool accumulate, bool relu, float* row);

}  // namespace onyx
