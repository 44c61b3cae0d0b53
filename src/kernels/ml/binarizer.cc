// Binarizer (ai.onnx.ml 1): Y = X > threshold ? 1 : 0, in X's type
// (NaN is not greater than anything, so it gives 0).
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Binarizer final : public Kernel {
 public:
  explicit Binarizer(const KernelInit& init) : threshold_(init.node.attr_float("threshold", 0.0f)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    auto go = [&]<typename T>() {
      const T* px = x.data<T>();
      T* py = y.data<T>();
      const double t = threshold_;
      parallel_for(ctx.pool(), x.numel(), 16384, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) py[i] = static_cast<double>(px[i]) > t ? T(1) : T(0);
      });
    };
    switch (x.dtype()) {
      case DataType::kFloat: go.template operator()<float>(); break;
      case DataType::kDouble: go.template operator()<double>(); break;
      case DataType::kInt64: go.template operator()<int64_t>(); break;
      case DataType::kInt32: go.template operator()<int32_t>(); break;
      default: throw_unsupported_dtype(x.dtype(), "Binarizer");
    }
  }

 private:
  double threshold_;
};

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "Binarizer", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32},
             .infer = infer::same_as_input, .create = create<Binarizer>});

}  // namespace onyx
