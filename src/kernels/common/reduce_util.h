// Axis handling and loop plans shared by the reduction family: Reduce*,
// ArgMax/ArgMin, the softmax family, and the normalizations that reduce over
// some axes and broadcast back (LpNormalization, MeanVarianceNormalization).
//
// ReducePlan turns "reduce these axes of this shape" into two loop shapes
// whose innermost loop is always contiguous, so kernels vectorise:
//   inner_reduced (e.g. ReduceMean over the last axis, global average pool):
//     each output reduces `reduced_offsets.size()` contiguous runs of `inner`
//     elements starting at row_base(out) + offset;
//   !inner_reduced (e.g. ReduceSum over axis 0 of [N, K]):
//     each row of `inner` consecutive outputs accumulates, for every offset,
//     the `inner` contiguous elements at row_base(row) + offset.
// Adjacent dims that are both reduced or both kept are merged first, and
// size-1 dims dropped, so the common cases collapse to one or two runs.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "base/tensor.h"
#include "ir/graph.h"

namespace onyx {

// Element-type lists for registrations in this family. Built on each call
// instead of copying kFloatTypes / kNumericTypes: those globals live in
// runtime/registry.cc and C++ leaves the order of static initialisation
// across files unspecified, so a registration in another file may copy them
// before they are built (and get an empty list, which means "any type").
inline std::vector<DataType> float_type_list() {
  return {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16};
}
inline std::vector<DataType> numeric_type_list() {
  return {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16,
          DataType::kInt8,  DataType::kInt16,  DataType::kInt32,   DataType::kInt64,
          DataType::kUInt8, DataType::kUInt16, DataType::kUInt32,  DataType::kUInt64};
}

// Normalises `axes` against `rank` (negative axes count from the back) into a
// per-dim mask. Out-of-range and repeated axes throw kInvalidArgument.
std::vector<bool> reduce_axes_mask(std::span<const int64_t> axes, int rank);

// The output shape of reducing `in` over `mask`: reduced dims become 1
// (keepdims) or are dropped.
Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdims);

struct ReducePlan {
  bool inner_reduced = true;
  int64_t inner = 1;                     // length of the contiguous innermost run
  int64_t outputs = 1;                   // output elements
  int64_t reduced = 1;                   // input elements folded into each output
  std::vector<int64_t> reduced_offsets;  // starts of the contiguous runs of one output (relative)
  Shape kept_dims, kept_strides;         // the row loop (row-major over these dims)

  // Rows of the outer loop: one per output (inner_reduced), or per `inner` outputs.
  int64_t rows() const { return inner_reduced ? outputs : (inner ? outputs / inner : 0); }
  // Input offset of a row's first element.
  int64_t row_base(int64_t row) const {
    int64_t off = 0;
    for (size_t d = kept_dims.size(); d-- > 0;) {
      off += (row % kept_dims[d]) * kept_strides[d];
      row /= kept_dims[d];
    }
    return off;
  }
};

// Builds the plan for a non-empty input (numel > 0).
ReducePlan make_reduce_plan(const Shape& in, const std::vector<bool>& mask);

// A tensor viewed as [outer, n, inner] around one axis (softmax, ArgMax, LpNormalization).
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit split_at_axis(const Shape& shape, int axis);
// [prod(shape[:axis]), prod(shape[axis:]), 1]: the 2-D coercion of opset < 13 softmax.
AxisSplit split_coerced_2d(const Shape& shape, int axis);

// Rows per parallel task so that each task touches about `target` elements.
inline int64_t grain_for(int64_t work_per_row, int64_t target = 32768) {
  return std::max<int64_t>(1, target / std::max<int64_t>(work_per_row, 1));
}

// Max / min that propagate NaN (as numpy's maximum.reduce does): once the
// accumulator is NaN it stays NaN, and a NaN element makes it NaN.
template <typename C>
inline C max_nan(C acc, C v) {
  if constexpr (std::is_floating_point_v<C>) return (v > acc || v != v) ? v : acc;
  else return v > acc ? v : acc;
}
template <typename C>
inline C min_nan(C acc, C v) {
  if constexpr (std::is_floating_point_v<C>) return (v < acc || v != v) ? v : acc;
  else return v < acc ? v : acc;
}

// Largest / smallest value of C, infinities for floating point: the result
// of ReduceMax / ReduceMin over an empty set.
template <typename C>
inline C lowest_value() {
  if constexpr (std::is_floating_point_v<C>) return -std::numeric_limits<C>::infinity();
  else return std::numeric_limits<C>::lowest();
}
template <typename C>
inline C highest_value() {
  if constexpr (std::is_floating_point_v<C>) return std::numeric_limits<C>::infinity();
  else return std::numeric_limits<C>::max();
}

// Shape inference of a reduction whose axes may be unknown at load time.
// `axes` null = not known; `noop_if_empty` = noop_with_empty_axes.
// Returns the output dims, or nullopt when not even the rank is known.
std::optional<ir::Dims> infer_reduced_dims(const ir::Dims& in, const std::vector<int64_t>* axes, bool keepdims,
                                           bool noop_if_empty);

}  // namespace onyx
