// Softmax, LogSoftmax, Hardmax.
//
// Versions 1 and 11 coerce the input to 2-D at `axis` (default 1): the op runs
// over all of dims [axis, rank) flattened together. Version 13 runs over the
// single dim `axis` (default -1).
//
// The maximum of each slice is subtracted before exp, so large inputs do not
// overflow; a NaN in a slice makes its whole result NaN (as the ONNX reference
// does). Hardmax marks the first maximal element (NaN counts as maximal, as
// numpy's argmax). float16/bfloat16 slices are converted to float once, so the
// inner loops run on plain floats.
#include <memory>

#include "kernels/common/math.h"
#include "kernels/common/reduce_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

// Sum of n contiguous values in 8 lanes (vectorises).
template <typename C>
C lane_sum(const C* x, int64_t n) {
  constexpr int kLanes = 8;
  C lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += x[i + l];
  for (; i < n; ++i) lanes[0] += x[i];
  C s = 0;
  for (C l : lanes) s += l;
  return s;
}

// Sum of exp(x - m) over n contiguous values, in 8 lanes.
template <typename C>
C lane_sum_exp(const C* x, int64_t n, C m) {
  constexpr int kLanes = 8;
  C lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += std::exp(x[i + l] - m);
  for (; i < n; ++i) lanes[0] += std::exp(x[i] - m);
  C s = 0;
  for (C l : lanes) s += l;
  return s;
}

// One contiguous slice of n elements: y may alias x.
template <SoftmaxKind K, typename C>
void softmax_slice(const C* x, C* y, int64_t n) {
  if constexpr (K == SoftmaxKind::kHardmax) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
      if (x[best] == x[best] ? (x[i] > x[best] || x[i] != x[i]) : false) best = i;
    for (int64_t i = 0; i < n; ++i) y[i] = C(0);
    if (n > 0) y[best] = C(1);
  } else {
    constexpr int kLanes = 8;
    C lanes[kLanes];
    for (C& l : lanes) l = lowest_value<C>();
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) lanes[l] = max_nan(lanes[l], x[i + l]);
    for (; i < n; ++i) lanes[0] = max_nan(lanes[0], x[i]);
    C m = lanes[0];
    for (int l = 1; l < kLanes; ++l) m = max_nan(m, lanes[l]);
    // exp in its own loop (a library call), the sum in 8 lanes (a float sum
    // is not reordered by the compiler, so lanes are what lets it vectorise).
    // A vectorised exp belongs to the SIMD variants: written portably it
    // only vectorises without -ftrapping-math and gained 1.3x on SSE2.
    if constexpr (K == SoftmaxKind::kSoftmax) {
      for (int64_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m);
      const C inv = C(1) / lane_sum(y, n);
      for (int64_t j = 0; j < n; ++j) y[j] *= inv;
    } else {
      // (x - m) - log(sum), not x - (m + log(sum)): for large |m| the
      // latter loses log(sum)'s low bits to m's magnitude.
      const C ls = std::log(lane_sum_exp(x, n, m));
      for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - m) - ls;
    }
  }
}

// A [n, inner] block where the op runs down each column: the loops go across
// columns so they stay contiguous. `m` and `s` hold one value per column.
template <SoftmaxKind K, typename C>
void softmax_columns(const C* x, C* y, int64_t n, int64_t inner, C* m, C* s) {
  for (int64_t k = 0; k < inner; ++k) m[k] = x[k], s[k] = 0;
  if constexpr (K == SoftmaxKind::kHardmax) {
    // m: best value, s: its row index (exact in C for any realistic n).
    for (int64_t i = 1; i < n; ++i) {
      const C* r = x + i * inner;
      for (int64_t k = 0; k < inner; ++k)
        if (m[k] == m[k] && (r[k] > m[k] || r[k] != r[k])) m[k] = r[k], s[k] = C(i);
    }
    for (int64_t i = 0; i < n; ++i) {
      C* o = y + i * inner;
      for (int64_t k = 0; k < inner; ++k) o[k] = s[k] == C(i) ? C(1) : C(0);
    }
  } else {
    for (int64_t i = 1; i < n; ++i) {
      const C* r = x + i * inner;
      for (int64_t k = 0; k < inner; ++k) m[k] = max_nan(m[k], r[k]);
    }
    for (int64_t i = 0; i < n; ++i) {
      const C* r = x + i * inner;
      C* o = y + i * inner;
      for (int64_t k = 0; k < inner; ++k) {
        C e = std::exp(r[k] - m[k]);
        if constexpr (K == SoftmaxKind::kSoftmax) o[k] = e;
        s[k] += e;
      }
    }
    if constexpr (K == SoftmaxKind::kSoftmax) {
      for (int64_t k = 0; k < inner; ++k) s[k] = C(1) / s[k];
      for (int64_t i = 0; i < n; ++i) {
        C* o = y + i * inner;
        for (int64_t k = 0; k < inner; ++k) o[k] *= s[k];
      }
    } else {
      for (int64_t k = 0; k < inner; ++k) s[k] = std::log(s[k]);
      for (int64_t i = 0; i < n; ++i) {
        const C* r = x + i * inner;
        C* o = y + i * inner;
        for (int64_t k = 0; k < inner; ++k) o[k] = (r[k] - m[k]) - s[k];
      }
    }
  }
}

template <SoftmaxKind K, typename T>
void softmax_run(const T* x, T* y, const AxisSplit& sp, ThreadPool* pool) {
  using C = compute_t<T>;
  constexpr bool kConvert = !std::is_same_v<T, C>;
  const int64_t slice = sp.n * sp.inner;
  parallel_for(pool, sp.outer, grain_for(slice), [&](int64_t r0, int64_t r1) {
    // Scratch: the converted slice (float16/bfloat16) and per-column state.
    std::unique_ptr<C[]> buf(kConvert ? new C[static_cast<size_t>(slice)] : nullptr);
    std::unique_ptr<C[]> cols(sp.inner > 1 ? new C[static_cast<size_t>(2 * sp.inner)] : nullptr);
    for (int64_t r = r0; r < r1; ++r) {
      const T* px = x + r * slice;
      T* py = y + r * slice;
      const C* in;
      C* out;
      if constexpr (kConvert) {
        for (int64_t i = 0; i < slice; ++i) buf[i] = C(px[i]);
        in = out = buf.get();
      } else {
        in = px;
        out = py;
      }
      if (sp.inner == 1) softmax_slice<K>(in, out, sp.n);
      else softmax_columns<K>(in, out, sp.n, sp.inner, cols.get(), cols.get() + sp.inner);
      if constexpr (kConvert)
        for (int64_t i = 0; i < slice; ++i) py[i] = store_as<T>(buf[i]);
    }
  });
}

// The axis in [0, rank). With the 2-D coercion (opset < 13) axis == rank is
// accepted too — an [N, 1] view, e.g. the default axis 1 of a 1-D input —
// and a scalar is one 1-element row.
int resolve_axis(int64_t axis, int rank, bool coerce_2d) {
  if (coerce_2d && (axis == rank || rank == 0)) return rank;
  return normalize_axis(axis, rank);
}

template <SoftmaxKind K>
class Softmax final : public Kernel {
 public:
  explicit Softmax(const KernelInit& init) {
    coerce_2d_ = init.opset() < 13;
    axis_ = init.node.attr_int("axis", coerce_2d_ ? 1 : -1);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int axis = resolve_axis(axis_, x.rank(), coerce_2d_);
    // Each pass over a slice reads x[i] before it writes y[i], and later
    // passes read y: a dying X can take the result.
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());
    if (x.numel() == 0) return;
    const AxisSplit sp = coerce_2d_ ? split_coerced_2d(x.shape(), axis) : split_at_axis(x.shape(), axis);
    dispatch_float(x.dtype(), [&]<typename T>() { softmax_run<K, T>(x.data<T>(), y.data<T>(), sp, ctx.pool()); });
  }

 private:
  bool coerce_2d_ = false;
  int64_t axis_ = -1;
};

void infer_softmax(InferContext& ctx) {
  if (const ir::Dims* in = ctx.input_dims(0)) {
    const bool coerce = ctx.opset() < 13;
    resolve_axis(ctx.node().attr_int("axis", coerce ? 1 : -1), static_cast<int>(in->size()), coerce);
  }
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "Softmax", .since = 1, .types = float_type_list(), .infer = infer_softmax,
             .create = create<Softmax<SoftmaxKind::kSoftmax>>});
ONYX_KERNEL({.op = "LogSoftmax", .since = 1, .types = float_type_list(), .infer = infer_softmax,
             .create = create<Softmax<SoftmaxKind::kLogSoftmax>>});
ONYX_KERNEL({.op = "Hardmax", .since = 1, .types = float_type_list(), .infer = infer_softmax,
             .create = create<Softmax<SoftmaxKind::kHardmax>>});

}  // namespace onyx
