// ReverseSequence: reverses the first sequence_lens[b] steps of each batch
// entry along the time axis; later steps are copied unchanged.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

class ReverseSequence final : public Kernel {
 public:
  explicit ReverseSequence(const KernelInit& init)
      : batch_axis_(init.node.attr_int("batch_axis", 1)), time_axis_(init.node.attr_int("time_axis", 0)) {
    if (!((batch_axis_ == 0 && time_axis_ == 1) || (batch_axis_ == 1 && time_axis_ == 0)))
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": batch_axis and time_axis must be 0 and 1 (either order)");
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& lens = ctx.input(1);
    if (x.rank() < 2) fail(ErrorCode::kInvalidArgument, "input must have rank >= 2, got ", x.describe());
    const int64_t batch = x.dim(static_cast<int>(batch_axis_)), steps = x.dim(static_cast<int>(time_axis_));
    if (lens.rank() != 1 || lens.dim(0) != batch)
      fail(ErrorCode::kInvalidArgument, "sequence_lens ", lens.describe(), " must have shape [", batch, "]");
    if (lens.dtype() != DataType::kInt64 && lens.dtype() != DataType::kInt32)
      fail(ErrorCode::kInvalidArgument, "sequence_lens must be int64, got ", lens.describe());
    std::vector<int64_t> len = lens.to_int64_vector();
    for (int64_t b = 0; b < batch; ++b)
      if (len[static_cast<size_t>(b)] < 0 || len[static_cast<size_t>(b)] > steps)
        fail(ErrorCode::kInvalidArgument, "sequence_lens[", b, "] = ", len[static_cast<size_t>(b)],
             " is outside [0, ", steps, "]");
    if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "ReverseSequence of packed ", dtype_name(x.dtype()));
    Tensor& out = ctx.output(0, x.shape(), x.dtype());
    if (out.numel() == 0) return;
    const int64_t inner = x.numel() / (batch * steps);
    // Element offset of (time t, batch b) rows.
    auto row = [&](int64_t t, int64_t b) { return (time_axis_ == 0 ? t * batch + b : b * steps + t) * inner; };
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t l = len[static_cast<size_t>(b)];
      for (int64_t t = 0; t < steps; ++t) copy_elements(x, row(t < l ? l - 1 - t : t, b), out, row(t, b), inner);
    }
  }

 private:
  int64_t batch_axis_, time_axis_;
};

}  // namespace

ONYX_KERNEL({.op = "ReverseSequence", .since = 10, .infer = infer::same_as_input, .create = create<ReverseSequence>});

}  // namespace onyx
