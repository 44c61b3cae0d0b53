// IsNaN and IsInf: float classification into a bool tensor. The float8 types
// (opset 20) are decoded to float first; formats without infinities never
// report one.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

template <typename T>
inline constexpr bool kClassifiable = std::is_floating_point_v<T> || is_small_float_v<T> ||
                                      std::is_same_v<T, Float8E4M3FN> || std::is_same_v<T, Float8E4M3FNUZ> ||
                                      std::is_same_v<T, Float8E5M2> || std::is_same_v<T, Float8E5M2FNUZ>;

// Calls fn(float-or-double value) -> bool over every element of x.
template <typename Pred>
void classify(KernelContext& ctx, Pred pred) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0, x.shape(), DataType::kBool);
  dispatch_all(x.dtype(), [&]<typename T>() {
    if constexpr (kClassifiable<T>) {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      unary_map<T, bool>(x, y, [&](T v) { return pred(static_cast<C>(v)); }, ctx.pool());
    } else {
      throw_unsupported_dtype(x.dtype(), ctx.node().op_type.c_str());
    }
  }, ctx.node().op_type.c_str());
}

class IsNaN final : public Kernel {
 public:
  explicit IsNaN(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    classify(ctx, [](auto v) { return std::isnan(v); });
  }
};

class IsInf final : public Kernel {
 public:
  explicit IsInf(const KernelInit& init)
      : negative_(init.node.attr_int("detect_negative", 1) != 0),
        positive_(init.node.attr_int("detect_positive", 1) != 0) {}
  void run(KernelContext& ctx) const override {
    const bool neg = negative_, pos = positive_;
    classify(ctx, [neg, pos](auto v) { return std::isinf(v) && (v > 0 ? pos : neg); });
  }

 private:
  bool negative_, positive_;
};

void infer_to_bool(InferContext& ctx) { infer::same_shape_as(ctx, 0, DataType::kBool); }

std::vector<DataType> classifiable_types() {
  std::vector<DataType> v = ew_types::floats();
  for (DataType t : ew_types::float8s()) v.push_back(t);
  return v;
}

}  // namespace

ONYX_KERNEL({.op = "IsNaN", .since = 9, .types = classifiable_types(), .infer = infer_to_bool, .create = create<IsNaN>});
ONYX_KERNEL({.op = "IsInf", .since = 10, .types = classifiable_types(), .infer = infer_to_bool, .create = create<IsInf>});

}  // namespace onyx
