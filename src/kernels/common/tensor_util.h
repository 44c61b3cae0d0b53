// Helpers shared by the tensor / layout kernels (src/kernels/tensor/):
// strided copies, index checking, packed sub-byte element types, and the
// shape-inference helpers that keep symbolic dims flowing through
// Shape -> Gather -> Concat -> Reshape chains.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/tensor.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

// ---- copies -------------------------------------------------------------

// Fills the dense tensor `dst` (shape `dims`) from a strided view of `src`:
//   dst[i_0, ..., i_k] = src[offset + sum_j i_j * strides[j]]   (in elements)
// Strides may be 0 (broadcast) or any value (transpose, slice with steps).
// Dims are merged where the view is contiguous, so the inner loop is a plain
// copy in the common cases. Works for every byte-addressable type and strings.
void copy_strided(const Tensor& src, int64_t offset, std::span<const int64_t> dims, std::span<const int64_t> strides,
                  Tensor& dst, ThreadPool* pool);

// Copies `count` elements from src[src_off...] to dst[dst_off...] (same element type).
void copy_elements(const Tensor& src, int64_t src_off, Tensor& dst, int64_t dst_off, int64_t count);

// Sets every element of `dst` to element `index` of `value` (same element type).
void fill_from(Tensor& dst, const Tensor& value, int64_t index = 0);

// ---- packed sub-byte types (int4, uint4, float4e2m1, int2, uint2) -----------

// One uint8 per element holding the element's raw bits, so byte-moving code
// can work on packed tensors; pack_subbyte is the inverse.
Tensor unpack_subbyte(const Tensor& t, Allocator* alloc = nullptr);
Tensor pack_subbyte(const Tensor& bytes, DataType packed, Allocator* alloc = nullptr);

// ---- indices ------------------------------------------------------------

// Calls fn.template operator()<I>() for int32 / int64 index tensors; other types are an error.
template <typename Fn>
decltype(auto) dispatch_index(DataType t, Fn&& fn, const char* what = "indices") {
  switch (t) {
    case DataType::kInt32: return fn.template operator()<int32_t>();
    case DataType::kInt64: return fn.template operator()<int64_t>();
    default:
      fail(ErrorCode::kInvalidArgument, what, " must be int32 or int64, got ", dtype_name(t));
  }
}

[[noreturn]] void fail_index(int64_t index, int64_t size, int axis, const char* what = "index");

// An index in [-size, size) normalised to [0, size); anything else is an
// error naming the index, the axis and its size.
inline int64_t checked_index(int64_t index, int64_t size, int axis, const char* what = "index") {
  if (index < -size || index >= size) fail_index(index, size, axis, what);
  return index < 0 ? index + size : index;
}

// Normalised, checked, duplicate-free axes for a tensor of rank `rank`.
std::vector<int> normalize_axes(std::span<const int64_t> axes, int rank, const char* what = "axes");

// Reads a required scalar (or one-element) integer input as int64.
int64_t scalar_int(const Tensor& t, const char* what);

// ---- shape inference ------------------------------------------------------
namespace tinfer {

// Exact integer elements of input i when known at load: a constant, or
// tracked values that are all known numbers. nullopt otherwise.
std::optional<std::vector<int64_t>> input_ints(const InferContext& ctx, int i);

// Dims given by a 1-D shape-carrying input (Reshape, Expand, ConstantOfShape,
// Tile targets): its tracked values, possibly symbolic; else as many unknown
// dims as its known length; nullopt when even the length is unknown.
std::optional<ir::Dims> shape_input_dims(const InferContext& ctx, int i);

// Product of dims: a number when all are known, the one symbol when the rest
// are 1, else unknown.
ir::Dim product(std::span<const ir::Dim> dims);

// The single missing dim x of `out` such that prod(in) == x * prod(out),
// cancelling symbols; unknown when that cannot be decided.
ir::Dim solve_missing(std::span<const ir::Dim> in, std::span<const ir::Dim> out);

// Whether dims of this element type can carry shape values.
inline bool carries_values(DataType dt) {
  return dt == DataType::kInt64 || dt == DataType::kInt32 || dt == DataType::kInt16 || dt == DataType::kInt8 ||
         dt == DataType::kUInt64 || dt == DataType::kUInt32 || dt == DataType::kUInt16 || dt == DataType::kUInt8;
}

// Records output values when they are worth tracking (integer, small).
void set_values(InferContext& ctx, int out, ir::Dims values);

// Dims as a plain Shape when all are known.
std::optional<Shape> known_shape(const ir::Dims& dims);

}  // namespace tinfer

}  // namespace onyx
