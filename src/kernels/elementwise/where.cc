// Where(condition, X, Y): X where condition else Y, broadcasting all three.
// Any element type for X/Y (strings included); condition is bool.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

class Where final : public Kernel {
 public:
  explicit Where(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& cond = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    if (cond.dtype() != DataType::kBool)
      fail(ErrorCode::kInvalidArgument, "condition must be bool, got ", dtype_name(cond.dtype()));
    check_same_dtypes(ctx, 1);
    const Shape* shapes[3] = {&cond.shape(), &x.shape(), &y.shape()};
    Tensor& out = ctx.output(0, broadcast_shapes(std::span<const Shape* const>(shapes, 3)), x.dtype());
    auto select = [&]<typename T>() {
      ternary_broadcast<bool, T, T, T>(cond, x, y, out, [](bool c, const T& a, const T& b) { return c ? a : b; },
                                       ctx.pool());
    };
    if (x.dtype() == DataType::kString) return select.template operator()<std::string>();
    if (dtype_is_packed(x.dtype()))
      fail(ErrorCode::kNotImplemented, "Where does not support packed element type ", dtype_name(x.dtype()));
    // Selection only moves elements: dispatch on the element size.
    dispatch_by_size(x.dtype(), select, "Where");
  }
};

void infer_where(InferContext& ctx) {
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kBool)
    ctx.fail("condition must be bool, got ", dtype_name(ctx.input_dtype(0)));
  infer::check_same_dtypes(ctx, 1);
  DataType dt = ctx.input_dtype(1) != DataType::kUndefined ? ctx.input_dtype(1) : ctx.input_dtype(2);
  infer::broadcast_inputs(ctx, dt);
  // Shape values: select where the condition is known (Where(Equal(shape, -1), ones, shape)).
  const ir::Dims* c = ctx.input_values(0);
  const ir::Dims* x = ctx.input_values(1);
  const ir::Dims* y = ctx.input_values(2);
  if (!c || !x || !y) return;
  const size_t n = std::max({c->size(), x->size(), y->size()});
  for (const ir::Dims* d : {c, x, y})
    if (d->size() != n && d->size() != 1) return;
  ir::Dims v(n);
  for (size_t i = 0; i < n; ++i) {
    const ir::Dim& ci = (*c)[c->size() == 1 ? 0 : i];
    if (!ci.known()) continue;
    v[i] = ci.value != 0 ? (*x)[x->size() == 1 ? 0 : i] : (*y)[y->size() == 1 ? 0 : i];
  }
  ctx.set_output_values(0, std::move(v));
}

}  // namespace

// Type filter on X (input 1): every type but the packed sub-byte ones.
ONYX_KERNEL({.op = "Where", .since = 9, .type_input = 1, .infer = infer_where, .create = create<Where>});

}  // namespace onyx
