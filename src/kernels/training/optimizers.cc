// The optimizer ops of ai.onnx.preview.training (version 1): Adagrad, Adam
// and Momentum. Each takes a learning rate R (scalar), an iteration count T
// (int64 scalar) and then, for n optimized tensors, n of each per-tensor
// input (X..., G..., state...), and returns the n updated tensors followed
// by the n updated states. The update rules, per element, with
// g = norm_coefficient * x + grad (L2 regularization's gradient added):
//
//   Adagrad  r' = R / (1 + T * decay_factor);  h' = h + g^2;
//            x' = x - r' * g / (sqrt(h') + epsilon)
//   Adam     v' = alpha * v + (1 - alpha) * g;  h' = beta * h + (1 - beta) * g^2
//            r' = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R
//            x' = (1 - norm_coefficient_post) * (x - r' * v' / (sqrt(h') + epsilon))
//   Momentum v' = alpha * v + (T > 0 ? beta : 1) * g
//            standard: x' = x - R * v';  nesterov: x' = x - R * (g + alpha * v')
//
// Arithmetic is done in double and rounded to each tensor's type.
#include <cmath>

#include "kernels/common/float_elem.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class Optimizer { kAdagrad, kAdam, kMomentum };

// Inputs per optimized tensor after R and T (X, G, then the states).
constexpr int inputs_per_tensor(Optimizer o) { return o == Optimizer::kAdam ? 4 : 3; }
constexpr int outputs_per_tensor(Optimizer o) { return o == Optimizer::kAdam ? 3 : 2; }

template <Optimizer kOpt>
class OptimizerKernel final : public Kernel {
 public:
  explicit OptimizerKernel(const KernelInit& init) {
    const ir::Node& n = init.node;
    if constexpr (kOpt == Optimizer::kAdagrad) {
      decay_factor_ = n.attr_float("decay_factor", 0.0f);
      epsilon_ = n.attr_float("epsilon", 0.0f);
      norm_ = n.attr_float("norm_coefficient", 0.0f);
    } else if constexpr (kOpt == Optimizer::kAdam) {
      alpha_ = n.attr_float("alpha", 0.9f);
      beta_ = n.attr_float("beta", 0.999f);
      epsilon_ = n.attr_float("epsilon", 0.0f);
      norm_ = n.attr_float("norm_coefficient", 0.0f);
      norm_post_ = n.attr_float("norm_coefficient_post", 0.0f);
    } else {
      alpha_ = n.required_attr("alpha", ir::AttrType::kFloat).f;
      beta_ = n.required_attr("beta", ir::AttrType::kFloat).f;
      norm_ = n.required_attr("norm_coefficient", ir::AttrType::kFloat).f;
      const std::string mode = n.required_attr("mode", ir::AttrType::kString).s;
      if (mode != "standard" && mode != "nesterov")
        fail(ErrorCode::kInvalidGraph, n.describe(), ": mode is '", mode, "', expected 'standard' or 'nesterov'");
      nesterov_ = mode == "nesterov";
    }
  }

  void run(KernelContext& ctx) const override {
    const int per = inputs_per_tensor(kOpt);
    const int n_in = ctx.num_inputs() - 2;
    if (n_in <= 0 || n_in % per != 0)
      fail(ErrorCode::kInvalidArgument, "expected R, T and ", per, " inputs per optimized tensor, got ",
           ctx.num_inputs(), " inputs");
    const int n = n_in / per;
    const Tensor& r_t = ctx.input(0);
    const Tensor& t_t = ctx.input(1);
    if (r_t.numel() != 1 || !dtype_is_float(r_t.dtype()))
      fail(ErrorCode::kInvalidArgument, "R must be a float scalar, got ", r_t.describe());
    if (t_t.numel() != 1 || t_t.dtype() != DataType::kInt64)
      fail(ErrorCode::kInvalidArgument, "T must be an int64 scalar, got ", t_t.describe());
    const double R = r_t.real_at(0);
    const int64_t T = t_t.data<int64_t>()[0];
    for (int i = 0; i < n; ++i) {
      const Tensor& x = ctx.input(2 + i);
      std::vector<const Tensor*> ins;
      for (int k = 1; k < per; ++k) {
        const Tensor& t = ctx.input(2 + k * n + i);
        if (t.shape() != x.shape())
          fail(ErrorCode::kInvalidArgument, "input ", 2 + k * n + i, " has shape ", shape_str(t.shape()),
               " but the tensor it belongs to (input ", 2 + i, ") has ", shape_str(x.shape()));
        ins.push_back(&t);
      }
      for (const Tensor* t : {&x, ins[0], ins[1]})
        if (t->dtype() != DataType::kFloat && t->dtype() != DataType::kDouble)
          fail(ErrorCode::kInvalidArgument, "optimized tensors must be float or double, got ", dtype_name(t->dtype()));
      std::vector<Tensor*> outs;
      for (int k = 0; k < outputs_per_tensor(kOpt); ++k) {
        const int o = k * n + i;
        const Tensor& like = k == 0 ? x : *ins[static_cast<size_t>(k)];
        outs.push_back(ctx.output_wanted(o) ? &ctx.output(o, like.shape(), like.dtype()) : nullptr);
      }
      update(R, T, x, ins, outs, ctx.pool());
    }
  }

 private:
  void update(double R, int64_t T, const Tensor& x, const std::vector<const Tensor*>& in,
              const std::vector<Tensor*>& out, ThreadPool* pool) const {
    const Tensor& g = *in[0];
    parallel_for(pool, x.numel(), 8192, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const double xv = float_at<double>(x, i);
        const double gr = norm_ * xv + float_at<double>(g, i);
        if constexpr (kOpt == Optimizer::kAdagrad) {
          const double r = R / (1.0 + static_cast<double>(T) * decay_factor_);
          const double h = float_at<double>(*in[1], i) + gr * gr;
          if (out[0]) float_store<double>(*out[0], i, xv - r * gr / (std::sqrt(h) + epsilon_));
          if (out[1]) float_store<double>(*out[1], i, h);
        } else if constexpr (kOpt == Optimizer::kAdam) {
          const double v = alpha_ * float_at<double>(*in[1], i) + (1.0 - alpha_) * gr;
          const double h = beta_ * float_at<double>(*in[2], i) + (1.0 - beta_) * gr * gr;
          const double tt = static_cast<double>(T);
          const double r = T > 0 ? R * std::sqrt(1.0 - std::pow(beta_, tt)) / (1.0 - std::pow(alpha_, tt)) : R;
          const double xn = xv - r * (v / (std::sqrt(h) + epsilon_));
          if (out[0]) float_store<double>(*out[0], i, (1.0 - norm_post_) * xn);
          if (out[1]) float_store<double>(*out[1], i, v);
          if (out[2]) float_store<double>(*out[2], i, h);
        } else {
          const double v = alpha_ * float_at<double>(*in[1], i) + (T > 0 ? beta_ : 1.0) * gr;
          const double xn = nesterov_ ? xv - R * (gr + alpha_ * v) : xv - R * v;
          if (out[0]) float_store<double>(*out[0], i, xn);
          if (out[1]) float_store<double>(*out[1], i, v);
        }
      }
    });
  }

  double decay_factor_ = 0, epsilon_ = 0, norm_ = 0, norm_post_ = 0, alpha_ = 0, beta_ = 0;
  bool nesterov_ = false;
};

template <Optimizer kOpt>
void infer_optimizer(InferContext& ctx) {
  const int per = inputs_per_tensor(kOpt);
  const int n_in = ctx.num_inputs() - 2;
  if (n_in <= 0 || n_in % per != 0)
    ctx.fail("expected R, T and ", per, " inputs per optimized tensor, got ", ctx.num_inputs(), " inputs");
  const int n = n_in / per;
  if (ctx.num_outputs() > outputs_per_tensor(kOpt) * n)
    ctx.fail("expected at most ", outputs_per_tensor(kOpt) * n, " outputs, got ", ctx.num_outputs());
  for (int k = 0; k < outputs_per_tensor(kOpt); ++k)
    for (int i = 0; i < n; ++i) {
      const int o = k * n + i;
      if (!ctx.has_output(o)) continue;
      // X_new is like X; each state output like its state input.
      const int src = k == 0 ? 2 + i : 2 + (k + 1) * n + i;
      ctx.set_output(o, ctx.input_type(src));
    }
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.preview.training", .op = "Adagrad", .since = 1,
             .infer = infer_optimizer<Optimizer::kAdagrad>, .create = create<OptimizerKernel<Optimizer::kAdagrad>>});
ONYX_KERNEL({.domain = "ai.onnx.preview.training", .op = "Adam", .since = 1,
             .infer = infer_optimizer<Optimizer::kAdam>, .create = create<OptimizerKernel<Optimizer::kAdam>>});
ONYX_KERNEL({.domain = "ai.onnx.preview.training", .op = "Momentum", .since = 1,
             .infer = infer_optimizer<Optimizer::kMomentum>, .create = create<OptimizerKernel<Optimizer::kMomentum>>});

}  // namespace onyx
