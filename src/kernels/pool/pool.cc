// MaxPool, AveragePool and LpPool: N-D sliding-window pooling over
// X [N, C, D1..Dn], one parallel task per group of (image, channel) planes.
//
// Per axis and output position the valid input positions of the window
// (strides, dilations, pads, ceil_mode; see kernels/common/window.h) are
// listed once per run; each output then walks the product of its axes'
// lists. Padding never contributes a value:
//  - MaxPool ignores NaN (as ONNX Runtime: a NaN never compares greater);
//    Indices (opset 8+) are flat positions in X, row-major over the spatial
//    dims, or column-major over them with storage_order = 1. A window with no
//    input element gives the type's lowest value and index -1.
//  - AveragePool divides by the number of input elements in the window, or
//    with count_include_pad (opset 7+) by the window size clipped to the
//    padded input (positions past the end padding, reachable with ceil_mode,
//    do not count), as PyTorch and ONNX Runtime do.
//  - LpPool computes (sum |x|^p)^(1/p); p was a float attribute in opset 1.
// Dilations: MaxPool from opset 10, LpPool 18, AveragePool 19.
// Types: float, double, float16, bfloat16 (computed in float); MaxPool also
// int8 and uint8 (opset 12+).
#include <cmath>
#include <limits>

#include "kernels/common/math.h"
#include "kernels/common/window.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class PoolKind { kMax, kAverage, kLp };

// Valid input positions of each window along one axis.
struct AxisWindows {
  std::vector<int64_t> begin;      // per output position: first entry in `pos`
  std::vector<int64_t> pos;        // input coordinates, window by window
  std::vector<int64_t> pad_count;  // per output position: taps inside the padded input
};

// Taps t in [0, k) of the window starting at `start` (stride `dil`) whose
// position start + t * dil lies in [lo, hi): computed, not enumerated, so a
// hostile 2^31-wide kernel costs nothing.
void tap_range(int64_t start, int64_t dil, int64_t k, int64_t lo, int64_t hi, int64_t* t0, int64_t* t1) {
  const int64_t a = lo - start;  // need t * dil >= a
  const int64_t b = hi - 1 - start;  // need t * dil <= b
  int64_t first = a <= 0 ? 0 : (a + dil - 1) / dil;
  int64_t last = b < 0 ? -1 : b / dil;
  first = std::max<int64_t>(first, 0);
  last = std::min<int64_t>(last, k - 1);
  *t0 = first;
  *t1 = std::max(first, last + 1);
}

AxisWindows axis_windows(const WindowGeometry& g, int d) {
  const size_t u = static_cast<size_t>(d);
  AxisWindows w;
  const int64_t in = g.in[u], k = g.kernel[u], s = g.stride[u], dil = g.dilation[u];
  const int64_t pb = g.pad_begin[u], pe = g.pad_end[u];
  for (int64_t o = 0; o < g.out[u]; ++o) {
    w.begin.push_back(static_cast<int64_t>(w.pos.size()));
    const int64_t start = o * s - pb;
    int64_t t0, t1;
    tap_range(start, dil, k, -pb, in + pe, &t0, &t1);
    w.pad_count.push_back(t1 - t0);
    tap_range(start, dil, k, 0, in, &t0, &t1);
    for (int64_t t = t0; t < t1; ++t) w.pos.push_back(start + t * dil);
  }
  w.begin.push_back(static_cast<int64_t>(w.pos.size()));
  return w;
}

struct PoolParams {
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;
  double p = 2;               // LpPool
  bool column_major = false;  // MaxPool storage_order = 1
};

template <typename T>
void pool_planes(const T* x, T* y, int64_t* indices, int64_t planes, const WindowGeometry& g, const PoolParams& prm,
                 ThreadPool* pool) {
  using C = compute_t<T>;
  const int r = g.rank();
  std::vector<AxisWindows> axes;
  for (int d = 0; d < r; ++d) axes.push_back(axis_windows(g, d));
  // Strides of the spatial dims in X, row-major and column-major.
  std::vector<int64_t> row_stride(static_cast<size_t>(r), 1), col_stride(static_cast<size_t>(r), 1);
  for (int d = r - 2; d >= 0; --d)
    row_stride[static_cast<size_t>(d)] = row_stride[static_cast<size_t>(d) + 1] * g.in[static_cast<size_t>(d) + 1];
  for (int d = 1; d < r; ++d)
    col_stride[static_cast<size_t>(d)] = col_stride[static_cast<size_t>(d) - 1] * g.in[static_cast<size_t>(d) - 1];
  const int64_t in_size = g.in_size(), out_size = g.out_size();
  const int64_t work = std::max<int64_t>(1, out_size * g.kernel_size());

  parallel_for(pool, planes, std::max<int64_t>(1, 32768 / work), [&](int64_t p0, int64_t p1) {
    std::vector<int64_t> o(static_cast<size_t>(r)), t(static_cast<size_t>(r)), lo(static_cast<size_t>(r)),
        hi(static_cast<size_t>(r)), best_t(static_cast<size_t>(r));
    for (int64_t plane = p0; plane < p1; ++plane) {
      const T* xp = x + plane * in_size;
      std::fill(o.begin(), o.end(), 0);
      for (int64_t op = 0; op < out_size; ++op) {
        bool empty = false;
        int64_t window = 1;
        for (int d = 0; d < r; ++d) {
          const size_t u = static_cast<size_t>(d);
          const AxisWindows& a = axes[u];
          lo[u] = a.begin[static_cast<size_t>(o[u])];
          hi[u] = a.begin[static_cast<size_t>(o[u]) + 1];
          t[u] = lo[u];
          if (lo[u] == hi[u]) empty = true;
          window *= a.pad_count[static_cast<size_t>(o[u])];
        }
        C best = std::numeric_limits<C>::lowest();
        bool found = false;
        C acc = C(0);
        int64_t count = 0;
        if (!empty) {
          // Walk the product of the per-axis position lists (odometer).
          while (true) {
            int64_t off = 0;
            for (int d = 0; d < r; ++d) {
              const size_t u = static_cast<size_t>(d);
              off += axes[u].pos[static_cast<size_t>(t[u])] * row_stride[u];
            }
            const C v = static_cast<C>(xp[off]);
            if (prm.kind == PoolKind::kMax) {
              if (!found || v > best) {
                if (!(v != v)) {  // NaN never wins
                  best = v;
                  found = true;
                  best_t = t;
                }
              }
            } else if (prm.kind == PoolKind::kAverage) {
              acc += v;
            } else {
              const C av = v < C(0) ? -v : v;
              if (prm.p == 1) acc += av;
              else if (prm.p == 2) acc += av * av;
              else acc += static_cast<C>(std::pow(static_cast<double>(av), prm.p));
            }
            ++count;
            int d = r - 1;
            for (; d >= 0; --d) {
              const size_t u = static_cast<size_t>(d);
              if (++t[u] < hi[u]) break;
              t[u] = lo[u];
            }
            if (d < 0) break;
          }
        }
        C out;
        if (prm.kind == PoolKind::kMax) {
          out = best;
          if (indices) {
            int64_t idx = -1;
            if (found) {
              idx = plane * in_size;
              for (int d = 0; d < r; ++d) {
                const size_t u = static_cast<size_t>(d);
                idx += axes[u].pos[static_cast<size_t>(best_t[u])] * (prm.column_major ? col_stride[u] : row_stride[u]);
              }
            }
            indices[plane * out_size + op] = idx;
          }
        } else if (prm.kind == PoolKind::kAverage) {
          const int64_t div = prm.count_include_pad ? window : count;
          out = div > 0 ? acc / static_cast<C>(div) : C(0);
        } else {
          if (prm.p == 1) out = acc;
          else if (prm.p == 2) out = std::sqrt(acc);
          else out = static_cast<C>(std::pow(static_cast<double>(acc), 1.0 / prm.p));
        }
        y[plane * out_size + op] = store_as<T>(out);
        for (int d = r - 1; d >= 0; --d) {
          const size_t u = static_cast<size_t>(d);
          if (++o[u] < g.out[u]) break;
          o[u] = 0;
        }
      }
    }
  });
}

template <PoolKind kKind>
class Pool final : public Kernel {
 public:
  explicit Pool(const KernelInit& init) {
    const ir::Node& n = init.node;
    const int opset = init.opset();
    bool dilations = kKind == PoolKind::kMax ? opset >= 10 : kKind == PoolKind::kLp ? opset >= 18 : opset >= 19;
    attrs_ = WindowAttrs::from_node(n, dilations);
    if (attrs_.kernel_shape.empty()) fail(ErrorCode::kInvalidGraph, n.describe(), ": attribute kernel_shape is required");
    params_.kind = kKind;
    params_.count_include_pad = n.attr_int("count_include_pad", 0) != 0;
    params_.column_major = n.attr_int("storage_order", 0) != 0;
    if (kKind == PoolKind::kLp) {
      params_.p = opset < 2 ? n.attr_float("p", 2.0f) : static_cast<double>(n.attr_int("p", 2));
      if (!(params_.p > 0)) fail(ErrorCode::kInvalidGraph, n.describe(), ": p ", params_.p, " must be positive");
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 3)
      fail(ErrorCode::kInvalidArgument, "X ", shape_str(x.shape()),
           " must have at least 3 dims (batch, channels, and one or more spatial dims)");
    const Shape& xs = x.shape();
    WindowGeometry g = resolve_window(attrs_, std::span<const int64_t>(xs.data() + 2, xs.size() - 2));
    Shape ys{xs[0], xs[1]};
    ys.insert(ys.end(), g.out.begin(), g.out.end());
    Tensor& y = ctx.output(0, ys, x.dtype());
    int64_t* idx = nullptr;
    if (kKind == PoolKind::kMax && ctx.output_wanted(1)) idx = ctx.output(1, ys, DataType::kInt64).data<int64_t>();
    const int64_t planes = xs[0] * xs[1];
    if (y.numel() == 0) return;
    auto go = [&]<typename T>() { pool_planes<T>(x.data<T>(), y.data<T>(), idx, planes, g, params_, ctx.pool()); };
    if constexpr (kKind == PoolKind::kMax) {
      if (x.dtype() == DataType::kInt8) return go.template operator()<int8_t>();
      if (x.dtype() == DataType::kUInt8) return go.template operator()<uint8_t>();
    }
    dispatch_float(x.dtype(), go);
  }

 private:
  WindowAttrs attrs_;
  PoolParams params_;
};

void infer_pool(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  const bool indices = ctx.node().op_type == "MaxPool" && ctx.has_output(1);
  if (!x) {
    ctx.set_output_unranked(0, t);
    if (indices) ctx.set_output_unranked(1, DataType::kInt64);
    return;
  }
  if (x->size() < 3)
    ctx.fail("X ", shape_str(*x), " must have at least 3 dims (batch, channels, and one or more spatial dims)");
  const std::string& op = ctx.node().op_type;
  const int opset = ctx.opset();
  bool dilations = op == "MaxPool" ? opset >= 10 : op == "LpPool" ? opset >= 18 : opset >= 19;
  WindowAttrs attrs = WindowAttrs::from_node(ctx.node(), dilations);
  if (attrs.kernel_shape.empty()) ctx.fail("attribute kernel_shape is required");
  ir::Dims out{(*x)[0], (*x)[1]};
  try {
    ir::Dims o = infer_window_dims(attrs, ir::Dims(x->begin() + 2, x->end()));
    out.insert(out.end(), o.begin(), o.end());
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  if (indices) ctx.set_output(1, DataType::kInt64, out);
  ctx.set_output(0, t, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "MaxPool", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16, DataType::kInt8,
                       DataType::kUInt8},
             .infer = infer_pool, .create = create<Pool<PoolKind::kMax>>});
ONYX_KERNEL({.op = "AveragePool", .since = 1, .types = kFloatTypes, .infer = infer_pool,
             .create = create<Pool<PoolKind::kAverage>>});
ONYX_KERNEL({.op = "LpPool", .since = 1, .types = kFloatTypes, .infer = infer_pool,
             .create = create<Pool<PoolKind::kLp>>});

}  // namespace onyx
