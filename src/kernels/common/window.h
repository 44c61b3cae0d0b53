// Sliding-window geometry shared by the convolution and pooling ops (Conv,
// ConvInteger, QLinearConv, DeformConv, MaxPool, AveragePool, LpPool ...):
// kernel_shape, strides, dilations, pads, auto_pad and ceil_mode, resolved
// against the input's spatial dims into per-axis begin/end pads and output
// sizes. Inference and the kernels use the same functions, so the shapes
// agree by construction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onyx {

class InferContext;

enum class AutoPad { kNotSet, kValid, kSameUpper, kSameLower };

// The attributes as written on the node (empty vectors: not given).
struct WindowAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  bool ceil_mode = false;

  // Reads kernel_shape, strides, dilations, pads, auto_pad and ceil_mode;
  // `use_dilations` false ignores a dilations attribute (ops without one).
  // Throws kInvalidGraph naming the node for an unknown auto_pad value.
  static WindowAttrs from_node(const ir::Node& node, bool use_dilations = true);
};

// Resolved geometry for one input: every vector has one entry per spatial axis.
struct WindowGeometry {
  std::vector<int64_t> in, kernel, stride, dilation, pad_begin, pad_end, out;

  int rank() const { return static_cast<int>(in.size()); }
  int64_t in_size() const;      // product of in
  int64_t out_size() const;     // product of out
  int64_t kernel_size() const;  // product of kernel
};

// Resolves the geometry for input spatial dims `in`. The kernel is
// attrs.kernel_shape when given, else `weight_kernel` (a weight tensor's
// spatial dims); both present must agree. Throws kInvalidArgument with a
// message naming the attribute and the values when they do not fit: wrong
// attribute lengths, non-positive kernel/strides/dilations, negative pads,
// a kernel larger than the padded input.
WindowGeometry resolve_window(const WindowAttrs& attrs, std::span<const int64_t> in,
                              std::span<const int64_t> weight_kernel = {});

// Shape inference: the output spatial dims for possibly symbolic input dims.
// Unknown where the input dim is unknown (kept as is where the window cannot
// change it: stride 1 with a SAME or size-preserving padding). `weight_kernel`
// may be empty when the kernel comes from kernel_shape. Throws like
// resolve_window when the known values do not fit.
ir::Dims infer_window_dims(const WindowAttrs& attrs, const ir::Dims& in, std::span<const int64_t> weight_kernel = {});

// "[1,2,3]" for messages.
std::string ints_str(std::span<const int64_t> v);

}  // namespace onyx
