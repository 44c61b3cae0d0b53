// Reference com.onyx FusedConv: the plain convolution, then + Z, then the
// activation — the oracle for the fused fast path in conv/conv_fast.cc.
#include <cstring>

#include "kernels/common/activation_attr.h"
#include "kernels/conv/conv_common.h"
#include "kernels/conv/conv_ref.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class FusedConvRef final : public Kernel {
 public:
  explicit FusedConvRef(const KernelInit& init)
      : attrs_(WindowAttrs::from_node(init.node)),
        group_(init.node.attr_int("group", 1)),
        epi_(activation_from_node(init.node)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    const Tensor* z = ctx.optional_input(3);
    for (const Tensor* t : {&x, &w, b, z})
      if (t && t->dtype() != DataType::kFloat)
        fail(ErrorCode::kInvalidArgument, "FusedConv takes float32 inputs, got ", t->describe());
    ConvShapes s = check_conv_shapes(attrs_, group_, x.shape(), w.shape());
    if (b) check_per_channel(*b, s.out_channels, "B", false);
    if (z && z->shape() != s.out_shape)
      fail(ErrorCode::kInvalidArgument, "residual input ", z->describe(), " must have shape ", shape_str(s.out_shape));
    Tensor& y = ctx.output(0, s.out_shape, DataType::kFloat);
    ConvArgs<float> a;
    a.batch = s.batch;
    a.in_channels = s.in_channels;
    a.out_channels = s.out_channels;
    a.group = s.group;
    a.geo = s.geo;
    a.x = x.data<float>();
    a.w = w.data<float>();
    a.bias = b ? b->data<float>() : nullptr;
    a.y = y.data<float>();
    conv_ref(a, ctx.pool());
    float* yp = y.data<float>();
    if (z)
      for (int64_t i = 0; i < y.numel(); ++i) yp[i] += z->data<float>()[i];
    ukernel::apply_activation(yp, y.numel(), epi_);
  }

 private:
  WindowAttrs attrs_;
  int64_t group_;
  ukernel::Epilogue epi_;
};

void infer_fused_conv(InferContext& ctx) { infer_conv_output(ctx, 0, 1, ctx.input_dtype(0)); }

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "FusedConv", .since = 1, .types = {DataType::kFloat},
             .infer = infer_fused_conv, .create = create<FusedConvRef>});

}  // namespace onyx
