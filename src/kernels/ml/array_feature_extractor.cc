// ArrayFeatureExtractor (ai.onnx.ml 1): selects entries of X's last
// dimension by the int64 indices Y (any shape, read flat): the output has
// X's leading dimensions and one entry per index ([1, n] for a 1-D X). Each
// index is checked against the last dimension.
#include "shape/infer.h"

namespace onyx {

namespace {

class ArrayFeatureExtractor final : public Kernel {
 public:
  explicit ArrayFeatureExtractor(const KernelInit&) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    if (y.dtype() != DataType::kInt64) fail(ErrorCode::kInvalidArgument, "Y must be int64, got ", dtype_name(y.dtype()));
    if (x.rank() == 0) fail(ErrorCode::kInvalidArgument, "X must have at least one dimension");
    const int64_t last = x.dim(-1);
    const int64_t k = y.numel();
    const int64_t* idx = y.data<int64_t>();
    for (int64_t j = 0; j < k; ++j)
      if (idx[j] < 0 || idx[j] >= last)
        fail(ErrorCode::kInvalidArgument, "index ", idx[j], " (Y[", j, "]) is out of range for X's last dimension ", last);
    Shape shape = x.rank() == 1 ? Shape{1, k} : x.shape();
    shape.back() = k;
    Tensor& out = ctx.output(0, shape, x.dtype());
    const int64_t rows = last == 0 ? 0 : x.numel() / last;
    dispatch_by_size(x.dtype(), [&]<typename T>() {
      const T* px = x.data<T>();
      T* po = out.data<T>();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < k; ++j) po[r * k + j] = px[r * last + idx[j]];
    });
  }
};

void infer_array_feature_extractor(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* y = ctx.input_dims(1);
  const DataType t = ctx.input_dtype(0);
  if (!x) return ctx.set_output_unranked(0, t);
  if (x->empty()) ctx.fail("X must have at least one dimension");
  ir::Dims d = x->size() == 1 ? ir::Dims{ir::Dim(1), ir::Dim()} : *x;
  d.back() = y ? infer::dim_of(infer::known_product(*y)) : ir::Dim();
  ctx.set_output(0, t, std::move(d));
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "ArrayFeatureExtractor", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32, DataType::kString},
             .infer = infer_array_feature_extractor, .create = create<ArrayFeatureExtractor>});

}  // namespace onyx
