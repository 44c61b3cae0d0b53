// ZipMap (ai.onnx.ml 1): turns each row of the float scores X [N, C] (or one
// row [C]) into a map from the class labels (classlabels_strings or
// classlabels_int64s, exactly one of them, C entries) to the row's values;
// the output is the sequence of the N maps, what scikit-learn exporters put
// after a classifier's probabilities.
#include <algorithm>

#include "shape/infer.h"

namespace onyx {

namespace {

// The class labels as a 1-D tensor (string or int64).
Tensor zip_map_labels(const ir::Node& n) {
  const bool has_s = n.has_attr("classlabels_strings"), has_i = n.has_attr("classlabels_int64s");
  if (has_s == has_i)
    fail(ErrorCode::kInvalidGraph, n.describe(), ": exactly one of classlabels_strings and classlabels_int64s must be set");
  if (has_s) {
    const std::vector<std::string> v = n.attr_strings("classlabels_strings");
    return Tensor::from<std::string>(v, {static_cast<int64_t>(v.size())});
  }
  const std::vector<int64_t> v = n.attr_ints("classlabels_int64s");
  return Tensor::from<int64_t>(v, {static_cast<int64_t>(v.size())});
}

class ZipMap final : public Kernel {
 public:
  explicit ZipMap(const KernelInit& init) : labels_(zip_map_labels(init.node)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "X must be float, got ", x.describe());
    if (x.rank() != 1 && x.rank() != 2)
      fail(ErrorCode::kInvalidArgument, "X must be [N, C] or [C], got ", x.describe());
    const int64_t rows = x.rank() == 2 ? x.dim(0) : 1, cols = x.dim(-1);
    if (cols != labels_.numel())
      fail(ErrorCode::kInvalidArgument, "X has ", cols, " columns but there are ", labels_.numel(),
           " class labels; they must match");
    std::vector<Value> maps;
    maps.reserve(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      Tensor values(DataType::kFloat, {cols});
      const float* src = x.data<float>() + r * cols;
      std::copy(src, src + cols, values.data<float>());
      // Labels are immutable and shared by every map.
      maps.push_back(Value::map(labels_, std::move(values)));
    }
    ctx.set_output(0, Value::sequence(DataType::kFloat, std::move(maps)));
  }

 private:
  Tensor labels_;
};

void infer_zip_map(InferContext& ctx) {
  const ir::Node& n = ctx.node();
  const bool has_s = n.has_attr("classlabels_strings"), has_i = n.has_attr("classlabels_int64s");
  if (has_s == has_i) ctx.fail("exactly one of classlabels_strings and classlabels_int64s must be set");
  const DataType in = ctx.input_dtype(0);
  if (in != DataType::kUndefined && in != DataType::kFloat) ctx.fail("X must be float, got ", dtype_name(in));
  const int rank = ctx.input_rank(0);
  if (rank > 2) ctx.fail("X must be [N, C] or [C], got rank ", rank);
  const ir::Dims* dims = ctx.input_dims(0);
  const int64_t count = has_s ? static_cast<int64_t>(n.attr_strings("classlabels_strings").size())
                              : static_cast<int64_t>(n.attr_ints("classlabels_int64s").size());
  if (dims && !dims->empty() && dims->back().known() && dims->back().value != count)
    ctx.fail("X has ", dims->back().value, " columns but there are ", count, " class labels; they must match");
  ctx.set_output(0, ir::Type::sequence(ir::Type::map(has_s ? DataType::kString : DataType::kInt64,
                                                     ir::Type::tensor(DataType::kFloat))));
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "ZipMap", .since = 1, .types = {DataType::kFloat}, .infer = infer_zip_map,
             .create = create<ZipMap>});

}  // namespace onyx
