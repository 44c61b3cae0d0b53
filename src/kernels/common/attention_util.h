// Helpers shared by the attention family (Attention, FlexAttention,
// LinearAttention, RotaryEmbedding): reading the 3-D packed [B, S, H*D] and
// 4-D [B, H, S, D] layouts into one dense [B, H, S, D] buffer in the compute
// type, writing it back, and the masked softmax these ops use.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/tensor.h"
#include "kernels/common/float_elem.h"

namespace onyx {

// The geometry of a Q / K / V style tensor, either [B, S, H*D] (packed) or
// [B, H, S, D]. Element (b, h, s, d) is at offset(b, h, s) + d.
struct HeadLayout {
  int64_t batch = 0, heads = 0, seq = 0, dim = 0;
  bool packed = false;  // [B, S, H*D]

  int64_t offset(int64_t b, int64_t h, int64_t s) const {
    return packed ? ((b * seq + s) * heads + h) * dim : ((b * heads + h) * seq + s) * dim;
  }
  int64_t numel() const { return batch * heads * seq * dim; }
  // The tensor shape this layout describes.
  Shape shape() const { return packed ? Shape{batch, seq, heads * dim} : Shape{batch, heads, seq, dim}; }
};

// Layout of a rank-3 (with `heads` given, > 0) or rank-4 tensor; `what`
// names it in errors.
HeadLayout head_layout(const Tensor& t, int64_t heads, const char* what);

// Copies a tensor of any float type laid out as `l` into a dense [B, H, S, D]
// buffer of C (float or double).
template <typename C>
std::vector<C> gather_heads(const Tensor& t, const HeadLayout& l);

// Writes a dense [B, H, S, D] buffer of C into `out` (a float-type tensor of
// layout `l`), rounding to its element type.
template <typename C>
void scatter_heads(const std::vector<C>& src, const HeadLayout& l, Tensor& out);

// In-place softmax of x[0..n). A row whose every entry is -inf (fully masked)
// becomes all zeros instead of NaN: attention over no keys contributes nothing.
template <typename C>
void softmax_row(C* x, int64_t n) {
  C mx = -std::numeric_limits<C>::infinity();
  for (int64_t j = 0; j < n; ++j) mx = std::max(mx, x[j]);
  if (mx == -std::numeric_limits<C>::infinity()) {
    for (int64_t j = 0; j < n; ++j) x[j] = 0;
    return;
  }
  C sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    x[j] = std::exp(x[j] - mx);
    sum += x[j];
  }
  const C inv = C(1) / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

}  // namespace onyx
