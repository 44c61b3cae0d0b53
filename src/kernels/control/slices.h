// Moving whole sub-tensors around, for every element type: what Loop, Scan,
// SplitToSequence and ConcatFromSequence do with the tensors they carry.
//
// These ops never look at element values, so one byte-level implementation
// serves all types: strings are copied as objects, packed sub-byte types
// (int4, uint4, float4e2m1, int2, uint2) bit by bit where a slice does not
// start on a byte boundary, everything else with memcpy.
#pragma once

#include <cstring>
#include <string>

#include "base/tensor.h"

namespace onyx::slices {

// Copies n elements: src[src_at, src_at + n) -> dst[dst_at, dst_at + n).
inline void copy_elements(const Tensor& src, int64_t src_at, Tensor& dst, int64_t dst_at, int64_t n) {
  if (n <= 0) return;
  const DataType dt = src.dtype();
  if (dt == DataType::kString) {
    const std::string* s = src.data<std::string>() + src_at;
    std::string* d = dst.data<std::string>() + dst_at;
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
    return;
  }
  const int bits = dtype_bits(dt);
  const auto* s = static_cast<const uint8_t*>(src.raw());
  auto* d = static_cast<uint8_t*>(dst.raw());
  if (bits >= 8) {
    const size_t es = static_cast<size_t>(bits / 8);
    std::memcpy(d + static_cast<size_t>(dst_at) * es, s + static_cast<size_t>(src_at) * es, static_cast<size_t>(n) * es);
    return;
  }
  // Packed: whole bytes when both ends are byte aligned, else element by element.
  if ((src_at * bits) % 8 == 0 && (dst_at * bits) % 8 == 0) {
    const int64_t whole = (n * bits) / 8;
    std::memcpy(d + dst_at * bits / 8, s + src_at * bits / 8, static_cast<size_t>(whole));
    const int64_t done = whole * 8 / bits;
    src_at += done;
    dst_at += done;
    n -= done;
  }
  const unsigned mask = (1u << bits) - 1u;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t sb = (src_at + i) * bits, db = (dst_at + i) * bits;
    const unsigned v = (s[sb / 8] >> (sb % 8)) & mask;
    uint8_t& out = d[db / 8];
    out = static_cast<uint8_t>((out & ~(mask << (db % 8))) | (v << (db % 8)));
  }
}

// Fills a fresh tensor with zeros (the empty string for strings: those are
// constructed empty already).
inline void zero_fill(Tensor& t) {
  if (t.dtype() != DataType::kString && t.nbytes() > 0) std::memset(t.raw(), 0, t.nbytes());
}

// Elements before / after `axis` (the axis itself excluded).
inline int64_t outer_size(const Shape& s, int axis) {
  int64_t n = 1;
  for (int i = 0; i < axis; ++i) n *= s[static_cast<size_t>(i)];
  return n;
}
inline int64_t inner_size(const Shape& s, int axis) {
  int64_t n = 1;
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) n *= s[i];
  return n;
}

// A sub-tensor of `t`: `count` elements from element `at` on, with `shape`.
// Shares t's bytes when the type allows (no copy), else copies.
inline Tensor view(const Tensor& t, int64_t at, Shape shape, Allocator* alloc) {
  const int bits = dtype_bits(t.dtype());
  if (t.dtype() == DataType::kString || bits >= 8) {
    const size_t es = t.dtype() == DataType::kString ? sizeof(std::string) : static_cast<size_t>(bits / 8);
    auto* p = const_cast<uint8_t*>(static_cast<const uint8_t*>(t.raw())) + static_cast<size_t>(at) * es;
    return Tensor::wrap(t.dtype(), std::move(shape), p, t.owner());
  }
  Tensor out(t.dtype(), std::move(shape), alloc);
  copy_elements(t, at, out, 0, out.numel());
  return out;
}

// The sub-tensor at index `index` of `axis` (that axis removed from the shape).
// Axis 0 is a view; other axes gather into a fresh tensor.
inline Tensor take(const Tensor& t, int axis, int64_t index, Allocator* alloc) {
  Shape shape = t.shape();
  const int64_t len = shape[static_cast<size_t>(axis)];
  const int64_t outer = outer_size(shape, axis), inner = inner_size(shape, axis);
  shape.erase(shape.begin() + axis);
  if (outer == 1) return view(t, index * inner, std::move(shape), alloc);
  Tensor out(t.dtype(), std::move(shape), alloc);
  for (int64_t o = 0; o < outer; ++o) copy_elements(t, (o * len + index) * inner, out, o * inner, inner);
  return out;
}

// Rows [begin, begin + count) of `axis`, the axis kept (length count).
inline Tensor range(const Tensor& t, int axis, int64_t begin, int64_t count, Allocator* alloc) {
  Shape shape = t.shape();
  const int64_t len = shape[static_cast<size_t>(axis)];
  const int64_t outer = outer_size(shape, axis), inner = inner_size(shape, axis);
  shape[static_cast<size_t>(axis)] = count;
  if (outer == 1) return view(t, begin * inner, std::move(shape), alloc);
  Tensor out(t.dtype(), std::move(shape), alloc);
  for (int64_t o = 0; o < outer; ++o)
    copy_elements(t, (o * len + begin) * inner, out, o * count * inner, count * inner);
  return out;
}

// Writes `part` (shape = dst's shape without `axis`) at index `index` of `axis` of dst.
inline void put(const Tensor& part, Tensor& dst, int axis, int64_t index) {
  const Shape& shape = dst.shape();
  const int64_t len = shape[static_cast<size_t>(axis)];
  const int64_t outer = outer_size(shape, axis), inner = inner_size(shape, axis);
  for (int64_t o = 0; o < outer; ++o) copy_elements(part, o * inner, dst, (o * len + index) * inner, inner);
}

}  // namespace onyx::slices
