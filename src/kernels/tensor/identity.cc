// Identity: passes its input through (tensor, sequence or optional) without a copy.
#include "shape/infer.h"

namespace onyx {

namespace {

class Identity final : public Kernel {
 public:
  explicit Identity(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    ctx.set_output(0, v ? *v : Value());
  }
};

void infer_identity(InferContext& ctx) {
  infer::same_as_input(ctx);
  if (const ir::Dims* v = ctx.input_values(0)) ctx.set_output_values(0, *v);
}

}  // namespace

ONYX_KERNEL({.op = "Identity", .since = 1, .infer = infer_identity, .create = create<Identity>});

}  // namespace onyx
