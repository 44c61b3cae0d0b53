// Boolean logic: Not, And, Or, Xor (bool tensors only, numpy broadcasting;
// opset 1 has the legacy broadcast/axis attributes).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

class Not final : public Kernel {
 public:
  explicit Not(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kBool) throw_unsupported_dtype(x.dtype(), "Not");
    Tensor& y = ctx.output(0, x.shape(), DataType::kBool);
    unary_map<bool, bool>(x, y, [](bool v) { return !v; }, ctx.pool());
  }
};

enum class Logic { kAnd, kOr, kXor };

template <Logic kOp>
class Logical final : public Kernel {
 public:
  explicit Logical(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    Tensor b = legacy_input_b(ctx);
    if (a.dtype() != DataType::kBool) throw_unsupported_dtype(a.dtype(), ctx.node().op_type.c_str());
    if (b.dtype() != DataType::kBool) throw_unsupported_dtype(b.dtype(), ctx.node().op_type.c_str());
    Tensor& c = ctx.output(0, broadcast_shapes(a.shape(), b.shape()), DataType::kBool);
    binary_broadcast<bool, bool, bool>(a, b, c, [](bool x, bool y) {
      if constexpr (kOp == Logic::kAnd) return x && y;
      else if constexpr (kOp == Logic::kOr) return x || y;
      else return x != y;
    }, ctx.pool());
  }
};

}  // namespace

ONYX_KERNEL({.op = "Not", .since = 1, .types = ew_types::only(DataType::kBool), .infer = infer::same_as_input,
             .create = create<Not>});
ONYX_KERNEL({.op = "And", .since = 1, .types = ew_types::only(DataType::kBool), .infer = infer::binary_to_bool,
             .create = create<Logical<Logic::kAnd>>});
ONYX_KERNEL({.op = "Or", .since = 1, .types = ew_types::only(DataType::kBool), .infer = infer::binary_to_bool,
             .create = create<Logical<Logic::kOr>>});
ONYX_KERNEL({.op = "Xor", .since = 1, .types = ew_types::only(DataType::kBool), .infer = infer::binary_to_bool,
             .create = create<Logical<Logic::kXor>>});

}  // namespace onyx
