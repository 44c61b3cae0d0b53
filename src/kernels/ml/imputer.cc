// Imputer (ai.onnx.ml 1): replaces the missing values of X ([N, C], or [C])
// -- those equal to replaced_value_float / replaced_value_int64, or NaN when
// replaced_value_float is NaN -- with imputed_value_floats /
// imputed_value_int64s (one value for all features, or one per feature).
// Float inputs use the float attributes, integer inputs the int64 ones.
#include <cmath>

#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Imputer final : public Kernel {
 public:
  explicit Imputer(const KernelInit& init) {
    const ir::Node& n = init.node;
    floats_ = n.attr_floats("imputed_value_floats");
    ints_ = n.attr_ints("imputed_value_int64s");
    replaced_float_ = n.attr_float("replaced_value_float", 0.0f);
    replaced_int_ = n.attr_int("replaced_value_int64", 0);
    if (floats_.empty() && ints_.empty())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": imputed_value_floats or imputed_value_int64s is required");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 1 && x.rank() != 2)
      fail(ErrorCode::kInvalidArgument, "X must be 1-D or 2-D, got shape ", shape_str(x.shape()));
    const int64_t c = x.dim(-1);
    const bool is_float = x.dtype() == DataType::kFloat || x.dtype() == DataType::kDouble;
    const size_t nv = is_float ? floats_.size() : ints_.size();
    if (nv == 0)
      fail(ErrorCode::kInvalidArgument, "X is ", dtype_name(x.dtype()), " but no imputed_value_",
           is_float ? "floats" : "int64s", " are given");
    if (nv != 1 && static_cast<int64_t>(nv) != c)
      fail(ErrorCode::kInvalidArgument, "there are ", nv, " imputed values but X has ", c, " features");
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    auto go = [&]<typename T>() {
      const T* px = x.data<T>();
      T* py = y.data<T>();
      parallel_for(ctx.pool(), x.numel(), 16384, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const size_t f = nv == 1 ? 0 : static_cast<size_t>(i % c);
          bool missing;
          if constexpr (std::is_floating_point_v<T>) {
            missing = std::isnan(replaced_float_) ? std::isnan(px[i]) : px[i] == static_cast<T>(replaced_float_);
            py[i] = missing ? static_cast<T>(floats_[f]) : px[i];
          } else {
            missing = static_cast<int64_t>(px[i]) == replaced_int_;
            py[i] = missing ? static_cast<T>(ints_[f]) : px[i];
          }
        }
      });
    };
    switch (x.dtype()) {
      case DataType::kFloat: go.template operator()<float>(); break;
      case DataType::kDouble: go.template operator()<double>(); break;
      case DataType::kInt64: go.template operator()<int64_t>(); break;
      case DataType::kInt32: go.template operator()<int32_t>(); break;
      default: throw_unsupported_dtype(x.dtype(), "Imputer");
    }
  }

 private:
  std::vector<float> floats_;
  std::vector<int64_t> ints_;
  float replaced_float_ = 0;
  int64_t replaced_int_ = 0;
};

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "Imputer", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32},
             .infer = infer::same_as_input, .create = create<Imputer>});

}  // namespace onyx
