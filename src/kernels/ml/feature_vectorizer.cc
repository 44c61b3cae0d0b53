// FeatureVectorizer (ai.onnx.ml 1): concatenates its inputs' feature columns
// into one float tensor [N, sum(inputdimensions)]. Input i is [N, C_i] (a
// 1-D input is one row); its first inputdimensions[i] columns are taken,
// padded with zeros when it has fewer.
#include "shape/infer.h"

namespace onyx {

namespace {

class FeatureVectorizer final : public Kernel {
 public:
  explicit FeatureVectorizer(const KernelInit& init) {
    dims_ = init.node.attr_ints("inputdimensions");
    for (int64_t d : dims_)
      if (d < 0) fail(ErrorCode::kInvalidGraph, init.node.describe(), ": inputdimensions holds a negative size ", d);
    if (static_cast<int>(dims_.size()) != init.node.num_inputs())
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": inputdimensions has ", dims_.size(), " sizes for ",
           init.node.num_inputs(), " inputs");
  }

  void run(KernelContext& ctx) const override {
    int64_t total = 0;
    for (int64_t d : dims_) total += d;
    int64_t n = -1;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& x = ctx.input(i);
      const int64_t rows = x.rank() <= 1 ? 1 : x.dim(0);
      if (n >= 0 && rows != n)
        fail(ErrorCode::kInvalidArgument, "input ", i, " has ", rows, " rows but input 0 has ", n);
      n = rows;
    }
    if (n < 0) n = 0;
    Tensor& y = ctx.output(0, {n, total}, DataType::kFloat);
    float* py = y.data<float>();
    std::fill(py, py + y.numel(), 0.0f);
    int64_t col = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& x = ctx.input(i);
      if (x.dtype() != DataType::kFloat && x.dtype() != DataType::kDouble && x.dtype() != DataType::kInt64 &&
          x.dtype() != DataType::kInt32)
        fail(ErrorCode::kInvalidArgument, "input ", i, " must be float, double, int32 or int64, got ", dtype_name(x.dtype()));
      const int64_t c = n == 0 ? 0 : x.numel() / n;
      const int64_t take = std::min(c, dims_[static_cast<size_t>(i)]);
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < take; ++j) py[r * total + col + j] = static_cast<float>(x.real_at(r * c + j));
      col += dims_[static_cast<size_t>(i)];
    }
  }

 private:
  std::vector<int64_t> dims_;
};

void infer_feature_vectorizer(InferContext& ctx) {
  int64_t total = 0;
  for (int64_t d : ctx.node().attr_ints("inputdimensions")) total += d;
  ir::Dim n;
  if (const ir::Dims* x = ctx.input_dims(0)) n = x->size() <= 1 ? ir::Dim(1) : (*x)[0];
  ctx.set_output(0, DataType::kFloat, {n, ir::Dim(total)});
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "FeatureVectorizer", .since = 1, .infer = infer_feature_vectorizer,
             .create = create<FeatureVectorizer>});

}  // namespace onyx
