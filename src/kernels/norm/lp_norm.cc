// LpNormalization (opsets 1, 22): y = x / ||x||_p along `axis` (default -1),
// p = 1 (sum of absolute values) or 2 (Euclidean norm).
//
// A slice whose norm is 0 (all zeros) gives zeros, not 0/0 = NaN, as ONNX
// Runtime does. Computed in float (double for double).
#include <memory>

#include "kernels/common/norm_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class LpNorm final : public Kernel {
 public:
  explicit LpNorm(const KernelInit& init) {
    axis_ = init.node.attr_int("axis", -1);
    p_ = init.node.attr_int("p", 2);
    if (p_ != 1 && p_ != 2) fail(ErrorCode::kInvalidArgument, "p must be 1 or 2, got ", p_);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int axis = normalize_axis(axis_, x.rank());
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    if (x.numel() == 0) return;
    const AxisSplit sp = split_at_axis(x.shape(), axis);
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      const T* px = x.data<T>();
      T* py = y.data<T>();
      const bool l1 = p_ == 1;
      auto inv_norm = [l1](C acc) { C nrm = l1 ? acc : std::sqrt(acc); return nrm == C(0) ? C(0) : C(1) / nrm; };
      const int64_t slice = sp.n * sp.inner;
      parallel_for(ctx.pool(), sp.outer, grain_for(slice * 2), [&](int64_t r0, int64_t r1) {
        std::unique_ptr<C[]> acc(new C[static_cast<size_t>(sp.inner)]);
        for (int64_t r = r0; r < r1; ++r) {
          const T* src = px + r * slice;
          T* dst = py + r * slice;
          for (int64_t k = 0; k < sp.inner; ++k) acc[k] = 0;
          for (int64_t i = 0; i < sp.n; ++i)
            for (int64_t k = 0; k < sp.inner; ++k) {
              C v = C(compute_t<T>(src[i * sp.inner + k]));
              acc[k] += l1 ? std::abs(v) : v * v;
            }
          for (int64_t k = 0; k < sp.inner; ++k) acc[k] = inv_norm(acc[k]);
          for (int64_t i = 0; i < sp.n; ++i)
            for (int64_t k = 0; k < sp.inner; ++k)
              dst[i * sp.inner + k] = store_as<T>(C(compute_t<T>(src[i * sp.inner + k])) * acc[k]);
        }
      });
    });
  }

 private:
  int64_t axis_ = -1;
  int64_t p_ = 2;
};

void infer_lp_norm(InferContext& ctx) {
  if (const ir::Dims* in = ctx.input_dims(0))
    normalize_axis(ctx.node().attr_int("axis", -1), static_cast<int>(in->size()));
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "LpNormalization", .since = 1, .types = float_type_list(), .infer = infer_lp_norm,
             .create = create<LpNorm>});

}  // namespace onyx
