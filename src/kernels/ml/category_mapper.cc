// CategoryMapper (ai.onnx.ml 1): maps strings to int64 and int64 to strings
// through the parallel lists cats_strings / cats_int64s; values in neither
// give default_int64 (-1) or default_string ("_Unused").
#include <unordered_map>

#include "shape/infer.h"

namespace onyx {

namespace {

class CategoryMapper final : public Kernel {
 public:
  explicit CategoryMapper(const KernelInit& init) {
    const ir::Node& n = init.node;
    const std::vector<int64_t> ints = n.attr_ints("cats_int64s");
    const std::vector<std::string> strs = n.attr_strings("cats_strings");
    if (ints.size() != strs.size())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": cats_int64s (", ints.size(), ") and cats_strings (", strs.size(),
           ") must have the same length");
    // The first occurrence wins when a category is listed twice.
    for (size_t i = 0; i < ints.size(); ++i) {
      to_int_.emplace(strs[i], ints[i]);
      to_str_.emplace(ints[i], strs[i]);
    }
    default_int_ = n.attr_int("default_int64", -1);
    default_str_ = n.attr_string("default_string", "_Unused");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() == DataType::kString) {
      Tensor& y = ctx.output(0, x.shape(), DataType::kInt64);
      for (int64_t i = 0; i < x.numel(); ++i) {
        auto it = to_int_.find(x.data<std::string>()[i]);
        y.data<int64_t>()[i] = it == to_int_.end() ? default_int_ : it->second;
      }
    } else if (x.dtype() == DataType::kInt64) {
      Tensor& y = ctx.output(0, x.shape(), DataType::kString);
      for (int64_t i = 0; i < x.numel(); ++i) {
        auto it = to_str_.find(x.data<int64_t>()[i]);
        y.data<std::string>()[i] = it == to_str_.end() ? default_str_ : it->second;
      }
    } else {
      fail(ErrorCode::kInvalidArgument, "X must be string or int64, got ", dtype_name(x.dtype()));
    }
  }

 private:
  std::unordered_map<std::string, int64_t> to_int_;
  std::unordered_map<int64_t, std::string> to_str_;
  int64_t default_int_ = -1;
  std::string default_str_;
};

void infer_category_mapper(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  if (t == DataType::kUndefined) return infer::same_shape_as(ctx, 0, DataType::kUndefined);
  if (t != DataType::kString && t != DataType::kInt64) ctx.fail("X must be string or int64, got ", dtype_name(t));
  infer::same_shape_as(ctx, 0, t == DataType::kString ? DataType::kInt64 : DataType::kString);
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "CategoryMapper", .since = 1,
             .types = {DataType::kString, DataType::kInt64}, .infer = infer_category_mapper,
             .create = create<CategoryMapper>});

}  // namespace onyx
