// Fast float32 Softmax / LogSoftmax: the vectorised exp of ukernels/vmath
// over each slice. Same semantics as the reference (softmax.cc, the oracle
// in tests/kernels/softmax_test.cc): opset < 13 coerces to 2-D at `axis`,
// opset 13+ runs over the single dim `axis`; the slice maximum is subtracted
// first; a NaN in a slice makes its whole result NaN. Other types and Hardmax
// stay with the reference kernel.
#include <memory>

#include "kernels/common/math.h"
#include "kernels/common/reduce_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"
#include "ukernels/vmath.h"

namespace onyx {

namespace {

template <bool kLog>
class SoftmaxFast final : public Kernel {
 public:
  static std::unique_ptr<Kernel> make(const KernelInit& init) {
    if (init.input_dtype(0) != DataType::kFloat) return nullptr;
    return std::make_unique<SoftmaxFast>(init);
  }

  explicit SoftmaxFast(const KernelInit& init) : vm_(ukernel::vmath()) {
    coerce_2d_ = init.opset() < 13;
    axis_ = init.node.attr_int("axis", coerce_2d_ ? 1 : -1);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "X must be float32, got ", x.describe());
    const int rank = x.rank();
    int axis;
    if (coerce_2d_ && (axis_ == rank || rank == 0)) axis = rank;
    else axis = normalize_axis(axis_, rank);
    // As in softmax.cc: per slice, x[i] is read before y[i] is written.
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), DataType::kFloat);
    if (x.numel() == 0) return;
    const AxisSplit sp = coerce_2d_ ? split_coerced_2d(x.shape(), axis) : split_at_axis(x.shape(), axis);
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    const int64_t slice = sp.n * sp.inner;
    parallel_for(ctx.pool(), sp.outer, grain_for(slice, 16384), [&](int64_t r0, int64_t r1) {
      std::unique_ptr<float[]> cols(sp.inner > 1 ? new float[static_cast<size_t>(3 * sp.inner)] : nullptr);
      for (int64_t r = r0; r < r1; ++r) {
        if (sp.inner == 1) vm_.softmax_row(xp + r * slice, yp + r * slice, sp.n, kLog);
        else columns(xp + r * slice, yp + r * slice, sp.n, sp.inner, cols.get());
      }
    });
  }

 private:
  // A [n, inner] block reduced down each column; loops run across columns.
  void columns(const float* x, float* y, int64_t n, int64_t inner, float* scratch) const {
    float* m = scratch;
    float* s = scratch + inner;
    float* t = scratch + 2 * inner;
    for (int64_t k = 0; k < inner; ++k) m[k] = x[k], s[k] = 0.f;
    for (int64_t i = 1; i < n; ++i) {
      const float* r = x + i * inner;
      for (int64_t k = 0; k < inner; ++k) m[k] = max_nan(m[k], r[k]);
    }
    for (int64_t i = 0; i < n; ++i) {
      const float* r = x + i * inner;
      float* e = kLog ? t : y + i * inner;
      for (int64_t k = 0; k < inner; ++k) e[k] = r[k] - m[k];
      vm_.exp(e, e, inner);
      for (int64_t k = 0; k < inner; ++k) s[k] += e[k];
    }
    if (!kLog) {
      for (int64_t k = 0; k < inner; ++k) s[k] = 1.f / s[k];
      for (int64_t i = 0; i < n; ++i) {
        float* o = y + i * inner;
        for (int64_t k = 0; k < inner; ++k) o[k] *= s[k];
      }
    } else {
      for (int64_t k = 0; k < inner; ++k) s[k] = std::log(s[k]);
      for (int64_t i = 0; i < n; ++i) {
        const float* r = x + i * inner;
        float* o = y + i * inner;
        for (int64_t k = 0; k < inner; ++k) o[k] = (r[k] - m[k]) - s[k];
      }
    }
  }

  const ukernel::VMath& vm_;
  bool coerce_2d_ = false;
  int64_t axis_ = -1;
};

}  // namespace

ONYX_KERNEL({.op = "Softmax", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = SoftmaxFast<false>::make});
ONYX_KERNEL({.op = "LogSoftmax", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = SoftmaxFast<true>::make});

}  // namespace onyx
