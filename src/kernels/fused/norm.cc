// com.onyx SkipLayerNormalization and RMSNormalization (docs/FUSED_OPS.md),
// produced by fuse_layer_norm.cc. Both normalize over the last axis.
//   SkipLayerNormalization(X, Skip, Gamma, Beta?, Bias?) -> Y, Sum?
//     Sum = X + Skip (+ Bias); Y = (Sum - mean) / sqrt(var + epsilon) * Gamma + Beta
//   RMSNormalization(X, Scale) -> Y = X / sqrt(mean(X^2) + epsilon) * Scale
// The reference kernels accumulate in double, one row after another; the
// fast ones run rows in parallel with float accumulation over two passes
// (mean first, then the centred variance: no cancellation); SkipLayerNorm's
// rows run on the per-ISA row kernels of ukernels/rows.h.
#include <cmath>
#include <vector>

#include "runtime/thread_pool.h"
#include "shape/infer.h"
#include "ukernels/rows.h"

namespace onyx {

namespace {

struct RowArgs {
  const float *x, *skip, *gamma, *beta, *bias;
  float *y, *sum;
  int64_t rows, cols;
};

void check_vec(const Tensor* t, int64_t cols, const char* what) {
  if (!t) return;
  if (t->dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, what, " must be float32, got ", t->describe());
  if (t->numel() != cols)
    fail(ErrorCode::kInvalidArgument, what, " ", t->describe(), " must have ", cols, " values (the last dim)");
}

RowArgs skip_args(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& skip = ctx.input(1);
  if (x.dtype() != DataType::kFloat || skip.dtype() != DataType::kFloat)
    fail(ErrorCode::kInvalidArgument, "X and Skip must be float32, got ", x.describe(), " and ", skip.describe());
  if (x.rank() < 1 || x.shape() != skip.shape())
    fail(ErrorCode::kInvalidArgument, "X ", x.describe(), " and Skip ", skip.describe(), " must have one shape");
  RowArgs a{};
  a.cols = x.dim(x.rank() - 1);
  a.rows = a.cols ? x.numel() / a.cols : 0;
  const Tensor& gamma = ctx.input(2);
  const Tensor* beta = ctx.optional_input(3);
  const Tensor* bias = ctx.optional_input(4);
  check_vec(&gamma, a.cols, "Gamma");
  check_vec(beta, a.cols, "Beta");
  check_vec(bias, a.cols, "Bias");
  a.x = x.data<float>();
  a.skip = skip.data<float>();
  a.gamma = gamma.data<float>();
  a.beta = beta ? beta->data<float>() : nullptr;
  a.bias = bias ? bias->data<float>() : nullptr;
  // Each row is read (x + skip) before any of it is written.
  a.y = ctx.output_in_place(0, {0, 1}, x.shape(), DataType::kFloat).data<float>();
  a.sum = ctx.output_wanted(1) ? ctx.output(1, x.shape(), DataType::kFloat).data<float>() : nullptr;
  return a;
}

class SkipLayerNormRef final : public Kernel {
 public:
  explicit SkipLayerNormRef(const KernelInit& init) : eps_(init.node.attr_float("epsilon", 1e-12f)) {}
  void run(KernelContext& ctx) const override {
    RowArgs a = skip_args(ctx);
    std::vector<double> s(static_cast<size_t>(a.cols));
    for (int64_t r = 0; r < a.rows; ++r) {
      const int64_t o = r * a.cols;
      double mean = 0, var = 0;
      for (int64_t c = 0; c < a.cols; ++c) {
        float v = a.x[o + c] + a.skip[o + c];
        if (a.bias) v += a.bias[c];
        if (a.sum) a.sum[o + c] = v;
        s[static_cast<size_t>(c)] = v;
        mean += v;
      }
      mean /= static_cast<double>(a.cols);
      for (int64_t c = 0; c < a.cols; ++c) var += (s[static_cast<size_t>(c)] - mean) * (s[static_cast<size_t>(c)] - mean);
      const double inv = 1.0 / std::sqrt(var / static_cast<double>(a.cols) + eps_);
      for (int64_t c = 0; c < a.cols; ++c)
        a.y[o + c] = static_cast<float>((s[static_cast<size_t>(c)] - mean) * inv * a.gamma[c] + (a.beta ? a.beta[c] : 0.0));
    }
  }

 private:
  float eps_;
};

class SkipLayerNormFast final : public Kernel {
 public:
  explicit SkipLayerNormFast(const KernelInit& init) : eps_(init.node.attr_float("epsilon", 1e-12f)) {}
  void run(KernelContext& ctx) const override {
    RowArgs a = skip_args(ctx);
    const ukernel::RowOps& ops = ukernel::row_ops();
    // 16 rows (48 KiB at 768 columns) per chunk: a row takes well under a
    // microsecond, so smaller chunks cost more to hand out than they run.
    parallel_for(ctx.pool(), a.rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t o = r * a.cols;
        ops.skip_layer_norm(a.x + o, a.skip + o, a.bias, a.gamma, a.beta, eps_, a.cols, a.y + o,
                            a.sum ? a.sum + o : nullptr);
      }
    });
  }

 private:
  float eps_;
};

void infer_skip_ln(InferContext& ctx) {
  ctx.set_output(0, ctx.input_type(0));
  if (ctx.has_output(1)) ctx.set_output(1, ctx.input_type(0));
}

template <bool kFast>
class RmsNorm final : public Kernel {
 public:
  explicit RmsNorm(const KernelInit& init) : eps_(init.node.attr_float("epsilon", 1e-5f)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    if (x.dtype() != DataType::kFloat || x.rank() < 1)
      fail(ErrorCode::kInvalidArgument, "X must be float32 of rank >= 1, got ", x.describe());
    const int64_t cols = x.dim(x.rank() - 1), rows = cols ? x.numel() / cols : 0;
    check_vec(&scale, cols, "Scale");
    float* y = ctx.output(0, x.shape(), DataType::kFloat).data<float>();
    const float *px = x.data<float>(), *g = scale.data<float>();
    auto rows_fn = [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float* xr = px + r * cols;
        float* yr = y + r * cols;
        if (kFast) {
          float ss = 0;
          for (int64_t c = 0; c < cols; ++c) ss += xr[c] * xr[c];
          const float inv = 1.f / std::sqrt(ss / static_cast<float>(cols) + eps_);
          for (int64_t c = 0; c < cols; ++c) yr[c] = xr[c] * inv * g[c];
        } else {
          double ss = 0;
          for (int64_t c = 0; c < cols; ++c) ss += static_cast<double>(xr[c]) * xr[c];
          const double inv = 1.0 / std::sqrt(ss / static_cast<double>(cols) + eps_);
          for (int64_t c = 0; c < cols; ++c) yr[c] = static_cast<float>(xr[c] * inv * g[c]);
        }
      }
    };
    if (kFast) parallel_for(ctx.pool(), rows, 8, rows_fn);
    else rows_fn(0, rows);
  }

 private:
  float eps_;
};

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "SkipLayerNormalization", .since = 1, .types = {DataType::kFloat},
             .infer = infer_skip_ln, .create = create<SkipLayerNormRef>});
ONYX_KERNEL({.domain = "com.onyx", .op = "SkipLayerNormalization", .since = 1, .types = {DataType::kFloat},
             .priority = 10, .impl = "rows", .create = create<SkipLayerNormFast>});
ONYX_KERNEL({.domain = "com.onyx", .op = "RMSNormalization", .since = 1, .types = {DataType::kFloat},
             .infer = infer::same_as_input, .create = create<RmsNorm<false>>});
ONYX_KERNEL({.domain = "com.onyx", .op = "RMSNormalization", .since = 1, .types = {DataType::kFloat},
             .priority = 10, .impl = "rows", .create = create<RmsNorm<true>>});

}  // namespace onyx
