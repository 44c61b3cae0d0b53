// Relu: max(x, 0). Integer types are allowed from opset 14.
#include "kernels/common/broadcast.h"
#include "kernels/common/math.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Relu final : public Kernel {
 public:
  explicit Relu(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());  // y[i] from x[i] alone
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      // Written so that NaN passes through (numpy.maximum(NaN, 0) is NaN).
      unary_map<T, T>(x, y, [](T v) { return C(v) < C(0) ? store_as<T>(C(0)) : v; }, ctx.pool());
    });
  }
};

}  // namespace

ONYX_KERNEL({.op = "Relu", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16,
                       DataType::kInt8, DataType::kInt16, DataType::kInt32, DataType::kInt64},
             .infer = infer::same_as_input, .create = create<Relu>});

}  // namespace onyx
