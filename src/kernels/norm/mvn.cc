// MeanVarianceNormalization (opsets 9, 13):
//   y = (x - mean) / (sqrt(var) + 1e-9), mean and population variance over `axes`
// (default [0, 2, 3]: per channel of an NCHW tensor), as the op's function body
// defines it (the epsilon is added to the standard deviation, not the variance).
//
// Uses the reduction plan (kernels/common/reduce_util.h): each group of
// elements sharing one mean is visited three times (mean, variance, write),
// with contiguous inner loops in both plan shapes. The variance pass also
// sums the deviations to correct the mean's rounding (corrected two-pass).
#include <algorithm>
#include <memory>

#include "kernels/common/norm_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Mvn final : public Kernel {
 public:
  explicit Mvn(const KernelInit& init) { axes_ = init.node.attr_ints("axes", {0, 2, 3}); }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const std::vector<bool> mask = reduce_axes_mask(axes_, x.rank());
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    if (x.numel() == 0) return;
    const ReducePlan p = make_reduce_plan(x.shape(), mask);
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      const T* px = x.data<T>();
      T* py = y.data<T>();
      const C count = static_cast<C>(p.reduced);
      const C eps = static_cast<C>(1e-9);
      auto at = [&](int64_t i) { return C(compute_t<T>(px[i])); };
      if (p.inner_reduced) {
        const int64_t len = p.inner;
        parallel_for(ctx.pool(), p.outputs, grain_for(p.reduced * 3), [&](int64_t o0, int64_t o1) {
          for (int64_t o = o0; o < o1; ++o) {
            const int64_t base = p.row_base(o);
            C s = 0;
            for (int64_t off : p.reduced_offsets)
              for (int64_t j = 0; j < len; ++j) s += at(base + off + j);
            const C mean = s / count;
            C v = 0, sd = 0;
            for (int64_t off : p.reduced_offsets)
              for (int64_t j = 0; j < len; ++j) {
                C d = at(base + off + j) - mean;
                sd += d;
                v += d * d;
              }
            const C corr = sd / count;
            const C inv = C(1) / (std::sqrt(std::max(C(0), v / count - corr * corr)) + eps);
            for (int64_t off : p.reduced_offsets)
              for (int64_t j = 0; j < len; ++j)
                py[base + off + j] = store_as<T>(((at(base + off + j) - mean) - corr) * inv);
          }
        });
        return;
      }
      const int64_t k_all = p.inner;
      parallel_for(ctx.pool(), p.rows(), grain_for(p.reduced * k_all * 3), [&](int64_t r0, int64_t r1) {
        const size_t kk = static_cast<size_t>(k_all);
        std::unique_ptr<C[]> mean(new C[kk]), corr(new C[kk]), inv(new C[kk]);
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t base = p.row_base(r);
          for (int64_t k = 0; k < k_all; ++k) mean[k] = 0, corr[k] = 0, inv[k] = 0;
          for (int64_t off : p.reduced_offsets)
            for (int64_t k = 0; k < k_all; ++k) mean[k] += at(base + off + k);
          for (int64_t k = 0; k < k_all; ++k) mean[k] /= count;
          for (int64_t off : p.reduced_offsets)
            for (int64_t k = 0; k < k_all; ++k) {
              C d = at(base + off + k) - mean[k];
              corr[k] += d;
              inv[k] += d * d;
            }
          for (int64_t k = 0; k < k_all; ++k) {
            corr[k] /= count;
            inv[k] = C(1) / (std::sqrt(std::max(C(0), inv[k] / count - corr[k] * corr[k])) + eps);
          }
          for (int64_t off : p.reduced_offsets)
            for (int64_t k = 0; k < k_all; ++k)
              py[base + off + k] = store_as<T>(((at(base + off + k) - mean[k]) - corr[k]) * inv[k]);
        }
      });
    });
  }

 private:
  std::vector<int64_t> axes_;
};

void infer_mvn(InferContext& ctx) {
  if (const ir::Dims* in = ctx.input_dims(0))
    reduce_axes_mask(ctx.node().attr_ints("axes", {0, 2, 3}), static_cast<int>(in->size()));
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "MeanVarianceNormalization", .since = 9, .types = float_type_list(), .infer = infer_mvn,
             .create = create<Mvn>});

}  // namespace onyx
