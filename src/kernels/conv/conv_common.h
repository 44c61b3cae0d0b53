// Shape checks and inference shared by the convolutions that take
// X [N, C, D1..Dn] and W [M, C/group, k1..kn]: Conv, ConvInteger,
// QLinearConv, DeformConv.
#pragma once

#include "base/tensor.h"
#include "kernels/common/window.h"
#include "shape/infer.h"

namespace onyx {

struct ConvShapes {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  WindowGeometry geo;
  Shape out_shape;  // [N, M, out...]
};

// Checks ranks and channel counts at run time and resolves the geometry;
// throws kInvalidArgument naming the shapes that disagree.
ConvShapes check_conv_shapes(const WindowAttrs& attrs, int64_t group, const Shape& x, const Shape& w);

// Checks a 1-D per-output-channel input (bias, per-channel scale or zero
// point): `allow_scalar` also accepts a single value.
void check_per_channel(const Tensor& t, int64_t channels, const char* what, bool allow_scalar);

// Inference for output 0 = [N, M, out...] from inputs x_input and w_input.
void infer_conv_output(InferContext& ctx, int x_input, int w_input, DataType out_type);

}  // namespace onyx
