// Comparisons: Equal, Less, Greater, LessOrEqual, GreaterOrEqual -> bool,
// with numpy broadcasting (legacy broadcast/axis attributes at opset 1).
//
// Equal also takes bool (opset 11) and string (opset 19) tensors. Float16 and
// bfloat16 compare as float; NaN compares unequal to everything, as IEEE says.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

enum class Cmp { kEq, kLt, kGt, kLe, kGe };

template <Cmp kOp, typename C>
inline bool compare(const C& x, const C& y) {
  if constexpr (kOp == Cmp::kEq) return x == y;
  else if constexpr (kOp == Cmp::kLt) return x < y;
  else if constexpr (kOp == Cmp::kGt) return x > y;
  else if constexpr (kOp == Cmp::kLe) return x <= y;
  else return x >= y;
}

template <Cmp kOp>
class Compare final : public Kernel {
 public:
  explicit Compare(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    Tensor b = legacy_input_b(ctx);
    check_same_dtypes(ctx);
    Tensor& c = ctx.output(0, broadcast_shapes(a.shape(), b.shape()), DataType::kBool);
    const char* what = ctx.node().op_type.c_str();
    auto numeric = [&]<typename T>() {
      using C = compute_t<T>;
      binary_broadcast<T, T, bool>(a, b, c, [](T x, T y) { return compare<kOp, C>(C(x), C(y)); }, ctx.pool());
    };
    if constexpr (kOp == Cmp::kEq) {
      if (a.dtype() == DataType::kBool) return numeric.template operator()<bool>();
      if (a.dtype() == DataType::kString) {
        return binary_broadcast<std::string, std::string, bool>(
            a, b, c, [](const std::string& x, const std::string& y) { return x == y; }, ctx.pool());
      }
    }
    dispatch_numeric(a.dtype(), numeric, what);
  }
};

// Equal on shape values: decided where both dims are known or both are the
// same symbol (negative constants are not tracked: they read as unknown).
void infer_equal(InferContext& ctx) {
  infer::binary_to_bool(ctx);
  infer::propagate_values(ctx, 0, 0, 1, [](const ir::Dim& x, const ir::Dim& y) -> ir::Dim {
    if (x.known() && y.known()) return ir::Dim(x.value == y.value ? 1 : 0);
    if (x.symbolic() && y.symbolic() && x.param == y.param) return ir::Dim(1);
    return ir::Dim();
  });
}

std::vector<DataType> equal_types() {
  std::vector<DataType> v = ew_types::numeric();
  v.push_back(DataType::kBool);
  v.push_back(DataType::kString);
  return v;
}

}  // namespace

ONYX_KERNEL({.op = "Equal", .since = 1, .types = equal_types(), .infer = infer_equal,
             .create = create<Compare<Cmp::kEq>>});
ONYX_KERNEL({.op = "Less", .since = 1, .types = ew_types::numeric(), .infer = infer::binary_to_bool,
             .create = create<Compare<Cmp::kLt>>});
ONYX_KERNEL({.op = "Greater", .since = 1, .types = ew_types::numeric(), .infer = infer::binary_to_bool,
             .create = create<Compare<Cmp::kGt>>});
ONYX_KERNEL({.op = "LessOrEqual", .since = 12, .types = ew_types::numeric(), .infer = infer::binary_to_bool,
             .create = create<Compare<Cmp::kLe>>});
ONYX_KERNEL({.op = "GreaterOrEqual", .since = 12, .types = ew_types::numeric(), .infer = infer::binary_to_bool,
             .create = create<Compare<Cmp::kGe>>});

}  // namespace onyx
