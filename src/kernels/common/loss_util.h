// The negative log-likelihood core shared by NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss (which is log-softmax over dim 1 followed by it).
//
// For input log-probabilities of shape [N, C, D...] and int32/int64 targets
// of shape [N, D...]:
//   loss[n, d] = -input[n, target[n, d], d] * w[target[n, d]]   (w = weight or 1)
// with loss and w set to 0 where target == ignore_index; then reduction
// "none" (loss as is), "sum", or "mean" = sum(loss) / sum(w over the targets).
// Every target that is not ignore_index must lie in [0, C): targets are
// untrusted indices. Sums run in double.
#pragma once

#include <optional>
#include <string>

#include "base/tensor.h"
#include "kernels/common/math.h"
#include "shape/infer.h"

namespace onyx {

enum class LossReduction { kNone, kSum, kMean };

inline LossReduction loss_reduction(const std::string& s) {
  if (s == "none") return LossReduction::kNone;
  if (s == "sum") return LossReduction::kSum;
  if (s == "mean") return LossReduction::kMean;
  fail(ErrorCode::kInvalidArgument, "reduction must be 'none', 'sum' or 'mean', got '", s, "'");
}

// Checks the shapes of input [N, C, D...], target [N, D...] and weight [C];
// returns {N, C, D} with D the product of the trailing dims.
struct LossDims {
  int64_t n, c, d;
};
inline LossDims loss_dims(const Tensor& input, const Tensor& target, const Tensor* weight, const char* input_name) {
  if (input.rank() < 2)
    fail(ErrorCode::kInvalidArgument, input_name, " must have rank >= 2 ([N, C, ...]), got ", input.describe());
  if (target.dtype() != DataType::kInt32 && target.dtype() != DataType::kInt64)
    fail(ErrorCode::kInvalidArgument, "target must be int32 or int64, got ", target.describe());
  bool ok = target.rank() == input.rank() - 1 && target.dim(0) == input.dim(0);
  for (int i = 1; ok && i < target.rank(); ++i) ok = target.dim(i) == input.dim(i + 1);
  if (!ok)
    fail(ErrorCode::kInvalidArgument, "target ", target.describe(), " does not match ", input_name, " ",
         input.describe(), ": expected shape [N, D1, ...] of the input without its class dim");
  const int64_t c = input.dim(1);
  if (weight && (weight->rank() != 1 || weight->dim(0) != c))
    fail(ErrorCode::kInvalidArgument, "weight ", weight->describe(), " must be 1-D with one value per class (", c, ")");
  const int64_t n = input.dim(0);
  int64_t d = 1;
  for (int i = 2; i < input.rank(); ++i) d *= input.dim(i);
  return {n, c, d};
}

// logp: [N, C, D] log-probabilities in compute type C; out: the loss tensor
// (already allocated: target's shape for kNone, a scalar otherwise) of type T.
template <typename T, typename C>
void nll_loss(const C* logp, const LossDims& dims, const Tensor& target, const Tensor* weight_t,
              std::optional<int64_t> ignore_index, LossReduction reduction, Tensor& out) {
  std::vector<double> weight;
  if (weight_t) {
    weight.resize(static_cast<size_t>(weight_t->numel()));
    for (size_t i = 0; i < weight.size(); ++i) weight[i] = weight_t->real_at(static_cast<int64_t>(i));
  }
  T* po = out.data<T>();
  double loss_sum = 0, weight_sum = 0;
  const int64_t total = dims.n * dims.d;
  for (int64_t i = 0; i < total; ++i) {
    const int64_t t = target.int_at(i);
    double loss = 0, w = 0;
    if (!(ignore_index && t == *ignore_index)) {
      if (t < 0 || t >= dims.c)
        fail(ErrorCode::kInvalidArgument, "target value ", t, " at index ", i, " is out of range [0, ", dims.c, ")",
             ignore_index ? str_cat(" and is not ignore_index ", *ignore_index) : std::string());
      const int64_t nn = i / dims.d, dd = i % dims.d;
      w = weight.empty() ? 1.0 : weight[static_cast<size_t>(t)];
      loss = -static_cast<double>(logp[(nn * dims.c + t) * dims.d + dd]) * w;
    }
    if (reduction == LossReduction::kNone) po[i] = store_as<T>(static_cast<C>(loss));
    loss_sum += loss;
    weight_sum += w;
  }
  if (reduction == LossReduction::kSum) po[0] = store_as<T>(static_cast<C>(loss_sum));
  else if (reduction == LossReduction::kMean) po[0] = store_as<T>(static_cast<C>(loss_sum / weight_sum));
}

// Shape inference of both losses: output 0 is the target's shape
// (reduction none) or a scalar; output 1 (SCE's log_prob) is the input's type.
inline void infer_loss(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  const ir::Dims* tg = ctx.input_dims(1);
  if (in && in->size() < 2) ctx.fail("input must have rank >= 2 ([N, C, ...]), got rank ", in->size());
  if (in && tg && tg->size() + 1 != in->size())
    ctx.fail("target has rank ", tg->size(), " but the input has rank ", in->size(), " (expected one less)");
  const LossReduction r = loss_reduction(ctx.node().attr_string("reduction", "mean"));
  if (r != LossReduction::kNone) ctx.set_output(0, dt, {});
  else if (tg) ctx.set_output(0, dt, *tg);
  else ctx.set_output_unranked(0, dt);
  if (ctx.num_outputs() > 1) ctx.set_output(1, ctx.input_type(0));
}

}  // namespace onyx
