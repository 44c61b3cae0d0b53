// GlobalAveragePool, GlobalMaxPool, GlobalLpPool: one value per (image,
// channel) plane of X [N, C, D1..Dn]; Y is [N, C, 1, .., 1]. GlobalMaxPool
// ignores NaN like MaxPool. GlobalLpPool's p was a float attribute in
// opset 1, an int from opset 2. Float16/BFloat16 compute in float.
#include <cmath>
#include <limits>

#include "kernels/common/math.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class GlobalKind { kAverage, kMax, kLp };

template <GlobalKind kKind>
class GlobalPool final : public Kernel {
 public:
  explicit GlobalPool(const KernelInit& init) {
    if (kKind == GlobalKind::kLp) {
      p_ = init.opset() < 2 ? init.node.attr_float("p", 2.0f) : static_cast<double>(init.node.attr_int("p", 2));
      if (!(p_ > 0)) fail(ErrorCode::kInvalidGraph, init.node.describe(), ": p ", p_, " must be positive");
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 2)
      fail(ErrorCode::kInvalidArgument, "X ", shape_str(x.shape()), " must have at least 2 dims (batch, channels)");
    Shape ys(static_cast<size_t>(x.rank()), 1);
    ys[0] = x.dim(0);
    ys[1] = x.dim(1);
    Tensor& y = ctx.output(0, ys, x.dtype());
    const int64_t planes = ys[0] * ys[1];
    const int64_t size = planes == 0 ? 0 : x.numel() / planes;
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      const double p = p_;
      parallel_for(ctx.pool(), planes, std::max<int64_t>(1, 32768 / std::max<int64_t>(size, 1)),
                   [&](int64_t p0, int64_t p1) {
        for (int64_t pl = p0; pl < p1; ++pl) {
          const T* v = xp + pl * size;
          C out;
          if constexpr (kKind == GlobalKind::kMax) {
            out = std::numeric_limits<C>::lowest();
            for (int64_t i = 0; i < size; ++i) {
              const C e = static_cast<C>(v[i]);
              if (e > out) out = e;
            }
          } else if constexpr (kKind == GlobalKind::kAverage) {
            // Eight partial sums: one running sum waits on the previous add
            // for every element (latency-bound, not vectorised).
            C lanes[8] = {};
            int64_t i = 0;
            for (; i + 8 <= size; i += 8)
              for (int l = 0; l < 8; ++l) lanes[l] += static_cast<C>(v[i + l]);
            C acc = 0;
            for (; i < size; ++i) acc += static_cast<C>(v[i]);
            for (int l = 0; l < 8; ++l) acc += lanes[l];
            out = size > 0 ? acc / static_cast<C>(size) : C(0);
          } else {
            C acc = 0;
            for (int64_t i = 0; i < size; ++i) {
              const C e = std::fabs(static_cast<C>(v[i]));
              acc += p == 2 ? e * e : p == 1 ? e : static_cast<C>(std::pow(static_cast<double>(e), p));
            }
            out = p == 2 ? std::sqrt(acc) : p == 1 ? acc : static_cast<C>(std::pow(static_cast<double>(acc), 1.0 / p));
          }
          yp[pl] = store_as<T>(out);
        }
      });
    });
  }

 private:
  double p_ = 2;
};

void infer_global_pool(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) {
    ctx.set_output_unranked(0, t);
    return;
  }
  if (x->size() < 2) ctx.fail("X ", shape_str(*x), " must have at least 2 dims (batch, channels)");
  ir::Dims out(x->size(), ir::Dim(1));
  out[0] = (*x)[0];
  out[1] = (*x)[1];
  ctx.set_output(0, t, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "GlobalAveragePool", .since = 1, .types = kFloatTypes, .infer = infer_global_pool,
             .create = create<GlobalPool<GlobalKind::kAverage>>});
ONYX_KERNEL({.op = "GlobalMaxPool", .since = 1, .types = kFloatTypes, .infer = infer_global_pool,
             .create = create<GlobalPool<GlobalKind::kMax>>});
ONYX_KERNEL({.op = "GlobalLpPool", .since = 1, .types = kFloatTypes, .infer = infer_global_pool,
             .create = create<GlobalPool<GlobalKind::kLp>>});

}  // namespace onyx
