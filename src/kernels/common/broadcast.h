// Multidirectional (numpy) broadcasting for elementwise kernels.
//
// BroadcastPlan turns N input shapes and the output shape into a loop nest
// with dims merged where every operand is contiguous, so the common cases
// become one flat loop: same shapes (inner strides all 1), scalar operand
// (inner stride 0), row broadcast (bias over the last dim). Kernels call
// for_each_row and write a tight inner loop over `inner` elements with the
// per-operand inner stride (0 or 1).
#pragma once

#include <array>
#include <span>
#include <vector>

#include "base/tensor.h"
#include "runtime/thread_pool.h"

namespace onyx {

// Broadcast result shape; throws kInvalidArgument naming both shapes.
Shape broadcast_shapes(std::span<const Shape* const> shapes);
Shape broadcast_shapes(const Shape& a, const Shape& b);

template <int N>
struct BroadcastPlan {
  Shape out_shape;
  int64_t inner = 1;                       // elements per row
  std::array<int64_t, N> inner_stride{};   // 0 or 1 per operand
  Shape outer_dims;                        // dims of the row loop (merged)
  std::array<Shape, N> outer_strides;      // per operand, elements

  explicit BroadcastPlan(std::array<const Shape*, N> in) {
    std::array<const Shape*, N> ptrs = in;
    out_shape = broadcast_shapes(std::span<const Shape* const>(ptrs.data(), N));
    const int rank = static_cast<int>(out_shape.size());
    // Per-operand strides aligned to the output rank (0 where broadcast).
    std::array<Shape, N> strides;
    for (int k = 0; k < N; ++k) {
      const Shape& s = *in[k];
      strides[k].assign(static_cast<size_t>(rank), 0);
      int64_t acc = 1;
      for (int d = static_cast<int>(s.size()) - 1, o = rank - 1; d >= 0; --d, --o) {
        strides[k][static_cast<size_t>(o)] = s[static_cast<size_t>(d)] == 1 ? 0 : acc;
        acc *= s[static_cast<size_t>(d)];
      }
    }
    // Merge adjacent dims where every operand is contiguous across them.
    Shape dims;
    std::array<Shape, N> st;
    for (int d = 0; d < rank; ++d) {
      int64_t n = out_shape[static_cast<size_t>(d)];
      if (n == 1) continue;  // size-1 dims change nothing
      bool merge = !dims.empty();
      for (int k = 0; k < N && merge; ++k) {
        int64_t prev = st[k].back(), cur = strides[k][static_cast<size_t>(d)];
        merge = (prev == 0 && cur == 0) || (prev != 0 && prev == cur * n);
      }
      if (merge) {
        dims.back() *= n;
        for (int k = 0; k < N; ++k) st[k].back() = strides[k][static_cast<size_t>(d)];
      } else {
        dims.push_back(n);
        for (int k = 0; k < N; ++k) st[k].push_back(strides[k][static_cast<size_t>(d)]);
      }
    }
    if (!dims.empty()) {
      inner = dims.back();
      for (int k = 0; k < N; ++k) {
        inner_stride[k] = st[k].back() == 0 ? 0 : 1;
        // A non-unit inner stride cannot happen after merging (the innermost
        // stride of a dense operand is 1), but keep the plan honest.
        if (st[k].back() > 1) inner_stride[k] = st[k].back();
        st[k].pop_back();
      }
      dims.pop_back();
    }
    outer_dims = std::move(dims);
    outer_strides = std::move(st);
  }

  int64_t rows() const {
    int64_t r = 1;
    for (int64_t d : outer_dims) r *= d;
    return r;
  }

  // Calls fn(row, offsets) for rows [begin, end): offsets are each operand's
  // element offset at the row's start; the output offset is row * inner.
  template <typename Fn>
  void for_rows(int64_t begin, int64_t end, Fn&& fn) const {
    const int nd = static_cast<int>(outer_dims.size());
    std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
    std::array<int64_t, N> off{};
    // Position at `begin`.
    int64_t r = begin;
    for (int d = nd - 1; d >= 0; --d) {
      int64_t n = outer_dims[static_cast<size_t>(d)];
      idx[static_cast<size_t>(d)] = r % n;
      r /= n;
      for (int k = 0; k < N; ++k) off[k] += idx[static_cast<size_t>(d)] * outer_strides[k][static_cast<size_t>(d)];
    }
    for (int64_t row = begin; row < end; ++row) {
      fn(row, off);
      for (int d = nd - 1; d >= 0; --d) {
        size_t du = static_cast<size_t>(d);
        if (++idx[du] < outer_dims[du]) {
          for (int k = 0; k < N; ++k) off[k] += outer_strides[k][du];
          break;
        }
        for (int k = 0; k < N; ++k) off[k] -= (outer_dims[du] - 1) * outer_strides[k][du];
        idx[du] = 0;
      }
    }
  }
};

// Applies out[i] = f(a[i], b[i]) with broadcasting, in parallel over rows.
template <typename TA, typename TB, typename TO, typename F>
void binary_broadcast(const Tensor& a, const Tensor& b, Tensor& out, F f, ThreadPool* pool) {
  BroadcastPlan<2> p({&a.shape(), &b.shape()});
  const TA* pa = a.data<TA>();
  const TB* pb = b.data<TB>();
  TO* po = out.data<TO>();
  const int64_t inner = p.inner, sa = p.inner_stride[0], sb = p.inner_stride[1];
  // Short rows where one operand repeats across the next dim out (an NCHWc
  // tensor [N,Cb,H,W,8] times a per-channel [N,Cb,1,1,8] scale: rows of 8):
  // that dim joins the row, so the per-row bookkeeping is paid once per
  // H*W*8 elements, not per 8.
  if (inner < 64 && sa == 1 && sb == 1 && !p.outer_dims.empty()) {
    const int64_t m = p.outer_dims.back(), ta = p.outer_strides[0].back(), tb = p.outer_strides[1].back();
    if ((ta == inner && tb == 0) || (ta == 0 && tb == inner)) {
      BroadcastPlan<2> q = p;
      q.outer_dims.pop_back();
      q.outer_strides[0].pop_back();
      q.outer_strides[1].pop_back();
      const int64_t block = m * inner;
      parallel_for(pool, q.rows(), std::max<int64_t>(1, 16384 / std::max<int64_t>(block, 1)), [&](int64_t r0, int64_t r1) {
        q.for_rows(r0, r1, [&](int64_t row, const std::array<int64_t, 2>& off) {
          const TA* x = pa + off[0];
          const TB* y = pb + off[1];
          TO* o = po + row * block;
          if (tb == 0) {
            for (int64_t j = 0; j < m; ++j, x += inner, o += inner)
              for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i], y[i]);
          } else {
            for (int64_t j = 0; j < m; ++j, y += inner, o += inner)
              for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i], y[i]);
          }
        });
      });
      return;
    }
  }
  int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1));
  parallel_for(pool, p.rows(), grain, [&](int64_t r0, int64_t r1) {
    p.for_rows(r0, r1, [&](int64_t row, const std::array<int64_t, 2>& off) {
      const TA* x = pa + off[0];
      const TB* y = pb + off[1];
      TO* o = po + row * inner;
      // Separate loops per stride pattern so the compiler vectorises each.
      if (sa == 1 && sb == 1) {
        for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i], y[i]);
      } else if (sa == 1 && sb == 0) {
        const TB yv = *y;
        for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i], yv);
      } else if (sa == 0 && sb == 1) {
        const TA xv = *x;
        for (int64_t i = 0; i < inner; ++i) o[i] = f(xv, y[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i * sa], y[i * sb]);
      }
    });
  });
}

// Applies out[i] = f(a[i]) elementwise (dense), in parallel.
template <typename TA, typename TO, typename F>
void unary_map(const Tensor& a, Tensor& out, F f, ThreadPool* pool) {
  const TA* x = a.data<TA>();
  TO* o = out.data<TO>();
  parallel_for(pool, a.numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = f(x[i]);
  });
}

}  // namespace onyx
