// Add, Sub, Mul, Div: numeric binary ops with multidirectional broadcasting.
//
// Opsets < 7 had "legacy" broadcasting (attributes broadcast/axis); those are
// honoured by reshaping B so numpy rules give the same result.
#include "kernels/common/broadcast.h"
#include "kernels/common/math.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class ArithOp { kAdd, kSub, kMul, kDiv };

// Opset < 7: B broadcasts to A starting at `axis` (default: suffix), only when broadcast=1.
Shape legacy_b_shape(const ir::Node& node, const Shape& a, const Shape& b) {
  if (node.opset >= 7 || node.attr_int("broadcast", 0) == 0) return b;
  int64_t axis = node.attr_int("axis", static_cast<int64_t>(a.size() - b.size()));
  if (axis < 0) axis += static_cast<int64_t>(a.size());
  Shape out = b;
  for (int64_t i = axis + static_cast<int64_t>(b.size()); i < static_cast<int64_t>(a.size()); ++i) out.push_back(1);
  return out;
}

template <ArithOp kOp>
class Arith final : public Kernel {
 public:
  explicit Arith(const KernelInit&) {}

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    // B by reference (a copy would hold its storage and keep it from being
    // taken below); the legacy broadcast's reshaped view only when needed.
    const Tensor& b_in = ctx.input(1);
    const Shape bs = legacy_b_shape(ctx.node(), a.shape(), b_in.shape());
    const bool legacy = bs != b_in.shape();
    const Tensor b_legacy = legacy ? b_in.reshaped(bs) : Tensor();
    const Tensor& b = legacy ? b_legacy : b_in;
    if (a.dtype() != b.dtype())
      fail(ErrorCode::kInvalidArgument, "inputs have different element types ", dtype_name(a.dtype()), " and ",
           dtype_name(b.dtype()));
    Shape os = broadcast_shapes(a.shape(), b.shape());
    // Every output element reads an operand with the output's shape at its
    // own index only, so a dying one can take the result: A, else B (a
    // per-channel scale times a feature map, c + x, c / x).
    const bool a_full = a.shape() == os, b_full = !legacy && b.shape() == os;
    Tensor& out = a_full && b_full ? ctx.output_in_place(0, {0, 1}, std::move(os), a.dtype())
                  : a_full         ? ctx.output_in_place(0, {0}, std::move(os), a.dtype())
                  : b_full         ? ctx.output_in_place(0, {1}, std::move(os), a.dtype())
                                   : ctx.output(0, std::move(os), a.dtype());
    dispatch_numeric(a.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      if constexpr (kOp == ArithOp::kDiv && std::is_integral_v<T>) {
        // Integer division by zero is undefined in C++ and ONNX: refuse it.
        const T* pb = b.data<T>();
        for (int64_t i = 0; i < b.numel(); ++i)
          if (pb[i] == 0) fail(ErrorCode::kInvalidArgument, "integer division by zero");
      }
      binary_broadcast<T, T, T>(a, b, out, [](T x, T y) -> T {
        if constexpr (kOp == ArithOp::kAdd) {
          if constexpr (std::is_integral_v<T>) return wrap_add(x, y);
          else return store_as<T>(C(x) + C(y));
        } else if constexpr (kOp == ArithOp::kSub) {
          if constexpr (std::is_integral_v<T>) return wrap_sub(x, y);
          else return store_as<T>(C(x) - C(y));
        } else if constexpr (kOp == ArithOp::kMul) {
          if constexpr (std::is_integral_v<T>) return wrap_mul(x, y);
          else return store_as<T>(C(x) * C(y));
        } else {
          if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
            // INT_MIN / -1 overflows: wrap like the other integer ops.
            if (y == -1) return wrap_sub(T(0), x);
            return static_cast<T>(x / y);
          } else {
            return store_as<T>(C(x) / C(y));
          }
        }
      }, ctx.pool());
    });
  }
};

void infer_arith(InferContext& ctx) {
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(1) != DataType::kUndefined &&
      ctx.input_dtype(0) != ctx.input_dtype(1))
    ctx.fail("inputs have different element types ", dtype_name(ctx.input_dtype(0)), " and ",
             dtype_name(ctx.input_dtype(1)));
  if (ctx.opset() < 7 && ctx.node().attr_int("broadcast", 0) != 0) {
    infer::same_as_input(ctx);  // legacy broadcast: B fits into A
    return;
  }
  infer::broadcast_inputs(ctx);
  // Shape arithmetic on known values (e.g. a computed Reshape target).
  const ir::Dims* a = ctx.input_values(0);
  const ir::Dims* b = ctx.input_values(1);
  if (a && b && (a->size() == b->size() || a->size() == 1 || b->size() == 1)) {
    size_t n = std::max(a->size(), b->size());
    ir::Dims out(n);
    for (size_t i = 0; i < n; ++i) {
      const ir::Dim& x = (*a)[a->size() == 1 ? 0 : i];
      const ir::Dim& y = (*b)[b->size() == 1 ? 0 : i];
      if (!x.known() || !y.known()) continue;
      const std::string& op = ctx.node().op_type;
      int64_t v = op == "Add" ? x.value + y.value : op == "Sub" ? x.value - y.value
                : op == "Mul" ? x.value * y.value : (y.value != 0 ? x.value / y.value : -1);
      out[i] = infer::dim_of(v);
    }
    ctx.set_output_values(0, std::move(out));
  }
}

}  // namespace

ONYX_KERNEL({.op = "Add", .since = 1, .types = kNumericTypes, .infer = infer_arith, .create = create<Arith<ArithOp::kAdd>>});
ONYX_KERNEL({.op = "Sub", .since = 1, .types = kNumericTypes, .infer = infer_arith, .create = create<Arith<ArithOp::kSub>>});
ONYX_KERNEL({.op = "Mul", .since = 1, .types = kNumericTypes, .infer = infer_arith, .create = create<Arith<ArithOp::kMul>>});
ONYX_KERNEL({.op = "Div", .since = 1, .types = kNumericTypes, .infer = infer_arith, .create = create<Arith<ArithOp::kDiv>>});

}  // namespace onyx
