// LRN (opsets 1, 13): local response normalization across channels.
//
//   square_sum[n, c, d...] = sum of x[n, i, d...]^2 for i in
//                            [max(0, c - floor((size-1)/2)), min(C-1, c + ceil((size-1)/2))]
//   y = x / (bias + alpha / size * square_sum) ^ beta
//
// Each (n, c) task sums its window of whole channel planes, so the loops run
// over contiguous spatial positions. Computed in float (double for double).
#include <memory>

#include "kernels/common/norm_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Lrn final : public Kernel {
 public:
  explicit Lrn(const KernelInit& init) {
    const ir::Node& n = init.node;
    size_ = n.required_attr("size", ir::AttrType::kInt).i;
    if (size_ <= 0) fail(ErrorCode::kInvalidArgument, "size must be positive, got ", size_);
    alpha_ = n.attr_float("alpha", 1e-4f);
    beta_ = n.attr_float("beta", 0.75f);
    bias_ = n.attr_float("bias", 1.0f);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 2) fail(ErrorCode::kInvalidArgument, "input must have rank >= 2 ([N, C, ...]), got ", x.describe());
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    if (x.numel() == 0) return;
    const int64_t n = x.dim(0), c = x.dim(1);
    const int64_t spatial = x.numel() / (n * c);
    const int64_t before = (size_ - 1) / 2, after = size_ - 1 - before;
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      const T* px = x.data<T>();
      T* py = y.data<T>();
      const C scale = static_cast<C>(alpha_) / static_cast<C>(size_);
      const C bias = static_cast<C>(bias_), beta = static_cast<C>(beta_);
      parallel_for(ctx.pool(), n * c, grain_for(spatial * size_), [&](int64_t t0, int64_t t1) {
        std::unique_ptr<C[]> acc(new C[static_cast<size_t>(spatial)]);
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t b = t / c, ch = t % c;
          const int64_t lo = std::max<int64_t>(0, ch - before), hi = std::min<int64_t>(c - 1, ch + after);
          for (int64_t s = 0; s < spatial; ++s) acc[s] = 0;
          for (int64_t i = lo; i <= hi; ++i) {
            const T* src = px + (b * c + i) * spatial;
            for (int64_t s = 0; s < spatial; ++s) {
              C v = C(compute_t<T>(src[s]));
              acc[s] += v * v;
            }
          }
          const T* src = px + t * spatial;
          T* dst = py + t * spatial;
          for (int64_t s = 0; s < spatial; ++s)
            dst[s] = store_as<T>(C(compute_t<T>(src[s])) / std::pow(bias + scale * acc[s], beta));
        }
      });
    });
  }

 private:
  int64_t size_ = 1;
  float alpha_ = 1e-4f, beta_ = 0.75f, bias_ = 1.0f;
};

void infer_lrn(InferContext& ctx) {
  const ir::Dims* in = ctx.input_dims(0);
  if (in && in->size() < 2) ctx.fail("input must have rank >= 2 ([N, C, ...]), got rank ", in->size());
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "LRN", .since = 1, .types = float_type_list(), .infer = infer_lrn, .create = create<Lrn>});

}  // namespace onyx
