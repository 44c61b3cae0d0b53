// The reference convolution shared by Conv, ConvInteger and QLinearConv:
// per image and group, im2col then the reference GEMM
//   Y[g] (M/group x P) = W[g] (M/group x C/group*ksize) * col (C/group*ksize x P)
// 1x1 stride-1 unpadded convolutions use the input as the column matrix;
// 2-D depthwise convolutions (one input channel per group) loop directly,
// where a GEMM with one row would waste its blocking.
#pragma once

#include <cstdint>

#include "kernels/common/window.h"
#include "runtime/thread_pool.h"

namespace onyx {

// T is float, double or int32_t (integer convolutions, wrapping sums).
template <typename T>
struct ConvArgs {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  WindowGeometry geo;      // spatial geometry (input dims, kernel, output dims ...)
  const T* x = nullptr;    // [N, C, in...]
  const T* w = nullptr;    // [M, C/group, kernel...]
  const T* bias = nullptr; // [M] or null
  T* y = nullptr;          // [N, M, out...]
};

// The caller has checked the channel counts (C and M divisible by group).
template <typename T>
void conv_ref(const ConvArgs<T>& a, ThreadPool* pool);

}  // namespace onyx
