// CumSum and CumProd: running sums / products along one axis, optionally
// exclusive (each output leaves out its own element) and reversed.
// Float16/BFloat16 accumulate in float; integers wrap.
#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

template <bool kProd>
class Cumulative final : public Kernel {
 public:
  explicit Cumulative(const KernelInit& init)
      : exclusive_(init.node.attr_int("exclusive", 0) != 0), reverse_(init.node.attr_int("reverse", 0) != 0) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& a = ctx.input(1);
    if (a.rank() > 1) fail(ErrorCode::kInvalidArgument, "axis must be a scalar, got ", a.describe());
    if (x.rank() == 0) fail(ErrorCode::kInvalidArgument, "input must have rank >= 1");
    const int axis = normalize_axis(scalar_int(a, "axis"), x.rank());
    Tensor& out = ctx.output(0, x.shape(), x.dtype());
    if (out.numel() == 0) return;
    const int64_t len = x.dim(axis);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      parallel_for(ctx.pool(), outer * inner, std::max<int64_t>(1, 4096 / len), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const int64_t o = r / inner, k = r % inner;
          const int64_t base = o * len * inner + k;
          C acc = kProd ? C(1) : C(0);
          for (int64_t s = 0; s < len; ++s) {
            const int64_t i = reverse_ ? len - 1 - s : s;
            const int64_t off = base + i * inner;
            const C v = C(src[off]);
            if (exclusive_) dst[off] = store_as<T>(acc);
            if constexpr (std::is_integral_v<T>) acc = kProd ? wrap_mul(acc, v) : wrap_add(acc, v);
            else acc = kProd ? acc * v : acc + v;
            if (!exclusive_) dst[off] = store_as<T>(acc);
          }
        }
      });
    }, kProd ? "CumProd" : "CumSum");
  }

 private:
  bool exclusive_, reverse_;
};

}  // namespace

ONYX_KERNEL({.op = "CumSum", .since = 11, .types = kNumericTypes, .infer = infer::same_as_input,
             .create = create<Cumulative<false>>});
ONYX_KERNEL({.op = "CumProd", .since = 26, .types = kNumericTypes, .infer = infer::same_as_input,
             .create = create<Cumulative<true>>});

}  // namespace onyx
