// LayerNormalization (opset 17) and RMSNormalization (opset 23).
//
// Both normalize each row of X viewed as [prod(shape[:axis]), prod(shape[axis:])]:
//   LayerNormalization: Y = (X - mean) / sqrt(var + epsilon) * Scale + B,
//     with optional outputs Mean and InvStdDev (shape[:axis] + 1s) of the
//     element type stash_type names (float by default);
//   RMSNormalization:   Y = X / sqrt(mean(X^2) + epsilon) * Scale.
// Scale and B broadcast to the normalized shape shape[axis:]. The statistics
// are computed in float, or in double when X or stash_type is double.
// Rows run in parallel; each row is two contiguous passes plus one write.
#include <memory>

#include "kernels/common/norm_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

template <bool kRms>
class RowNorm final : public Kernel {
 public:
  explicit RowNorm(const KernelInit& init) {
    axis_ = init.node.attr_int("axis", -1);
    epsilon_ = init.node.attr_float("epsilon", 1e-5f);
    stash_ = stash_dtype(init.node.attr_int("stash_type", 1));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* bias = kRms ? nullptr : ctx.optional_input(2);
    const int axis = normalize_axis(axis_, x.rank());
    const Shape norm_shape(x.shape().begin() + axis, x.shape().end());
    Shape stat_shape(x.shape().begin(), x.shape().begin() + axis);
    stat_shape.resize(x.shape().size(), 1);
    const int64_t cols = shape_numel(norm_shape);
    const int64_t rows = shape_numel(stat_shape);
    // A row's statistics are taken before any of it is written, then
    // y[j] comes from x[j]: a dying X can take the result.
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());
    Tensor* mean_out = !kRms && ctx.output_wanted(1) ? &ctx.output(1, stat_shape, stash_) : nullptr;
    Tensor* inv_out = !kRms && ctx.output_wanted(2) ? &ctx.output(2, stat_shape, stash_) : nullptr;
    dispatch_float(x.dtype(), [&]<typename T>() {
      if (std::is_same_v<T, double> || stash_ == DataType::kDouble)
        compute<T, double>(ctx, x, scale, bias, norm_shape, rows, cols, y, mean_out, inv_out);
      else
        compute<T, float>(ctx, x, scale, bias, norm_shape, rows, cols, y, mean_out, inv_out);
    });
  }

 private:
  template <typename T, typename C>
  void compute(KernelContext& ctx, const Tensor& x, const Tensor& scale_t, const Tensor* bias_t,
               const Shape& norm_shape, int64_t rows, int64_t cols, Tensor& y, Tensor* mean_out,
               Tensor* inv_out) const {
    const std::vector<C> scale = broadcast_param<C>(scale_t, norm_shape, "Scale");
    const std::vector<C> bias = bias_t ? broadcast_param<C>(*bias_t, norm_shape, "B") : std::vector<C>();
    std::vector<C> means(mean_out ? static_cast<size_t>(rows) : 0), invs(inv_out ? static_cast<size_t>(rows) : 0);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const C eps = static_cast<C>(epsilon_);
    const C* sc = scale.data();
    const C* bi = bias.empty() ? nullptr : bias.data();
    parallel_for(ctx.pool(), rows, grain_for(cols * 3), [&](int64_t r0, int64_t r1) {
      std::unique_ptr<C[]> buf(std::is_same_v<T, C> ? nullptr : new C[static_cast<size_t>(cols)]);
      for (int64_t r = r0; r < r1; ++r) {
        const C* in = as_compute<T, C>(px + r * cols, cols, buf.get());
        T* out = py + r * cols;
        C mean = 0, inv;
        if constexpr (kRms) {
          inv = C(1) / std::sqrt(sum_squares(in, cols) / static_cast<C>(cols) + eps);
          for (int64_t j = 0; j < cols; ++j) out[j] = store_as<T>(in[j] * inv * sc[j]);
        } else {
          const MeanVar<C> mv = mean_variance(in, cols);
          mean = mv.mean();
          inv = C(1) / std::sqrt(mv.var + eps);
          const C base = mv.base, corr = mv.corr;
          if (bi)
            for (int64_t j = 0; j < cols; ++j) out[j] = store_as<T>(((in[j] - base) - corr) * inv * sc[j] + bi[j]);
          else
            for (int64_t j = 0; j < cols; ++j) out[j] = store_as<T>(((in[j] - base) - corr) * inv * sc[j]);
        }
        if (!means.empty()) means[static_cast<size_t>(r)] = mean;
        if (!invs.empty()) invs[static_cast<size_t>(r)] = inv;
      }
    });
    auto store = [](const std::vector<C>& v, Tensor* t) {
      if (!t) return;
      dispatch_float(t->dtype(), [&]<typename S>() {
        S* p = t->data<S>();
        for (size_t i = 0; i < v.size(); ++i) p[i] = store_as<S>(v[i]);
      });
    };
    store(means, mean_out);
    store(invs, inv_out);
  }

  int64_t axis_ = -1;
  float epsilon_ = 1e-5f;
  DataType stash_ = DataType::kFloat;
};

template <bool kRms>
void infer_row_norm(InferContext& ctx) {
  infer::same_as_input(ctx);
  const DataType stash = stash_dtype(ctx.node().attr_int("stash_type", 1));
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    for (int i = 1; i < ctx.num_outputs() && !kRms; ++i) ctx.set_output_unranked(i, stash);
    return;
  }
  const int axis = normalize_axis(ctx.node().attr_int("axis", -1), static_cast<int>(in->size()));
  if (kRms) return;
  ir::Dims stat(in->begin(), in->begin() + axis);
  stat.resize(in->size(), ir::Dim(1));
  for (int i = 1; i < ctx.num_outputs() && i < 3; ++i) ctx.set_output(i, stash, stat);
}

}  // namespace

ONYX_KERNEL({.op = "LayerNormalization", .since = 17, .types = float_type_list(), .infer = infer_row_norm<false>,
             .create = create<RowNorm<false>>});
// The same op in Onyx's domain: what fuse_layer_norm makes in models older than opset 17.
ONYX_KERNEL({.domain = "com.onyx", .op = "LayerNormalization", .since = 1, .types = float_type_list(),
             .infer = infer_row_norm<false>, .create = create<RowNorm<false>>});
ONYX_KERNEL({.op = "RMSNormalization", .since = 23, .types = float_type_list(), .infer = infer_row_norm<true>,
             .create = create<RowNorm<true>>});

}  // namespace onyx
