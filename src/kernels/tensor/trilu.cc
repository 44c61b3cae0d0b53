// Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the
// last two axes and zeroes the rest.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

class Trilu final : public Kernel {
 public:
  explicit Trilu(const KernelInit& init) : upper_(init.node.attr_int("upper", 1) != 0) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 2) fail(ErrorCode::kInvalidArgument, "input must have rank >= 2, got ", x.describe());
    int64_t k = 0;
    if (const Tensor* kt = ctx.optional_input(1)) k = scalar_int(*kt, "k");
    if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Trilu of packed ", dtype_name(x.dtype()));
    Tensor& out = ctx.output(0, x.shape(), x.dtype());
    if (out.numel() == 0) return;
    const int64_t n = x.dim(-2), m = x.dim(-1);
    const int64_t mats = x.numel() / (n * m);
    dispatch_by_size(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      parallel_for(ctx.pool(), mats * n, std::max<int64_t>(1, 16384 / m), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t i = r % n;
          for (int64_t j = 0; j < m; ++j) {
            // Compare as j - i against k without overflow (k is untrusted).
            bool keep = upper_ ? (j - i >= k) : (j - i <= k);
            dst[r * m + j] = keep ? src[r * m + j] : T{};
          }
        }
      });
    });
  }

 private:
  bool upper_;
};

}  // namespace

ONYX_KERNEL({.op = "Trilu", .since = 14, .infer = infer::same_as_input, .create = create<Trilu>});

}  // namespace onyx
