// ArgMax, ArgMin: int64 index of the largest / smallest element along `axis`.
//
// Versions: 1 (axis >= 0, keepdims), 11 (negative axis), 12 (select_last_index:
// the last of equal extremes instead of the first), 13 (bfloat16).
// NaN counts as the extreme for both, as numpy's argmax/argmin do, so a row
// with a NaN answers the (first or last) NaN's index. An empty axis has no
// index to give and is an error.
#include <memory>

#include "kernels/common/math.h"
#include "kernels/common/reduce_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// Whether v replaces the current best b. kMax: larger wins; NaN beats numbers.
template <bool kMax, bool kLast, typename C>
inline bool arg_better(C v, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (b != b) return kLast && v != v;  // best is NaN: only a later NaN replaces it (last)
    if (v != v) return true;
  }
  if constexpr (kLast) return kMax ? v >= b : v <= b;
  else return kMax ? v > b : v < b;
}

template <bool kMax, bool kLast, typename T>
void arg_extreme(const T* x, int64_t* y, const AxisSplit& s, ThreadPool* pool) {
  using C = compute_t<T>;
  if (s.inner == 1) {
    parallel_for(pool, s.outer, grain_for(s.n), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* px = x + r * s.n;
        C best = C(px[0]);
        int64_t idx = 0;
        for (int64_t i = 1; i < s.n; ++i) {
          C v = C(px[i]);
          if (arg_better<kMax, kLast>(v, best)) best = v, idx = i;
        }
        y[r] = idx;
      }
    });
    return;
  }
  // Axis not innermost: keep a best value per inner position and sweep rows.
  parallel_for(pool, s.outer, grain_for(s.n * s.inner), [&](int64_t r0, int64_t r1) {
    std::unique_ptr<C[]> best(new C[static_cast<size_t>(s.inner)]);
    for (int64_t r = r0; r < r1; ++r) {
      const T* px = x + r * s.n * s.inner;
      int64_t* py = y + r * s.inner;
      for (int64_t k = 0; k < s.inner; ++k) best[k] = C(px[k]), py[k] = 0;
      for (int64_t i = 1; i < s.n; ++i) {
        const T* row = px + i * s.inner;
        for (int64_t k = 0; k < s.inner; ++k) {
          C v = C(row[k]);
          if (arg_better<kMax, kLast>(v, best[k])) best[k] = v, py[k] = i;
        }
      }
    }
  });
}

template <bool kMax>
class ArgExtreme final : public Kernel {
 public:
  explicit ArgExtreme(const KernelInit& init) {
    axis_ = init.node.attr_int("axis", 0);
    keepdims_ = init.node.attr_int("keepdims", 1) != 0;
    select_last_ = init.opset() >= 12 && init.node.attr_int("select_last_index", 0) != 0;
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int axis = normalize_axis(axis_, x.rank());
    Shape out_shape = x.shape();
    if (keepdims_) out_shape[static_cast<size_t>(axis)] = 1;
    else out_shape.erase(out_shape.begin() + axis);
    Tensor& y = ctx.output(0, out_shape, DataType::kInt64);
    if (y.numel() == 0) return;
    if (x.dim(axis) == 0)
      fail(ErrorCode::kInvalidArgument, "cannot take the index of an extreme along axis ", axis_,
           " of size 0 (input ", x.describe(), ")");
    const AxisSplit s = split_at_axis(x.shape(), axis);
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      if (select_last_) arg_extreme<kMax, true, T>(x.data<T>(), y.data<int64_t>(), s, ctx.pool());
      else arg_extreme<kMax, false, T>(x.data<T>(), y.data<int64_t>(), s, ctx.pool());
    });
  }

 private:
  int64_t axis_ = 0;
  bool keepdims_ = true;
  bool select_last_ = false;
};

void infer_arg_extreme(InferContext& ctx) {
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, DataType::kInt64);
    return;
  }
  const int axis = normalize_axis(ctx.node().attr_int("axis", 0), static_cast<int>(in->size()));
  ir::Dims out = *in;
  if (ctx.node().attr_int("keepdims", 1) != 0) out[static_cast<size_t>(axis)] = ir::Dim(1);
  else out.erase(out.begin() + axis);
  ctx.set_output(0, DataType::kInt64, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "ArgMax", .since = 1, .types = numeric_type_list(), .infer = infer_arg_extreme,
             .create = create<ArgExtreme<true>>});
ONYX_KERNEL({.op = "ArgMin", .since = 1, .types = numeric_type_list(), .infer = infer_arg_extreme,
             .create = create<ArgExtreme<false>>});

}  // namespace onyx
