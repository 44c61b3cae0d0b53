// BatchNormalization (opsets 1, 6, 7, 9, 14, 15).
//
// Inference: y = scale * (x - mean) / sqrt(var + epsilon) + B per channel
// (dim 1), as y = (x - mean) * a + B with a computed once per channel.
//
// Training mode normalizes with the batch's own statistics (mean and
// population variance over every dim but the channel) and outputs the updated
// running statistics: running = input * momentum + batch * (1 - momentum).
// When a node is in training mode depends on the version:
//   1, 6:  is_test = 0 (the default); outputs Y, mean, var, saved_mean, saved_var;
//   7-13:  no flag: when any output beyond Y is requested (same five outputs);
//   14+:   training_mode = 1; outputs Y, running_mean, running_var.
// saved_mean / saved_var are the batch mean and variance. Before opset 9,
// spatial = 0 means statistics and parameters per activation (C x D1 x ...)
// rather than per channel.
//
// Opset 15 lets scale/B (T1) and mean/var (T2) differ in type from X: all
// parameters are converted to the compute type (float, double for double X).
#include <memory>

#include "kernels/common/norm_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class BatchNorm final : public Kernel {
 public:
  explicit BatchNorm(const KernelInit& init) {
    const ir::Node& n = init.node;
    epsilon_ = n.attr_float("epsilon", 1e-5f);
    momentum_ = n.attr_float("momentum", 0.9f);
    spatial_ = init.opset() >= 9 || n.attr_int("spatial", 1) != 0;
    if (init.opset() >= 14) {
      training_ = n.attr_int("training_mode", 0) != 0;
      if (!training_ && (init.node.output(1) || init.node.output(2)))
        fail(ErrorCode::kInvalidArgument,
             "outputs running_mean and running_var are only produced in training mode (training_mode=1)");
    } else if (init.opset() < 7) {
      training_ = n.attr_int("is_test", 0) == 0;
    } else {
      for (int i = 1; i < n.num_outputs(); ++i) training_ = training_ || n.output(i) != nullptr;
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 1) fail(ErrorCode::kInvalidArgument, "input must have rank >= 1, got a scalar");
    const int64_t n = x.dim(0);
    const int64_t c = x.rank() > 1 ? x.dim(1) : 1;
    int64_t spatial = 1;
    for (int d = 2; d < x.rank(); ++d) spatial *= x.dim(d);
    // Parameters per channel, or per activation (spatial = 0, before opset 9).
    const Tensor& scale = ctx.input(1);
    int64_t params = c, inner = spatial;
    if (!spatial_ && scale.numel() != c) params = c * spatial, inner = 1;
    for (int i = 1; i <= 4; ++i) {
      const Tensor& p = ctx.input(i);
      if (p.numel() != params)
        fail(ErrorCode::kInvalidArgument, kParamNames[i], " has ", p.numel(), " elements (", p.describe(),
             ") but the input ", x.describe(), " needs ", params, spatial_ ? " (one per channel)" : " (one per activation)");
    }
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      compute<T, C>(ctx, x, n, params, inner, y);
    });
  }

 private:
  static constexpr const char* kParamNames[5] = {"X", "scale", "B", "mean", "var"};

  template <typename T, typename C>
  void compute(KernelContext& ctx, const Tensor& x, int64_t n, int64_t params, int64_t inner, Tensor& y) const {
    const std::vector<C> scale = param_values<C>(ctx.input(1), "scale");
    const std::vector<C> bias = param_values<C>(ctx.input(2), "B");
    std::vector<C> mean = param_values<C>(ctx.input(3), "mean");
    std::vector<C> var = param_values<C>(ctx.input(4), "var");
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const size_t np = static_cast<size_t>(params);
    std::vector<C> batch_mean, batch_var;
    if (training_) {
      // Batch statistics per parameter, over N and the spatial dims.
      batch_mean.assign(np, 0);
      batch_var.assign(np, 0);
      const int64_t count = n * inner;
      parallel_for(ctx.pool(), params, grain_for(count * 2), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          C s = 0;
          for (int64_t b = 0; b < n; ++b) {
            const T* src = px + (b * params + p) * inner;
            for (int64_t i = 0; i < inner; ++i) s += C(compute_t<T>(src[i]));
          }
          const C m = s / static_cast<C>(count);
          C v = 0;
          for (int64_t b = 0; b < n; ++b) {
            const T* src = px + (b * params + p) * inner;
            for (int64_t i = 0; i < inner; ++i) {
              C d = C(compute_t<T>(src[i])) - m;
              v += d * d;
            }
          }
          batch_mean[static_cast<size_t>(p)] = m;
          batch_var[static_cast<size_t>(p)] = v / static_cast<C>(count);
        }
      });
    }
    const std::vector<C>& use_mean = training_ ? batch_mean : mean;
    const std::vector<C>& use_var = training_ ? batch_var : var;
    // y = (x - mean) * a + bias, a = scale / sqrt(var + epsilon). Folding the
    // mean into the bias (x * a + b) would lose precision when |mean| is
    // large against the spread.
    std::vector<C> a(np);
    for (size_t p = 0; p < np; ++p) a[p] = scale[p] / std::sqrt(use_var[p] + static_cast<C>(epsilon_));
    parallel_for(ctx.pool(), n * params, grain_for(inner), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const size_t p = static_cast<size_t>(r % params);
        const C ap = a[p], mp = use_mean[p], bp = bias[p];
        const T* src = px + r * inner;
        T* dst = py + r * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = store_as<T>((C(compute_t<T>(src[i])) - mp) * ap + bp);
      }
    });
    if (!training_) return;
    const C mom = static_cast<C>(momentum_);
    auto emit = [&](int i, const std::vector<C>& v, DataType dt) {
      if (!ctx.output_wanted(i)) return;
      Tensor& t = ctx.output(i, ctx.input(3).shape(), dt);
      dispatch_float(dt, [&]<typename S>() {
        S* o = t.data<S>();
        for (size_t k = 0; k < v.size(); ++k) o[k] = store_as<S>(v[k]);
      });
    };
    std::vector<C> run_mean(np), run_var(np);
    for (size_t p = 0; p < np; ++p) {
      run_mean[p] = mean[p] * mom + batch_mean[p] * (C(1) - mom);
      run_var[p] = var[p] * mom + batch_var[p] * (C(1) - mom);
    }
    emit(1, run_mean, ctx.input(3).dtype());
    emit(2, run_var, ctx.input(4).dtype());
    emit(3, batch_mean, x.dtype());
    emit(4, batch_var, x.dtype());
  }

  float epsilon_ = 1e-5f;
  float momentum_ = 0.9f;
  bool spatial_ = true;
  bool training_ = false;
};

void infer_batch_norm(InferContext& ctx) {
  const ir::Dims* in = ctx.input_dims(0);
  if (in && in->empty()) ctx.fail("input must have rank >= 1, got a scalar");
  infer::same_as_input(ctx);
  // Running statistics: the type and shape of the mean / var inputs; saved
  // statistics (before opset 14): X's element type, mean's shape.
  for (int i = 1; i < ctx.num_outputs() && i <= 4; ++i) {
    if (!ctx.has_output(i)) continue;
    const ir::Type& src = ctx.input_type(i <= 2 ? i + 2 : 3);
    ir::Type t = src;
    if (i > 2) t.elem = ctx.input_dtype(0);
    ctx.set_output(i, t);
  }
}

}  // namespace

ONYX_KERNEL({.op = "BatchNormalization", .since = 1, .types = float_type_list(), .infer = infer_batch_norm,
             .create = create<BatchNorm>});

}  // namespace onyx
