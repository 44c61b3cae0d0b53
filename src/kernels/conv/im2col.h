// im2col / col2im for N-D sliding windows (any number of spatial axes).
//
// The "grid" is the set of window positions (a convolution's output, a
// transposed convolution's input); the "image" is what the windows read (a
// convolution's input) or write (a transposed convolution's output). Image
// coordinate on axis d of grid position g and kernel offset k:
//   g * stride[d] - pad_begin[d] + k * dilation[d].
//
// The column matrix has one row per (channel, kernel offset) and one column
// per grid position. Both routines work on a range of grid "lines" (all
// axes but the last, flattened) so callers can bound the column buffer on
// large inputs: lines [line0, line1) give (line1 - line0) * grid.back()
// columns.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/common/window.h"
#include "runtime/thread_pool.h"

namespace onyx {

struct ColGeometry {
  std::vector<int64_t> image, grid, kernel, stride, dilation, pad_begin;

  int rank() const { return static_cast<int>(image.size()); }
  int64_t image_size() const { return product(image); }
  int64_t grid_size() const { return product(grid); }
  int64_t kernel_size() const { return product(kernel); }
  int64_t line_length() const { return grid.empty() ? 1 : grid.back(); }
  int64_t lines() const { return grid.empty() ? 1 : grid_size() / std::max<int64_t>(grid.back(), 1); }

  // A convolution's geometry: the image is the input, the grid the output.
  static ColGeometry for_conv(const WindowGeometry& w) {
    return {w.in, w.out, w.kernel, w.stride, w.dilation, w.pad_begin};
  }

  static int64_t product(const std::vector<int64_t>& v) {
    int64_t p = 1;
    for (int64_t x : v) p *= x;
    return p;
  }
};

namespace im2col_detail {

// Per line: the image offset of the line's first axes for kernel offset
// `koff`, or -1 when any of those axes falls outside the image.
inline int64_t line_base(const ColGeometry& g, int64_t line, const int64_t* koff) {
  const int r = g.rank();
  int64_t base = 0, mul = 1;
  // Walk axes r-2 .. 0 from the fastest varying.
  for (int d = r - 2; d >= 0; --d) {
    const size_t u = static_cast<size_t>(d);
    const int64_t gd = line % g.grid[u];
    line /= g.grid[u];
    const int64_t p = gd * g.stride[u] - g.pad_begin[u] + koff[u] * g.dilation[u];
    if (p < 0 || p >= g.image[u]) return -1;
    base += p * mul;
    mul *= g.image[u];
  }
  return base * (r > 0 ? g.image.back() : 1);
}

// The range [lo, hi) of last-axis grid positions whose image coordinate
// x * s - pb + k * d lies in [0, len).
inline void valid_range(int64_t n, int64_t s, int64_t off, int64_t len, int64_t* lo, int64_t* hi) {
  // off = k * d - pb; need 0 <= x * s + off < len.
  int64_t l = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t h = len - off <= 0 ? 0 : (len - off - 1) / s + 1;
  *lo = std::min(std::max<int64_t>(l, 0), n);
  *hi = std::max(std::min(h, n), *lo);
}

inline void kernel_offsets(const ColGeometry& g, int64_t kidx, int64_t* koff) {
  for (int d = g.rank() - 1; d >= 0; --d) {
    const size_t u = static_cast<size_t>(d);
    koff[u] = kidx % g.kernel[u];
    kidx /= g.kernel[u];
  }
}

}  // namespace im2col_detail

// col[(c * ksize + k), (line - line0) * L + x] = image value, or `pad` outside.
template <typename T>
void im2col(const T* image, int64_t channels, const ColGeometry& g, int64_t line0, int64_t line1, T* col, T pad,
            ThreadPool* pool) {
  const int64_t ksize = g.kernel_size(), isize = g.image_size(), L = g.line_length();
  const int64_t ncols = (line1 - line0) * L;
  const int r = g.rank();
  const size_t last = static_cast<size_t>(r - 1);
  parallel_for(pool, channels * ksize, std::max<int64_t>(1, 4096 / std::max<int64_t>(ncols, 1)),
               [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> koff(static_cast<size_t>(r));
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t c = row / ksize;
      im2col_detail::kernel_offsets(g, row % ksize, koff.data());
      const T* src_c = image + c * isize;
      T* dst = col + row * ncols;
      const int64_t s = g.stride[last];
      const int64_t off = koff[last] * g.dilation[last] - g.pad_begin[last];
      int64_t lo, hi;
      im2col_detail::valid_range(L, s, off, g.image[last], &lo, &hi);
      for (int64_t line = line0; line < line1; ++line, dst += L) {
        const int64_t base = im2col_detail::line_base(g, line, koff.data());
        if (base < 0) {
          std::fill(dst, dst + L, pad);
          continue;
        }
        const T* src = src_c + base;
        std::fill(dst, dst + lo, pad);
        if (s == 1) {
          if (hi > lo) std::copy(src + (lo + off), src + (hi + off), dst + lo);
        } else {
          for (int64_t x = lo; x < hi; ++x) dst[x] = src[x * s + off];
        }
        std::fill(dst + hi, dst + L, pad);
      }
    }
  });
}

// image[c, ...] += col values, the adjoint of im2col (for ConvTranspose and
// Col2Im). Parallel over channels, so no two threads touch the same value.
template <typename T>
void col2im_add(const T* col, int64_t channels, const ColGeometry& g, int64_t line0, int64_t line1, T* image,
                ThreadPool* pool) {
  const int64_t ksize = g.kernel_size(), isize = g.image_size(), L = g.line_length();
  const int64_t ncols = (line1 - line0) * L;
  const int r = g.rank();
  const size_t last = static_cast<size_t>(r - 1);
  parallel_for(pool, channels, 1, [&](int64_t c0, int64_t c1) {
    std::vector<int64_t> koff(static_cast<size_t>(r));
    for (int64_t c = c0; c < c1; ++c) {
      T* dst_c = image + c * isize;
      for (int64_t k = 0; k < ksize; ++k) {
        im2col_detail::kernel_offsets(g, k, koff.data());
        const T* src = col + (c * ksize + k) * ncols;
        const int64_t s = g.stride[last];
        const int64_t off = koff[last] * g.dilation[last] - g.pad_begin[last];
        int64_t lo, hi;
        im2col_detail::valid_range(L, s, off, g.image[last], &lo, &hi);
        for (int64_t line = line0; line < line1; ++line, src += L) {
          const int64_t base = im2col_detail::line_base(g, line, koff.data());
          if (base < 0) continue;
          T* dst = dst_c + base;
          if (s == 1) {
            if (hi > lo) {
              T* d = dst + (lo + off);
              for (int64_t x = lo; x < hi; ++x) d[x - lo] += src[x];
            }
          } else {
            for (int64_t x = lo; x < hi; ++x) dst[x * s + off] += src[x];
          }
        }
      }
    }
  });
}

}  // namespace onyx
