// NegativeLogLikelihoodLoss (opsets 12, 13, 22): the loss of log-probabilities
// `input` [N, C, D...] against class indices `target` [N, D...], optionally
// weighted per class, with reduction none / sum / mean and an optional
// ignore_index. The arithmetic is in kernels/common/loss_util.h.
#include "kernels/common/loss_util.h"
#include "kernels/common/reduce_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class NllLoss final : public Kernel {
 public:
  explicit NllLoss(const KernelInit& init) {
    reduction_ = loss_reduction(init.node.attr_string("reduction", "mean"));
    if (init.node.has_attr("ignore_index")) ignore_index_ = init.node.attr_int("ignore_index", 0);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& input = ctx.input(0);
    const Tensor& target = ctx.input(1);
    const Tensor* weight = ctx.optional_input(2);
    const LossDims dims = loss_dims(input, target, weight, "input");
    Tensor& out = ctx.output(0, reduction_ == LossReduction::kNone ? target.shape() : Shape{}, input.dtype());
    dispatch_float(input.dtype(), [&]<typename T>() {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      if constexpr (std::is_same_v<T, C>) {
        nll_loss<T, C>(input.data<T>(), dims, target, weight, ignore_index_, reduction_, out);
      } else {
        std::vector<C> logp(static_cast<size_t>(input.numel()));
        for (size_t i = 0; i < logp.size(); ++i) logp[i] = static_cast<C>(input.data<T>()[i]);
        nll_loss<T, C>(logp.data(), dims, target, weight, ignore_index_, reduction_, out);
      }
    });
  }

 private:
  LossReduction reduction_ = LossReduction::kMean;
  std::optional<int64_t> ignore_index_;
};

}  // namespace

ONYX_KERNEL({.op = "NegativeLogLikelihoodLoss", .since = 12, .types = float_type_list(), .infer = infer_loss,
             .create = create<NllLoss>});

}  // namespace onyx
