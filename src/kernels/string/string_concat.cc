// StringConcat (opset 20): elementwise X + Y on string tensors, with
// multidirectional broadcasting.
#include "kernels/common/broadcast.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class StringConcat final : public Kernel {
 public:
  explicit StringConcat(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    for (const Tensor* t : {&a, &b})
      if (t->dtype() != DataType::kString)
        fail(ErrorCode::kInvalidArgument, "inputs must be string tensors, got ", dtype_name(t->dtype()));
    Tensor& y = ctx.output(0, broadcast_shapes(a.shape(), b.shape()), DataType::kString);
    binary_broadcast<std::string, std::string, std::string>(
        a, b, y, [](const std::string& x, const std::string& z) { return x + z; }, ctx.pool());
  }
};

void infer_string_concat(InferContext& ctx) {
  for (int i = 0; i < 2; ++i)
    if (ctx.input_dtype(i) != DataType::kUndefined && ctx.input_dtype(i) != DataType::kString)
      ctx.fail("input ", i, " must be a string tensor, is ", dtype_name(ctx.input_dtype(i)));
  infer::broadcast_inputs(ctx, DataType::kString);
}

}  // namespace

ONYX_KERNEL({.op = "StringConcat", .since = 20, .types = {DataType::kString}, .infer = infer_string_concat,
             .create = create<StringConcat>});

}  // namespace onyx
