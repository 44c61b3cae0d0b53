// Scaler (ai.onnx.ml 1): Y = (X - offset) * scale, per feature (the last
// dimension) or with one offset / scale for all; Y is float.
#include "kernels/common/ml_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Scaler final : public Kernel {
 public:
  explicit Scaler(const KernelInit& init) {
    offset_ = init.node.attr_floats("offset");
    scale_ = init.node.attr_floats("scale");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (!ml_numeric_input(x.dtype()))
      fail(ErrorCode::kInvalidArgument, "X must be float, double, int32 or int64, got ", dtype_name(x.dtype()));
    const int64_t c = x.rank() == 0 ? 1 : x.dim(-1);
    for (const auto* v : {&offset_, &scale_})
      if (v->size() > 1 && static_cast<int64_t>(v->size()) != c)
        fail(ErrorCode::kInvalidArgument, v == &offset_ ? "offset" : "scale", " has ", v->size(),
             " values but X has ", c, " features");
    Tensor& y = ctx.output(0, x.shape(), DataType::kFloat);
    auto at = [](const std::vector<float>& v, int64_t f, float dflt) {
      return v.empty() ? dflt : v.size() == 1 ? v[0] : v[static_cast<size_t>(f)];
    };
    parallel_for(ctx.pool(), x.numel(), 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t f = c == 0 ? 0 : i % c;
        y.data<float>()[i] = static_cast<float>((x.real_at(i) - at(offset_, f, 0.0f)) * at(scale_, f, 1.0f));
      }
    });
  }

 private:
  std::vector<float> offset_, scale_;
};

void infer_scaler(InferContext& ctx) { infer::same_shape_as(ctx, 0, DataType::kFloat); }

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "Scaler", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32},
             .infer = infer_scaler, .create = create<Scaler>});

}  // namespace onyx
