// GroupNormalization (opsets 18, 21) and InstanceNormalization (1, 6, 22).
//
// X is [N, C, D1, ...]; channels are split into G groups of C/G consecutive
// channels, and each (n, group) block — contiguous in memory — is normalized
// by its own mean and variance:
//   y = scale * (x - mean) / sqrt(var + epsilon) + bias.
// InstanceNormalization is the case G = C with per-channel scale and bias.
// GroupNormalization-18 takes scale and bias per group ([G]); version 21 takes
// them per channel ([C]) and adds stash_type, the precision of the statistics
// (float by default; double inputs always use double). An opset-18 model with
// per-channel [C] parameters is accepted too, since the shapes say which is meant.
#include <memory>

#include "kernels/common/norm_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

template <bool kInstance>
class GroupNorm final : public Kernel {
 public:
  explicit GroupNorm(const KernelInit& init) {
    epsilon_ = init.node.attr_float("epsilon", 1e-5f);
    if constexpr (!kInstance) {
      groups_ = init.node.required_attr("num_groups", ir::AttrType::kInt).i;
      if (groups_ <= 0) fail(ErrorCode::kInvalidArgument, "num_groups must be positive, got ", groups_);
      per_group_params_ = init.opset() < 21;
      if (init.opset() >= 21) stash_ = stash_dtype(init.node.attr_int("stash_type", 1));
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor& bias = ctx.input(2);
    if (x.rank() < 2) fail(ErrorCode::kInvalidArgument, "input must have rank >= 2 ([N, C, ...]), got ", x.describe());
    const int64_t n = x.dim(0), c = x.dim(1);
    const int64_t groups = kInstance ? c : groups_;
    if (groups == 0 ? c != 0 : c % groups != 0)
      fail(ErrorCode::kInvalidArgument, "the ", c, " channels cannot be split into ", groups, " groups");
    // Parameters per channel, or (GroupNormalization-18) per group.
    bool per_group = false;
    if (!kInstance && per_group_params_ && scale.numel() == groups && bias.numel() == groups) per_group = true;
    const int64_t want = per_group ? groups : c;
    if (scale.numel() != want || bias.numel() != want || scale.rank() != 1 || bias.rank() != 1)
      fail(ErrorCode::kInvalidArgument, "scale ", scale.describe(), " and bias ", bias.describe(),
           " must be 1-D of size ", per_group_params_ && !kInstance ? "num_groups (or C)" : "C", " = ", want);
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    int64_t spatial = 1;
    for (int d = 2; d < x.rank(); ++d) spatial *= x.dim(d);
    dispatch_float(x.dtype(), [&]<typename T>() {
      if (std::is_same_v<T, double> || stash_ == DataType::kDouble)
        compute<T, double>(ctx, x, scale, bias, per_group, n, c, groups, spatial, y);
      else
        compute<T, float>(ctx, x, scale, bias, per_group, n, c, groups, spatial, y);
    });
  }

 private:
  template <typename T, typename C>
  void compute(KernelContext& ctx, const Tensor& x, const Tensor& scale_t, const Tensor& bias_t, bool per_group,
               int64_t n, int64_t c, int64_t groups, int64_t spatial, Tensor& y) const {
    const std::vector<C> scale = param_values<C>(scale_t, "scale");
    const std::vector<C> bias = param_values<C>(bias_t, "bias");
    if (groups == 0) return;                   // no channels: nothing to do
    const int64_t cpg = c / groups;            // channels per group
    const int64_t block = cpg * spatial;       // elements per (n, group)
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const C eps = static_cast<C>(epsilon_);
    parallel_for(ctx.pool(), n * groups, grain_for(block * 3), [&](int64_t b0, int64_t b1) {
      std::unique_ptr<C[]> buf(std::is_same_v<T, C> ? nullptr : new C[static_cast<size_t>(block)]);
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t g = b % groups;
        const C* in = as_compute<T, C>(px + b * block, block, buf.get());
        T* out = py + b * block;
        const MeanVar<C> mv = mean_variance(in, block);
        const C inv = C(1) / std::sqrt(mv.var + eps);
        for (int64_t k = 0; k < cpg; ++k) {
          const size_t p = static_cast<size_t>(per_group ? g : g * cpg + k);
          const C a = inv * scale[p];
          // (x - base) * a + (bias - corr * a): x - base is exact, see mean_variance.
          const C sh = bias[p] - mv.corr * a, base = mv.base;
          const C* ci = in + k * spatial;
          T* co = out + k * spatial;
          for (int64_t s = 0; s < spatial; ++s) co[s] = store_as<T>((ci[s] - base) * a + sh);
        }
      }
    });
  }

  float epsilon_ = 1e-5f;
  int64_t groups_ = 0;
  bool per_group_params_ = false;
  DataType stash_ = DataType::kFloat;
};

void infer_group_norm(InferContext& ctx) {
  const ir::Dims* in = ctx.input_dims(0);
  if (in && in->size() < 2) ctx.fail("input must have rank >= 2 ([N, C, ...]), got rank ", in->size());
  if (ctx.opset() >= 21 && ctx.node().op_type == "GroupNormalization")
    stash_dtype(ctx.node().attr_int("stash_type", 1));
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "InstanceNormalization", .since = 1, .types = float_type_list(), .infer = infer_group_norm,
             .create = create<GroupNorm<true>>});
ONYX_KERNEL({.op = "GroupNormalization", .since = 18, .types = float_type_list(), .infer = infer_group_norm,
             .create = create<GroupNorm<false>>});

}  // namespace onyx
