// Variadic elementwise ops: Max, Min, Sum, Mean over one or more inputs with
// numpy broadcasting (opsets < 8 required equal shapes; broadcasting is a
// superset of that).
//
// Folded pairwise left to right, each step broadcasting into a fresh tensor,
// the last step into the output. Max/Min propagate NaN like numpy.maximum.
// Integer Sum wraps.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

enum class Var { kMax, kMin, kSum, kMean };

template <Var kOp, typename T>
inline T combine(T x, T y) {
  using C = compute_t<T>;
  if constexpr (kOp == Var::kMax || kOp == Var::kMin) {
    const C a = C(x), b = C(y);
    if constexpr (!std::is_integral_v<T>) {
      if (std::isnan(a)) return x;
      if (std::isnan(b)) return y;
    }
    if constexpr (kOp == Var::kMax) return a >= b ? x : y;
    else return a <= b ? x : y;
  } else {
    if constexpr (std::is_integral_v<T>) return wrap_add(x, y);
    else return store_as<T>(C(x) + C(y));
  }
}

template <Var kOp>
class Variadic final : public Kernel {
 public:
  explicit Variadic(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const int n = ctx.num_inputs();
    if (n == 0) fail(ErrorCode::kInvalidArgument, "needs at least one input");
    std::vector<const Tensor*> in;
    std::vector<const Shape*> shapes;
    for (int i = 0; i < n; ++i) {
      in.push_back(&ctx.input(i));
      shapes.push_back(&in.back()->shape());
    }
    check_same_dtypes(ctx);
    const DataType dt = in[0]->dtype();
    Shape out_shape = broadcast_shapes(std::span<const Shape* const>(shapes.data(), shapes.size()));
    if (n == 1 && kOp != Var::kMean) {
      ctx.set_output(0, Value(*in[0]));  // a single input passes through unchanged
      return;
    }
    dispatch_numeric(dt, [&]<typename T>() {
      if (n == 1) {  // Mean of one input
        Tensor& y = ctx.output(0, out_shape, dt);
        unary_map<T, T>(*in[0], y, [](T v) { return v; }, ctx.pool());
        return;
      }
      Tensor acc = *in[0];
      Tensor* result = nullptr;
      for (int k = 1; k < n; ++k) {
        const bool last = k == n - 1;
        Shape s = broadcast_shapes(acc.shape(), in[k]->shape());
        Tensor next;
        if (last) result = &ctx.output(0, s, dt);
        else next = Tensor(dt, s, ctx.allocator());
        Tensor& dst = last ? *result : next;
        binary_broadcast<T, T, T>(acc, *in[k], dst, [](T x, T y) { return combine<kOp, T>(x, y); }, ctx.pool());
        if (!last) acc = std::move(next);
      }
      if constexpr (kOp == Var::kMean) {
        using C = compute_t<T>;
        const C count = static_cast<C>(n);
        T* p = result->data<T>();
        parallel_for(ctx.pool(), result->numel(), 16384, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) p[i] = store_as<T>(C(p[i]) / count);
        });
      }
    }, ctx.node().op_type.c_str());
  }
};

// Max / Min of two shape-value inputs: exact where both are known, and for a
// symbolic dim against 0 (dims are never negative: Max(d, 0) = d, Min(d, 0) = 0).
template <Var kOp>
void infer_extreme(InferContext& ctx) {
  infer::variadic_op(ctx);
  if (ctx.num_inputs() != 2) return;
  infer::propagate_values(ctx, 0, 0, 1, [](const ir::Dim& x, const ir::Dim& y) -> ir::Dim {
    if (x.known() && y.known())
      return ir::Dim(kOp == Var::kMax ? std::max(x.value, y.value) : std::min(x.value, y.value));
    if (x == y) return x;
    for (const auto& [zero, other] : {std::pair{&x, &y}, std::pair{&y, &x}})
      if (zero->known() && zero->value == 0) return kOp == Var::kMax ? *other : ir::Dim(0);
    return ir::Dim();
  });
}

}  // namespace

ONYX_KERNEL({.op = "Max", .since = 1, .types = ew_types::numeric(), .infer = infer_extreme<Var::kMax>,
             .create = create<Variadic<Var::kMax>>});
ONYX_KERNEL({.op = "Min", .since = 1, .types = ew_types::numeric(), .infer = infer_extreme<Var::kMin>,
             .create = create<Variadic<Var::kMin>>});
ONYX_KERNEL({.op = "Sum", .since = 1, .types = ew_types::numeric(), .infer = infer::variadic_op,
             .create = create<Variadic<Var::kSum>>});
ONYX_KERNEL({.op = "Mean", .since = 1, .types = ew_types::floats(), .infer = infer::variadic_op,
             .create = create<Variadic<Var::kMean>>});

}  // namespace onyx
