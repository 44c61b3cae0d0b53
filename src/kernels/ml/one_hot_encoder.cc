// OneHotEncoder (ai.onnx.ml 1): each element of X becomes a row of K floats
// with a 1 at the position of its category (cats_int64s for numeric input,
// cats_strings for strings): Y has X's shape plus a last dimension K. A value
// in no category gives an all-zero row when zeros = 1 (the default) and is
// an error otherwise. Float inputs are matched as integers (truncated).
#include <cmath>
#include <unordered_map>

#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class OneHotEncoder final : public Kernel {
 public:
  explicit OneHotEncoder(const KernelInit& init) {
    const ir::Node& n = init.node;
    const std::vector<int64_t> ints = n.attr_ints("cats_int64s");
    const std::vector<std::string> strs = n.attr_strings("cats_strings");
    if (ints.empty() == strs.empty())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": exactly one of cats_int64s and cats_strings must be given");
    for (size_t i = 0; i < ints.size(); ++i) int_index_.emplace(ints[i], static_cast<int64_t>(i));
    for (size_t i = 0; i < strs.size(); ++i) str_index_.emplace(strs[i], static_cast<int64_t>(i));
    k_ = static_cast<int64_t>(std::max(ints.size(), strs.size()));
    zeros_ = n.attr_int("zeros", 1) != 0;
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const bool strings = x.dtype() == DataType::kString;
    if (strings != !str_index_.empty())
      fail(ErrorCode::kInvalidArgument, "X is ", dtype_name(x.dtype()), " but the categories are ",
           strings ? "integers (cats_int64s)" : "strings (cats_strings)");
    Shape shape = x.shape();
    shape.push_back(k_);
    Tensor& y = ctx.output(0, shape, DataType::kFloat);
    float* py = y.data<float>();
    std::fill(py, py + y.numel(), 0.0f);
    for (int64_t i = 0; i < x.numel(); ++i) {
      int64_t c = -1;
      if (strings) {
        auto it = str_index_.find(x.data<std::string>()[i]);
        if (it != str_index_.end()) c = it->second;
      } else {
        const double v = x.real_at(i);
        if (std::isfinite(v) && std::abs(v) < 9.2e18) {
          auto it = int_index_.find(static_cast<int64_t>(v));
          if (it != int_index_.end()) c = it->second;
        }
      }
      if (c >= 0) py[i * k_ + c] = 1.0f;
      else if (!zeros_)
        fail(ErrorCode::kInvalidArgument, "element ", i, " of X is in no category (and zeros = 0)");
    }
  }

 private:
  std::unordered_map<int64_t, int64_t> int_index_;
  std::unordered_map<std::string, int64_t> str_index_;
  int64_t k_ = 0;
  bool zeros_ = true;
};

void infer_one_hot_encoder(InferContext& ctx) {
  const ir::Node& n = ctx.node();
  const int64_t k = static_cast<int64_t>(std::max(n.attr_ints("cats_int64s").size(), n.attr_strings("cats_strings").size()));
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) {
    ctx.set_output_unranked(0, DataType::kFloat);
    return;
  }
  ir::Dims d = *x;
  d.push_back(ir::Dim(k));
  ctx.set_output(0, DataType::kFloat, std::move(d));
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "OneHotEncoder", .since = 1,
             .types = {DataType::kString, DataType::kInt64, DataType::kInt32, DataType::kFloat, DataType::kDouble},
             .infer = infer_one_hot_encoder, .create = create<OneHotEncoder>});

}  // namespace onyx
