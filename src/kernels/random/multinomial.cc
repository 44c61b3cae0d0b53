// Multinomial (opsets 7, 22): for each batch row of unnormalized log
// probabilities x [batch, classes], draws sample_size class indices
// (int32 by default, or int64 per `dtype`) -> [batch, sample_size].
//
// Row probabilities are softmax(x): the largest logit is subtracted before
// exponentiating, so large logits do not overflow; -inf logits have
// probability 0, and +inf logits (when present) share all of it. Each draw is
// a uniform u in [0, 1) (kernels/common/random_util.h) located in the row's
// cumulative distribution. A row that is NaN or entirely -inf has no
// distribution and is an error.
#include <algorithm>

#include "kernels/common/float_elem.h"
#include "kernels/common/random_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

DataType multinomial_dtype(const ir::Node& node) {
  const int64_t v = node.attr_int("dtype", static_cast<int64_t>(DataType::kInt32));
  if (v != static_cast<int64_t>(DataType::kInt32) && v != static_cast<int64_t>(DataType::kInt64))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'dtype' must be int32 (6) or int64 (7), got ", v);
  return static_cast<DataType>(v);
}

class Multinomial final : public Kernel {
 public:
  explicit Multinomial(const KernelInit& init) : seed_(init.node), dtype_(multinomial_dtype(init.node)) {
    samples_ = init.node.attr_int("sample_size", 1);
    if (samples_ < 0)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": sample_size must not be negative, got ", samples_);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 2)
      fail(ErrorCode::kInvalidArgument, "input must be 2-D [batch_size, class_size], got ", shape_str(x.shape()));
    const int64_t batch = x.dim(0), classes = x.dim(1);
    Tensor& y = ctx.output(0, {batch, samples_}, dtype_);
    if (y.numel() == 0) return;
    if (classes == 0) fail(ErrorCode::kInvalidArgument, "cannot sample from zero classes");
    NumpyRandom rng = seed_.make();
    std::vector<double> cdf(static_cast<size_t>(classes));
    for (int64_t b = 0; b < batch; ++b) {
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < classes; ++c) {
        const double v = float_at<double>(x, b * classes + c);
        if (std::isnan(v)) fail(ErrorCode::kInvalidArgument, "row ", b, " holds NaN");
        mx = std::max(mx, v);
      }
      if (mx == -std::numeric_limits<double>::infinity())
        fail(ErrorCode::kInvalidArgument, "row ", b, " has every log probability -inf");
      // A +inf logit outweighs every finite one: the +inf classes share the
      // whole mass (exp(inf - inf) would be NaN).
      const bool inf_row = mx == std::numeric_limits<double>::infinity();
      double acc = 0;
      for (int64_t c = 0; c < classes; ++c) {
        const double v = float_at<double>(x, b * classes + c);
        acc += inf_row ? (v == mx ? 1.0 : 0.0) : std::exp(v - mx);
        cdf[static_cast<size_t>(c)] = acc;
      }
      for (int64_t s = 0; s < samples_; ++s) {
        const double u = rng.uniform() * acc;
        // First class whose cumulative mass exceeds u; never past the last.
        auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
        int64_t c = std::min<int64_t>(it - cdf.begin(), classes - 1);
        while (c > 0 && cdf[static_cast<size_t>(c)] == cdf[static_cast<size_t>(c - 1)]) --c;  // skip zero-mass classes
        if (dtype_ == DataType::kInt32) y.data<int32_t>()[b * samples_ + s] = static_cast<int32_t>(c);
        else y.data<int64_t>()[b * samples_ + s] = c;
      }
    }
  }

 private:
  RandomSeed seed_;
  DataType dtype_;
  int64_t samples_ = 1;
};

void infer_multinomial(InferContext& ctx) {
  const DataType dt = multinomial_dtype(ctx.node());
  const int64_t samples = ctx.node().attr_int("sample_size", 1);
  const ir::Dims* x = ctx.input_dims(0);
  if (x && x->size() != 2) ctx.fail("input must be 2-D [batch_size, class_size], got rank ", x->size());
  ctx.set_output(0, dt, {x ? (*x)[0] : ir::Dim(), infer::dim_of(samples)});
}

}  // namespace

ONYX_KERNEL({.op = "Multinomial", .since = 7, .types = kFloatTypes, .infer = infer_multinomial,
             .create = create<Multinomial>});

}  // namespace onyx
