// SoftmaxCrossEntropyLoss (opsets 12, 13): log_prob = LogSoftmax(scores) over
// the class dim 1, then the negative log-likelihood of `labels` (see
// kernels/common/loss_util.h) with optional weights, ignore_index and
// reduction none / sum / mean. The optional second output is log_prob.
#include <memory>

#include "kernels/common/loss_util.h"
#include "kernels/common/reduce_util.h"
#include "runtime/thread_pool.h"

namespace onyx {

namespace {

// log-softmax of x [N, C, D] over C, in C-type; the loops run across D.
template <typename T, typename C>
void log_softmax_classes(const T* x, C* out, const LossDims& dims, ThreadPool* pool) {
  const int64_t cd = dims.c * dims.d;
  parallel_for(pool, dims.n, grain_for(cd * 3), [&](int64_t n0, int64_t n1) {
    std::unique_ptr<C[]> m(new C[static_cast<size_t>(dims.d)]), s(new C[static_cast<size_t>(dims.d)]);
    for (int64_t n = n0; n < n1; ++n) {
      const T* px = x + n * cd;
      C* po = out + n * cd;
      for (int64_t i = 0; i < cd; ++i) po[i] = static_cast<C>(static_cast<compute_t<T>>(px[i]));
      for (int64_t k = 0; k < dims.d; ++k) m[k] = lowest_value<C>(), s[k] = 0;
      for (int64_t c = 0; c < dims.c; ++c)
        for (int64_t k = 0; k < dims.d; ++k) m[k] = max_nan(m[k], po[c * dims.d + k]);
      for (int64_t c = 0; c < dims.c; ++c)
        for (int64_t k = 0; k < dims.d; ++k) s[k] += std::exp(po[c * dims.d + k] - m[k]);
      for (int64_t k = 0; k < dims.d; ++k) s[k] = std::log(s[k]);
      for (int64_t c = 0; c < dims.c; ++c)
        for (int64_t k = 0; k < dims.d; ++k) po[c * dims.d + k] = (po[c * dims.d + k] - m[k]) - s[k];
    }
  });
}

class SoftmaxCrossEntropy final : public Kernel {
 public:
  explicit SoftmaxCrossEntropy(const KernelInit& init) {
    reduction_ = loss_reduction(init.node.attr_string("reduction", "mean"));
    if (init.node.has_attr("ignore_index")) ignore_index_ = init.node.attr_int("ignore_index", 0);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& scores = ctx.input(0);
    const Tensor& labels = ctx.input(1);
    const Tensor* weight = ctx.optional_input(2);
    const LossDims dims = loss_dims(scores, labels, weight, "scores");
    Tensor& out = ctx.output(0, reduction_ == LossReduction::kNone ? labels.shape() : Shape{}, scores.dtype());
    Tensor* log_prob = ctx.output_wanted(1) ? &ctx.output(1, scores.shape(), scores.dtype()) : nullptr;
    dispatch_float(scores.dtype(), [&]<typename T>() {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      std::vector<C> logp(static_cast<size_t>(scores.numel()));
      log_softmax_classes<T, C>(scores.data<T>(), logp.data(), dims, ctx.pool());
      nll_loss<T, C>(logp.data(), dims, labels, weight, ignore_index_, reduction_, out);
      if (log_prob) {
        T* p = log_prob->data<T>();
        for (size_t i = 0; i < logp.size(); ++i) p[i] = store_as<T>(logp[i]);
      }
    });
  }

 private:
  LossReduction reduction_ = LossReduction::kMean;
  std::optional<int64_t> ignore_index_;
};

}  // namespace

ONYX_KERNEL({.op = "SoftmaxCrossEntropyLoss", .since = 12, .types = float_type_list(), .infer = infer_loss,
             .create = create<SoftmaxCrossEntropy>});

}  // namespace onyx
