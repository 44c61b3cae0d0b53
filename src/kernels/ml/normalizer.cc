// Normalizer (ai.onnx.ml 1): each row of X ([N, C], or [C] as one row)
// divided by its norm: MAX (the largest absolute value), L1 (sum of absolute
// values) or L2 (Euclidean). A row whose norm is 0 is left as it is. Y is
// float; the arithmetic is in double.
#include <cmath>

#include "kernels/common/ml_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class Norm { kMax, kL1, kL2 };

class Normalizer final : public Kernel {
 public:
  explicit Normalizer(const KernelInit& init) {
    const std::string n = init.node.attr_string("norm", "MAX");
    if (n == "MAX") norm_ = Norm::kMax;
    else if (n == "L1") norm_ = Norm::kL1;
    else if (n == "L2") norm_ = Norm::kL2;
    else fail(ErrorCode::kInvalidGraph, init.node.describe(), ": norm is '", n, "', expected MAX, L1 or L2");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const MlRows rows = ml_rows(x);
    Tensor& y = ctx.output(0, x.shape(), DataType::kFloat);
    parallel_for(ctx.pool(), rows.n, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, rows.c)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const double* v = rows.row(r);
        double d = 0;
        for (int64_t i = 0; i < rows.c; ++i) {
          const double a = std::abs(v[i]);
          if (norm_ == Norm::kMax) d = std::max(d, a);
          else if (norm_ == Norm::kL1) d += a;
          else d += a * a;
        }
        if (norm_ == Norm::kL2) d = std::sqrt(d);
        for (int64_t i = 0; i < rows.c; ++i)
          y.data<float>()[r * rows.c + i] = static_cast<float>(d != 0 ? v[i] / d : v[i]);
      }
    });
  }

 private:
  Norm norm_ = Norm::kMax;
};

void infer_normalizer(InferContext& ctx) {
  const int r = ctx.input_rank(0);
  if (r >= 0 && r != 1 && r != 2) ctx.fail("X must be 1-D or 2-D, got rank ", r);
  infer::same_shape_as(ctx, 0, DataType::kFloat);
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "Normalizer", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32},
             .infer = infer_normalizer, .create = create<Normalizer>});

}  // namespace onyx
